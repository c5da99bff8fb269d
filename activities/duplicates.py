"""Possible duplicates of an activity: the same work entered twice, by two structures or
by an editor and an import.

A warning, never a refusal: two programmes may share a title over the years, and a
title is compared once normalised (case, accents, punctuation and spaces ignored), so
the admin names the other entry and lets the editor judge. DOI and HAL id are unique
in the database already; they are compared here the way they are written in practice
(``https://doi.org/10.1/X`` is ``10.1/x``).
"""

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .access import edits_all, scoped
from .models import Activity, Publication, ResearchProject
from .text import normalised as normalised_title
from .text import normalised_doi

SAME_DOI = _("le même DOI")
SAME_HAL_ID = _("le même identifiant HAL")
SAME_TITLE_AND_YEAR = _("le même titre et la même année")
SAME_TITLE = _("le même titre")
SAME_ACRONYM = _("le même acronyme")


@dataclass(frozen=True)
class Duplicate:
    """Another entry of the same kind, and what it shares with the one checked."""

    pk: int
    title: str
    reasons: tuple[Promise, ...]


def find_duplicates(activity: Activity) -> list[Duplicate]:
    """Entries of the activity's kind that look like the same work, in one query.

    The database narrows the candidates (publications: the same year, DOI or HAL id);
    the normalised titles are compared here, so that SQLite and PostgreSQL agree
    without an accent-folding extension.
    """
    model = type(activity)
    title = normalised_title(activity.title_fr)
    candidates = model._base_manager.all()
    if activity.pk is not None:
        candidates = candidates.exclude(pk=activity.pk)
    columns = ["pk", "title_fr"]

    if isinstance(activity, Publication):
        doi, hal_id = normalised_doi(activity.doi), (activity.hal_id or "").strip()
        wanted = Q(year=activity.year) if activity.year is not None else Q(pk__in=[])
        if doi:
            wanted |= Q(doi__iexact=doi) | Q(doi__iendswith=f"doi.org/{doi}")
            wanted |= Q(doi__iexact=f"doi:{doi}")
        if hal_id:
            wanted |= Q(hal_id__iexact=hal_id)
        candidates = candidates.filter(wanted)
        columns += ["year", "doi", "hal_id"]
    elif isinstance(activity, ResearchProject):
        columns += ["acronym"]

    found = []
    for row in candidates.values(*columns):
        reasons = _reasons(activity, row, title)
        if reasons:
            found.append(Duplicate(row["pk"], row["title_fr"], tuple(reasons)))
    return found


def _reasons(activity, row, title):
    reasons = []
    same_title = bool(title) and normalised_title(row["title_fr"]) == title
    if isinstance(activity, Publication):
        doi = normalised_doi(activity.doi)
        if doi and normalised_doi(row["doi"]) == doi:
            reasons.append(SAME_DOI)
        hal_id = (activity.hal_id or "").strip().lower()
        if hal_id and (row["hal_id"] or "").strip().lower() == hal_id:
            reasons.append(SAME_HAL_ID)
        if same_title and row["year"] == activity.year:
            reasons.append(SAME_TITLE_AND_YEAR)
        return reasons
    if same_title:
        reasons.append(SAME_TITLE)
    acronym = getattr(activity, "acronym", "").strip().lower()
    if acronym and (row.get("acronym") or "").strip().lower() == acronym:
        reasons.append(SAME_ACRONYM)
    return reasons


def duplicate_messages(activity: Activity, *, user) -> list[str]:
    """The admin's warnings about an entry's possible duplicates, each linking the other
    entry when the user may open it (at most one more query, for a Rédacteur)."""
    duplicates = find_duplicates(activity)
    if not duplicates:
        return []
    model = type(activity)
    visible = {duplicate.pk for duplicate in duplicates}
    if not edits_all(user):
        visible = set(
            scoped(user, model.objects.filter(pk__in=visible)).values_list("pk", flat=True)
        )
    info = model._meta.app_label, model._meta.model_name
    messages = []
    for duplicate in duplicates:
        reasons = _join(duplicate.reasons)
        if duplicate.pk in visible:
            url = reverse(f"admin:{info[0]}_{info[1]}_change", args=[duplicate.pk])
            messages.append(
                format_html(
                    str(_('Doublon possible : <a href="{}">« {} »</a> a {} que cette fiche.')),
                    url,
                    duplicate.title,
                    reasons,
                )
            )
        else:
            # Another structure's entry: say it exists, not what it is.
            messages.append(
                format_html(
                    str(
                        _(
                            "Doublon possible : une fiche d'une autre structure a {} que "
                            "cette fiche. Voyez avec l'équipe éditoriale."
                        )
                    ),
                    reasons,
                )
            )
    return messages


def _join(reasons):
    reasons = [str(reason) for reason in reasons]
    if len(reasons) == 1:
        return reasons[0]
    return _("%(first)s et %(last)s") % {"first": ", ".join(reasons[:-1]), "last": reasons[-1]}
