"""What every activity admin shares: columns, filters, the publish actions, ordered inlines."""

from django.contrib import admin, messages
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

TIMESTAMPS = ("created_at", "updated_at")

# A web address typed without its scheme is taken as https:// (Django 6's default).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}
ACTIVITY_TIMESTAMPS = (*TIMESTAMPS, "published_at")


def timestamps_fieldset(fields=ACTIVITY_TIMESTAMPS):
    """The read-only dates, folded at the bottom of a form."""
    return (_("Suivi"), {"fields": fields, "classes": ("collapse",)})


class OrderedInlineFormSet(BaseInlineFormSet):
    """Numbers the blank rows after the existing ones, so that two rows added at once do
    not both get order 0 (authors must not share a position)."""

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        initial_count = self.initial_form_count()
        if index is not None and index >= initial_count:
            # The queryset is already evaluated for the existing rows: no extra query.
            last = max((row.order for row in self.get_queryset()), default=0)
            kwargs["initial"] = {"order": last + index - initial_count + 1}
        return kwargs


class OrderedInlineMixin:
    """An inline whose rows carry an editable `order` (authors, supervisors, partners…)."""

    formset = OrderedInlineFormSet
    extra = 1


class YearFilter(admin.SimpleListFilter):
    """Activities running in a year (periods) or dated from it (publications)."""

    title = _("année")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [(str(year), str(year)) for year in model_admin.model.objects.years()]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.in_year(int(self.value()))
        return queryset


# Filters every activity list offers, after its own (state first, then kind, status…).
ACTIVITY_FILTERS = (YearFilter, "structures", "targets")


class ActivityAdmin(TranslationAdmin):
    """Base admin of programmes, projects, theses, publications and campus initiatives."""

    actions = ["publish", "unpublish"]
    formfield_overrides = HTTPS_URLS
    readonly_fields = ACTIVITY_TIMESTAMPS
    prepopulated_fields = {"slug": ("title_fr",)}
    autocomplete_fields = ("structures",)
    filter_horizontal = ("targets",)
    list_filter = ("state", *ACTIVITY_FILTERS)
    search_fields = ("title_fr", "title_en", "slug")
    list_per_page = 50
    show_facets = admin.ShowFacets.ALLOW
    save_on_top = True
    # Related rows shown in the change list, fetched once for the whole page.
    list_prefetch_related = ("structures",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(*self.list_prefetch_related)

    @admin.display(description=_("années"), ordering="start_year")
    def years(self, obj):
        return obj.years_display

    @admin.display(description=_("structures"))
    def structure_list(self, obj):
        return ", ".join(str(structure) for structure in obj.structures.all())

    @admin.action(description=_("Publier la sélection"), permissions=["change"])
    def publish(self, request, queryset):
        selected = queryset.count()
        count = queryset.publish()
        self._report(
            request,
            ngettext("%(count)d élément publié.", "%(count)d éléments publiés.", count),
            count,
            ngettext("%(count)d l'était déjà.", "%(count)d l'étaient déjà.", selected - count),
            selected,
        )

    @admin.action(description=_("Dépublier la sélection"), permissions=["change"])
    def unpublish(self, request, queryset):
        selected = queryset.count()
        count = queryset.unpublish()
        self._report(
            request,
            ngettext(
                "%(count)d élément dépublié (repassé en brouillon).",
                "%(count)d éléments dépubliés (repassés en brouillon).",
                count,
            ),
            count,
            ngettext(
                "%(count)d n'était pas publié.",
                "%(count)d n'étaient pas publiés.",
                selected - count,
            ),
            selected,
        )

    def _report(self, request, done_message, count, skipped_message, selected):
        message = done_message % {"count": count}
        if selected > count:
            message = f"{message} {skipped_message % {'count': selected - count}}"
        self.message_user(request, message, messages.SUCCESS if count else messages.WARNING)
