"""Exports of the public lists: CSV and JSON for every kind, BibTeX and RIS for publications.

The views (``views.ActivityExportView``) hand over the list page's own FilterSet, so a
file holds exactly the rows the page lists with the same filters, all of them, never a
draft. This module says which columns each kind has, what each kind needs prefetched
(a file costs the same number of queries for 5 rows or 5 000: rows are read in chunks of
``CHUNK_SIZE`` with their relations), and writes the formats, streamed:

- CSV: a header row then one row per item, UTF-8 with a BOM so that Excel reads the
  accents; ``;`` between cells on the French site (what Excel expects in France, where
  the comma is the decimal mark), ``,`` on the English one; lists within a cell joined
  by `` | ``; a cell that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage
  return) gets a leading ``'`` so a spreadsheet shows it as text instead of running it;
- JSON: a list of objects with the same keys, lists as lists, numbers as numbers;
- BibTeX: one entry per publication keyed by its slug; LaTeX specials escaped so that
  ``importers.bibtex`` reads the same values back (an export imports back unchanged);
- RIS: one record per publication (TY, AU, TI, T2/JO, CY, PY, DA, SP/EP, DO, UR, AB, ER).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import (
    CampusInitiative,
    Programme,
    ProgrammePartner,
    ProjectMember,
    Publication,
    ResearchProject,
    Thesis,
)
from .text import normalised

CHUNK_SIZE = 1000
LIST_SEPARATOR = " | "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclasses.dataclass(frozen=True)
class Format:
    extension: str
    label: str
    content_type: str


FORMATS = {
    "csv": Format("csv", "CSV", "text/csv; charset=utf-8"),
    "json": Format("json", "JSON", "application/json"),
    "bib": Format("bib", "BibTeX", "application/x-bibtex; charset=utf-8"),
    "ris": Format("ris", "RIS", "application/x-research-info-systems; charset=utf-8"),
}


@dataclasses.dataclass(frozen=True)
class Kind:
    """How one kind of activity is exported."""

    stem: str  # the file name's start: odd3-<stem>-<filters>.<ext>
    columns: tuple[tuple[str, Callable], ...]  # (key, value of an item)
    prefetch: Callable  # queryset → queryset with what the columns read
    formats: tuple[str, ...] = ("csv", "json")

    def rows(self, items: Iterable, absolute_url: Callable[[str], str]) -> Iterator[dict]:
        for item in items:
            row = {key: value(item) for key, value in self.columns}
            row["url"] = absolute_url(item.get_absolute_url())
            yield row

    @property
    def keys(self) -> list[str]:
        return [key for key, _value in self.columns] + ["url"]


# Columns ------------------------------------------------------------------------------


def names(objects) -> list[str]:
    return [str(obj) for obj in objects]


def acronyms(structures) -> list[str]:
    return [structure.acronym or structure.name for structure in structures]


def codes(targets) -> list[str]:
    return [target.code for target in targets]


def partner_names(partnerships) -> list[str]:
    return [str(partnership.organisation) for partnership in partnerships]


def unique(values) -> list[str]:
    return list(dict.fromkeys(values))


def activity_columns(*middle):
    """slug, titles, [middle], structures, targets, summaries: what every kind shares."""
    return (
        ("slug", lambda item: item.slug),
        ("title_fr", lambda item: item.title_fr),
        ("title_en", lambda item: item.title_en),
        *middle,
        ("structures", lambda item: acronyms(item.structures.all())),
        ("targets", lambda item: codes(item.targets.all())),
        ("summary_fr", lambda item: item.summary_fr),
        ("summary_en", lambda item: item.summary_en),
    )


def period_columns():
    return (
        ("start_year", lambda item: item.start_year),
        ("end_year", lambda item: item.end_year),
    )


def label(field):
    return (f"{field}_label", lambda item: str(getattr(item, f"get_{field}_display")()))


def published_project(thesis):
    # A thesis may belong to a project that is still a draft: the public must not see it.
    project = thesis.project
    return str(project) if project is not None and project.is_published else None


def authors_of(publication) -> list[str]:
    return [authorship.name for authorship in publication.authorships.all()]


KINDS = {
    Programme: Kind(
        stem="formations",
        columns=activity_columns(
            ("kind", lambda item: item.kind),
            label("kind"),
            *period_columns(),
            ("duration_months", lambda item: item.duration_months),
            ("partners", lambda item: unique(partner_names(item.partnerships.all()))),
            ("figures", lambda item: names(item.figures.all())),
            ("website", lambda item: item.url),
        ),
        prefetch=lambda qs: qs.prefetch_related(
            "figures",
            Prefetch("partnerships", ProgrammePartner.objects.select_related("organisation")),
        ),
    ),
    ResearchProject: Kind(
        stem="projets",
        columns=activity_columns(
            ("acronym", lambda item: item.acronym),
            ("kind", lambda item: item.kind),
            label("kind"),
            ("funding_scheme", lambda item: item.funding_scheme),
            ("reference", lambda item: item.reference),
            ("status", lambda item: item.status),
            label("status"),
            *period_columns(),
            ("coordinated_by_school", lambda item: item.coordinated_by_school),
            ("partners", lambda item: unique(partner_names(item.partnerships.all()))),
            ("members", lambda item: [member.person.full_name for member in item.team.all()]),
            ("website", lambda item: item.url),
        ),
        prefetch=lambda qs: qs.prefetch_related(
            Prefetch("team", ProjectMember.objects.select_related("person"))
        ),
    ),
    Thesis: Kind(
        stem="theses",
        columns=activity_columns(
            ("candidate", lambda item: item.candidate.full_name),
            ("supervisors", lambda item: [s.person.full_name for s in item.supervisions.all()]),
            ("status", lambda item: item.status),
            label("status"),
            *period_columns(),
            ("defence_date", lambda item: item.defence_date),
            ("nnt", lambda item: item.nnt),
            ("doctoral_school", lambda item: item.doctoral_school and str(item.doctoral_school)),
            ("partners", lambda item: names(item.partners.all())),
            ("project", published_project),
        ),
        prefetch=lambda qs: qs.select_related("doctoral_school", "project").prefetch_related(
            "partners"
        ),
    ),
    Publication: Kind(
        stem="publications",
        columns=activity_columns(
            ("kind", lambda item: item.kind),
            label("kind"),
            ("authors", authors_of),
            ("more_authors", lambda item: item.more_authors),
            ("year", lambda item: item.year),
            ("month", lambda item: item.month),
            ("venue", lambda item: item.venue),
            ("place", lambda item: item.place),
            ("pages", lambda item: item.pages),
            ("doi", lambda item: item.doi),
            ("hal_id", lambda item: item.hal_id),
            ("link", lambda item: item.url),
            ("projects", lambda item: names(item.projects.all())),
        ),
        prefetch=lambda qs: qs.prefetch_related(
            Prefetch("projects", ResearchProject.objects.published())
        ),
        formats=("csv", "json", "bib", "ris"),
    ),
    CampusInitiative: Kind(
        stem="campus",
        columns=activity_columns(
            ("category", lambda item: item.category),
            label("category"),
            ("audience", lambda item: item.audience),
            label("audience"),
            *period_columns(),
            ("provider", lambda item: item.provider and str(item.provider)),
            ("partners", lambda item: names(item.partners.all())),
            ("figures", lambda item: names(item.figures.all())),
            ("website", lambda item: item.url),
        ),
        prefetch=lambda qs: qs.prefetch_related("partners", "figures"),
    ),
}


# The response -------------------------------------------------------------------------


def export_response(kind: Kind, fmt: str, filterset, request) -> StreamingHttpResponse:
    """The filterset's rows (already published-only and filtered) as a file to download."""
    items = kind.prefetch(filterset.qs).iterator(chunk_size=CHUNK_SIZE)
    if fmt == "csv":
        delimiter = ";" if translation.get_language() == "fr" else ","
        content = csv_lines(kind.keys, kind.rows(items, request.build_absolute_uri), delimiter)
    elif fmt == "json":
        content = json_lines(kind.rows(items, request.build_absolute_uri))
    elif fmt == "bib":
        content = bibtex_entries(items, source=request.build_absolute_uri())
    else:
        content = ris_records(items, request.build_absolute_uri)
    response = StreamingHttpResponse(content, content_type=FORMATS[fmt].content_type)
    name = filename(kind.stem, filterset, FORMATS[fmt].extension)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def filename(stem: str, filterset, extension: str) -> str:
    """odd3-publications-2023-i3a.bib: the kind, then each filter in force (readable)."""
    cleaned = getattr(filterset.form, "cleaned_data", {})
    parts = []
    for name in ("year", "structure", "target", "partner", "person", "kind", "status"):
        parts.append(cleaned.get(name))
    parts += [cleaned.get("audience"), cleaned.get("q")]
    words = [_filename_part(value) for value in parts if value not in (None, "", [])]
    base = "-".join(["odd3", stem, *[word for word in words if word]])
    return f"{base[:120].rstrip('-')}.{extension}"


