"""The yearly ODD 3 report to download: a PDF, and a Word document (DOCX) to rework.

Both are the report of ``reports.build_report(year)``, the same published data and the same
structure as the public page, in the page's language:

- PDF (``/fr/rapport/2023/rapport-odd3-2023.pdf``): WeasyPrint renders
  ``templates/reports/pdf.html``, which includes the very document the page shows
  (``reports/includes/document.html``) without the site around it, with
  ``static/css/report-pdf.css``: a cover, the contents with page numbers, parts from a new
  page, a running header, page numbers, bookmarks from the headings, the PDF's title,
  language and author. The site's paths become absolute against the page's address;
  the stylesheet is read from the static files on disk: nothing is fetched over the network.
- DOCX (``…/rapport-odd3-2023.docx``): python-docx writes the Report tree with Word's
  built-in styles (Title, Heading 1 to 3, List Bullet), so that a communication office gets
  a navigable document whose contents Word builds (a TOC field, updated on opening), with
  links to each item's page, references as the page gives them, and page numbers.

Which years answer, as the page (``report_views.report_detail``): a year outside the report
years is a 404; a plausible year without published data gives a document that says so, with
the status 404; staff who may preview editions get the year's unpublished edition texts,
marked as a preview and never cached.

WeasyPrint needs Pango, HarfBuzz and fontconfig (system libraries; see the README). Without
them the PDF link answers 503 with a page that says what to install, and the rest of the
site, the DOCX included, works: WeasyPrint is only imported when a PDF is asked for.

Caching: a PDF takes a second or more to lay out, its HTML a few milliseconds. The PDF is
kept in the cache under the hash of its HTML (the HTML holds all the PDF shows, the date
of generation included), which is also its ETag: a PDF is laid out again only when what
it shows changes, and a browser revalidates each time (``no-cache``), so a download is
always in step with what is published.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from . import reports
from .report_views import can_preview_editions

logger = logging.getLogger(__name__)

# WeasyPrint logs each step of each PDF ("Step 5 - Creating layout - Page 7") at INFO, the
# site's log level: some forty lines a download. Quieter, unless LOGGING sets its level.
_progress_logger = logging.getLogger("weasyprint.progress")
if _progress_logger.level == logging.NOTSET:
    _progress_logger.setLevel(logging.WARNING)

AUTHOR = "IMT Mines Alès"
PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_CACHE_SECONDS = 24 * 60 * 60
PDF_STYLESHEET = "css/report-pdf.css"  # linked by templates/reports/pdf.html

# The Debian packages WeasyPrint needs (also in .ci/run, the Makefile and the README).
PDF_SYSTEM_PACKAGES = (
    "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 fonts-dejavu-core"
)


# -- The report and its response --------------------------------------------------------------


def _report(request, year, file_year):
    """The year's report as the page builds it; 404 where the page has no route."""
    if file_year != year or not reports.is_report_year(year):
        raise Http404
    return reports.build_report(year, include_draft_edition=can_preview_editions(request.user))


def _file_response(request, report, content, content_type, *, as_attachment):
    """The document with the status of the page (404 for a year without data), named as
    its URL, and not kept by any cache when it shows an unpublished edition."""
    response = HttpResponse(
        content, content_type=content_type, status=200 if report.exists else 404
    )
    filename = request.path.rpartition("/")[2]  # "rapport-odd3-2023.pdf", as routed
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    if report.edition_is_draft:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    return response


# -- PDF -------------------------------------------------------------------------------------


class PdfUnavailable(Exception):
    """WeasyPrint or its system libraries (Pango, HarfBuzz, fontconfig) cannot be loaded."""


class PdfRenderingError(Exception):
    """The PDF cannot be made: a resource of its HTML is not one of the site's static files."""


