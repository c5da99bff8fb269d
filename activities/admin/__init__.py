"""The Django admin of the portal, in French, one module per topic (see DESIGN.md)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import accounts, campus, reference, report, research, training

__all__ = ["accounts", "campus", "reference", "report", "research", "training"]

admin.site.site_header = _("Portail ODD 3 — IMT Mines Alès")
admin.site.site_title = _("Portail ODD 3 — IMT Mines Alès")
admin.site.index_title = _("Administration du portail")
admin.site.site_url = "/fr/"
