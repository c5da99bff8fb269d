"""What every admin of the portal shares.

- ``PortalAdmin``: history (who changed what, with revert), and no lost updates: a form
  opened at version N of an entry cannot overwrite a later version.
- ``ActivityAdmin``: on top, the editorial workflow (submit, publish, unpublish) and the
  Rédacteurs' scope: they see and change only their structures' entries, whatever the URL
  or the POST says.
  It also exports and imports CSV/XLSX (``importexport``) and warns about possible
  duplicates (``activities.duplicates``).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from activities.access import can_publish, edits_all, in_scope, scope_ids, scoped
from activities.duplicates import duplicate_messages
from activities.models import Activity, State, Structure
from activities.workflow import (
    TRANSITIONS,
    TransitionRefused,
    activity_transition,
    allowed_transitions,
)

from .importexport import ActivityImportExportMixin

TIMESTAMPS = ("created_at", "updated_at")

# A web address typed without its scheme is taken as https:// (Django 6's default).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}
ACTIVITY_TIMESTAMPS = (
    *TIMESTAMPS,
    "submitted_at",
    "submitted_by",
    "published_at",
    "published_by",
)


WORKFLOW_FIELDS = ("state", "submitted_at", "submitted_by", "published_at", "published_by")


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


class VersionedForm(forms.ModelForm):
    """Refuses to save over a version of the entry that the editor has not seen."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    editor = None  # the user, set per request by PortalAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # The version in the database, not the instance's: the history's revert form
            # starts from an old version of the entry.
            current = type(self.instance)._base_manager.filter(pk=self.instance.pk)
            self.fields["loaded_version"].initial = current.values_list(
                "version", flat=True
            ).first()

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        loaded = cleaned.get("loaded_version")
        # Lock the row until the save commits: two saves cannot both pass this check.
        current = (
            (type(self.instance)._base_manager.select_for_update().filter(pk=self.instance.pk))
            .values_list("version", flat=True)
            .first()
        )
        if loaded is None or loaded != current:
            raise ValidationError(self._conflict_message(), code="stale")
        return cleaned

    def _conflict_message(self):
        last = self.instance.history.order_by("-history_date").first()
        who = last.history_user if last and last.history_user else _("quelqu'un d'autre")
        when = date_format(last.history_date, "DATETIME_FORMAT") if last else ""
        return _(
            "Cette fiche a été modifiée par %(who)s le %(when)s, après que vous l'avez "
            "ouverte. Vos modifications n'ont pas été enregistrées, pour ne pas effacer "
            "les siennes : rouvrez la fiche pour voir sa version actuelle, puis refaites "
            "vos modifications."
        ) % {"who": who, "when": when}


class PortalAdmin(SimpleHistoryAdmin):
    """History and lost-update refusal, for every editable model of the portal."""

    form = VersionedForm
    formfield_overrides = HTTPS_URLS
    readonly_fields = TIMESTAMPS

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.editor = request.user  # the forms check a Rédacteur's scope on what is posted
        return form

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history lets whoever may view the history post its revert form: a revert is
        # a change, allowed only to who may change the entry as it stands now.
        if request.method == "POST":
            current = self.model._base_manager.filter(pk=unquote(object_id)).first()
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        # The version the form was opened at travels in a hidden field of the first set.
        (name, options), *others = fieldsets
        fields = (*options.get("fields", ()), "loaded_version")
        return [(name, {**options, "fields": fields}), *others]

    def save_model(self, request, obj, form, change):
        if change:
            current = type(obj)._base_manager.get(pk=obj.pk)
            obj.version = current.version  # the revert form starts from an old version
            for field in self.protected_fields:
                setattr(obj, field, getattr(current, field))
        super().save_model(request, obj, form, change)

    # Fields that only their own mechanism changes (the workflow), never a form or a revert.
    protected_fields = ()


class ActivityForm(VersionedForm):
    """A Rédacteur's entry must stay attached to at least one of their structures, and may
    link only to entries that are theirs or already public (projects, theses)."""

    def clean(self):
        cleaned = super().clean()
        if self.editor is None or edits_all(self.editor):
            return cleaned
        self._check_links(cleaned)
        structures = cleaned.get("structures")
        if structures is None:
            return cleaned
        scope = scope_ids(self.editor)
        if not any(structure.pk in scope for structure in structures):
            yours = Structure.objects.filter(editorships__user=self.editor)
            self.add_error(
                "structures",
                _("Rattachez la fiche à au moins une de vos structures : %(yours)s.")
                % {"yours": ", ".join(str(s) for s in yours) or _("aucune")},
            )
        return cleaned

    def _check_links(self, cleaned):
        for name, value in list(cleaned.items()):  # add_error() drops from cleaned
            try:
                related = self._meta.model._meta.get_field(name).related_model
            except FieldDoesNotExist:  # a form-only field (loaded_version)
                continue
            if related is None or not issubclass(related, Activity):
                continue
            linked = [] if value is None else [value] if isinstance(value, Activity) else value
            hidden = [
                entry
                for entry in linked
                if entry.state != State.PUBLISHED and not in_scope(self.editor, entry)
            ]
            if hidden:
                self.add_error(
                    name,
                    _("Vous ne pouvez lier que vos fiches ou des fiches publiées : %(names)s.")
                    % {"names": ", ".join(str(entry) for entry in hidden)},
                )


