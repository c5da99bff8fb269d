"""The publishers' import page: HAL, theses.fr or BibTeX, from a file or a query.

A first submit runs the import as a dry run and shows its report; nothing is written
until the publisher confirms. An uploaded file is kept in a private temporary folder
between the two steps, under a random token held in the publisher's session; a query is
run again on confirmation (its report says so if the source changed in between).
"""

import secrets
import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from activities.access import can_publish
from activities.importers import bibtex, hal, thesesfr
from activities.importers.base import import_records
from activities.models import Publication, Thesis

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_FETCHED = 1000  # records read from an API in one request of this page
UPLOAD_DIR = Path(tempfile.gettempdir()) / "odd3-imports"
SESSION_KEY = "odd3_import_uploads"

SOURCES = {
    "hal": (_("HAL (publications)"), Publication),
    "theses": (_("theses.fr (thèses)"), Thesis),
    "bibtex": (_("Fichier BibTeX (publications)"), Publication),
}
FORMAT_ERRORS = (hal.HalError, thesesfr.ThesesFormatError, thesesfr.ThesesFetchError, ValueError)


class ImportForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), choices=[(k, v[0]) for k, v in SOURCES.items()])
    file = forms.FileField(
        label=_("Fichier"),
        required=False,
        help_text=_("Réponse JSON de HAL ou de theses.fr, ou fichier BibTeX (20 Mo au plus)."),
    )
    query = forms.CharField(
        label=_("Requête"),
        required=False,
        max_length=500,
        help_text=_("HAL : une requête (ex. title_t:volleyball) ; theses.fr : des mots ou un NNT."),
    )
    collection = forms.CharField(
        label=_("Collection HAL"), required=False, max_length=100, help_text=_("Ex. : MINES-ALES")
    )
    publish = forms.BooleanField(
        label=_("Publier directement les nouvelles fiches"),
        required=False,
        help_text=_("Sinon elles arrivent en brouillon, à relire."),
    )

    def clean(self):
        cleaned = super().clean()
        source, upload = cleaned.get("source"), cleaned.get("file")
        asked = [bool(upload), bool(cleaned.get("query")), bool(cleaned.get("collection"))]
        if sum(asked) != 1:
            raise forms.ValidationError(_("Donnez un fichier, une requête ou une collection."))
        if source == "bibtex" and not upload:
            raise forms.ValidationError(_("Une importation BibTeX se fait depuis un fichier."))
        if source == "theses" and cleaned.get("collection"):
            raise forms.ValidationError(_("Les collections sont propres à HAL."))
        if upload and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Ce fichier dépasse 20 Mo."))
        return cleaned


def import_view(request):
    allowed = {key for key, (_label, model) in SOURCES.items() if can_publish(request.user, model)}
    if not allowed:
        raise PermissionDenied
    context = {**admin.site.each_context(request), "title": _("Importer")}
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _confirm(request, allowed, context)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["source"] not in allowed:
            raise PermissionDenied
        token = _keep(request, data["file"]) if data["file"] else ""
        params = {
            "source": data["source"],
            "token": token,
            "query": data["query"],
            "collection": data["collection"],
            "publish": data["publish"],
        }
        report, error = _run(request, params, dry_run=True)
        if error:
            _discard(request, token)
            form.add_error(None, error)
        else:
            context.update(report=report, params=params)
    context["form"] = form
    return TemplateResponse(request, "admin/activities/importer.html", context)


def _confirm(request, allowed, context):
    params = {
        "source": request.POST.get("source", ""),
        "token": request.POST.get("token", ""),
        "query": request.POST.get("query", ""),
        "collection": request.POST.get("collection", ""),
        "publish": request.POST.get("publish") == "True",
    }
    if params["source"] not in allowed:
        raise PermissionDenied
    report, error = _run(request, params, dry_run=False)
    _discard(request, params["token"])
    if error:
        messages.error(request, error)
    else:
        messages.success(request, report.summary())
        for key, reason in report.errors[:20]:
            messages.warning(request, f"{key} : {reason}")
    return redirect("admin-import")


def _run(request, params, *, dry_run):
    """(report, None) or (None, a message for the publisher)."""
    try:
        records = _records(request, params)
        report = import_records(records, dry_run=dry_run, publish=params["publish"])
    except FileNotFoundError:
        return None, _("Le fichier envoyé n'est plus disponible : envoyez-le de nouveau.")
    except FORMAT_ERRORS as error:
        return None, str(error)
    return report, None


def _records(request, params):
    source, token = params["source"], params["token"]
    if token:
        path = _path(request, token)
        with path.open("rb") as stream:
            reader = {
                "hal": hal.records_from_file,
                "theses": thesesfr.records_from_file,
                "bibtex": bibtex.records_from_file,
            }[source]
            return list(reader(stream))
    if source == "hal":
        return list(
            hal.fetch(
                params["query"] or None,
                collection=params["collection"] or None,
                max_records=MAX_FETCHED,
            )
        )
    data = thesesfr.fetch(params["query"], max_records=MAX_FETCHED)
    return list(thesesfr.records_from_response(data))


# Uploaded files between the preview and the confirmation -------------------------------


def _keep(request, upload) -> str:
    UPLOAD_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    with (UPLOAD_DIR / f"{token}.upload").open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-9:], token]
    return token


def _path(request, token) -> Path:
    # Only a token this session received names a file: no path from the request is used.
    if token not in request.session.get(SESSION_KEY, []):
        raise FileNotFoundError(token)
    return UPLOAD_DIR / f"{token}.upload"


def _discard(request, token) -> None:
    if not token:
        return
    tokens = request.session.get(SESSION_KEY, [])
    if token in tokens:
        (UPLOAD_DIR / f"{token}.upload").unlink(missing_ok=True)
        request.session[SESSION_KEY] = [t for t in tokens if t != token]
