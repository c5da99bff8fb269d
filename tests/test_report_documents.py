"""The yearly report to download: the PDF (WeasyPrint) and the Word document (python-docx),
read back as a reader would (pypdf, python-docx), from the 2023 report's data.

The PDF tests need WeasyPrint's system libraries (Pango…): without them they are skipped
locally, and fail when CI is set, so that CI cannot pass by skipping them.
"""

import builtins
import io
import os
import re
import sys

import docx
import pypdf
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from activities import report_documents, reports
from activities.models import (
    CampusInitiative,
    Publication,
    ReportEdition,
    ResearchProject,
    State,
    Thesis,
)
from activities.roles import EDITEUR

from .factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

SITE = "http://testserver"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test lays its PDFs out itself: none comes from another test's cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def weasyprint():
    try:
        return report_documents.load_weasyprint()
    except report_documents.PdfUnavailable as error:
        reason = f"WeasyPrint cannot be loaded ({error}); `make system-deps` installs it"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(f"{reason}: CI must test the PDF.", pytrace=False)
        pytest.skip(reason)


def pdf_url(year, lang="fr", file_year=None):
    with translation.override(lang):
        return reverse(
            "activities:report-pdf", kwargs={"year": year, "file_year": file_year or year}
        )


def docx_url(year, lang="fr", file_year=None):
    with translation.override(lang):
        return reverse(
            "activities:report-docx", kwargs={"year": year, "file_year": file_year or year}
        )


def normalise(text):
    """Text as extracted from a PDF compared with text as typed: one space for any run of
    white space, and a line broken after a hyphen joined again ("bio-\\nsanté")."""
    return re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text)).strip()


class Pdf:
    """A PDF read back: its pages' text, its bookmarks, its links."""

    def __init__(self, content):
        assert content.startswith(b"%PDF-")
        self.reader = pypdf.PdfReader(io.BytesIO(content))
        self.pages = [normalise(page.extract_text()) for page in self.reader.pages]
        self.text = " ".join(self.pages)

    def bookmarks(self, outline=None):
        found = []
        for entry in self.reader.outline if outline is None else outline:
            if isinstance(entry, list):
                found += self.bookmarks(entry)
            else:
                found.append(entry.title)
        return found

    def links(self):
        uris = set()
        for page in self.reader.pages:
            for annotation in page.get("/Annots") or []:
                action = annotation.get_object().get("/A")
                if action is not None and "/URI" in action:
                    uris.add(str(action["/URI"]))
        return uris

    def first_page_with(self, text, start=0):
        """The number (from 1) of the first page from ``start`` that shows ``text``."""
        for number, page in enumerate(self.pages[start:], start=start + 1):
            if normalise(text) in page:
                return number
        return None


def docx_document(response):
    return docx.Document(io.BytesIO(response.content))


def docx_text(document):
    return normalise(" ".join(paragraph.text for paragraph in document.paragraphs))


def docx_links(document):
    return {link.address for p in document.paragraphs for link in p.hyperlinks}


def styled(document, style):
    return [p.text for p in document.paragraphs if p.style.name == style]


# The projects of the 2023 document that have an acronym (the DIPTERATECH lure has none).
ACRONYMS_2023 = {
    "SemTaxM",
    "PIMS",
    "AXIAUM",
    "AIBIOPRETRAS",
    "Télé-Mouv",
    "KAMI 2",
    "READYNOV MASK COVID",
    "QAI-SPORT",
    "PlasToxPreg",
    "IMPETUS",
}


def acronyms_2023():
    """The acronyms of 2023's published projects, as the database has them."""
    projects = ResearchProject.objects.published().in_year(2023).exclude(acronym="")
    return sorted(projects.values_list("acronym", flat=True))


# == The PDF =================================================================================


