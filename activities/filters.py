"""One FilterSet per public list page; GET values are readable (slugs, codes, years).

A value that does not validate is reported on the page by the view and ignored; the
other filters still apply (views run the filtersets with ``strict = False``).

Facets
    Every choice filter (year, structure, target, partner, person, kind, status,
    audience; not ``sort``, not ``q``) offers only the choices that give results, each
    with how many it would give with all the *other* filters in force: for facet X,
    apply every filter but X, then count per choice of X. The current choice stays
    offered even when it gives nothing, so that it can be seen and undone.

    ``ActivityFilterSet.facets()`` counts them, at a cost that does not grow with the
    rows: one GROUP BY for all the facets read from the activity's own columns (years,
    kind, status, audience; their counts and the list's total are summed up from its
    rows in Python), one query for the structure tree and one for the structures'
    counts, and one query for each of targets, partners and people. Creating a
    FilterSet queries nothing: the exports use the filters without the facets.
"""

import dataclasses
from collections import defaultdict
from functools import cached_property

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Func, IntegerField, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
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
from .models.base import MAX_YEAR, MIN_YEAR, years_running

INVALID_CHOICE = _("« %(value)s » ne correspond à aucun choix possible.")
# An offered choice and the number of results it gives: "CERIS (7)".
CHOICE_WITH_COUNT = _("%(label)s (%(count)s)")


class YearField(ChoiceField):
    """Accepts any plausible year (a shared link to a year with nothing in it answers
    "0 results", not an error); the facets offer the years that have results."""

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


class ColumnChoiceFilter(django_filters.ChoiceFilter):
    """A choice among the values of one of the activity's columns (kind, status…): its
    facet is counted with the other column facets, in one GROUP BY."""


def _choice_errors():
    return {"invalid_choice": INVALID_CHOICE}


@dataclasses.dataclass(frozen=True)
class FacetChoice:
    """A choice a filter offers: its GET value, its label, how many results it gives."""

    value: str
    label: str
    count: int
    selected: bool = False


