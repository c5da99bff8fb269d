"""Public pages. Every query starts from ``published()``: the public never sees a draft."""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView, View
from django_filters.views import FilterView

from . import charts, exports, filters
from .access import scoped
from .models import (
    CampusInitiative,
    Organisation,
    Person,
    Programme,
    Publication,
    ResearchProject,
    SDGTarget,
    State,
    Structure,
    Thesis,
)


class Section:
    """A family of public pages: one kind of activity, its list and its detail pages."""

    def __init__(self, key, model, title, list_url, description):
        self.key, self.model, self.title = key, model, title
        self.list_url, self.description = list_url, description

    def published(self):
        return self.model.objects.published()


SECTIONS = [
    Section(
        "programmes",
        Programme,
        _("Formations"),
        "activities:programme-list",
        _("Parcours de master, doubles diplômes et options qui forment aux métiers de la santé."),
    ),
    Section(
        "projects",
        ResearchProject,
        _("Projets de recherche"),
        "activities:project-list",
        _("Projets collaboratifs des laboratoires de l'école au service de la santé."),
    ),
    Section(
        "theses",
        Thesis,
        _("Thèses"),
        "activities:thesis-list",
        _("Thèses de doctorat préparées dans les laboratoires de l'école."),
    ),
    Section(
        "publications",
        Publication,
        _("Publications"),
        "activities:publication-list",
        _("Articles et communications issus des travaux de recherche."),
    ),
    Section(
        "campus",
        CampusInitiative,
        _("Vie sur le campus"),
        "activities:campus-list",
        _("Santé et bien-être des élèves et des personnels : social, sport, écoute, restauration."),
    ),
]
SECTION_BY_MODEL = {section.model: section for section in SECTIONS}


class PublicPageMixin:
    """What every public page's template receives: its section, for navigation."""

    section = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["section"] = self.section or SECTION_BY_MODEL.get(getattr(self, "model", None))
        return context


def paginate(request, queryset, per_page, *, count=None):
    """A page of results that never fails: a bad or out-of-range page number is explained.

    ``count``: the number of rows when already known (saves the paginator's COUNT).
    Returns (page, error message or None).
    """
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: the known value stands in for it
    raw = request.GET.get("page", "1")
    try:
        return paginator.page(raw), None
    except PageNotAnInteger:
        message = _("« %(page)s » n'est pas un numéro de page : voici la première page.")
        return paginator.page(1), message % {"page": raw[:20]}
    except EmptyPage:
        number = 1 if _is_below_one(raw) else paginator.num_pages
        message = _("Il n'y a pas de page %(page)s : voici la page %(number)s.")
        return paginator.page(number), message % {"page": raw[:20], "number": number}


def _is_below_one(raw):
    try:
        return int(raw) < 1
    except ValueError:
        return True


class ActivityListView(PublicPageMixin, FilterView):
    """A filterable list of one kind of activity (django-filter)."""

    strict = False  # invalid filter values are reported and ignored, the rest applies
    template_name = "activities/activity_list.html"
    export_url = None  # the URL name of this list's exports (ActivityExportView)

    def get_queryset(self):
        return self.model.objects.published().with_list_data()

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset(self.get_filterset_class())
        self.filterset.is_valid()  # runs the form's validation once
        # Each choice filter offers its choices with their counts; the total comes with
        # them and spares the paginator its COUNT.
        facets = self.filterset.facets()
        self.object_list = self.filterset.qs
        page, page_error = paginate(
            request, self.object_list, settings.PAGE_SIZE, count=facets.total
        )
        context = self.get_context_data(
            filter=self.filterset,
            object_list=page.object_list,
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            page_error=page_error,
            filter_errors=self.filter_errors(),
            active_filters=self.active_filters(),
            export_links=self.export_links(),
        )
        return self.render_to_response(context)

    def export_links(self):
        """(format label, link) for each file this list exports to, with the same filters."""
        if self.export_url is None:
            return []
        params = self.request.GET.copy()
        params.pop("page", None)
        query = f"?{params.urlencode()}" if params else ""
        kind = exports.KINDS[self.model]
        return [
            (exports.FORMATS[fmt].label, reverse(self.export_url, args=[fmt]) + query)
            for fmt in kind.formats
        ]

    def filter_errors(self):
        """(label, value given, message) for each parameter that did not validate."""
        form = self.filterset.form
        return [
            (form.fields[name].label, self.request.GET.get(name, "")[:100], " ".join(errors))
            for name, errors in form.errors.items()
            if name in form.fields
        ]

    def active_filters(self):
        """(label, shown value, link without it) for each filter in force."""
        if not self.filterset.is_bound:
            return []
        form = self.filterset.form
        active = []
        for name, value in form.cleaned_data.items():
            if value in (None, "", []) or name not in self.request.GET:
                continue
            field = form.fields[name]
            if hasattr(field, "choices") and not hasattr(value, "pk"):
                shown = dict(field.choices).get(
                    value[0] if isinstance(value, list) else value, value
                )
            else:
                shown = value
            params = self.request.GET.copy()
            params.pop(name, None)
            params.pop("page", None)
            active.append((field.label, shown, f"?{params.urlencode()}"))
        return active


