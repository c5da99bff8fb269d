"""The editorial workflow: draft → submitted for review → published (→ unpublished).

Every change of state goes through ``activity_transition``, which checks that the
transition exists from the current state and that the user may make it, records who and
when, and saves the entry (so its history records the change too).
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .access import can_publish, in_scope
from .models import Activity, State


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise
    sources: frozenset[str]
    target: str
    publisher_only: bool
    done: Promise  # "%(count)d …" for the admin's messages


TRANSITIONS = {
    t.name: t
    for t in (
        Transition(
            "submit",
            _("Soumettre pour relecture"),
            frozenset({State.DRAFT, State.UNPUBLISHED}),
            State.SUBMITTED,
            publisher_only=False,
            done=_("soumis pour relecture"),
        ),
        Transition(
            "publish",
            _("Publier"),
            frozenset({State.DRAFT, State.SUBMITTED, State.UNPUBLISHED}),
            State.PUBLISHED,
            publisher_only=True,
            done=_("publié"),
        ),
        Transition(
            "unpublish",
            _("Dépublier"),
            frozenset({State.PUBLISHED}),
            State.UNPUBLISHED,
            publisher_only=True,
            done=_("dépublié"),
        ),
        Transition(
            "return_to_draft",
            _("Repasser en brouillon"),
            frozenset({State.SUBMITTED, State.UNPUBLISHED}),
            State.DRAFT,
            publisher_only=False,
            done=_("repassé en brouillon"),
        ),
    )
}


class TransitionRefused(Exception):
    """The transition does not exist from this state, or the user may not make it."""


def allowed_transitions(*, user, activity: Activity) -> list[Transition]:
    """The transitions this user can make on this entry now (for buttons and checks)."""
    return [
        transition
        for transition in TRANSITIONS.values()
        if _refusal(user=user, activity=activity, transition=transition) is None
    ]


def _refusal(*, user, activity, transition):
    if activity.state not in transition.sources:
        return _("« %(title)s » est à l'état « %(state)s » : impossible de le %(action)s.") % {
            "title": activity,
            "state": activity.get_state_display(),
            "action": str(transition.label).lower(),
        }
    model = type(activity)
    if transition.publisher_only and not can_publish(user, model):
        return _("Seul un éditeur peut %(action)s « %(title)s ».") % {
            "action": str(transition.label).lower(),
            "title": activity,
        }
    if not user.has_perm(f"activities.change_{model._meta.model_name}") or not in_scope(
        user, activity
    ):
        return _("Vous ne pouvez pas modifier « %(title)s ».") % {"title": activity}
    return None


@transaction.atomic
def activity_transition(*, activity: Activity, name: str, user) -> Activity:
    """Move the entry to the transition's state, or raise TransitionRefused (nothing saved)."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise TransitionRefused(_("Transition inconnue : %(name)s.") % {"name": name})
    # Work on the row as it is now, locked, not on what the caller read earlier.
    activity = type(activity)._base_manager.select_for_update().get(pk=activity.pk)
    refusal = _refusal(user=user, activity=activity, transition=transition)
    if refusal is not None:
        raise TransitionRefused(refusal)
    now = timezone.now()
    activity.state = transition.target
    if transition.target == State.SUBMITTED:
        activity.submitted_at, activity.submitted_by = now, user
    elif transition.target == State.PUBLISHED:
        activity.published_at, activity.published_by = now, user
    activity._history_user = user  # who made the change, in the entry's history
    activity._change_reason = str(transition.label)
    activity.save()
    return activity