def test_the_2023_pdf_has_every_part_and_project_page_numbers_and_contents(
    client, report_2023, weasyprint
):
    response = client.get(pdf_url(2023))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="rapport-odd3-2023.pdf"'
    pdf = Pdf(response.content)
    report = reports.build_report(2023)

    # The parts, by their titles as the page gives them, and every project's acronym.
    titles = [f"{section.letter}. {section.title}" for section in report.sections]
    assert titles == ["A. Formation", "B. Recherche", "C. Vie sur le campus"]
    for title in titles:
        assert title in pdf.text
    acronyms = acronyms_2023()
    assert set(acronyms) == ACRONYMS_2023
    for acronym in acronyms:
        assert normalise(acronym) in pdf.text, acronym
    # …and every item, each linked to its page on the site.
    for item in report.items():
        assert normalise(item.reference.text if item.reference else item.title) in pdf.text
        assert SITE + item.url in pdf.links(), item.url

    # Numbered pages after the cover: "n / total".
    total = len(pdf.pages)
    assert total > 5
    assert f"/ {total}" not in pdf.pages[0]
    for number, page in enumerate(pdf.pages[1:], start=2):
        assert f"{number} / {total}" in page

    # The contents, on page 2, give for each entry the page where it begins.
    assert pdf.pages[1].startswith("Sommaire")
    for entry in [e for top in report.toc() for e in (top, *top.children)]:
        found = re.search(re.escape(normalise(entry.label)) + r"[ .]*?(\d+)", pdf.pages[1])
        assert found, entry.label
        assert int(found[1]) == pdf.first_page_with(entry.label, start=2), entry.label
    # Each part starts a page, under a running header.
    for title in titles:
        page = pdf.first_page_with(title, start=2)
        assert pdf.pages[page - 1].startswith(title)
        assert f"IMT Mines Alès · Rapport ODD 3 2023 {title}" in pdf.pages[page - 1]

    # Bookmarks from the headings; metadata for the library and the screen reader.
    assert {"Rapport ODD 3 2023", "Sommaire", *titles} <= set(pdf.bookmarks())
    assert "B.1. Laboratoire CERIS, équipe I3A" in pdf.bookmarks()
    metadata = pdf.reader.metadata
    assert metadata.title == "Rapport ODD 3 2023"
    assert metadata.author == "IMT Mines Alès"
    assert pdf.reader.trailer["/Root"]["/Lang"] == "fr"
    assert "/StructTreeRoot" in pdf.reader.trailer["/Root"]  # a tagged PDF


def test_unpublished_entries_are_in_neither_download(client, report_2023, weasyprint):
    withdrawn = [
        ResearchProject.objects.get(slug="semtaxm"),
        Thesis.objects.get(slug="these-karim-radouane"),
        Publication.objects.get(slug="g2ll-skin-lesion-segmentation-2023"),
        CampusInitiative.objects.get(slug="cartel-2023"),
    ]
    before = Pdf(client.get(pdf_url(2023)).content)
    for entry in withdrawn:
        assert SITE + entry.get_absolute_url() in before.links()
    for entry, state in zip(
        withdrawn, [State.UNPUBLISHED, State.DRAFT, State.DRAFT, State.SUBMITTED], strict=True
    ):
        type(entry).objects.filter(pk=entry.pk).update(state=state)

    pdf = Pdf(client.get(pdf_url(2023)).content)
    document = docx_document(client.get(docx_url(2023)))

    for entry in withdrawn:
        url = SITE + entry.get_absolute_url()
        assert url not in pdf.links()
        assert url not in docx_links(document)
        assert normalise(entry.title) not in pdf.text
        assert normalise(entry.title) not in docx_text(document)
    assert "SemTaxM" not in pdf.text and "SemTaxM" not in docx_text(document)
    assert "AXIAUM" in pdf.text and "AXIAUM" in docx_text(document)  # the others stay


def test_the_english_pdf_is_in_english(client, report_2023, weasyprint):
    response = client.get(pdf_url(2023, "en"))

    assert pdf_url(2023, "en") == "/en/report/2023/rapport-odd3-2023.pdf"  # the page's path
    assert response.status_code == 200
    pdf = Pdf(response.content)
    assert pdf.reader.trailer["/Root"]["/Lang"] == "en"
    with translation.override("en"):
        report = reports.build_report(2023)
    # Its headings are the English report's, and so is the content.
    for section in report.sections:
        assert f"{section.letter}. {section.title}" in pdf.bookmarks()
    assert "C. Vie sur le campus" not in pdf.bookmarks()  # the French heading
    assert "Through its research, education and innovation" in pdf.text
    assert "Double degree in digital sciences for health (SNS)" in pdf.text
    assert SITE + report.items()[0].url in pdf.links()
    assert report.items()[0].url.startswith("/en/")


def test_a_year_without_data_gives_a_pdf_that_says_so(client, report_2023, weasyprint):
    response = client.get(pdf_url(1999))

    assert response.status_code == 404  # as the page: no report to index for 1999
    assert response["Content-Type"] == "application/pdf"
    pdf = Pdf(response.content)
    assert "Aucune fiche n'est publiée pour 1999" in pdf.text
    assert "2023" in pdf.text  # the years that have a report
    assert "ETag" not in response


