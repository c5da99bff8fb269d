"""One FilterSet per public list page; GET values are readable (slugs, codes, years).

A value that does not validate is reported on the page by the view and ignored; the
other filters still apply (views run the filtersets with ``strict = False``).
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ChoiceField

from .models import (
    CampusInitiative,
    Organisation,
    Person,
    Programme,
    Publication,
    ResearchProject,
    SDGTarget,
    Structure,
    Thesis,
)
from .models.base import MAX_YEAR, MIN_YEAR

INVALID_CHOICE = _("« %(value)s » ne correspond à aucun choix possible.")


class YearField(ChoiceField):
    """Offers the years that have results, and accepts any plausible year (a shared link
    to a year with nothing in it answers "0 results", not an error)."""

    default_error_messages = {
        "invalid_choice": _("« %(value)s » n'est pas une année entre %(min)s et %(max)s.")
    }

    def valid_value(self, value):
        return str(value).isdigit() and MIN_YEAR <= int(value) <= MAX_YEAR

    def validate(self, value):
        if value in self.empty_values:
            return
        if not self.valid_value(value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value, "min": MIN_YEAR, "max": MAX_YEAR},
            )


class YearFilter(django_filters.ChoiceFilter):
    field_class = YearField


def _choice_errors():
    return {"invalid_choice": INVALID_CHOICE}


class ActivityFilterSet(django_filters.FilterSet):
    """The filters every kind shares. Subclasses say which relations carry people."""

    q = django_filters.CharFilter(
        label=_("Mots-clés"),
        method="filter_q",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    year = YearFilter(
        label=_("Année"),
        method="filter_year",
        empty_label=_("Toutes les années"),
    )
    structure = django_filters.ModelChoiceFilter(
        label=_("Structure"),
        queryset=Structure.objects.none(),
        to_field_name="slug",
        method="filter_structure",
        empty_label=_("Toutes les structures"),
        error_messages=_choice_errors(),
    )
    target = django_filters.ModelChoiceFilter(
        label=_("Cible de l'ODD 3"),
        queryset=SDGTarget.objects.all(),
        to_field_name="code",
        method="filter_target",
        empty_label=_("Toutes les cibles"),
        error_messages=_choice_errors(),
    )

    # Lookups (from the activity) that lead to a Person or an Organisation, for the
    # `person` and `partner` filters.
    person_lookups: tuple[str, ...] = ()
    partner_lookups: tuple[str, ...] = ("partners",)

    class Meta:
        fields = ["q", "year", "structure", "target"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        # Offer only the choices that lead somewhere in this (published) list.
        base = self.queryset
        self.filters["year"].extra["choices"] = [(y, str(y)) for y in base.years()]
        self.filters["structure"].queryset = Structure.objects.filter(
            pk__in=_with_ancestors(base.values_list("structures", flat=True))
        ).order_by("acronym", "name")
        if "partner" in self.filters:
            self.filters["partner"].queryset = Organisation.objects.filter(
                _any_of(self.partner_lookups, lambda lookup: {"pk__in": base.values(lookup)})
            )
        if "person" in self.filters:
            self.filters["person"].queryset = Person.objects.filter(
                _any_of(self.person_lookups, lambda lookup: {"pk__in": base.values(lookup)})
            )

    def filter_q(self, queryset, name, value):
        return queryset.search(value.strip()) if value.strip() else queryset

    def filter_year(self, queryset, name, value):
        return queryset.in_year(int(value))  # a valid choice, hence digits

    def filter_structure(self, queryset, name, value):
        return queryset.for_structure(value)

    def filter_target(self, queryset, name, value):
        return queryset.for_target(value)

    def filter_person(self, queryset, name, value):
        return queryset.having(_any_of(self.person_lookups, lambda lookup: {lookup: value}))

    def filter_partner(self, queryset, name, value):
        return queryset.having(_any_of(self.partner_lookups, lambda lookup: {lookup: value}))


def _any_of(lookups, condition):
    """Q(cond(l1)) | Q(cond(l2)) | …"""
    query = Q()
    for lookup in lookups:
        query |= Q(**condition(lookup))
    return query


def _with_ancestors(structure_ids):
    """The given structures and every structure above them (a team's lab offers its teams)."""
    parents = dict(Structure.objects.values_list("pk", "parent_id"))
    found = set()
    for pk in structure_ids:
        while pk is not None and pk not in found:
            found.add(pk)
            pk = parents.get(pk)
    return found


def _partner_filter():
    return django_filters.ModelChoiceFilter(
        label=_("Partenaire"),
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        method="filter_partner",
        empty_label=_("Tous les partenaires"),
        error_messages=_choice_errors(),
    )


def _person_filter():
    return django_filters.ModelChoiceFilter(
        label=_("Personne"),
        queryset=Person.objects.none(),
        to_field_name="slug",
        method="filter_person",
        empty_label=_("Toutes les personnes"),
        error_messages=_choice_errors(),
    )


def _choice_filter(label, field_name, choices, empty_label):
    return django_filters.ChoiceFilter(
        label=label,
        field_name=field_name,
        choices=choices,
        empty_label=empty_label,
        error_messages=_choice_errors(),
    )


def _sort_filter(fields, labels):
    return django_filters.OrderingFilter(
        label=_("Trier par"),
        fields=fields,
        field_labels=labels,
        empty_label=_("Ordre par défaut"),
        error_messages=_choice_errors(),
    )


PERIOD_SORT = (("title", "title"), ("start_year", "year"))
PERIOD_SORT_LABELS = {
    "title": _("Titre (A → Z)"),
    "-title": _("Titre (Z → A)"),
    "year": _("Plus ancien d'abord"),
    "-year": _("Plus récent d'abord"),
}


class ProgrammeFilterSet(ActivityFilterSet):
    partner = _partner_filter()
    kind = _choice_filter(_("Type"), "kind", Programme.Kind.choices, _("Tous les types"))
    sort = _sort_filter(PERIOD_SORT, PERIOD_SORT_LABELS)

    class Meta(ActivityFilterSet.Meta):
        model = Programme
        fields = [*ActivityFilterSet.Meta.fields, "partner", "kind"]


class ResearchProjectFilterSet(ActivityFilterSet):
    partner = _partner_filter()
    person = _person_filter()
    kind = _choice_filter(
        _("Financement"), "kind", ResearchProject.Kind.choices, _("Tous les financements")
    )
    status = _choice_filter(
        _("Statut"), "status", ResearchProject.Status.choices, _("Tous les statuts")
    )
    sort = _sort_filter(
        (("acronym", "acronym"), *PERIOD_SORT),
        {
            "acronym": _("Acronyme (A → Z)"),
            **PERIOD_SORT_LABELS,
        },
    )
    person_lookups = ("members",)

    class Meta(ActivityFilterSet.Meta):
        model = ResearchProject
        fields = [*ActivityFilterSet.Meta.fields, "partner", "person", "kind", "status"]


class ThesisFilterSet(ActivityFilterSet):
    partner = _partner_filter()
    person = _person_filter()
    status = _choice_filter(_("Statut"), "status", Thesis.Status.choices, _("Tous les statuts"))
    sort = _sort_filter(PERIOD_SORT, PERIOD_SORT_LABELS)
    person_lookups = ("candidate", "supervisors")
    partner_lookups = ("partners", "doctoral_school")

    class Meta(ActivityFilterSet.Meta):
        model = Thesis
        fields = [*ActivityFilterSet.Meta.fields, "partner", "person", "status"]


class PublicationFilterSet(ActivityFilterSet):
    person = _person_filter()
    kind = _choice_filter(_("Type"), "kind", Publication.Kind.choices, _("Tous les types"))
    sort = _sort_filter(
        (("title", "title"), ("year", "year")),
        PERIOD_SORT_LABELS,
    )
    person_lookups = ("people",)

    class Meta(ActivityFilterSet.Meta):
        model = Publication
        fields = [*ActivityFilterSet.Meta.fields, "person", "kind"]


class CampusInitiativeFilterSet(ActivityFilterSet):
    partner = _partner_filter()
    kind = _choice_filter(
        _("Catégorie"), "category", CampusInitiative.Category.choices, _("Toutes les catégories")
    )
    audience = _choice_filter(
        _("Public"), "audience", CampusInitiative.Audience.choices, _("Tous les publics")
    )
    sort = _sort_filter(PERIOD_SORT, PERIOD_SORT_LABELS)
    partner_lookups = ("partners", "provider")

    class Meta(ActivityFilterSet.Meta):
        model = CampusInitiative
        fields = [*ActivityFilterSet.Meta.fields, "partner", "kind", "audience"]
