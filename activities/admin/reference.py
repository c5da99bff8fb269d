"""Reference data: structures, partner organisations, people, SDG 3 targets."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from activities.access import in_scope
from activities.models import Organisation, Person, SDGTarget, Structure

from .importexport import PortalImportExportMixin
from .mixins import TIMESTAMPS, PersonForm, PortalAdmin, timestamps_fieldset


@admin.register(Structure)
class StructureAdmin(PortalAdmin, TranslationAdmin):
    list_display = ("acronym", "name", "kind", "parent", "updated_at")
    list_display_links = ("acronym", "name")
    list_filter = ("kind", ("parent", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("parent",)
    search_fields = ("acronym", "name_fr", "name_en", "slug")
    prepopulated_fields = {"slug": ("acronym",)}
    autocomplete_fields = ("parent", "partners")
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("acronym", "name", "slug", "kind", "parent")}),
        (_("Présentation"), {"fields": ("description", "website", "partners")}),
        timestamps_fieldset(TIMESTAMPS),
    )


@admin.register(Organisation)
class OrganisationAdmin(PortalImportExportMixin, PortalAdmin):
    list_display = ("name", "acronym", "kind", "website", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "acronym", "slug")
    prepopulated_fields = {"slug": ("acronym",)}
    readonly_fields = TIMESTAMPS
    show_facets = admin.ShowFacets.ALLOW
    fieldsets = (
        (None, {"fields": ("name", "acronym", "slug", "kind", "website")}),
        timestamps_fieldset(TIMESTAMPS),
    )


@admin.register(Person)
class PersonAdmin(PortalImportExportMixin, PortalAdmin):
    form = PersonForm
    list_display = ("last_name", "first_name", "structure", "affiliation", "orcid", "idhal")
    list_display_links = ("last_name", "first_name")
    list_filter = (
        ("structure", admin.RelatedOnlyFieldListFilter),
        ("affiliation", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("structure", "affiliation")
    search_fields = ("last_name", "first_name", "slug", "orcid", "idhal")
    prepopulated_fields = {"slug": ("first_name", "last_name")}
    autocomplete_fields = ("structure", "affiliation")
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "slug")}),
        (_("Rattachement"), {"fields": ("structure", "affiliation")}),
        (_("Identifiants"), {"fields": ("orcid", "idhal")}),
        timestamps_fieldset(TIMESTAMPS),
    )

    def has_change_permission(self, request, obj=None):
        # A Rédacteur changes the people of their structures and people from outside.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or in_scope(request.user, obj))


@admin.register(SDGTarget)
class SDGTargetAdmin(TranslationAdmin):
    """The 13 targets come from a data migration: their texts may be edited, their codes
    and order are fixed, and none is added or deleted."""

    list_display = ("code", "short_title", "order")
    search_fields = ("code", "short_title_fr", "short_title_en", "title_fr", "title_en")
    readonly_fields = ("code", "order")
    fields = ("code", "order", "short_title", "title")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
