"""The columns of the admin's CSV and XLSX exports and imports (django-import-export).

Columns are named after the model's fields (``title_fr``, ``start_year``…) so that an
exported file can be edited and imported back. The ``slug`` identifies a row: a row
whose slug exists updates that entry, any other row creates one. Relations are written
by slug (people, organisations, projects, theses, structures) or by code (SDG targets),
several values separated by ``|``.

An import never touches the editorial workflow: ``state``, ``submitted_*`` /
``published_*`` and the timestamps are exported for reading and ignored on import, so a
new row is a draft and an existing row keeps its state. ``version`` is not imported
either, but a row that still carries it is refused if its entry changed since the
export (no lost update, as in the admin's forms). Every row goes through the model's
``full_clean``: a bad year, an unknown slug or a missing French title is that row's
error, and the admin then writes nothing (see ``importexport``).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export import fields, resources, widgets
from modeltranslation.translator import NotRegistered, translator

from activities.models import (
    CampusInitiative,
    Organisation,
    Person,
    Programme,
    Publication,
    ResearchProject,
    SDGTarget,
    Structure,
    Thesis,
)

SEPARATOR = "|"

# Columns exported for reading, never imported (the version is checked, see above).
TIMESTAMP_COLUMNS = ("version", "created_at", "updated_at")
WORKFLOW_COLUMNS = ("state", "submitted_at", "submitted_by", "published_at", "published_by")


class ImportRefused(Exception):
    """The file as a whole cannot be imported (its columns); shown above the preview."""


def _text(value):
    """A cell as text: XLSX gives numbers for cells that look like numbers ("3.4")."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class RelatedWidget(widgets.ForeignKeyWidget):
    """One related entry named by a unique field (its slug); unknown → the row's error."""

    def __init__(self, model, field="slug", **kwargs):
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value is None or _text(value) == "":
            return None
        key = _text(value)
        try:
            return self.model._default_manager.get(**{self.field: key})
        except self.model.DoesNotExist:
            raise ValueError(_unknown(self.model, [key])) from None


class RelatedManyWidget(widgets.ManyToManyWidget):
    """Several related entries, "a|b|c"; any unknown key is the row's error, not dropped
    silently as import-export's widget would."""

    def __init__(self, model, field="slug", **kwargs):
        super().__init__(model, separator=SEPARATOR, field=field, **kwargs)

    def keys(self, value):
        if value is None:
            return []
        return [key.strip() for key in _text(value).split(self.separator) if key.strip()]

    def clean(self, value, row=None, **kwargs):
        keys = self.keys(value)
        if not keys:
            return self.model.objects.none()
        found = self.model._default_manager.filter(**{f"{self.field}__in": keys})
        missing = set(keys) - {str(key) for key in found.values_list(self.field, flat=True)}
        if missing:
            raise ValueError(_unknown(self.model, sorted(missing)))
        return found


class WholeNumberWidget(widgets.IntegerWidget):
    """A whole number: "2023", or 2023.0 from a spreadsheet. "2023.5" or "deux mille" is
    the row's error (import-export would truncate the first and crash on the second)."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        text = _text(value)
        if isinstance(value, bool) or not re.fullmatch(r"[+-]?\d{1,18}", text):
            raise ValueError(_("« %(value)s » n'est pas un nombre entier.") % {"value": value})
        return int(text)


class YesNoWidget(widgets.BooleanWidget):
    """Yes or no: 1/0, true/false, oui/non, vrai/faux; anything else is the row's error
    (import-export would read "oui" as no)."""

    YES = {"1", "true", "oui", "vrai", "yes", "x"}
    NO = {"0", "false", "non", "faux", "no"}

    def clean(self, value, row=None, **kwargs):
        if value is None or _text(value) == "":
            return None  # the field's default
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in self.YES | self.NO:
            return text in self.YES
        raise ValueError(_("« %(value)s » n'est ni oui (1) ni non (0).") % {"value": value})


class DayWidget(widgets.DateWidget):
    """A date written 2023-12-31 (as exported) or 31/12/2023, never month first."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.formats = ("%Y-%m-%d", "%d/%m/%Y")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value.strip() if isinstance(value, str) else value, row)
        except ValueError:
            raise ValueError(
                _("« %(value)s » n'est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA).") % {"value": value}
            ) from None


def _unknown(model, keys):
    names = model._meta.verbose_name if len(keys) == 1 else model._meta.verbose_name_plural
    message = ngettext(
        "%(model)s introuvable : %(keys)s.", "%(model)s introuvables : %(keys)s.", len(keys)
    )
    return message % {"model": capfirst(names), "keys": ", ".join(keys)}


def related(name, model, key="slug"):
    return fields.Field(attribute=name, column_name=name, widget=RelatedWidget(model, key))


def related_many(name, model, key="slug"):
    return fields.Field(attribute=name, column_name=name, widget=RelatedManyWidget(model, key))


