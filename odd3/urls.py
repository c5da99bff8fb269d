"""Root URLs: the public site under /fr/ and /en/, the admin at /admin/ (not translated)."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from activities.admin.imports import import_view
from activities.admin.review import review_list

urlpatterns = [
    path("admin/a-relire/", admin.site.admin_view(review_list), name="admin-review"),
    path("admin/importer/", admin.site.admin_view(import_view), name="admin-import"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(path("", include("activities.urls")), prefix_default_language=True)
