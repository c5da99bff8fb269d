"""Root URLs: the public site under /fr/ and /en/, the admin at /admin/ (not translated)."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from activities.admin.evidence import evidence_export, evidence_view
from activities.admin.imports import import_view
from activities.admin.review import review_list
from activities.pages import robots_txt
from activities.sitemaps import SITEMAPS

urlpatterns = [
    path("admin/a-relire/", admin.site.admin_view(review_list), name="admin-review"),
    path("admin/importer/", admin.site.admin_view(import_view), name="admin-import"),
    path("admin/preuves/", admin.site.admin_view(evidence_view), name="admin-evidence"),
    path(
        "admin/preuves/dossier/",
        admin.site.admin_view(evidence_export),
        name="admin-evidence-export",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Crawlers look for these at the root, in no language.
    path("robots.txt", robots_txt, name="robots"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<slug:section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
]

urlpatterns += i18n_patterns(path("", include("activities.urls")), prefix_default_language=True)
