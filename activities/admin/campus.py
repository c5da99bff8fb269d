"""Campus initiatives for students' and staff's health and well-being."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationTabularInline

from activities.models import CampusInitiative, InitiativeFigure

from .mixins import ACTIVITY_FILTERS, ActivityAdmin, OrderedInlineMixin, timestamps_fieldset
from .training import FIGURE_FIELDS


class InitiativeFigureInline(OrderedInlineMixin, TranslationTabularInline):
    model = InitiativeFigure
    fields = FIGURE_FIELDS


@admin.register(CampusInitiative)
class CampusInitiativeAdmin(ActivityAdmin):
    list_display = (
        "title",
        "category",
        "audience",
        "years",
        "provider",
        "structure_list",
        "state",
        "updated_at",
    )
    list_filter = ("state", "category", "audience", *ACTIVITY_FILTERS)
    list_select_related = ("provider",)
    search_fields = (*ActivityAdmin.search_fields, "provider__name", "provider__acronym")
    autocomplete_fields = ("structures", "provider", "partners")
    inlines = (InitiativeFigureInline,)
    fieldsets = (
        (None, {"fields": ("title", "slug", "category", "audience", "state", "summary")}),
        (_("Période"), {"fields": ("start_year", "end_year", "url")}),
        (_("Porteurs et cibles"), {"fields": ("provider", "partners", "structures", "targets")}),
        timestamps_fieldset(),
    )