def read_only(name, attribute=None, widget=None):
    return fields.Field(attribute=attribute or name, column_name=name, readonly=True, widget=widget)


class PortalResource(resources.ModelResource):
    """What every resource of the portal shares: the slug as id, validation, the checks
    of the file's columns, of the user's rights on each row and of its version."""

    WIDGETS_MAP = {
        **resources.ModelResource.WIDGETS_MAP,
        "IntegerField": WholeNumberWidget,
        "PositiveIntegerField": WholeNumberWidget,
        "PositiveSmallIntegerField": WholeNumberWidget,
        "SmallIntegerField": WholeNumberWidget,
        "BooleanField": YesNoWidget,
        "DateField": DayWidget,
    }

    version = read_only("version", widget=widgets.IntegerWidget())
    created_at = read_only("created_at", widget=widgets.DateTimeWidget())
    updated_at = read_only("updated_at", widget=widgets.DateTimeWidget())

    class Meta:
        import_id_fields = ("slug",)
        clean_model_instances = True
        # A row identical to its entry is left alone: no new version, no history row.
        skip_unchanged = True
        report_skipped = True

    def __init__(self, *, may_change=None, **kwargs):
        """``may_change(entry)`` tells whether the importing user may update an entry."""
        super().__init__(**kwargs)
        self.may_change = may_change

    # The file ---------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        # " slug" or an empty XLSX header cell: what the reader sees, not what it skips.
        headers = [_text(header) if header is not None else "" for header in dataset.headers or []]
        dataset.headers = headers
        known = {field.column_name for field in self.fields.values()}
        unknown = [header for header in headers if header and header not in known]
        if unknown:
            raise ImportRefused(
                _(
                    "Colonnes inconnues : %(unknown)s. Colonnes possibles : %(known)s. "
                    "Rien n'a été importé."
                )
                % {"unknown": ", ".join(unknown), "known": ", ".join(self.column_names())}
            )
        if "slug" not in headers:
            raise ImportRefused(
                _(
                    "La colonne « slug » manque : c'est elle qui dit quelle fiche chaque ligne "
                    "crée ou modifie. Rien n'a été importé."
                )
            )
        super().before_import(dataset, **kwargs)

    def column_names(self):
        return [field.column_name for field in self.get_export_fields()]

    def get_user_visible_fields(self):
        """The columns an import reads (the import page lists them)."""
        return [field for field in self.get_import_fields() if not field.readonly]

    # Each row ---------------------------------------------------------------------------

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        if new:
            return
        if self.may_change is not None and not self.may_change(instance):
            raise ValidationError(
                _("Vous ne pouvez pas modifier « %(entry)s » (%(slug)s).")
                % {"entry": instance, "slug": instance.slug}
            )
        self._refuse_stale(instance, row)

    def _refuse_stale(self, instance, row):
        """A row exported at version N does not overwrite a later version of its entry."""
        written = row.get("version")
        if written is None or _text(written) == "":
            return
        try:
            written = int(float(_text(written)))
        except ValueError:
            raise ValidationError(
                {"version": _("« %(value)s » n'est pas un numéro de version.") % {"value": written}}
            ) from None
        if written != instance.version:
            raise ValidationError(
                _(
                    "« %(entry)s » a été modifiée depuis l'export de ce fichier (version "
                    "%(written)s dans le fichier, %(current)s aujourd'hui) : exportez-la à "
                    "nouveau, puis refaites vos modifications."
                )
                % {"entry": instance, "written": written, "current": instance.version}
            )

    def import_instance(self, instance, row, **kwargs):
        """Check the many-to-many columns too, before full_clean: an unknown structure or
        target is a validation error of its row (import-export sets them after saving)."""
        errors = {}
        stored = {field.attribute: field.get_value(instance) for field in self._plain_fields()}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for attribute, value in stored.items():
            # An empty cell leaves an empty nullable text (an English title) as it was, so
            # that a file exported and imported back changes nothing.
            if value is None and getattr(instance, attribute, None) == "":
                setattr(instance, attribute, None)
        for field in self.get_import_fields():
            is_many = isinstance(field.widget, widgets.ManyToManyWidget)
            if is_many and not field.readonly and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = ValidationError(str(error), code="invalid")
        if errors:
            raise ValidationError(errors)

    def _plain_fields(self):
        return [
            field
            for field in self.get_import_fields()
            if field.attribute
            and not field.readonly
            and "__" not in field.attribute
            and not isinstance(field.widget, widgets.ManyToManyWidget | widgets.ForeignKeyWidget)
        ]

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """full_clean, reporting each translated field once: ``title`` mirrors
        ``title_fr`` and would repeat its error."""
        errors = dict(import_validation_errors or {})
        if self._meta.clean_model_instances:
            exclude = {*errors, *self._mirrored_fields()}
            try:
                instance.full_clean(exclude=exclude, validate_unique=validate_unique)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _mirrored_fields(self):
        try:
            return set(translator.get_options_for_model(self._meta.model).all_fields)
        except NotRegistered:
            return set()

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        instance._change_reason = str(_("Import d'un fichier"))  # shown in the history

    def filter_export(self, queryset, **kwargs):
        """What the columns read, in a constant number of queries."""
        queryset = super().filter_export(queryset, **kwargs)
        if self.export_select_related:
            queryset = queryset.select_related(*self.export_select_related)
        if self.export_prefetch_related:
            queryset = queryset.prefetch_related(*self.export_prefetch_related)
        return queryset

    export_select_related = ()
    export_prefetch_related = ()