@dataclasses.dataclass(frozen=True)
class Facets:
    choices: dict[str, list[FacetChoice]]  # filter name → choices offered, in order
    total: int  # the results with every filter in force: the list's count


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
    # Any structure or target is a valid value (each has a public page); the facets offer
    # those that give results.
    structure = django_filters.ModelChoiceFilter(
        label=_("Structure"),
        queryset=Structure.objects.all(),
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
    # The columns that say when an activity ran: a span of years (an empty end: still
    # running), or a single year (publications). Read as the querysets' in_year() reads them.
    year_columns: tuple[str, ...] = ("start_year", "end_year")

    class Meta:
        fields = ["q", "year", "structure", "target"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        # Valid values: people and partners the public may see (never someone named only
        # in drafts). These querysets run only to check a value given (one row).
        if "partner" in self.filters:
            self.filters["partner"].queryset = Organisation.objects.with_public_activity()
        if "person" in self.filters:
            self.filters["person"].queryset = Person.objects.with_public_activity()

    # Filters ---------------------------------------------------------------------------

    def filter_q(self, queryset, name, value):
        return queryset.search(value.strip()) if value.strip() else queryset

    def filter_year(self, queryset, name, value):
        return queryset.in_year(int(value))  # a valid year, hence digits

    def filter_structure(self, queryset, name, value):
        # The structure and every structure below it (a lab and its teams).
        return queryset.for_structures(sorted(self._structure_tree[1][value.pk]))

    def filter_target(self, queryset, name, value):
        return queryset.for_target(value)

    def filter_person(self, queryset, name, value):
        return queryset.having(_any_of(self.person_lookups, lambda lookup: {lookup: value}))

    def filter_partner(self, queryset, name, value):
        return queryset.having(_any_of(self.partner_lookups, lambda lookup: {lookup: value}))

    @cached_property
    def _structure_tree(self):
        """(every structure, {structure id: ids of it and of every structure below it}).

        One query, shared by the structure filter and the structure facet. A cycle
        entered by hand in the admin does not loop forever.
        """
        structures = list(Structure.objects.all())
        children = defaultdict(list)
        for structure in structures:
            children[structure.parent_id].append(structure.pk)
        subtrees = {}
        for structure in structures:
            found, todo = set(), [structure.pk]
            while todo:
                pk = todo.pop()
                if pk not in found:
                    found.add(pk)
                    todo.extend(children[pk])
            subtrees[structure.pk] = found
        return structures, subtrees

    # Facets ----------------------------------------------------------------------------

    def facets(self):
        """Count the choices of every facet and offer them on the form's fields.

        Call after validation (``is_valid()``): the counts follow the valid filters, as
        the results do. Returns ``Facets`` (choices per filter, and the total).
        """
        if getattr(self, "_facets", None) is None:
            values = self._active_values()
            choices, total = self._column_facets(values)
            choices["structure"] = self._structure_facet(values)
            choices["target"] = self._related_facet("target", SDGTarget, ("targets",), values)
            if "partner" in self.filters:
                lookups = self.partner_lookups
                choices["partner"] = self._related_facet("partner", Organisation, lookups, values)
            if "person" in self.filters:
                lookups = self.person_lookups
                choices["person"] = self._related_facet("person", Person, lookups, values)
            for name, offered in choices.items():
                self._offer(name, offered)
            self._facets = Facets(choices=choices, total=total)
        return self._facets

    def _active_values(self):
        """{filter name: valid value} for the filters in force (the sort is no filter)."""
        if not self.is_bound:
            return {}
        self.form.errors  # noqa: B018 -- validates the form once
        return {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value not in EMPTY_VALUES
            and not isinstance(self.filters[name], django_filters.OrderingFilter)
        }

    def _filtered(self, values, excluding=()):
        """The published rows with every filter in force but those named in ``excluding``."""
        queryset = self.queryset.select_related(None).prefetch_related(None)
        for name, value in values.items():
            if name not in excluding:
                queryset = self.filters[name].filter(queryset, value)
        return queryset.order_by()  # the search orders by rank; counts need no order

    def _column_names(self):
        return ["year"] + [
            name
            for name, filter_ in self.filters.items()
            if isinstance(filter_, ColumnChoiceFilter)
        ]

    def _row_matches(self, row, name, value):
        """Whether a row of the column facets' query passes the filter ``name = value``:
        the Python twin of that filter's condition in the database (in_year, exact)."""
        if name == "year":
            first, last = self._row_years(row)
            return first <= int(value) and (last is None or int(value) <= last)
        return row[self.filters[name].field_name] == value

    def _row_years(self, row):
        """(first year, last year or None when still running) of a row."""
        if len(self.year_columns) == 1:
            return row[self.year_columns[0]], row[self.year_columns[0]]
        start, end = self.year_columns
        return row[start], row[end]

    def _column_facets(self, values):
        """The year and column facets (kind, status, audience…) and the total, from one
        GROUP BY over those columns with the other filters (structure, target, q…)."""
        names = self._column_names()
        columns = [*self.year_columns]
        columns += [self.filters[name].field_name for name in names if name != "year"]
        rows = list(
            self._filtered(values, excluding=names)
            .values(*columns)
            .annotate(facet_count=Count("pk"))
            .order_by()
        )

        def count(excluded, extra=None):
            """Results with every column filter but ``excluded``, and ``extra`` if given."""
            conditions = [(name, value) for name, value in values.items() if name in names]
            conditions = [(name, value) for name, value in conditions if name != excluded]
            if extra is not None:
                conditions.append(extra)
            return sum(
                row["facet_count"]
                for row in rows
                if all(self._row_matches(row, name, value) for name, value in conditions)
            )

        choices = {"year": self._year_choices(rows, values.get("year"), count)}
        for name in names[1:]:
            selected = values.get(name)
            offered = []
            for value, label in self.filters[name].extra["choices"]:
                number = count(name, (name, value))
                if number or value == selected:
                    offered.append(FacetChoice(value, str(label), number, value == selected))
            choices[name] = offered
        return choices, count(None)

    def _year_choices(self, rows, selected, count):
        """Every year in which at least one row ran (a running one: up to this year),
        newest first, and the selected year; each counted as in_year() filters."""
        this_year = timezone.now().year
        years = set()
        for row in rows:
            first, last = self._row_years(row)
            years.update(years_running(first, last, this_year))
        if selected is not None:
            years.add(int(selected))
        offered = []
        for year in sorted(years, reverse=True):
            number = count("year", ("year", str(year)))
            if number or str(year) == selected:
                offered.append(FacetChoice(str(year), str(year), number, str(year) == selected))
        return offered

    def _structure_facet(self, values):
        """Each structure counts its own entries and those of the structures below it,
        an entry once even when tagged with two teams of the same lab (one query, with
        the tree's)."""
        structures, subtrees = self._structure_tree
        selected = values.get("structure")
        if not structures:
            return []
        activities = self._filtered(values, excluding={"structure"})
        field = activities.model._meta.get_field("structures")
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        # COUNT(DISTINCT activity) FILTER (WHERE structure IN subtree) for each structure;
        # a structure without sub-structures needs no DISTINCT (one row per pair).
        counts = (
            field.remote_field.through.objects.filter(**{f"{source}__in": activities.values("pk")})
            .order_by()
            .aggregate(
                **{
                    f"s{pk}": Count(
                        source, filter=Q(**{f"{target}__in": sorted(ids)}), distinct=len(ids) > 1
                    )
                    for pk, ids in subtrees.items()
                }
            )
        )
        return [
            FacetChoice(s.slug, str(s), counts[f"s{s.pk}"], s == selected)
            for s in structures
            if counts[f"s{s.pk}"] or s == selected
        ]

    def _related_facet(self, name, model, lookups, values):
        """The ``model`` rows that ``lookups`` lead to from the results with the other
        filters, each with its count (one query); the selected one stays, first."""
        activities = self._filtered(values, excluding={name})
        to_field = self.filters[name].extra["to_field_name"]
        selected = values.get(name)
        offered = [
            FacetChoice(getattr(item, to_field), str(item), item.facet_count, item == selected)
            for item in _count_related(model, activities, lookups)
        ]
        if selected is not None and not any(choice.selected for choice in offered):
            offered.insert(0, FacetChoice(getattr(selected, to_field), str(selected), 0, True))
        return offered

    def _offer(self, name, choices):
        """Put the counted choices in the field's select (validation keeps its own)."""
        field = self.form.fields[name]
        options = [("", field.empty_label)] if field.empty_label is not None else []
        options += [
            (
                choice.value,
                CHOICE_WITH_COUNT
                % {
                    "label": choice.label,
                    "count": number_format(choice.count, force_grouping=True),
                },
            )
            for choice in choices
        ]
        field.widget.choices = options


class _CountDistinct(Func):
    """COUNT(DISTINCT …) of a whole subquery: not an aggregate to Django, so no GROUP BY."""

    function = "COUNT"
    template = "%(function)s(DISTINCT %(expressions)s)"
    output_field = IntegerField()


def _count_related(model, activities, lookups):
    """The ``model`` rows that ``lookups`` lead to from ``activities``, each annotated with
    ``facet_count``, the number of those activities it is linked to; in one query.

    One lookup: a join and a GROUP BY (DISTINCT only where the relation may hold a pair
    twice: partners with two roles, an author listed twice). Several (a thesis's
    candidate and supervisors, a campus initiative's provider and partners): a count per
    row, so that an activity linked to it both ways counts once.
    """
    activity_model = activities.model
    ids = activities.values("pk")
    if len(lookups) == 1:
        field = activity_model._meta.get_field(lookups[0])
        reverse = field.related_query_name()
        unique_pairs = not field.many_to_many or field.remote_field.through._meta.auto_created
        related = model.objects.filter(**{f"{reverse}__in": ids}).annotate(
            facet_count=Count(reverse, distinct=not unique_pairs)
        )
    else:
        linked = activities.filter(_any_of(lookups, lambda lookup: {lookup: OuterRef("pk")}))
        count = linked.order_by().annotate(facet_count=_CountDistinct("pk")).values("facet_count")
        related = model.objects.filter(
            _any_of(lookups, lambda lookup: {"pk__in": activities.values(lookup)})
        ).annotate(facet_count=Subquery(count, output_field=IntegerField()))
    # A GROUP BY query ignores Meta.ordering: say it.
    return related.order_by(*model._meta.ordering)


def _any_of(lookups, condition):
    """Q(cond(l1)) | Q(cond(l2)) | …"""
    query = Q()
    for lookup in lookups:
        query |= Q(**condition(lookup))
    return query


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
    return ColumnChoiceFilter(
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
    year_columns = ("year",)

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
