"""The yearly report's editions: the school's commitment, the parts' introductions, the
order of part B's laboratories, and whether these texts are public. Éditeurs and
Administrateurs only (activities.roles)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from activities.models import ReportEdition, ReportStructure

from .mixins import TIMESTAMPS, OrderedInlineMixin, PortalAdmin, timestamps_fieldset


class ReportStructureInline(OrderedInlineMixin, admin.TabularInline):
    model = ReportStructure
    fields = ("order", "structure")
    autocomplete_fields = ("structure",)


@admin.register(ReportEdition)
class ReportEditionAdmin(PortalAdmin, TranslationAdmin):
    list_display = ("year", "is_published", "published_at", "updated_at")
    list_display_links = ("year",)
    list_filter = ("is_published",)
    search_fields = ("year", "commitment_fr", "commitment_en")
    readonly_fields = ("published_at", *TIMESTAMPS)
    inlines = (ReportStructureInline,)
    save_on_top = True
    fieldsets = (
        (None, {"fields": ("year", "is_published", "commitment")}),
        (
            _("Introductions des parties"),
            {
                "fields": ("training_intro", "research_intro", "campus_intro"),
                "description": _(
                    "Facultatives : un texte avant la liste des formations, des travaux de "
                    "recherche ou des initiatives de campus de l'année."
                ),
            },
        ),
        timestamps_fieldset(("published_at", *TIMESTAMPS)),
    )
