"""Public URLs, French first; the paths are translatable (gettext_lazy)."""

from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import feeds, pages, report_documents, report_views, views

app_name = "activities"

urlpatterns = [
    path("", views.home, name="home"),
    path(_("recherche/"), views.search, name="search"),
    path(_("formations/"), views.ProgrammeListView.as_view(), name="programme-list"),
    path(
        _("formations/export.<str:fmt>"),
        views.ActivityExportView.as_view(list_view=views.ProgrammeListView),
        name="programme-export",
    ),
    path(
        _("formations/<slug:slug>/"), views.ProgrammeDetailView.as_view(), name="programme-detail"
    ),
    path(_("projets/"), views.ResearchProjectListView.as_view(), name="project-list"),
    path(
        _("projets/export.<str:fmt>"),
        views.ActivityExportView.as_view(list_view=views.ResearchProjectListView),
        name="project-export",
    ),
    path(
        _("projets/<slug:slug>/"),
        views.ResearchProjectDetailView.as_view(),
        name="project-detail",
    ),
    path(_("theses/"), views.ThesisListView.as_view(), name="thesis-list"),
    path(
        _("theses/export.<str:fmt>"),
        views.ActivityExportView.as_view(list_view=views.ThesisListView),
        name="thesis-export",
    ),
    path(_("theses/<slug:slug>/"), views.ThesisDetailView.as_view(), name="thesis-detail"),
    path(_("publications/"), views.PublicationListView.as_view(), name="publication-list"),
    path(
        _("publications/export.<str:fmt>"),
        views.ActivityExportView.as_view(list_view=views.PublicationListView),
        name="publication-export",
    ),
    path(
        _("publications/<slug:slug>/"),
        views.PublicationDetailView.as_view(),
        name="publication-detail",
    ),
    path(_("campus/"), views.CampusInitiativeListView.as_view(), name="campus-list"),
    path(
        _("campus/export.<str:fmt>"),
        views.ActivityExportView.as_view(list_view=views.CampusInitiativeListView),
        name="campus-export",
    ),
    path(
        _("campus/<slug:slug>/"), views.CampusInitiativeDetailView.as_view(), name="campus-detail"
    ),
    path(_("personnes/"), views.PersonListView.as_view(), name="person-list"),
    path(_("personnes/<slug:slug>/"), views.PersonDetailView.as_view(), name="person-detail"),
    path(_("structures/"), views.StructureListView.as_view(), name="structure-list"),
    path(
        _("structures/<slug:slug>/"), views.StructureDetailView.as_view(), name="structure-detail"
    ),
    path(_("partenaires/"), views.OrganisationListView.as_view(), name="partner-list"),
    path(
        _("partenaires/<slug:slug>/"),
        views.OrganisationDetailView.as_view(),
        name="partner-detail",
    ),
    path(_("cibles/"), views.TargetListView.as_view(), name="target-list"),
    path(_("cibles/<str:code>/"), views.TargetDetailView.as_view(), name="target-detail"),
    path(_("apercu/<str:model_name>/<int:pk>/"), views.preview, name="preview"),
    path(_("flux/"), include(feeds.urlpatterns)),
    path(_("accessibilite/"), pages.AccessibilityView.as_view(), name="accessibility"),
    path(_("rapport/"), report_views.report_list, name="report-list"),
    path(_("rapport/<int:year>/"), report_views.report_detail, name="report-detail"),
    # The report as PDF and DOCX, under the page's own (translated) path.
    path(_("rapport/<int:year>/"), include(report_documents.urlpatterns)),
]
