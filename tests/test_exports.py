"""Exports of the public lists: the same rows as the page, all of them, in every format."""

import csv
import io
import json
import re

import bibtexparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.importers.base import import_records
from activities.importers.bibtex import records_from_text
from activities.models import Authorship, Person, Publication, ResearchProject, SDGTarget, State

from .factories import (
    OrganisationFactory,
    PersonFactory,
    PublicationFactory,
    ResearchProjectFactory,
    StructureFactory,
)
from .test_views import (
    make_initiative,
    make_programme,
    make_project,
    make_publication,
    make_thesis,
)

pytestmark = pytest.mark.django_db

KINDS = {
    # kind: (list path, file name's stem, maker)
    "programme": ("/fr/formations/", "formations", make_programme),
    "project": ("/fr/projets/", "projets", make_project),
    "thesis": ("/fr/theses/", "theses", make_thesis),
    "publication": ("/fr/publications/", "publications", make_publication),
    "campus": ("/fr/campus/", "campus", make_initiative),
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "bib": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
}
EXPORTS = [(kind, fmt) for kind in KINDS for fmt in ("csv", "json")] + [
    ("publication", "bib"),
    ("publication", "ris"),
]


@pytest.fixture
def world():
    structure = StructureFactory(acronym="I3A", slug="i3a")
    partner = OrganisationFactory(acronym="CHU", name="CHU de Montpellier", slug="chu")
    person = PersonFactory(first_name="Jacky", last_name="Montmain", slug="jacky-montmain")
    target = SDGTarget.objects.get(code="3.4")
    return {"structure": structure, "partner": partner, "person": person, "target": target}


def download(client, path, params=None):
    """(response, text) of a file download; the content is streamed."""
    response = client.get(path, params or {})
    assert response.status_code == 200, response.status_code
    assert response.streaming
    return response, b"".join(response.streaming_content).decode("utf-8")


def csv_rows(text, delimiter=";"):
    assert text.startswith("\ufeff")  # the BOM Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=delimiter))


def exported_slugs(text, fmt):
    if fmt == "csv":
        return sorted(row["slug"] for row in csv_rows(text))
    if fmt == "json":
        return sorted(item["slug"] for item in json.loads(text))
    if fmt == "bib":
        return sorted(entry.key for entry in bibtexparser.parse_string(text).entries)
    # RIS: UR is the public page when a publication has no link of its own.
    return sorted(re.findall(r"^UR  - http://testserver/fr/publications/([^/]+)/\r$", text, re.M))


# Rows: filtered, published, all of them -------------------------------------------------


@pytest.mark.parametrize(("kind", "fmt"), EXPORTS)
def test_an_export_holds_the_filtered_published_rows_only(client, world, kind, fmt, settings):
    settings.PAGE_SIZE = 1  # the file holds every row, not the page's
    path, stem, make = KINDS[kind]
    inside = [make(world), make(world)]
    draft = make(world, state=State.DRAFT)
    elsewhere = make({**world, "structure": StructureFactory(acronym="AUTRE", slug="autre")})

    response, text = download(client, f"{path}export.{fmt}", {"structure": "i3a", "page": "2"})

    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    assert response["Content-Disposition"] == f'attachment; filename="odd3-{stem}-i3a.{fmt}"'
    assert exported_slugs(text, fmt) == sorted(item.slug for item in inside)
    assert draft.slug not in text and draft.title not in text
    assert elsewhere.slug not in text


@pytest.mark.parametrize("kind", KINDS)
def test_drafts_are_never_exported_even_when_asked_for_by_name(client, world, kind):
    path, _stem, make = KINDS[kind]
    draft = make(world, state=State.DRAFT, title_fr="Brouillon secret")
    for fmt in ("csv", "json"):
        _response, text = download(client, f"{path}export.{fmt}", {"q": "Brouillon secret"})
        assert "Brouillon secret" not in text and draft.slug not in text


def test_the_projects_of_ceris_are_the_seven_of_its_team_i3a(client, report_2023):
    _response, text = download(client, "/fr/projets/export.csv", {"structure": "ceris"})
    rows = csv_rows(text)
    assert sorted(row["slug"] for row in rows) == [
        "aibiopretras",
        "axiaum",
        "kami-2",
        "pims",
        "readynov-mask-covid",
        "semtaxm",
        "tele-mouv",
    ]
    assert all("I3A" in row["structures"].split(" | ") for row in rows)