class ActivityExportView(View):
    """A list page's rows in a file (CSV, JSON, and BibTeX or RIS for publications).

    The list view's own FilterSet and queryset (``published()``): the same rows as the
    page with the same filters, all of them rather than one page; invalid filter values
    are ignored as the page ignores them.
    """

    list_view = None

    def get(self, request, fmt):
        kind = exports.KINDS[self.list_view.model]
        if fmt not in kind.formats:
            raise Http404
        lister = self.list_view()
        lister.setup(request)
        filterset = lister.get_filterset(lister.get_filterset_class())
        filterset.is_valid()  # keeps the valid filters' values in cleaned_data
        return exports.export_response(kind, fmt, filterset, request)


class ActivityDetailView(PublicPageMixin, DetailView):
    def get_queryset(self):
        return self.model.objects.published().with_detail_data()


class PreviewMixin:
    """Staff see an entry in any state exactly as the public page will show it (related
    entries still published only), if the admin lets them see it."""

    pk_url_kwarg = "pk"
    slug_url_kwarg = None

    def get_queryset(self):
        return scoped(self.request.user, self.model.objects.all()).with_detail_data()

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=True, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response


# Programmes ----------------------------------------------------------------------------


class ProgrammeListView(ActivityListView):
    model = Programme
    filterset_class = filters.ProgrammeFilterSet
    export_url = "activities:programme-export"


class ProgrammeDetailView(ActivityDetailView):
    model = Programme
    template_name = "activities/programme_detail.html"


# Research projects ---------------------------------------------------------------------


class ResearchProjectListView(ActivityListView):
    model = ResearchProject
    filterset_class = filters.ResearchProjectFilterSet
    export_url = "activities:project-export"


class ResearchProjectDetailView(ActivityDetailView):
    model = ResearchProject
    template_name = "activities/project_detail.html"


# Theses --------------------------------------------------------------------------------


class ThesisListView(ActivityListView):
    model = Thesis
    filterset_class = filters.ThesisFilterSet
    export_url = "activities:thesis-export"


class ThesisDetailView(ActivityDetailView):
    model = Thesis
    template_name = "activities/thesis_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project = self.object.project
        # A thesis may belong to a project that is still a draft: the public must not see it.
        context["project"] = project if project is not None and project.is_published else None
        return context


# Publications --------------------------------------------------------------------------


class PublicationListView(ActivityListView):
    model = Publication
    filterset_class = filters.PublicationFilterSet
    export_url = "activities:publication-export"


class PublicationDetailView(ActivityDetailView):
    model = Publication
    template_name = "activities/publication_detail.html"


# Campus initiatives --------------------------------------------------------------------


class CampusInitiativeListView(ActivityListView):
    model = CampusInitiative
    filterset_class = filters.CampusInitiativeFilterSet
    export_url = "activities:campus-export"