def _filename_part(value) -> str:
    for attribute in ("slug", "code"):
        if hasattr(value, attribute):
            value = getattr(value, attribute)
            break
    # Dots kept: a target reads "3.4", not "34".
    return ".".join(slugify(piece) for piece in str(value).split("."))[:40].strip("-.")


# CSV and JSON -------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() returns the line (for csv.writer in a stream)."""

    def write(self, value):
        return value


def csv_lines(keys: list[str], rows: Iterable[dict], delimiter: str) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield "\ufeff" + writer.writerow(keys)
    for row in rows:
        yield writer.writerow([csv_cell(row[key]) for key in keys])


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, list | tuple):
        value = LIST_SEPARATOR.join(str(part) for part in value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return f"'{text}"  # shown as text by spreadsheets, never run as a formula
    return text


def json_lines(rows: Iterable[dict]) -> Iterator[str]:
    yield "["
    separator = "\n"
    for row in rows:
        yield separator + json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


# BibTeX -------------------------------------------------------------------------------

K = Publication.Kind
# kind → (entry type, field holding the venue)
BIBTEX_TYPES = {
    K.JOURNAL_ARTICLE: ("article", "journal"),
    K.CONFERENCE_PAPER: ("inproceedings", "booktitle"),
    K.POSTER: ("inproceedings", "booktitle"),
    K.BOOK_CHAPTER: ("incollection", "booktitle"),
    K.BOOK: ("book", "publisher"),
    K.REPORT: ("techreport", "institution"),
    K.OTHER: ("misc", "howpublished"),
}
MONTH_MACROS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# TeX joins "--", "``", "''", "?`", "<<"… into one character: an empty group keeps them apart.
LIGATURES = re.compile(r"(?<=[-`'?!<>,])(?=[-`'<>,])")


def latex_escape(text: str) -> str:
    escaped = "".join(LATEX_SPECIALS.get(char, char) for char in text)
    return LIGATURES.sub("{}", escaped)


def verbatim(text: str) -> str:
    """An identifier or address (doi, url), written as is; only braces and backslashes,
    which would end or break the field, are percent-encoded."""
    return text.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def bibtex_entries(publications: Iterable[Publication], *, source: str = "") -> Iterator[str]:
    today = timezone.localdate().isoformat()
    yield f"% ODD 3 — IMT Mines Alès : publications exportées le {today}\n"
    if source:
        yield f"% {source.replace(chr(10), ' ')}\n"
    for publication in publications:
        yield "\n" + bibtex_entry(publication)


def bibtex_entry(publication: Publication) -> str:
    entry_type, venue_field = BIBTEX_TYPES.get(publication.kind, ("misc", "howpublished"))
    authors = [bibtex_name(authorship) for authorship in publication.authorships.all()]
    if publication.more_authors:
        authors.append("others")
    pages = "--".join(latex_escape(part) for part in page_range(publication.pages))
    month = MONTH_MACROS[publication.month - 1] if publication.month else ""
    fields = [  # (name, value, braced): a month is a bare macro (oct), the rest braced
        ("author", " and ".join(authors), True),
        ("title", "{" + latex_escape(publication.title_fr) + "}", True),  # keeps capitals
        (venue_field, latex_escape(publication.venue), True),
        ("address", latex_escape(publication.place), True),
        ("year", str(publication.year), True),
        ("month", month, False),
        ("pages", pages, True),
        ("doi", verbatim(publication.doi), True),
        ("url", verbatim(publication.url), True),
        ("hal_id", verbatim(publication.hal_id), True),
        ("type", "poster" if publication.kind == K.POSTER else "", True),
        ("abstract", latex_escape(publication.summary_fr), True),
    ]
    lines = [
        f"  {name} = {{{value}}}" if braced else f"  {name} = {value}"
        for name, value, braced in fields
        if value
    ]
    return f"@{entry_type}{{{publication.slug},\n" + ",\n".join(lines) + "\n}\n"


def page_range(pages: str) -> list[str]:
    """ "127-128" → ["127", "128"]; "e1234" → ["e1234"]."""
    return [part for part in re.split(r"\s*(?:-+|–|—)\s*", pages.strip()) if part][:2]


def name_parts(authorship) -> tuple[str, str]:
    """(first, last) of a name as written. With a linked person whose name it is (with or
    without accents), the split is the person's; otherwise ("", name as written) and
    BibTeX splits it itself."""
    words = authorship.name.split()
    person = authorship.person
    if person is not None:
        n = len(person.first_name.split())
        first, last = " ".join(words[:n]), " ".join(words[n:])
        if (
            0 < n < len(words)
            and normalised(first) == normalised(person.first_name)
            and normalised(last) == normalised(person.last_name)
        ):
            return first, last
    return "", " ".join(words)


def bibtex_name(authorship) -> str:
    """ "Last, First" when the split is known, else the name as written ("First Last").

    A part holding a comma or the word "and" is braced, so that it stays one name."""
    first, last = name_parts(authorship)

    def protect(part):
        escaped = latex_escape(part)
        if "," in part or re.search(r"(?i)(^|\s)and(\s|$)", part):
            return "{" + escaped + "}"
        return escaped

    return f"{protect(last)}, {protect(first)}" if first else protect(last)


# RIS ----------------------------------------------------------------------------------

RIS_TYPES = {
    K.JOURNAL_ARTICLE: "JOUR",
    K.CONFERENCE_PAPER: "CONF",
    K.POSTER: "CONF",
    K.BOOK_CHAPTER: "CHAP",
    K.BOOK: "BOOK",
    K.REPORT: "RPRT",
    K.OTHER: "GEN",
}


def ris_records(publications: Iterable[Publication], absolute_url) -> Iterator[str]:
    for publication in publications:
        yield ris_record(publication, absolute_url(publication.get_absolute_url()))


def ris_record(publication: Publication, page_url: str) -> str:
    lines = [("TY", RIS_TYPES.get(publication.kind, "GEN"))]
    for authorship in publication.authorships.all():
        first, last = name_parts(authorship)
        lines.append(("AU", f"{last}, {first}" if first else last))
    lines.append(("TI", publication.title_fr))
    if publication.venue:
        lines.append(("T2", publication.venue))
        if publication.kind == K.JOURNAL_ARTICLE:
            lines.append(("JO", publication.venue))
    lines += [("CY", publication.place), ("PY", str(publication.year))]
    if publication.month:
        lines.append(("DA", f"{publication.year}/{publication.month:02d}//"))
    pages = page_range(publication.pages)
    if pages:
        lines.append(("SP", pages[0]))
    if len(pages) > 1:
        lines.append(("EP", pages[1]))
    lines += [
        ("DO", publication.doi),
        ("UR", publication.url or page_url),
        ("AN", publication.hal_id),
        ("AB", publication.summary_fr),
        ("ER", ""),
    ]
    text = "".join(
        f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines if value or tag == "ER"
    )
    return text + "\r\n"