def test_invalid_filter_values_are_ignored_and_the_other_filters_applied(client, world):
    make_project(world, title_fr="Dans la cible")
    ResearchProjectFactory(title_fr="Hors cible")
    response, text = download(
        client,
        "/fr/projets/export.json",
        {"target": "3.4", "year": "abc", "structure": "nope", "sort": "bogus", "page": "x"},
    )
    assert [item["title_fr"] for item in json.loads(text)] == ["Dans la cible"]
    assert response["Content-Disposition"] == 'attachment; filename="odd3-projets-3.4.json"'


@pytest.mark.parametrize(
    "params",
    [
        {"year": "2023'; DROP TABLE"},
        {"person": "../../etc"},
        {"partner": "\x00"},
        {"target": "3.4" * 100},
        {"q": "%_\\"},
        {"q": "\x00"},
        {"kind": ["anr", "europe"]},
        {"q": "x" * 5000},
    ],
)
def test_hostile_values_never_give_a_server_error(client, world, params):
    make_project(world)
    for fmt in ("csv", "json"):
        assert client.get(f"/fr/projets/export.{fmt}", params).status_code == 200


def test_the_sort_of_the_page_is_the_order_of_the_file(client, world):
    make_project(world, acronym="AAA", title_fr="Alpha", start_year=2020)
    make_project(world, acronym="ZZZ", title_fr="Zeta", start_year=2023)
    _response, text = download(client, "/fr/projets/export.json", {"sort": "-year"})
    assert [item["acronym"] for item in json.loads(text)] == ["ZZZ", "AAA"]


@pytest.mark.parametrize(
    "path",
    [
        "/fr/projets/export.bib",  # BibTeX and RIS are for publications
        "/fr/theses/export.ris",
        "/fr/publications/export.xml",
        "/fr/publications/export.",
    ],
)
def test_formats_a_kind_has_not_are_not_found(client, world, path):
    assert client.get(path).status_code == 404


# What a file costs: its number of queries does not grow with its rows --------------------


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        download(client, path)
    return len(queries)


# No filter choices (the FilterSet queries nothing until the list page asks for its
# facets): the rows (one query per chunk of 1 000 rows, with their to-one relations
# joined) and one query per relation the columns read:
EXPORT_QUERIES = {
    # rows, structures, targets, figures, partnerships (with organisations)
    "programme": 5,
    # rows, structures, targets, partnerships (with organisations), team (with people)
    "project": 5,
    # rows (with candidate, doctoral school and project), structures, targets,
    # supervisions (with people), partners
    "thesis": 5,
    # rows, authorships (with people), structures, targets, published projects
    "publication": 5,
    # rows (with provider), structures, targets, partners, figures
    "campus": 5,
}


@pytest.mark.parametrize(("kind", "fmt"), EXPORTS)
def test_export_query_count_does_not_grow_with_rows(client, world, kind, fmt):
    path, _stem, make = KINDS[kind]
    for _ in range(5):
        make(world)
    few = count_queries(client, f"{path}export.{fmt}")
    for _ in range(45):
        make(world)
    many = count_queries(client, f"{path}export.{fmt}")
    assert few == many == EXPORT_QUERIES[kind]


# CSV and JSON ---------------------------------------------------------------------------


def test_csv_has_a_header_row_lists_in_cells_and_absolute_page_urls(client, world):
    project = make_project(world, acronym="TELEMOUV", coordinated_by_school=True)
    _response, text = download(client, "/fr/projets/export.csv")
    header = text[1:].splitlines()[0].split(";")
    assert header[:4] == ["slug", "title_fr", "title_en", "acronym"]
    assert {"structures", "targets", "partners", "members", "url"} <= set(header)
    (row,) = csv_rows(text)
    assert row["acronym"] == "TELEMOUV"
    assert row["structures"] == "I3A" and row["targets"] == "3.4"
    assert row["partners"] == "CHU de Montpellier (CHU)"
    assert row["members"] == "Jacky Montmain"
    assert row["coordinated_by_school"] == "oui"
    assert row["url"] == f"http://testserver/fr/projets/{project.slug}/"