class CampusInitiativeDetailView(ActivityDetailView):
    model = CampusInitiative
    template_name = "activities/campus_detail.html"


# Home and search -----------------------------------------------------------------------


def home(request):
    activities = charts.ActivityCounts([(section, section.published()) for section in SECTIONS])
    counts = [(section, activities.per_kind[section.key]) for section in SECTIONS]
    targets = SDGTarget.objects.annotate(**_target_counts()).order_by("order")
    latest = (
        ResearchProject.objects.published()
        .order_by("-published_at", "acronym")
        .with_list_data()[:3]
    )
    return render(
        request,
        "pages/home.html",
        {
            "counts": counts,
            "targets": targets,
            "latest_projects": latest,
            "charts": charts.activity_figures(activities),
        },
    )


def _target_counts():
    """One COUNT per kind of published activity tagged with each target, as annotations."""
    relations = {
        "programme_count": "programmes",
        "project_count": "projects",
        "thesis_count": "theses",
        "publication_count": "publications",
        "campus_count": "campus_initiatives",
    }
    return {
        name: Count(relation, filter=Q(**{f"{relation}__state": State.PUBLISHED}), distinct=True)
        for name, relation in relations.items()
    }


SEARCH_LIMIT = 5  # best results shown per kind when every kind is shown


def search(request):
    """Search every kind at once (activities.search): each kind's count and its best
    results, or, with ``kind``, all the results of one kind page by page.

    Queries: the counts of every kind (one query), then for each kind shown that has
    results its rows and their prefetched relations.
    """
    from .search import clean_query, count_by_kind, query_terms, with_result_data

    query = clean_query(request.GET.get("q"))
    terms = query_terms(query)
    by_key = {section.key: section for section in SECTIONS}
    kind = request.GET.get("kind", "")
    selected = by_key.get(kind)
    notices = []
    if kind and selected is None:
        notices.append(
            _("Il n'y a pas de type de résultat « %(kind)s » : voici tous les types.")
            % {"kind": clean_query(kind)[:40]}
        )
    if query and not terms:
        notices.append(_("Saisissez au moins un mot : des lettres ou des chiffres."))
    counts, groups, page = [], [], None
    if terms:
        found = {section.key: section.published().search(query) for section in SECTIONS}
        totals = count_by_kind(found)
        counts = [(section, totals[section.key]) for section in SECTIONS]
        if selected is not None:
            rows = with_result_data(found[kind])
            page, page_error = paginate(request, rows, settings.PAGE_SIZE, count=totals[kind])
            if page_error:
                notices.append(page_error)
            groups = [(selected, page.paginator.count, page.object_list)]
        else:
            groups = [
                (section, total, list(with_result_data(found[section.key])[:SEARCH_LIMIT]))
                for section, total in counts
                if total
            ]
    return render(
        request,
        "pages/search.html",
        {
            "query": query,
            "terms": terms,
            "counts": counts,
            "total": sum(total for _section, total in counts),
            "groups": groups,
            "selected": selected,
            "page_obj": page,
            "notices": notices,
        },
    )


# People, structures, partners, targets -------------------------------------------------


class PersonListView(PublicPageMixin, ListView):
    template_name = "activities/person_list.html"
    paginate_by = 100

    def get_queryset(self):
        return Person.objects.with_public_activity().select_related("structure", "affiliation")

    def paginate_queryset(self, queryset, page_size):
        page, self.page_error = paginate(self.request, queryset, page_size)
        return page.paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # paginates, setting page_error
        context["page_error"] = self.page_error
        return context


class PersonDetailView(PublicPageMixin, DetailView):
    template_name = "activities/person_detail.html"

    def get_queryset(self):
        # Someone named only in drafts has no public page.
        return Person.objects.with_public_activity().select_related("structure", "affiliation")

    def get_context_data(self, **kwargs):
        person = self.object
        return super().get_context_data(
            groups=_activities_of(
                projects=Q(members=person),
                theses=Q(candidate=person) | Q(supervisors=person),
                publications=Q(people=person),
            ),
            **kwargs,
        )