def load_weasyprint():
    """The weasyprint module. Imported here, not with this module, so that the site runs
    without it; a missing system library shows as an OSError when it is imported."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:
        raise PdfUnavailable(f"{type(error).__name__}: {error}") from error
    return weasyprint


def static_file(name: str) -> str | None:
    """The path on disk of a static file: the project's static folders (what `runserver`
    serves), else the collected files (STATIC_ROOT, hashed names of a deployment)."""
    try:
        found = finders.find(name)
        if found:
            return found
        if staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
    except (SuspiciousFileOperation, NotImplementedError):
        pass  # a path out of the static folders, or a storage without local files
    return None


def _read_static(name: str) -> bytes:
    found = static_file(name)
    if found is None:
        raise FileNotFoundError(f"static file not found: {name}")
    with open(found, "rb") as file:
        return file.read()


def render_pdf(html: str, *, base_url: str, static_url: str) -> bytes:
    """The PDF of an HTML document. Its links are made absolute against ``base_url``; a
    resource under ``static_url`` (the stylesheet) is read from the static files, and any
    other resource is refused, never fetched: nothing leaves the machine, and a document
    that misses a resource is an error (PdfRenderingError), not a PDF without it."""
    weasyprint = load_weasyprint()
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    static_path = urlsplit(static_url).path

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(static_url):
                name = unquote(urlsplit(url).path[len(static_path) :])
                if static_file(name):
                    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
                    return URLFetcherResponse(
                        url, _read_static(name), {"Content-Type": content_type}
                    )
            raise ValueError(f"not a static file of the site, not fetched: {url}")

    document = weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=StaticFilesFetcher(fail_on_errors=True)
    )
    try:
        # Tagged (pdf_tags): headings, paragraphs, lists and links are marked up for
        # screen readers, as on the page.
        return document.write_pdf(pdf_tags=True)
    except FatalURLFetchingError as error:  # a BaseException: not for Django's handlers
        raise PdfRenderingError(f"{error}: {error.__cause__}") from error


def pdf_unavailable(request, report, error):
    logger.error("The report's PDF cannot be generated (WeasyPrint unavailable): %s", error)
    context = {
        "report": report,
        "report_nav": True,
        "packages": PDF_SYSTEM_PACKAGES,
    }
    response = render(request, "reports/pdf_unavailable.html", context, status=503)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def report_pdf(request, year, file_year):
    report = _report(request, year, file_year)
    html = render_to_string(
        "reports/pdf.html",
        {
            "report": report,
            "years": [entry.year for entry in reports.report_years()] if not report.exists else [],
            "generated_at": timezone.localtime(),
            "report_url": request.build_absolute_uri(
                reverse("activities:report-detail", args=[year])
            ),
        },
        request=request,
    )
    base_url = request.build_absolute_uri()
    static_url = request.build_absolute_uri(static(""))
    # What the PDF is made of: its HTML, where its links lead, and its stylesheet.
    digest = hashlib.sha256()
    for part in (html, base_url, static_url):
        digest.update(part.encode())
    digest.update(_read_static(PDF_STYLESHEET))
    digest = digest.hexdigest()
    # A draft edition's preview is neither kept nor validated; nor is a year's answer
    # without a report (a 404) validated. A weak ETag: another version of WeasyPrint may
    # write other bytes for the same document.
    shared = not report.edition_is_draft
    etag = f'W/"{digest[:32]}"' if shared and report.exists else None
    if etag:
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            return not_modified
    cache_key = f"report-pdf:{digest}"
    pdf = cache.get(cache_key) if shared else None
    if pdf is None:
        try:
            pdf = render_pdf(html, base_url=base_url, static_url=static_url)
        except PdfUnavailable as error:
            return pdf_unavailable(request, report, error)
        if shared:
            cache.set(cache_key, pdf, PDF_CACHE_SECONDS)
    response = _file_response(request, report, pdf, PDF_TYPE, as_attachment=False)
    if etag:
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"
    return response


# -- DOCX ------------------------------------------------------------------------------------

NAVY = RGBColor(0x0B, 0x3A, 0x6E)
GREEN = RGBColor(0x2F, 0x7D, 0x32)
MUTED = RGBColor(0x5A, 0x64, 0x75)
WORD_LANGUAGES = {"fr": "fr-FR", "en": "en-GB"}
# The elements that follow w:updateFields in w:settings (ECMA-376, CT_Settings).
SETTINGS_AFTER_UPDATE = (
    "w:hdrShapeDefaults",
    "w:footnotePr",
    "w:endnotePr",
    "w:compat",
    "w:docVars",
    "w:rsids",
    "m:mathPr",
    "w:attachedSchema",
    "w:themeFontLang",
    "w:clrSchemeMapping",
    "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures",
    "w:forceUpgrade",
    "w:captions",
    "w:readModeInkLockDown",
    "w:smartTagType",
    "sl:schemaLibrary",
    "w:shapeDefaults",
    "w:doNotEmbedSmartTags",
    "w:decimalSymbol",
    "w:listSeparator",
)


def _field(paragraph, instruction: str, result: str = ""):
    """A Word field (PAGE, NUMPAGES…) in a paragraph, with the result shown until Word
    computes it."""
    begin = paragraph.add_run()._r
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "begin")
    begin.append(fld)
    code = paragraph.add_run()._r
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    code.append(text)
    separate = paragraph.add_run()._r
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "separate")
    separate.append(fld)
    paragraph.add_run(result)
    end = paragraph.add_run()._r
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "end")
    end.append(fld)


def add_hyperlink(paragraph, text: str, url: str, *, bold: bool = False):
    """A link to ``url`` (absolute) at the end of the paragraph, in Word's Hyperlink style.
    python-docx reads links (``paragraph.hyperlinks``) but has no call to write one."""
    r_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    properties.append(style)
    if bold:
        properties.append(OxmlElement("w:b"))
    run.append(properties)
    text_element = OxmlElement("w:t")
    text_element.set(qn("xml:space"), "preserve")
    text_element.text = text
    run.append(text_element)
    hyperlink.append(run)
    paragraph._p.append(hyperlink)
    return hyperlink


class DocxWriter:
    """Writes a Report as a Word document; ``absolute(path)`` makes a site path a URL."""

    def __init__(self, report: reports.Report, *, absolute, report_url: str):
        self.report = report
        self.absolute = absolute
        self.report_url = report_url
        self.document = Document()
        self._styles()

    # Set-up ---------------------------------------------------------------------------

    def _styles(self):
        styles = self.document.styles
        names = {style.name for style in styles}
        if "Hyperlink" not in names:  # Word's built-in character style for links
            link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
            link.font.color.rgb = NAVY
            link.font.underline = True
            link.priority = 99
            link.unhide_when_used = True
        for level, indent in ((1, 0), (2, 0.6)):  # Word's built-in styles of its contents
            name = f"toc {level}"
            if name not in names:
                style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
                style.base_style = styles["Normal"]
                style.paragraph_format.left_indent = Cm(indent)
                style.paragraph_format.space_after = Pt(3)
                style.font.bold = level == 1
        normal = styles["Normal"]
        normal.font.size = Pt(10.5)
        # The proofing language of the text (Word's spelling and hyphenation).
        language = WORD_LANGUAGES.get((get_language() or "fr")[:2], "fr-FR")
        defaults = self.document.styles.element.find(qn("w:docDefaults"))
        run_properties = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        lang = run_properties.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            run_properties.append(lang)
        lang.set(qn("w:val"), language)

        section = self.document.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21)
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin, section.bottom_margin = Cm(2.2), Cm(2)
        section.different_first_page_header_footer = True  # the cover has no number
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run(f"{AUTHOR} · {self.report.title} — ")
        _field(footer, "PAGE", "1")
        footer.add_run(" / ")
        _field(footer, "NUMPAGES", "1")

        properties = self.document.core_properties
        properties.title = self.report.title
        properties.author = AUTHOR
        properties.last_modified_by = AUTHOR
        properties.language = language
        properties.subject = _("Objectif de développement durable n° 3 : bonne santé et bien-être")
        properties.keywords = _(
            "ODD 3, bonne santé et bien-être, IMT Mines Alès, formation, recherche, "
            "vie sur le campus"
        )
        properties.comments = _("Généré à partir des fiches publiées du portail : %(url)s") % {
            "url": self.report_url
        }
        properties.created = properties.modified = timezone.now()
        properties.revision = 1

    # Helpers --------------------------------------------------------------------------

    def paragraph(self, text="", style=None):
        return self.document.add_paragraph(text, style=style)

    def heading(self, text, level, *, url="", number="", new_page=False):
        paragraph = self.document.add_heading("", level=level)
        if number:
            paragraph.add_run(f"{number}. ")
        if url:
            add_hyperlink(paragraph, text, self.absolute(url))
        else:
            paragraph.add_run(text)
        paragraph.paragraph_format.page_break_before = new_page
        paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def label(self, paragraph, text):
        paragraph.add_run(text).bold = True
        paragraph.add_run(" ")

    def facts(self, facts, style=None):
        if not facts:
            return
        paragraph = self.paragraph(style=style)
        for index, fact in enumerate(facts):
            if index:
                paragraph.add_run(" · ")
            self.label(paragraph, fact.label)
            paragraph.add_run(fact.value)
        for run in paragraph.runs:
            run.font.size = Pt(9.5)

    # The report -----------------------------------------------------------------------

    def write(self) -> bytes:
        report = self.report
        self._cover()
        if report.exists:
            self._contents()
            for section in report.sections:
                self._section(section)
            if report.news is not None:
                self._news(report.news)
        output = io.BytesIO()
        self.document.save(output)
        return output.getvalue()

    def _cover(self):
        report = self.report
        if report.edition_is_draft:
            warning = self.paragraph()
            run = warning.add_run(
                _(
                    "Aperçu réservé à l'équipe éditoriale : l'édition de cette année n'est "
                    "pas publiée. Le public voit ce rapport sans ses textes."
                )
            )
            run.bold = True
            run.font.color.rgb = RGBColor(0xA6, 0x1B, 0x1B)
        goal = self.paragraph()
        run = goal.add_run(_("Objectif de développement durable n° 3 : bonne santé et bien-être"))
        run.bold = True
        run.font.color.rgb = GREEN
        kicker = self.paragraph()
        run = kicker.add_run(AUTHOR.upper())
        run.bold = True
        run.font.color.rgb = NAVY
        self.paragraph(report.title, style="Title")
        for paragraph in report.commitment:
            self.paragraph(paragraph)
        if report.exists:
            note = self.paragraph()
            note.add_run(
                _(
                    "Ce rapport est généré à partir des fiches publiées sur le portail pour "
                    "l'année %(year)s : chaque élément renvoie à sa page."
                )
                % {"year": report.year}
            ).font.color.rgb = MUTED
        else:
            self.paragraph(
                _(
                    "Aucune fiche n'est publiée pour %(year)s : le portail n'a pas de rapport "
                    "pour cette année."
                )
                % {"year": report.year}
            )
        source = self.paragraph()
        source.add_run(
            _("Généré le %(date)s à partir du portail :")
            % {"date": date_format(timezone.localtime(), "DATE_FORMAT")}
            + " "
        ).font.color.rgb = MUTED
        add_hyperlink(source, self.report_url, self.report_url)

    def _contents(self):
        title = self.paragraph(_("Sommaire"), style="TOC Heading")
        title.paragraph_format.page_break_before = True
        # A TOC field over the headings 1 to 3, with links (\h); until Word updates it
        # (it offers to on opening: updateFields), it shows the parts without pages.
        entries = []
        for entry in self.report.toc():
            entries.append((1, entry.label))
            entries.extend((2, child.label) for child in entry.children)
        first = self.paragraph(style="toc 1")
        begin = OxmlElement("w:fldChar")
        begin.set(qn("w:fldCharType"), "begin")
        begin.set(qn("w:dirty"), "true")
        first.add_run()._r.append(begin)
        code = OxmlElement("w:instrText")
        code.set(qn("xml:space"), "preserve")
        code.text = r' TOC \o "1-3" \h \z \u '
        first.add_run()._r.append(code)
        separate = OxmlElement("w:fldChar")
        separate.set(qn("w:fldCharType"), "separate")
        first.add_run()._r.append(separate)
        paragraph = first
        for index, (level, label) in enumerate(entries):
            if index:
                paragraph = self.paragraph(style=f"toc {level}")
            paragraph.add_run(label)
        end = OxmlElement("w:fldChar")
        end.set(qn("w:fldCharType"), "end")
        paragraph.add_run()._r.append(end)
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        # In its place in the schema's sequence: Word refuses a settings part out of order.
        self.document.settings.element.insert_element_before(update, *SETTINGS_AFTER_UPDATE)

    def _section(self, section):
        self.heading(f"{section.letter}. {section.title}", 1, new_page=True)
        for paragraph in section.paragraphs:
            self.paragraph(paragraph)
        if section.is_empty:
            self.paragraph(section.empty_text)
        for item in section.items:
            self.heading(item.title, 2, url=item.url, number=item.number)
            self._item_body(item)
        for group in section.groups:
            self._group(group, 2)

    def _group(self, group, level):
        self.heading(group.title, min(level, 3), number=group.number)
        for paragraph in group.paragraphs:
            self.paragraph(paragraph)
        if group.links:
            paragraph = self.paragraph()
            self.label(paragraph, _("Structures :"))
            for index, link in enumerate(group.links):
                if index:
                    paragraph.add_run(", ")
                add_hyperlink(paragraph, link.label, self.absolute(link.url))
        for unit in group.joint_units:
            paragraph = self.paragraph()
            self.label(paragraph, _("Unité mixte de recherche :"))
            add_hyperlink(paragraph, unit.title, self.absolute(unit.url))
            for text in unit.paragraphs:
                self.paragraph(text, style="Quote")
        for item in group.items:
            self._list_item(item)
        for child in group.groups:
            self._group(child, level + 1)

    def _list_item(self, item):
        paragraph = self.paragraph(style="List Bullet")
        reference = item.reference
        if reference is not None:
            paragraph.add_run(reference.before)
            add_hyperlink(paragraph, reference.title, self.absolute(item.url))
            paragraph.add_run(reference.after)
            if reference.doi:
                paragraph.add_run(" ")
                add_hyperlink(
                    paragraph, _("DOI : %(doi)s") % {"doi": reference.doi}, reference.doi_url
                )
            return
        add_hyperlink(paragraph, item.title, self.absolute(item.url), bold=True)
        self._item_body(item, style="List Continue")

    def _item_body(self, item, style=None):
        self.facts(item.facts, style=style)
        for text in item.paragraphs:
            self.paragraph(text, style=style)
        for figure in item.figures:
            paragraph = self.paragraph(style="List Bullet 2")
            paragraph.add_run(figure.value).bold = True
            paragraph.add_run(f" {figure.label}")

    def _news(self, news):
        self.heading(news.title, 1, new_page=True)
        caption = self.paragraph()
        caption.add_run(
            _("Fiches publiées en %(previous)s et en %(year)s")
            % {"previous": news.previous_year, "year": news.year}
        ).bold = True
        table = self.document.add_table(rows=1, cols=3)
        table.style = "Light List Accent 1"
        header = table.rows[0].cells
        header[0].text = _("Fiches")
        header[1].text = str(news.previous_year)
        header[2].text = str(news.year)
        for row in news.comparisons:
            cells = table.add_row().cells
            cells[0].text = str(row.label)
            cells[1].text = str(row.previous)
            cells[2].text = str(row.current)
        lists = [
            (_("Projets commencés en %(year)s"), news.new_projects, _("Aucun.")),
            (_("Thèses commencées en %(year)s"), news.theses_started, _("Aucune.")),
            (_("Thèses soutenues en %(year)s"), news.theses_defended, _("Aucune.")),
        ]
        for title, links, none in lists:
            self.heading(title % {"year": news.year}, 2)
            if not links:
                self.paragraph(none)
            for link in links:
                add_hyperlink(
                    self.paragraph(style="List Bullet"), link.label, self.absolute(link.url)
                )


def render_docx(report: reports.Report, *, absolute, report_url: str) -> bytes:
    return DocxWriter(report, absolute=absolute, report_url=report_url).write()


@require_safe
def report_docx(request, year, file_year):
    report = _report(request, year, file_year)
    content = render_docx(
        report,
        absolute=request.build_absolute_uri,
        report_url=request.build_absolute_uri(reverse("activities:report-detail", args=[year])),
    )
    return _file_response(request, report, content, DOCX_TYPE, as_attachment=True)


# The files' routes, included under the report page's own path (``rapport/<int:year>/``,
# translated): ``file_year`` repeats the year in the file's name, and must be the same.
urlpatterns = [
    path("rapport-odd3-<int:file_year>.pdf", report_pdf, name="report-pdf"),
    path("rapport-odd3-<int:file_year>.docx", report_docx, name="report-docx"),
]