def test_csv_uses_the_comma_on_the_english_site(client, world):
    make_project(world)
    _response, text = download(client, "/en/projects/export.csv")
    (row,) = csv_rows(text, delimiter=",")
    assert row["url"].startswith("http://testserver/en/projects/")


def test_csv_cells_that_look_like_formulas_are_neutralised(client, world):
    publication = make_publication(
        world,
        title_fr='=HYPERLINK("http://evil.example","clic")',
        venue="+33 4 66 78 50 00",
        place="-2+3",
        pages="12-14",
    )
    Authorship.objects.create(publication=publication, name="@SUM(A1:A9)", order=5)
    _response, text = download(client, "/fr/publications/export.csv")
    (row,) = csv_rows(text)
    assert row["title_fr"] == '\'=HYPERLINK("http://evil.example","clic")'
    assert row["venue"] == "'+33 4 66 78 50 00"
    assert row["place"] == "'-2+3"
    assert row["pages"] == "12-14"  # only the first character counts
    assert row["authors"] == "J. M. | A. Nother | @SUM(A1:A9)"  # not a cell's start
    _response, text = download(client, "/fr/publications/export.json")
    assert json.loads(text)[0]["title_fr"] == '=HYPERLINK("http://evil.example","clic")'
    assert row["summary_fr"] == "Un résumé."


def test_json_is_a_list_of_objects_with_typed_values_and_the_url(client, world):
    thesis = make_thesis(world, title_fr="Thèse en cours", start_year=2021)
    _response, text = download(client, "/fr/theses/export.json")
    (item,) = json.loads(text)
    assert item["slug"] == thesis.slug
    assert item["start_year"] == 2021 and item["end_year"] is None
    assert item["structures"] == ["I3A"] and item["targets"] == ["3.4"]
    assert item["partners"] == ["CHU de Montpellier (CHU)"]
    assert item["supervisors"] == ["Jacky Montmain"]
    assert item["url"] == f"http://testserver/fr/theses/{thesis.slug}/"


def test_a_thesis_export_never_names_a_draft_project(client, world):
    draft_project = make_project(world, acronym="SECRET", state=State.DRAFT)
    make_thesis(world, project=draft_project)
    _response, text = download(client, "/fr/theses/export.json")
    assert json.loads(text)[0]["project"] is None
    assert "SECRET" not in text


def test_a_publication_export_never_names_a_draft_project(client, world):
    publication = make_publication(world)
    publication.projects.add(make_project(world, acronym="SECRET", state=State.DRAFT))
    publication.projects.add(make_project(world, acronym="PUBLIC"))
    _response, text = download(client, "/fr/publications/export.json")
    assert json.loads(text)[0]["projects"] == ["PUBLIC"]


# BibTeX and RIS -------------------------------------------------------------------------


def test_bibtex_entries_carry_what_a_reference_manager_needs(client, report_2023):
    _response, text = download(client, "/fr/publications/export.bib", {"year": "2023"})
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert len(library.entries) == 6
    entry = library.entries_dict["irmf-capture-mouvement-recuperation-motrice-avc-2023"]
    assert entry.entry_type == "inproceedings"
    assert entry["author"] == (
        "Belkacemi, Zakaria and Van Dokkum, Liesjet and Deverdun, Jeremy and "
        "Menjot De Champfleur, Nicolas and Tchechmedjiev, Andon and others"
    )
    assert entry["booktitle"] == "50e congrès de la Société Française de Neuroradiologie"
    assert (entry["address"], entry["year"], entry["month"], entry["pages"]) == (
        "Paris, France",
        "2023",
        "mar",
        "127--128",
    )