class ActivityResource(PortalResource):
    structures = related_many("structures", Structure)
    targets = related_many("targets", SDGTarget, key="code")
    state = read_only("state")
    submitted_at = read_only("submitted_at", widget=widgets.DateTimeWidget())
    submitted_by = read_only("submitted_by", "submitted_by__username")
    published_at = read_only("published_at", widget=widgets.DateTimeWidget())
    published_by = read_only("published_by", "published_by__username")

    export_select_related = ("submitted_by", "published_by")
    export_prefetch_related = ("structures", "targets")


TEXTS = ("slug", "title_fr", "title_en", "summary_fr", "summary_en")
TAGS = ("structures", "targets")
TRAILER = (*WORKFLOW_COLUMNS, *TIMESTAMP_COLUMNS)


def columns(*names):
    """The column order of a resource: identity and texts, its own fields, tags, trailer."""
    return (*TEXTS, *names, *TAGS, *TRAILER)


class ProgrammeResource(ActivityResource):
    class Meta(ActivityResource.Meta):
        model = Programme
        fields = export_order = columns("kind", "start_year", "end_year", "duration_months", "url")


class ResearchProjectResource(ActivityResource):
    class Meta(ActivityResource.Meta):
        model = ResearchProject
        fields = export_order = (
            "slug",
            "acronym",
            *TEXTS[1:],
            "outcomes_fr",
            "outcomes_en",
            "kind",
            "funding_scheme",
            "coordinated_by_school",
            "status",
            "start_year",
            "end_year",
            "url",
            *TAGS,
            *TRAILER,
        )


class ThesisResource(ActivityResource):
    candidate = related("candidate", Person)
    doctoral_school = related("doctoral_school", Organisation)
    project = related("project", ResearchProject)
    partners = related_many("partners", Organisation)

    export_select_related = (
        *ActivityResource.export_select_related,
        "candidate",
        "doctoral_school",
        "project",
    )
    export_prefetch_related = (*ActivityResource.export_prefetch_related, "partners")

    class Meta(ActivityResource.Meta):
        model = Thesis
        fields = export_order = columns(
            "candidate",
            "status",
            "start_year",
            "end_year",
            "defence_date",
            "nnt",
            "doctoral_school",
            "project",
            "partners",
        )


class PublicationResource(ActivityResource):
    projects = related_many("projects", ResearchProject)
    theses = related_many("theses", Thesis)
    # The authors as written, in order (exported only: they are edited in the admin).
    authors = fields.Field(column_name="authors", readonly=True)

    export_prefetch_related = (
        *ActivityResource.export_prefetch_related,
        "authorships",
        "projects",
        "theses",
    )

    class Meta(ActivityResource.Meta):
        model = Publication
        fields = export_order = columns(
            "kind",
            "authors",
            "more_authors",
            "venue",
            "place",
            "year",
            "month",
            "pages",
            "doi",
            "hal_id",
            "url",
            "projects",
            "theses",
        )

    def dehydrate_authors(self, publication):
        return SEPARATOR.join(author.name for author in publication.authorships.all())


class CampusInitiativeResource(ActivityResource):
    provider = related("provider", Organisation)
    partners = related_many("partners", Organisation)

    export_select_related = (*ActivityResource.export_select_related, "provider")
    export_prefetch_related = (*ActivityResource.export_prefetch_related, "partners")

    class Meta(ActivityResource.Meta):
        model = CampusInitiative
        fields = export_order = columns(
            "category", "audience", "provider", "start_year", "end_year", "url", "partners"
        )


class PersonResource(PortalResource):
    structure = related("structure", Structure)
    affiliation = related("affiliation", Organisation)

    export_select_related = ("structure", "affiliation")

    class Meta(PortalResource.Meta):
        model = Person
        fields = export_order = (
            "slug",
            "first_name",
            "last_name",
            "orcid",
            "idhal",
            "structure",
            "affiliation",
            *TIMESTAMP_COLUMNS,
        )


class OrganisationResource(PortalResource):
    class Meta(PortalResource.Meta):
        model = Organisation
        fields = export_order = ("slug", "acronym", "name", "kind", "website", *TIMESTAMP_COLUMNS)


RESOURCES = {
    resource._meta.model: resource
    for resource in (
        ProgrammeResource,
        ResearchProjectResource,
        ThesisResource,
        PublicationResource,
        CampusInitiativeResource,
        PersonResource,
        OrganisationResource,
    )
}