def _activities_of(**lookups_by_section):
    """[(section, published activities)] for the sections given a lookup, in site order."""
    groups = []
    for section in SECTIONS:
        condition = lookups_by_section.get(section.key)
        if condition is not None:
            items = section.published().having(condition).with_list_data()
            groups.append((section, items))
    return groups


class StructureListView(PublicPageMixin, ListView):
    template_name = "activities/structure_list.html"

    def get_queryset(self):
        return Structure.objects.select_related("parent").order_by("kind", "acronym", "name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        children = {}
        for structure in context["object_list"]:
            children.setdefault(structure.parent_id, []).append(structure)
        context["tree"] = _flatten_tree(children, None, 0)
        return context


def _flatten_tree(children, parent_id, depth):
    rows = []
    for structure in children.get(parent_id, []):
        rows.append((structure, depth))
        rows.extend(_flatten_tree(children, structure.pk, depth + 1))
    return rows


class StructureDetailView(PublicPageMixin, DetailView):
    model = Structure
    template_name = "activities/structure_detail.html"

    def get_queryset(self):
        return Structure.objects.select_related("parent").prefetch_related("children", "partners")

    def get_context_data(self, **kwargs):
        ids = self.object.descendant_ids()
        in_tree = Q(structures__in=ids)
        activities = charts.ActivityCounts(
            [(section, section.published().for_structures(ids)) for section in SECTIONS]
        )
        return super().get_context_data(
            groups=_activities_of(**{section.key: in_tree for section in SECTIONS}),
            charts=charts.activity_figures(
                activities, list_params={"structure": self.object.slug}, every_target=False
            ),
            **kwargs,
        )


class OrganisationListView(PublicPageMixin, ListView):
    template_name = "activities/partner_list.html"

    def get_queryset(self):
        return Organisation.objects.with_public_activity().order_by("kind", "name")


class OrganisationDetailView(PublicPageMixin, DetailView):
    template_name = "activities/partner_detail.html"

    def get_queryset(self):
        return Organisation.objects.with_public_activity()

    def get_context_data(self, **kwargs):
        org = self.object
        return super().get_context_data(
            groups=_activities_of(
                programmes=Q(partners=org),
                projects=Q(partners=org),
                theses=Q(partners=org) | Q(doctoral_school=org),
                campus=Q(partners=org) | Q(provider=org),
            ),
            **kwargs,
        )


class TargetListView(PublicPageMixin, ListView):
    template_name = "activities/target_list.html"

    def get_queryset(self):
        return SDGTarget.objects.annotate(**_target_counts()).order_by("order")


class TargetDetailView(PublicPageMixin, DetailView):
    template_name = "activities/target_detail.html"
    slug_field = slug_url_kwarg = "code"

    def get_queryset(self):
        return SDGTarget.objects.all()

    def get_context_data(self, **kwargs):
        target = self.object
        tagged = Q(targets=target)
        activities = charts.ActivityCounts(
            [(section, section.published().for_target(target)) for section in SECTIONS]
        )
        return super().get_context_data(
            groups=_activities_of(**{section.key: tagged for section in SECTIONS}),
            charts=charts.activity_figures(
                activities, list_params={"target": target.code}, target=target
            ),
            **kwargs,
        )


DETAIL_VIEWS = {
    view.model._meta.model_name: view
    for view in (
        ProgrammeDetailView,
        ResearchProjectDetailView,
        ThesisDetailView,
        PublicationDetailView,
        CampusInitiativeDetailView,
    )
}


@staff_member_required
def preview(request, model_name, pk):
    detail_view = DETAIL_VIEWS.get(model_name)
    if detail_view is None:
        raise Http404
    if not request.user.has_perm(f"activities.view_{model_name}"):
        raise PermissionDenied
    view = type(f"{detail_view.__name__}Preview", (PreviewMixin, detail_view), {})
    return view.as_view()(request, pk=pk)