def test_ris_records_carry_what_a_reference_manager_needs(client, report_2023):
    response, text = download(client, "/fr/publications/export.ris", {"year": "2023"})
    assert response["Content-Disposition"] == ('attachment; filename="odd3-publications-2023.ris"')
    records = text.split("ER  - \r\n")
    assert len(records) == 7 and records[-1] == "\r\n"  # 6 records, then the end
    (irmf,) = [record for record in records if "Belkacemi" in record]
    assert irmf.lstrip().splitlines()[0] == "TY  - CONF"
    for line in (
        "AU  - Belkacemi, Zakaria",
        "AU  - Menjot De Champfleur, Nicolas",
        "T2  - 50e congrès de la Société Française de Neuroradiologie",
        "CY  - Paris, France",
        "PY  - 2023",
        "DA  - 2023/03//",
        "SP  - 127",
        "EP  - 128",
        "UR  - http://testserver/fr/publications/"
        "irmf-capture-mouvement-recuperation-motrice-avc-2023/",
    ):
        assert f"{line}\r\n" in irmf


def test_a_bibtex_export_of_the_2023_publications_imports_back_unchanged(client, report_2023):
    """The issue's round trip: no duplicate and no change."""
    publications = Publication.objects.count()
    authorships = sorted(Authorship.objects.values_list("publication", "order", "name", "person"))
    people = Person.objects.count()
    _response, text = download(client, "/fr/publications/export.bib", {"year": "2023"})

    report = import_records(records_from_text(text))

    assert (report.created, report.updated, report.errors) == ([], [], [])
    assert len(report.unchanged) == 6
    assert Publication.objects.count() == publications
    assert Person.objects.count() == people
    assert sorted(Authorship.objects.values_list("publication", "order", "name", "person")) == (
        authorships
    )


def test_latex_special_characters_survive_the_round_trip(client, world):
    """Every value that means something in LaTeX or BibTeX is escaped and reads back."""
    person = PersonFactory(first_name="Valérie", last_name="Cochen de Cock")
    tricky = PublicationFactory(
        title_fr="Les {accolades}, 100 % & $x^2$ #1 : a_b ~ c\\d -- ``cité'' ?`",
        kind=Publication.Kind.POSTER,
        venue="Journées {ODD} & santé -- 2023",
        place="Alès, France",
        year=2023,
        month=12,
        pages="e12-e15",
        doi="10.1000/a_b~c%d",
        hal_id="hal-04999999",
        url="https://example.org/~x/a_b%20c?d=1&e=2",
        more_authors=True,
        summary_fr="Premier paragraphe : 50 %.\n\nSecond, avec un retour\r\nà la ligne.",
        structures=[world["structure"]],
    )
    for order, (name, linked) in enumerate(
        [
            ("Valerie Cochen de Cock", person),  # written without its accent
            ("Dupont, J.", None),  # a comma in the name as written
            ("Barnes and Noble", None),  # "and" inside a name
            ("Jean de la Fontaine", None),
            ("Ōe Kenzaburō", None),
        ]
    ):
        Authorship.objects.create(publication=tricky, name=name, person=linked, order=order)
    _response, text = download(client, "/fr/publications/export.bib")
    assert "month = dec" in text and "pages = {e12--e15}" in text

    report = import_records(records_from_text(text))

    assert (report.created, report.updated, report.errors) == ([], [], [])
    assert report.unchanged == [tricky.slug]
    assert Publication.objects.count() == 1


# Links from the list pages --------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_list_pages_link_to_their_exports_with_the_same_filters(client, world, kind):
    path, _stem, make = KINDS[kind]
    make(world)
    html = client.get(path, {"structure": "i3a", "target": "3.4", "page": "1"}).content.decode()
    formats = ["csv", "json", "bib", "ris"] if kind == "publication" else ["csv", "json"]
    links = re.findall(r'<a href="([^"]+)" download aria-label="([^"]+)">([^<]+)</a>', html)
    assert [href for href, _label, _text in links] == [
        f"{path}export.{fmt}?structure=i3a&amp;target=3.4" for fmt in formats
    ]
    assert links[0][1:] == ("Exporter le résultat en CSV", "CSV")
    assert "Exporter :" in html


def test_an_empty_list_offers_no_export(client, world):
    make_project(world)
    html = client.get("/fr/projets/", {"q": "introuvable"}).content.decode()
    assert "export.csv" not in html


def test_the_english_list_links_to_the_english_exports(client, world):
    make_project(world)
    html = client.get("/en/projects/").content.decode()
    assert 'href="/en/projects/export.csv"' in html
    assert ResearchProject.objects.count() == 1
