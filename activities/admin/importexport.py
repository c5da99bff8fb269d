"""Export of an admin list and import of a file, in CSV or XLSX (django-import-export).

- Export: the rows the change list shows, with its filters and its search (the export
  link carries the list's query string), within what the user may see (the admin's
  ``get_queryset`` scopes a Rédacteur to their structures). Anyone who may view the list.
- Import: a preview first, in which every row is checked (the model's full_clean) and
  nothing is kept; then, once confirmed, every row is written or none. A file that
  cannot be read (binary, not UTF-8, empty, unknown columns) gets a message, never an
  error page. Activities are imported only by those who may publish them; people and
  organisations by those who may add them, an existing row being updated only if the
  user may change it (see ``resources.PortalResource.after_init_instance``).
"""

from io import BytesIO

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from activities.access import can_publish

from .resources import RESOURCES


class BinaryFile(ValueError):
    """A file chosen as CSV that holds binary data."""


class NoRows(ValueError):
    """A file with a header and nothing under it."""


def _with_rows(dataset):
    if not len(dataset):
        raise NoRows
    return dataset


class PortalCSV(base_formats.CSV):
    """CSV as spreadsheets write it: UTF-8 with or without a BOM, with commas or with
    semicolons (French Excel's "CSV UTF-8" uses semicolons)."""

    def create_dataset(self, in_stream, **kwargs):
        text = (
            in_stream.decode(self.encoding or "utf-8-sig")
            if isinstance(in_stream, bytes)
            else in_stream
        )
        if "\x00" in text:
            raise BinaryFile
        header = text.lstrip("\ufeff").split("\n", 1)[0]
        delimiter = ";" if header.count(";") > header.count(",") else ","
        return _with_rows(super().create_dataset(text, delimiter=delimiter, **kwargs))


class PortalXLSX(base_formats.XLSX):
    """XLSX whose every text cell stays text: a title typed as "=HYPERLINK(…)" must not
    become a formula in the spreadsheet of whoever opens the export."""

    def create_dataset(self, in_stream):
        return _with_rows(super().create_dataset(in_stream))

    def export_data(self, dataset, **kwargs):
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        def cell(value):
            return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

        book = Workbook()
        sheet = book.active
        sheet.append(dataset.headers)
        for row in dataset:
            sheet.append([cell(value) for value in row])
        for row in sheet.iter_rows():
            for written in row:
                if written.data_type == "f":
                    written.data_type = "s"
        sheet.freeze_panes = "A2"
        stream = BytesIO()
        book.save(stream)
        return stream.getvalue()


FORMATS = (PortalCSV, PortalXLSX)


class PortalImportExportMixin(ImportExportMixin):
    """Import and export buttons on a change list; the columns are in ``resources``."""

    import_template_name = "admin/activities/import.html"
    # Excel reads a CSV as UTF-8 only when it starts with a byte order mark.
    to_encoding = "utf-8-sig"

    def get_resource_classes(self, request):
        return [RESOURCES[self.model]]

    def get_import_formats(self):
        return list(FORMATS)

    def get_export_formats(self):
        return list(FORMATS)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"may_change": lambda entry: self.has_change_permission(request, entry)}

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # The confirmed import too writes every row or none (the preview always does).
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def _import_url(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return reverse(f"admin:{info[0]}_{info[1]}_import", current_app=self.admin_site.name)

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except (FileNotFoundError, IndexError, ValueError):
            # A confirmation whose file has gone (or a forged one).
            messages.error(
                request,
                _("Le fichier à importer n'est plus disponible : recommencez l'import."),
            )
            return HttpResponseRedirect(self._import_url())

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The rows were valid in the preview; an entry changed since. Nothing written.
            messages.error(
                request,
                _(
                    "Rien n'a été importé : des fiches ont changé depuis l'aperçu. "
                    "Envoyez le fichier à nouveau pour voir les lignes en cause."
                ),
            )
            return HttpResponseRedirect(self._import_url())
        return super().process_result(result, request)

    def add_data_read_fail_error_to_form(self, form, error):
        if isinstance(error, UnicodeDecodeError | BinaryFile):
            message = _(
                "Ce fichier ne se lit pas comme un CSV en UTF-8. Si c'est un classeur, "
                "choisissez le format xlsx ; si c'est un CSV, enregistrez-le depuis votre "
                "tableur au format « CSV UTF-8 », puis importez-le à nouveau."
            )
        elif isinstance(error, NoRows):
            message = _("Ce fichier n'a aucune ligne à importer sous sa ligne d'en-tête.")
        else:
            message = _(
                "Ce fichier ne se lit pas au format choisi : vérifiez le format (csv ou "
                "xlsx), ou enregistrez le fichier à nouveau depuis votre tableur."
            )
        form.add_error("import_file", message)

    def export_action(self, request):
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            # The list itself answers such filters with the unfiltered list (?e=1).
            messages.error(request, _("Ces filtres ne sont pas valides : rien n'a été exporté."))
            info = self.model._meta.app_label, self.model._meta.model_name
            changelist = reverse(f"admin:{info[0]}_{info[1]}_changelist")
            return HttpResponseRedirect(f"{changelist}?{ERROR_FLAG}=1")


class ActivityImportExportMixin(PortalImportExportMixin):
    """Activities: only who may publish them imports them (imported rows are drafts, but
    an import may update published entries)."""

    def has_import_permission(self, request):
        return (
            can_publish(request.user, self.model)
            and super().has_import_permission(request)
            and self.has_change_permission(request)
        )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "creates_drafts": True}
