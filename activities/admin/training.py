"""Training programmes with their partners, specialities and key figures."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationTabularInline

from activities.models import Programme, ProgrammeFigure, ProgrammePartner, ProgrammeSpeciality

from .mixins import ACTIVITY_FILTERS, ActivityAdmin, OrderedInlineMixin, timestamps_fieldset

FIGURE_FIELDS = ("order", "qualifier", "value", "value_max", "unit", "label", "year")


class ProgrammePartnerInline(OrderedInlineMixin, admin.TabularInline):
    model = ProgrammePartner
    fields = ("order", "organisation", "role")
    autocomplete_fields = ("organisation",)


class ProgrammeSpecialityInline(OrderedInlineMixin, TranslationTabularInline):
    model = ProgrammeSpeciality
    fields = ("order", "name")


class ProgrammeFigureInline(OrderedInlineMixin, TranslationTabularInline):
    model = ProgrammeFigure
    fields = FIGURE_FIELDS


@admin.register(Programme)
class ProgrammeAdmin(ActivityAdmin):
    list_display = ("title", "kind", "years", "structure_list", "state", "updated_at")
    list_filter = ("state", "kind", *ACTIVITY_FILTERS)
    inlines = (ProgrammePartnerInline, ProgrammeSpecialityInline, ProgrammeFigureInline)
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "state", "summary")}),
        (_("Période et format"), {"fields": ("start_year", "end_year", "duration_months", "url")}),
        (_("Rattachement et cibles"), {"fields": ("structures", "targets")}),
        timestamps_fieldset(),
    )