class PersonForm(VersionedForm):
    """A Rédacteur keeps the people they edit in their structures (or outside the school)."""

    def clean(self):
        cleaned = super().clean()
        structure = cleaned.get("structure")
        if self.editor is None or structure is None or edits_all(self.editor):
            return cleaned
        if structure.pk not in scope_ids(self.editor):
            self.add_error(
                "structure",
                _("Choisissez une de vos structures, ou aucune pour une personne extérieure."),
            )
        return cleaned


class ActivityAdmin(ActivityImportExportMixin, PortalAdmin, TranslationAdmin):
    """Base admin of programmes, projects, theses, publications and campus initiatives."""

    form = ActivityForm
    actions = ["submit", "publish", "unpublish", "return_to_draft"]
    readonly_fields = (*WORKFLOW_FIELDS, *TIMESTAMPS)
    protected_fields = WORKFLOW_FIELDS
    prepopulated_fields = {"slug": ("title_fr",)}
    autocomplete_fields = ("structures",)
    filter_horizontal = ("targets",)
    list_filter = ("state", *ACTIVITY_FILTERS)
    search_fields = ("title_fr", "title_en", "slug")
    list_per_page = 50
    show_facets = admin.ShowFacets.ALLOW
    save_on_top = True
    change_form_template = "admin/activities/activity_change_form.html"
    # Related rows shown in the change list, fetched once for the whole page.
    list_prefetch_related = ("structures",)

    # Scope: what a Rédacteur sees and may change ---------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related(*self.list_prefetch_related)
        return scoped(request.user, queryset)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and self._exists(object_id, from_field):
            # It exists, outside the user's structures: refuse rather than pretend.
            raise PermissionDenied
        return obj

    def _exists(self, object_id, from_field):
        field = self.model._meta.get_field(from_field) if from_field else self.model._meta.pk
        try:
            value = field.to_python(object_id)
        except ValidationError:
            return False
        return self.model._base_manager.filter(**{field.attname: value}).exists()

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or in_scope(request.user, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        if not in_scope(request.user, obj):
            return False
        # A published entry changes only through a publisher: an edit would go live unreviewed.
        return obj.state != State.PUBLISHED or can_publish(request.user, self.model)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        if not in_scope(request.user, obj):
            return False
        ever_public = obj.state in (State.PUBLISHED, State.UNPUBLISHED) or obj.published_at
        return not ever_public or can_publish(request.user, self.model)

    def has_publish_permission(self, request):
        return can_publish(request.user, self.model)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["transitions"] = allowed_transitions(user=request.user, activity=obj)
            context["preview_url"] = self.view_on_site(obj)
            if request.method == "GET":
                self.warn_about_duplicates(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Possible duplicates (activities.duplicates): a warning, never a refusal ---------------

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "_continue" not in request.POST:  # else the change form, opened next, warns
            self.warn_about_duplicates(request, obj)

    def warn_about_duplicates(self, request, obj):
        for message in duplicate_messages(obj, user=request.user):
            self.message_user(request, message, messages.WARNING)

    def view_on_site(self, obj):
        if obj.is_published:
            return obj.get_absolute_url()
        return reverse("activities:preview", args=[self.model._meta.model_name, obj.pk])

    # Workflow: bulk actions and the buttons of the change form --------------------------

    def _transition_all(self, request, queryset, name):
        transition = TRANSITIONS[name]
        done, refusals = 0, []
        for activity in queryset:
            try:
                activity_transition(activity=activity, name=name, user=request.user)
                done += 1
            except TransitionRefused as refusal:
                refusals.append(str(refusal))
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(action)s : %(count)d fiche traitée.",
                    "%(action)s : %(count)d fiches traitées.",
                    done,
                )
                % {"count": done, "action": transition.label},
                messages.SUCCESS,
            )
        for refusal in refusals[:10]:
            self.message_user(request, refusal, messages.WARNING)
        if len(refusals) > 10:
            self.message_user(
                request,
                _("… et %(count)d autres refus.") % {"count": len(refusals) - 10},
                messages.WARNING,
            )

    @admin.action(description=_("Soumettre pour relecture"), permissions=["change"])
    def submit(self, request, queryset):
        self._transition_all(request, queryset, "submit")

    @admin.action(description=_("Publier la sélection"), permissions=["publish"])
    def publish(self, request, queryset):
        self._transition_all(request, queryset, "publish")

    @admin.action(description=_("Dépublier la sélection"), permissions=["publish"])
    def unpublish(self, request, queryset):
        self._transition_all(request, queryset, "unpublish")

    @admin.action(description=_("Repasser en brouillon"), permissions=["change"])
    def return_to_draft(self, request, queryset):
        self._transition_all(request, queryset, "return_to_draft")

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{info[0]}_{info[1]}_transition",
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request, object_id, name):
        """POST only: one transition of one entry, from the change form's buttons."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, object_id)
        if obj is None or name not in TRANSITIONS:
            raise Http404
        try:
            activity_transition(activity=obj, name=name, user=request.user)
        except TransitionRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
        else:
            self.message_user(
                request,
                format_html("« {} » : {}.", obj, TRANSITIONS[name].done),
                messages.SUCCESS,
            )
        info = self.model._meta.app_label, self.model._meta.model_name
        return HttpResponseRedirect(reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk]))

    # Columns ----------------------------------------------------------------------------

    @admin.display(description=_("années"), ordering="start_year")
    def years(self, obj):
        return obj.years_display

    @admin.display(description=_("structures"))
    def structure_list(self, obj):
        return ", ".join(str(structure) for structure in obj.structures.all())
