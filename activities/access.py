"""Who may edit what: a Rédacteur edits the entries of their structures (and of the
structures below them); Éditeurs and Administrateurs edit everything.

Used by the admin's querysets and permission methods, the workflow and the preview, so
that a crafted URL or POST is refused the same way a hidden button is.
"""

from django.db.models import Model

from .models import Person, Structure

EDIT_ALL = "activities.edit_all_structures"


def edits_all(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm(EDIT_ALL))


def scope_ids(user) -> frozenset[int]:
    """Ids of the structures a user edits, their descendants included (cached on the user)."""
    cached = getattr(user, "_odd3_scope_ids", None)
    if cached is None:
        roots = list(user.editorships.values_list("structure_id", flat=True)) if user.pk else []
        cached = frozenset(Structure.tree_ids(roots)) if roots else frozenset()
        user._odd3_scope_ids = cached
    return cached


def can_publish(user, model: type[Model]) -> bool:
    return user.is_active and user.has_perm(f"activities.publish_{model._meta.model_name}")


def in_scope(user, obj: Model) -> bool:
    """Whether the user may edit this entry (activity or person) as far as structures go."""
    if edits_all(user):
        return True
    scope = scope_ids(user)
    if isinstance(obj, Person):
        # People of the user's structures, and people from outside the school.
        return obj.structure_id is None or obj.structure_id in scope
    if obj.pk is None:
        return True
    return obj.structures.filter(pk__in=scope).exists()


def scoped(user, queryset):
    """The part of an activity queryset the user may see in the admin."""
    if edits_all(user):
        return queryset
    return queryset.for_structures(scope_ids(user))
