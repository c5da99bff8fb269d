"""Research: projects with their partners and team, theses, publications and authors."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from activities.models import (
    Authorship,
    ProjectMember,
    ProjectPartner,
    Publication,
    ResearchProject,
    Thesis,
    ThesisSupervisor,
)

from .mixins import ACTIVITY_FILTERS, ActivityAdmin, OrderedInlineMixin, timestamps_fieldset

# How many authors the publications list shows before "et al.".
LISTED_AUTHORS = 3


class ProjectPartnerInline(OrderedInlineMixin, admin.TabularInline):
    model = ProjectPartner
    fields = ("order", "organisation", "role")
    autocomplete_fields = ("organisation",)


class ProjectMemberInline(OrderedInlineMixin, admin.TabularInline):
    model = ProjectMember
    fields = ("order", "person", "role")
    autocomplete_fields = ("person",)


@admin.register(ResearchProject)
class ResearchProjectAdmin(ActivityAdmin):
    list_display = (
        "acronym",
        "title",
        "kind",
        "status",
        "years",
        "structure_list",
        "state",
        "updated_at",
    )
    list_display_links = ("acronym", "title")
    list_filter = (
        "state",
        "kind",
        "status",
        "coordinated_by_school",
        *ACTIVITY_FILTERS,
    )
    search_fields = (
        "acronym",
        *ActivityAdmin.search_fields,
        "funding_scheme",
        "reference",
        "team__person__last_name",
        "partnerships__organisation__name",
        "partnerships__organisation__acronym",
    )
    prepopulated_fields = {"slug": ("acronym",)}
    inlines = (ProjectPartnerInline, ProjectMemberInline)
    fieldsets = (
        (None, {"fields": ("acronym", "title", "slug", "state", "summary", "outcomes")}),
        (
            _("Financement et période"),
            {
                "fields": (
                    "kind",
                    "funding_scheme",
                    "reference",
                    "coordinated_by_school",
                    "status",
                    "start_year",
                    "end_year",
                    "url",
                )
            },
        ),
        (_("Rattachement et cibles"), {"fields": ("structures", "targets")}),
        timestamps_fieldset(),
    )


class ThesisSupervisorInline(OrderedInlineMixin, admin.TabularInline):
    model = ThesisSupervisor
    fields = ("order", "person", "role")
    autocomplete_fields = ("person",)


@admin.register(Thesis)
class ThesisAdmin(ActivityAdmin):
    list_display = (
        "title",
        "candidate",
        "status",
        "years",
        "defence_date",
        "structure_list",
        "state",
        "updated_at",
    )
    list_filter = ("state", "status", *ACTIVITY_FILTERS)
    list_select_related = ("candidate",)
    search_fields = (
        *ActivityAdmin.search_fields,
        "nnt",
        "candidate__last_name",
        "candidate__first_name",
        "supervisions__person__last_name",
    )
    date_hierarchy = "defence_date"
    autocomplete_fields = ("candidate", "doctoral_school", "project", "structures", "partners")
    inlines = (ThesisSupervisorInline,)
    fieldsets = (
        (None, {"fields": ("title", "slug", "candidate", "state", "summary")}),
        (
            _("Déroulement"),
            {
                "fields": (
                    "status",
                    "start_year",
                    "end_year",
                    "defence_date",
                    "nnt",
                    "doctoral_school",
                    "project",
                )
            },
        ),
        (_("Rattachement et cibles"), {"fields": ("structures", "partners", "targets")}),
        timestamps_fieldset(),
    )


class AuthorshipInline(OrderedInlineMixin, admin.TabularInline):
    model = Authorship
    fields = ("order", "name", "person")
    autocomplete_fields = ("person",)


@admin.register(Publication)
class PublicationAdmin(ActivityAdmin):
    list_display = (
        "title",
        "author_list",
        "kind",
        "year",
        "venue",
        "structure_list",
        "state",
        "updated_at",
    )
    list_filter = ("state", "kind", *ACTIVITY_FILTERS)
    search_fields = (
        *ActivityAdmin.search_fields,
        "doi",
        "hal_id",
        "venue",
        "authorships__name",
        "authorships__person__last_name",
    )
    list_prefetch_related = ("structures", "authorships")
    autocomplete_fields = ("structures", "projects", "theses")
    inlines = (AuthorshipInline,)
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "state", "summary", "more_authors")}),
        (
            _("Référence"),
            {"fields": ("venue", "place", "year", "month", "pages", "doi", "hal_id", "url")},
        ),
        (
            _("Rattachement et cibles"),
            {"fields": ("structures", "projects", "theses", "targets")},
        ),
        timestamps_fieldset(),
    )

    @admin.display(description=_("auteurs"))
    def author_list(self, obj):
        authors = list(obj.authorships.all())  # prefetched with the page
        names = ", ".join(author.name for author in authors[:LISTED_AUTHORS])
        if len(authors) > LISTED_AUTHORS or obj.more_authors:
            names = _("%(names)s et al.") % {"names": names}
        return names
