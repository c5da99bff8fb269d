"""The publishers' evidence view for THE Impact Rankings' SDG 3, and its download.

/admin/preuves/?year=2023 lists, for each metric of ``activities.evidence``, the published
entries that are its evidence that year, and flags the metrics that have none.
/admin/preuves/dossier/?year=2023 downloads the same as a ZIP of CSV files:

- ``00-synthese.csv``: one row per metric (number, title, THE's name, count, status, whether
  the data only approximates it, the rule, the file that lists its evidence);
- one file per metric, ``3.3.1-….csv``, one row per entry, the same columns in every
  file (metric, kind, title, period, structures, targets, health institutions, details,
  public page).

A ZIP rather than one long CSV: THE's submission form asks for evidence one metric at a
time, and an entry is often evidence of several metrics; one file per metric is what the
submission officer opens next to each question, the summary is their checklist, and
every metric has its file, empty or not, so that two years' packs compare file by file.
The CSV files are written as the public exports write theirs (activities.exports): UTF-8
with a BOM for Excel, ``;`` between cells in French, and a cell that starts like a
formula is neutralised.

Open to the publishers: whoever may publish entries (the same people the admin index
shows the "Relecture" box to); a Rédacteur is refused, an anonymous visitor sent to log in.
"""

import io
import zipfile

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities import evidence
from activities.exports import csv_lines
from activities.models.base import MAX_YEAR, MIN_YEAR

from .review import reviewable_models

SOURCE_URL = (
    "https://www.timeshighereducation.com/"
    "impact-rankings-2022-good-health-and-well-being-sdg-3-methodology"
)


def can_view_evidence(user) -> bool:
    """Publishers: those who may publish at least one kind of entry."""
    return bool(reviewable_models(user))


class YearForm(forms.Form):
    """The year: offered among the years with data; any plausible year is accepted (a
    year without data shows every metric without evidence)."""

    year = forms.IntegerField(
        label=gettext_lazy("Année"),
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        widget=forms.Select(attrs={"aria-describedby": "annee-aide"}),
    )

    def offer(self, years, year):
        self.fields["year"].widget.choices = [(y, y) for y in sorted({*years, year}, reverse=True)]
        return self


def _chosen_year(request, years):
    """(year, form, error): the year asked for, or the default one and why."""
    default = evidence.default_year(years)
    if "year" not in request.GET:
        return default, YearForm(initial={"year": default}).offer(years, default), None
    form = YearForm(request.GET)
    if form.is_valid():
        year = form.cleaned_data["year"]
        return year, form.offer(years, year), None
    error = _("« %(value)s » n'est pas une année valide : %(reason)s") % {
        "value": request.GET["year"][:100],
        "reason": " ".join(form.errors["year"]),
    }
    # The menu shows the year displayed instead.
    return default, YearForm(initial={"year": default}).offer(years, default), error


def _page(request, year, form, years, error=None, status=200):
    found = evidence.collect(year)
    context = {
        **admin.site.each_context(request),
        "title": _("Preuves pour le classement THE Impact Rankings (ODD 3)"),
        "evidence": found,
        "year": year,
        "form": form,
        "years": years,
        "error": error,
        "export_url": f"{reverse('admin-evidence-export')}?year={year}",
        "source_url": SOURCE_URL,
    }
    return TemplateResponse(request, "admin/activities/evidence.html", context, status=status)


def evidence_view(request):
    if not can_view_evidence(request.user):
        raise PermissionDenied
    years = evidence.years_with_data()
    year, form, error = _chosen_year(request, years)
    return _page(request, year, form, years, error)


def evidence_export(request):
    if not can_view_evidence(request.user):
        raise PermissionDenied
    years = evidence.years_with_data()
    year, form, error = _chosen_year(request, years)
    if error:
        # Never a file for another year than the one asked for: the page says why.
        not_produced = _("Aucun dossier n’a été produit.")
        error = f"{error} {not_produced}"
        return _page(request, year, form, years, error, status=400)
    content = evidence_zip(evidence.collect(year), request.build_absolute_uri)
    response = HttpResponse(content, content_type="application/zip")
    name = f"odd3-preuves-the-{year}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# The ZIP -------------------------------------------------------------------------------


SUMMARY = "00-synthese.csv"


def metric_filename(metric) -> str:
    """3.3.6-politique-sans-tabac.csv: the number, then the title cut between words."""
    slug = slugify(str(metric.title))
    if len(slug) > 60:
        slug = slug[:61].rsplit("-", 1)[0]
    return f"{metric.code}-{slug}.csv"


def entry_columns():
    return [
        _("Indicateur"),
        _("Type"),
        _("Titre"),
        _("Période"),
        _("Structures"),
        _("Cibles de l'ODD 3"),
        _("Établissements de santé"),
        _("Détails"),
        _("Page publique"),
    ]


def summary_columns():
    return [
        _("Indicateur"),
        _("Intitulé"),
        _("Intitulé THE"),
        _("Année"),
        _("Preuves"),
        _("Statut"),
        _("Approximation"),
        _("Règle"),
        _("Fichier"),
    ]


def evidence_zip(found: evidence.Evidence, absolute_url) -> bytes:
    """The summary and one CSV file per metric, in a ZIP, as bytes."""
    delimiter = ";" if translation.get_language() == "fr" else ","
    folder = f"odd3-preuves-the-{found.year}"
    entry_keys, summary_keys = entry_columns(), summary_columns()
    summary, files = [], []
    for item in found.metrics:
        metric, filename = item.metric, metric_filename(item.metric)
        rows = [
            dict(
                zip(
                    entry_keys,
                    [
                        metric.code,
                        entry.kind,
                        entry.title,
                        entry.period,
                        entry.structures,
                        entry.targets,
                        entry.health_institutions,
                        entry.detail_lines,
                        absolute_url(entry.url),
                    ],
                    strict=True,
                )
            )
            for entry in item.entries
        ]
        files.append((filename, _csv(entry_keys, rows, delimiter)))
        status = _("avec preuves") if item.has_evidence else _("aucune preuve")
        values = [
            metric.code,
            str(metric.title),
            metric.source_title,
            found.year,
            item.count,
            status,
            metric.approximate,
            str(metric.description),
            filename,
        ]
        summary.append(dict(zip(summary_keys, values, strict=True)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{folder}/{SUMMARY}", _csv(summary_keys, summary, delimiter))
        for filename, content in files:
            archive.writestr(f"{folder}/{filename}", content)
    return buffer.getvalue()


def _csv(keys, rows, delimiter) -> bytes:
    return "".join(csv_lines(keys, rows, delimiter)).encode("utf-8")