@pytest.mark.parametrize(
    "year, file_year",
    [(1066, 1066), (2999, 2999), (2023, 2022), (2022, 2023)],
)
def test_a_year_without_a_report_page_is_a_404(client, year, file_year):
    for url in (pdf_url(year, file_year=file_year), docx_url(year, file_year=file_year)):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")


def test_the_pdf_is_laid_out_again_only_when_what_it_shows_changes(client, monkeypatch, weasyprint):
    programme = ProgrammeFactory(title_fr="Master santé numérique", start_year=2001, end_year=2001)
    layouts = []
    render_pdf = report_documents.render_pdf

    def counting(*args, **kwargs):
        layouts.append(1)
        return render_pdf(*args, **kwargs)

    monkeypatch.setattr(report_documents, "render_pdf", counting)
    first = client.get(pdf_url(2001))
    again = client.get(pdf_url(2001))
    unchanged = client.get(pdf_url(2001), HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == again.status_code == 200
    assert first["Cache-Control"] == "no-cache"  # a browser asks each time…
    assert unchanged.status_code == 304  # …and gets "not modified" when nothing changed
    assert again.content == first.content
    assert len(layouts) == 1

    programme.title_fr = "Master santé numérique et données"
    programme.save()
    changed = client.get(pdf_url(2001), HTTP_IF_NONE_MATCH=first["ETag"])

    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert "Master santé numérique et données" in Pdf(changed.content).text
    assert len(layouts) == 2


def test_the_editorial_team_gets_a_draft_edition_in_a_pdf_nobody_keeps(
    client, report_2023, make_user, weasyprint
):
    ReportEdition.objects.filter(year=2023).update(is_published=False)
    client.force_login(make_user(EDITEUR))

    response = client.get(pdf_url(2023))

    assert response.status_code == 200
    pdf = Pdf(response.content)
    assert "Aperçu réservé à l'équipe éditoriale" in pdf.text
    assert "fortement ancré dans son territoire" in pdf.text
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"
    assert "ETag" not in response


@pytest.mark.parametrize("failure", [ImportError, OSError])
def test_without_weasyprint_the_pdf_link_answers_503_and_says_what_to_install(
    client, report_2023, monkeypatch, failure
):
    if failure is ImportError:  # the package is not installed
        monkeypatch.setitem(sys.modules, "weasyprint", None)
    else:  # the package is, Pango is not: WeasyPrint fails as it loads it
        real_import = builtins.__import__

        def failing_import(name, *args, **kwargs):
            if name == "weasyprint" or name.startswith("weasyprint."):
                raise OSError("cannot load library 'libpango-1.0-0'")
            return real_import(name, *args, **kwargs)

        monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
        monkeypatch.setattr(builtins, "__import__", failing_import)

    response = client.get(pdf_url(2023))

    assert response.status_code == 503
    html = response.content.decode()
    assert "Génération du PDF indisponible" in html
    assert "libpango-1.0-0" in html and "fonts-dejavu-core" in html
    assert f'href="{docx_url(2023)}"' in html  # the other ways to the report
    assert 'href="/fr/rapport/2023/"' in html
    assert response["Cache-Control"] == "no-store"
    # The rest of the site does not need WeasyPrint.
    assert client.get(docx_url(2023)).status_code == 200
    assert client.get("/fr/rapport/2023/").status_code == 200


def test_the_pdf_reads_only_the_sites_static_files(settings, weasyprint):
    def render(head, body="<p>Page</p>"):
        return report_documents.render_pdf(
            f"<html><head>{head}</head><body>{body}</body></html>",
            base_url=f"{SITE}/fr/rapport/2023/rapport-odd3-2023.pdf",
            static_url=f"{SITE}/static/",
        )

    # The report's stylesheet is read from the static files: numbered pages after the first.
    two_pages = render(
        '<link rel="stylesheet" href="/static/css/report-pdf.css">',
        '<p>Couverture</p><section class="report-section"><h2>Suite</h2></section>',
    )
    assert "2 / 2" in Pdf(two_pages).pages[1]
    # Anything else is refused, never fetched: a PDF without its resources is an error.
    for head in (
        '<link rel="stylesheet" href="https://example.org/site.css">',
        '<link rel="stylesheet" href="/static/%2e%2e/%2e%2e/manage.py">',
        '<link rel="stylesheet" href="/media/private.css">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
    ):
        with pytest.raises(report_documents.PdfRenderingError, match="not fetched"):
            render(head)


# == The Word document =========================================================================


def test_the_2023_docx_is_a_navigable_word_document(client, report_2023):
    response = client.get(docx_url(2023))

    assert response.status_code == 200
    assert response["Content-Type"] == report_documents.DOCX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="rapport-odd3-2023.docx"'
    document = docx_document(response)
    report = reports.build_report(2023)

    # Word's built-in headings, in the report's order: Word builds its contents from them.
    assert styled(document, "Title") == ["Rapport ODD 3 2023"]
    assert styled(document, "Heading 1") == ["A. Formation", "B. Recherche", "C. Vie sur le campus"]
    level_2 = styled(document, "Heading 2")
    assert "B.1. Laboratoire CERIS, équipe I3A" in level_2
    assert level_2.index("B.1. Laboratoire CERIS, équipe I3A") < level_2.index(
        "B.2. Laboratoire C2MA, équipe RIME"
    )
    assert "B.1.1. Projets de recherche" in styled(document, "Heading 3")
    # Every project, every item linked to its page, publications as the page cites them.
    text = docx_text(document)
    for acronym in acronyms_2023():
        assert acronym in text, acronym
    links = docx_links(document)
    for item in report.items():
        assert SITE + item.url in links, item.url
        if item.reference:
            assert normalise(item.reference.before + item.reference.title) in text
            if item.reference.doi:
                assert item.reference.doi_url in links
    bullets = styled(document, "List Bullet")
    assert any(text.startswith("AIBIOPRETRAS — ") for text in bullets)

    # A contents field Word updates on opening, page numbers in the footer.
    body = document.element.xml
    assert 'TOC \\o "1-3" \\h \\z \\u' in body
    assert "<w:updateFields" in document.settings.element.xml
    footer = document.sections[0].footer._element.xml
    assert " PAGE " in footer and " NUMPAGES " in footer
    assert document.sections[0].different_first_page_header_footer  # no number on the cover

    properties = document.core_properties
    assert properties.title == "Rapport ODD 3 2023"
    assert properties.author == "IMT Mines Alès"
    assert properties.language == "fr-FR"


def test_the_english_docx_is_in_english(client, report_2023):
    document = docx_document(client.get(docx_url(2023, "en")))

    with translation.override("en"):
        report = reports.build_report(2023)
    assert styled(document, "Heading 1") == [
        f"{section.letter}. {section.title}" for section in report.sections
    ]
    assert "C. Vie sur le campus" not in styled(document, "Heading 1")
    assert "Through its research, education and innovation" in docx_text(document)
    assert document.core_properties.language == "en-GB"
    assert all(link.startswith(f"{SITE}/en/") for link in docx_links(document) if SITE in link)


def test_a_year_without_data_gives_a_docx_that_says_so(client, report_2023):
    response = client.get(docx_url(1999))

    assert response.status_code == 404
    document = docx_document(response)
    assert "Aucune fiche n'est publiée pour 1999" in docx_text(document)
    assert styled(document, "Heading 1") == []


def test_a_draft_edition_is_only_in_the_editorial_teams_docx(client, report_2023, make_user):
    ReportEdition.objects.filter(year=2023).update(is_published=False)

    public = client.get(docx_url(2023))
    client.force_login(make_user(EDITEUR))
    preview = client.get(docx_url(2023))

    assert "fortement ancré dans son territoire" not in docx_text(docx_document(public))
    text = docx_text(docx_document(preview))
    assert "fortement ancré dans son territoire" in text
    assert "Aperçu réservé à l'équipe éditoriale" in text
    assert preview["Cache-Control"] == "private, no-store"


# == The links on the report page ==============================================================


def test_the_report_page_links_to_both_downloads(client, report_2023):
    html = client.get("/fr/rapport/2023/").content.decode()

    assert "Télécharger ce rapport :" in html
    assert f'<a href="{pdf_url(2023)}" type="application/pdf" download>PDF</a>' in html
    assert f'href="{docx_url(2023)}"' in html
    assert pdf_url(2023) == "/fr/rapport/2023/rapport-odd3-2023.pdf"
    # A year without a report offers nothing to download.
    assert "rapport-odd3-1999" not in client.get("/fr/rapport/1999/").content.decode()
