"""The admin's CSV/XLSX export and import, and its warnings about possible duplicates."""

import csv
import html
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import models
from activities.duplicates import find_duplicates, normalised_title
from activities.roles import EDITEUR, REDACTEUR

from .admin_factories import AuthorshipFactory, StaffUserFactory, SuperUserFactory
from .factories import (
    OrganisationFactory,
    PersonFactory,
    PublicationFactory,
    ResearchProjectFactory,
    StructureFactory,
    ThesisFactory,
)
from .test_admin import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def admin_url(model, page, obj=None):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}"
    return reverse(name, args=[obj.pk] if obj is not None else [])


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def page_text(response):
    return html.unescape(response.content.decode())


def targets(*codes):
    return list(models.SDGTarget.objects.filter(code__in=codes))


def history(model):
    return model.history.model.objects.count()


def snapshot(model):
    return list(model._base_manager.order_by("pk").values())


# -- Export -----------------------------------------------------------------------------


def export(client, url, file_format):
    """What a browser submits from the export page: every column, the chosen format."""
    form = client.get(url).context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    data = {"resource": "0", "format": formats[file_format]}
    for name, field in form.fields.items():
        if getattr(field, "is_selectable_field", False):
            data[name] = "on"
    response = client.post(url, data)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return response


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers, *rows = sheet.iter_rows()
    return [{head.value: cell for head, cell in zip(headers, row, strict=True)} for row in rows]


def export_link(client, changelist_url):
    """The export button of the change list, as shown (it carries the list's filters)."""
    page = client.get(changelist_url).content.decode()
    match = re.search(r'href="([^"]*/export/[^"]*)" class="export_link"', page)
    assert match, "no export button"
    return html.unescape(match[1])


@pytest.fixture
def publications():
    """Two drafts of a lab (one about air), a published one of another lab."""
    lab, other = StructureFactory(slug="lab-air"), StructureFactory(slug="lab-sport")
    return {
        "air": PublicationFactory(
            slug="air",
            title_fr="Capteurs de la qualité de l'air",
            state=models.State.DRAFT,
            structures=[lab, other],
            targets=targets("3.4", "3.9"),
        ),
        "poster": PublicationFactory(
            slug="poster", state=models.State.DRAFT, structures=[lab], year=2022
        ),
        "sport": PublicationFactory(slug="sport", structures=[other]),
        "lab": lab,
        "other": other,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?state__exact=draft", {"air", "poster"}),
        ("?q=capteurs", {"air"}),
        ("?year=2022", {"poster"}),
        ("", {"air", "poster", "sport"}),
    ],
)
def test_csv_export_of_a_filtered_list_has_exactly_its_rows(publications, query, expected):
    client = logged_in(SuperUserFactory())
    url = export_link(client, admin_url(models.Publication, "changelist") + query)

    rows = csv_rows(export(client, url, "csv"))

    assert {row["slug"] for row in rows} == expected
    air = next((row for row in rows if row["slug"] == "air"), None)
    if air:
        assert air["title_fr"] == "Capteurs de la qualité de l'air"
        assert air["structures"].split("|") == ["lab-air", "lab-sport"]
        assert air["targets"] == "3.4|3.9"
        assert air["state"] == "draft"
        assert air["year"] == "2023"


def test_xlsx_export_of_a_filtered_list_has_exactly_its_rows_as_text(publications):
    # A title that a spreadsheet would run as a formula stays text in the export.
    PublicationFactory(slug="formule", title_fr='=HYPERLINK("http://x")', state="draft")
    client = logged_in(SuperUserFactory())
    url = export_link(client, admin_url(models.Publication, "changelist") + "?state__exact=draft")

    rows = xlsx_rows(export(client, url, "xlsx"))

    assert {row["slug"].value for row in rows} == {"air", "poster", "formule"}
    formula = next(row for row in rows if row["slug"].value == "formule")
    assert formula["title_fr"].value == '=HYPERLINK("http://x")'
    assert formula["title_fr"].data_type == "s"
    air = next(row for row in rows if row["slug"].value == "air")
    assert air["targets"].value == "3.4|3.9"


def test_publication_export_lists_the_authors_in_order(publications):
    AuthorshipFactory(publication=publications["air"], person=None, name="Zoé Martin", order=2)
    AuthorshipFactory(publication=publications["air"], person=None, name="A. Durand", order=1)
    client = logged_in(SuperUserFactory())

    rows = csv_rows(export(client, admin_url(models.Publication, "export") + "?q=air", "csv"))

    assert [row["authors"] for row in rows] == ["A. Durand|Zoé Martin"]


def export_queries(client, rows):
    while models.Publication.objects.count() < rows:
        publication = PublicationFactory(structures=[StructureFactory()], targets=targets("3.4"))
        AuthorshipFactory(publication=publication, person=None, name="Auteur")
    url = admin_url(models.Publication, "export")
    with CaptureQueriesContext(connection) as queries:
        rows_exported = csv_rows(export(client, url, "csv"))
    assert len(rows_exported) == rows
    return len(queries)


def test_export_queries_do_not_grow_with_rows():
    # The export page (GET) then the file (POST): each builds the change list (session,
    # user, the filters' choices); the file adds a count, the rows, and one query per
    # related column (structures, targets, authors, projects, theses).
    client = logged_in(SuperUserFactory())

    assert export_queries(client, 3) == export_queries(client, 30)


def test_a_redacteurs_export_has_only_their_structures_entries(publications):
    redacteur = StaffUserFactory(role=REDACTEUR, structures=[publications["lab"]])
    client = logged_in(redacteur)
    url = export_link(client, admin_url(models.Publication, "changelist"))

    rows = csv_rows(export(client, url, "csv"))

    # "sport" belongs to the other lab only; "air" to both labs.
    assert {row["slug"] for row in rows} == {"air", "poster"}


def test_an_export_with_a_bad_filter_says_so(publications):
    client = logged_in(SuperUserFactory())

    response = client.get(admin_url(models.Publication, "export") + "?nonsense=1", follow=True)

    assert response.status_code == 200
    assert "Ces filtres ne sont pas valides" in page_text(response)


# -- Buttons ----------------------------------------------------------------------------


def test_changelist_shows_import_export_and_add_and_the_form_its_history(publications):
    client = logged_in(StaffUserFactory(role=EDITEUR))
    page = client.get(admin_url(models.Publication, "changelist")).content.decode()

    assert 'class="import_link"' in page
    assert 'class="export_link"' in page
    assert 'class="addlink"' in page
    change = client.get(admin_url(models.Publication, "change", publications["air"]))
    assert 'class="historylink"' in change.content.decode()


def test_a_redacteur_exports_but_does_not_import(publications):
    client = logged_in(StaffUserFactory(role=REDACTEUR, structures=[publications["lab"]]))
    page = client.get(admin_url(models.Publication, "changelist")).content.decode()

    assert 'class="export_link"' in page
    assert 'class="import_link"' not in page


# -- Import -----------------------------------------------------------------------------

HEADER = "slug,title_fr,title_en,kind,year,structures,targets,state\n"


def csv_file(text, name="publications.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding) if isinstance(text, str) else text)


def preview(client, model, upload, file_format="csv"):
    """Send a file to the import page: the preview, where nothing is written."""
    url = admin_url(model, "import")
    form = client.get(url).context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    return client.post(
        url, {"resource": "0", "format": formats[file_format], "import_file": upload}
    )


def confirm(client, model, response):
    """Confirm the import the preview offers."""
    form = response.context["confirm_form"]
    assert form is not None, page_text(response)
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(admin_url(model, "process_import"), data, follow=True)


@pytest.fixture
def editeur():
    return StaffUserFactory(role=EDITEUR)


@pytest.fixture
def labs():
    return StructureFactory(slug="lab-a"), StructureFactory(slug="lab-b")


def test_a_valid_csv_is_previewed_then_imported_as_drafts_with_history(editeur, labs):
    published = PublicationFactory(slug="existante", title_fr="Ancien titre")
    client = logged_in(editeur)
    upload = csv_file(
        HEADER
        + "nouvelle-1,Première publication,First,article,2023,lab-a|lab-b,3.4|3.9,published\n"
        + "nouvelle-2,Deuxième publication,,poster,2022,lab-a,,published\n"
        + "existante,Nouveau titre,,conference,2023,lab-b,3.4,draft\n"
    )
    before = models.Publication.objects.count()

    response = preview(client, models.Publication, upload)

    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["new", "new", "update"]
    assert models.Publication.objects.count() == before  # a preview writes nothing

    response = confirm(client, models.Publication, response)

    assert response.status_code == 200
    assert models.Publication.objects.count() == before + 2
    first = models.Publication.objects.get(slug="nouvelle-1")
    assert first.state == models.State.DRAFT  # the file's "published" is not imported
    assert first.title_fr == "Première publication" and first.title_en == "First"
    assert set(first.structures.values_list("slug", flat=True)) == {"lab-a", "lab-b"}
    assert set(first.targets.values_list("code", flat=True)) == {"3.4", "3.9"}
    assert models.Publication.objects.get(slug="nouvelle-2").state == models.State.DRAFT
    published.refresh_from_db()
    assert published.title_fr == "Nouveau titre"
    assert published.state == models.State.PUBLISHED  # an import never changes a state
    for publication in (first, published):
        last = publication.history.order_by("-history_date", "-history_id").first()
        assert last.history_user == editeur
    assert first.history.filter(history_type="+").get().history_user == editeur


def test_an_xlsx_file_is_imported_too(editeur, labs):
    book = openpyxl.Workbook()
    book.active.append(["slug", "title_fr", "kind", "year", "targets"])
    book.active.append(["depuis-xlsx", "Depuis un classeur", "article", 2023, 3.4])
    stream = io.BytesIO()
    book.save(stream)
    client = logged_in(editeur)

    response = preview(client, models.Publication, csv_file(stream.getvalue(), "p.xlsx"), "xlsx")
    confirm(client, models.Publication, response)

    imported = models.Publication.objects.get(slug="depuis-xlsx")
    assert imported.year == 2023
    assert list(imported.targets.values_list("code", flat=True)) == ["3.4"]


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        ("mauvaise,Titre,,article,1800,lab-a,3.4,", "year", "supérieure ou égale à 1900"),
        ("mauvaise,Titre,,article,deux mille,lab-a,,", "year", "n'est pas un nombre entier"),
        ("mauvaise,Titre,,article,2023.5,lab-a,,", "year", "n'est pas un nombre entier"),
        ("mauvaise,Titre,,article,2023,lab-inconnu,,", "structures", "introuvable : lab-inconnu"),
        ("mauvaise,Titre,,article,2023,lab-a,3.4|3.42|zz,", "targets", "introuvables : 3.42, zz"),
        ("mauvaise,,English only,article,2023,lab-a,,", "title_fr", "ne peut pas être vide"),
        ("mauvaise,Titre,,roman,2023,lab-a,,", "kind", "n’est pas un choix valide"),
        (",Titre,,article,2023,lab-a,,", "slug", "ne peut pas être vide"),
    ],
    ids=[
        "implausible-year",
        "year-in-words",
        "decimal-year",
        "unknown-structure",
        "unknown-targets",
        "no-french-title",
        "unknown-kind",
        "no-slug",
    ],
)
def test_one_invalid_row_shows_its_error_and_nothing_is_written(
    editeur, labs, bad_row, column, message
):
    existing = PublicationFactory(slug="existante", title_fr="Ancien titre")
    client = logged_in(editeur)
    upload = csv_file(
        HEADER
        + "bonne-1,Bonne publication,,article,2023,lab-a,3.4,\n"
        + bad_row
        + "\n"
        + "existante,Titre changé,,article,2023,lab-b,,\n"
    )
    before = snapshot(models.Publication), history(models.Publication)

    response = preview(client, models.Publication, upload)

    assert response.status_code == 200
    (invalid,) = response.context["result"].invalid_rows
    assert invalid.number == 2
    assert list(invalid.field_specific_errors) == [column]
    assert message in " ".join(invalid.field_specific_errors[column])
    assert response.context.get("confirm_form") is None
    text = page_text(response)
    assert "Rien n'a été importé" in text
    assert message in text
    assert (snapshot(models.Publication), history(models.Publication)) == before
    existing.refresh_from_db()
    assert existing.title_fr == "Ancien titre"


def test_a_row_that_became_invalid_after_the_preview_writes_nothing(editeur, labs):
    client = logged_in(editeur)
    upload = csv_file(
        HEADER
        + "bonne-1,Bonne publication,,article,2023,lab-a,3.4,\n"
        + "bonne-2,Autre publication,,article,2023,lab-b,,\n"
    )
    response = preview(client, models.Publication, upload)
    labs[1].delete()  # between the preview and the confirmation
    before = snapshot(models.Publication), history(models.Publication)

    response = confirm(client, models.Publication, response)

    assert "Rien n'a été importé" in page_text(response)
    assert (snapshot(models.Publication), history(models.Publication)) == before


def test_a_row_exported_before_a_later_change_is_refused(editeur, labs):
    entry = PublicationFactory(slug="modifiee", title_fr="Titre")
    exported_version = entry.version
    entry.title_fr = "Modifié par une collègue"
    entry.save()
    client = logged_in(editeur)
    upload = csv_file(f"slug,title_fr,version\nmodifiee,Mon titre,{exported_version}\n")

    response = preview(client, models.Publication, upload)

    assert "a été modifiée depuis l'export" in page_text(response)
    entry.refresh_from_db()
    assert entry.title_fr == "Modifié par une collègue"


def test_an_export_imports_back_unchanged(editeur, labs):
    PublicationFactory(slug="aller-retour", structures=list(labs), targets=targets("3.4"))
    client = logged_in(editeur)
    exported = export(client, admin_url(models.Publication, "export"), "csv").content
    before = snapshot(models.Publication), history(models.Publication)

    response = preview(client, models.Publication, csv_file(exported))

    assert [row.import_type for row in response.context["result"].rows] == ["skip"]
    confirm(client, models.Publication, response)
    assert (snapshot(models.Publication), history(models.Publication)) == before


def test_a_thesis_is_imported_with_its_candidate_school_and_project(editeur, labs):
    candidate = PersonFactory(slug="doctorante")
    school = OrganisationFactory(slug="ed-i2s", kind=models.Organisation.Kind.DOCTORAL_SCHOOL)
    project = ResearchProjectFactory(slug="projet-air")
    client = logged_in(editeur)
    header = "slug,title_fr,candidate,doctoral_school,project,start_year,defence_date,status\n"

    response = preview(
        client, models.Thesis, csv_file(header + "these-x,Une thèse,inconnue,ed-i2s,,2023,,\n")
    )
    (invalid,) = response.context["result"].invalid_rows
    assert invalid.field_specific_errors["candidate"] == ["Personne introuvable : inconnue."]

    row = "these-air,Une thèse,doctorante,ed-i2s,projet-air,2020,31/12/2023,defended\n"
    confirm(client, models.Thesis, preview(client, models.Thesis, csv_file(header + row)))

    thesis = models.Thesis.objects.get(slug="these-air")
    assert (thesis.candidate, thesis.doctoral_school, thesis.project) == (
        candidate,
        school,
        project,
    )
    assert thesis.defence_date.isoformat() == "2023-12-31"


@pytest.mark.parametrize("model", [models.Publication, models.ResearchProject, models.Programme])
def test_a_redacteur_cannot_import_activities(labs, model):
    client = logged_in(StaffUserFactory(role=REDACTEUR, structures=[labs[0]]))
    before = snapshot(model)

    assert client.get(admin_url(model, "import")).status_code == 403
    upload = csv_file("slug,title_fr\nx,Titre\n")
    assert (
        client.post(admin_url(model, "import"), {"format": "0", "import_file": upload}).status_code
        == 403
    )
    assert client.post(admin_url(model, "process_import"), {}).status_code == 403
    assert snapshot(model) == before


def test_a_redacteur_imports_people_but_changes_only_those_of_their_structures(labs):
    redacteur = StaffUserFactory(role=REDACTEUR, structures=[labs[0]])
    PersonFactory(slug="de-l-autre-labo", last_name="Autre", structure=labs[1])
    client = logged_in(redacteur)
    upload = csv_file(
        "slug,first_name,last_name,structure\n"
        "nouvelle,Anne,Durand,lab-a\n"
        "de-l-autre-labo,Paul,Changé,lab-b\n"
    )

    response = preview(client, models.Person, upload)

    assert "Vous ne pouvez pas modifier" in page_text(response)
    assert not models.Person.objects.filter(slug="nouvelle").exists()
    assert models.Person.objects.get(slug="de-l-autre-labo").last_name == "Autre"

    response = preview(
        client, models.Person, csv_file("slug,first_name,last_name\nnouvelle,Anne,Durand\n")
    )
    confirm(client, models.Person, response)
    assert models.Person.objects.get(slug="nouvelle").history.get().history_user == redacteur


def xlsx_bytes():
    book = openpyxl.Workbook()
    book.active.append(["slug"])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


@pytest.mark.parametrize(
    ("content", "file_format", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "csv", "ne se lit pas comme un CSV"),
        (b"slug,title_fr\nabc,\x00\x01\x02\n", "csv", "ne se lit pas comme un CSV"),
        (HEADER + "latin,Qualité de l'air,,article,2023,,,\n", "csv-latin-1", "CSV UTF-8"),
        (b"", "csv", "vide"),
        (
            b"slug,title_fr,couleur,taille\nx,Titre,bleu,XL\n",
            "csv",
            "Colonnes inconnues : couleur, taille",
        ),
        (b"title_fr,year\nTitre,2023\n", "csv", "La colonne « slug » manque"),
        (b"slug,title_fr\n", "csv", "aucune ligne à importer"),
        (b"pas un classeur", "xlsx", "ne se lit pas au format choisi"),
        ("xlsx-as-csv", "csv", "ne se lit pas comme un CSV"),
    ],
    ids=[
        "binary",
        "nul-bytes",
        "latin-1",
        "empty",
        "unknown-columns",
        "no-slug",
        "no-rows",
        "not-xlsx",
        "xlsx-as-csv",
    ],
)
def test_a_hostile_file_gets_a_message_not_an_error_page(editeur, content, file_format, message):
    if content == "xlsx-as-csv":
        content = xlsx_bytes()
    if file_format == "csv-latin-1":
        content, file_format = content.encode("latin-1"), "csv"
    client = logged_in(editeur)
    before = snapshot(models.Publication), history(models.Publication)

    response = preview(client, models.Publication, csv_file(content), file_format)

    assert response.status_code == 200
    assert message in page_text(response), page_text(response)
    assert response.context.get("confirm_form") is None
    assert (snapshot(models.Publication), history(models.Publication)) == before


def test_a_semicolon_csv_as_french_excel_writes_it_is_read(editeur, labs):
    client = logged_in(editeur)
    upload = csv_file(
        "\ufeffslug;title_fr;kind;year;structures\npv;Point-virgule, virgule;article;2023;lab-a\n"
    )

    response = preview(client, models.Publication, upload)
    confirm(client, models.Publication, response)

    assert models.Publication.objects.get(slug="pv").title_fr == "Point-virgule, virgule"


def test_a_confirmation_whose_file_is_gone_says_so(editeur):
    client = logged_in(editeur)
    data = {"import_file_name": "absent", "original_file_name": "x.csv", "format": "0"}

    response = client.post(admin_url(models.Publication, "process_import"), data, follow=True)

    assert response.status_code == 200
    assert "n'est plus disponible" in page_text(response)


# -- Duplicates -------------------------------------------------------------------------


def test_titles_compare_without_case_accents_or_punctuation():
    assert normalised_title("L’Air INTÉRIEUR : cœur") == normalised_title("l'air interieur coeur")
    assert normalised_title("Air intérieur") != normalised_title("Air extérieur")


def add_publication(client, **fields):
    url = admin_url(models.Publication, "add")
    data = form_data(client.get(url)) | {
        "kind": models.Publication.Kind.JOURNAL_ARTICLE,
        "year": "2023",
        "structures": [StructureFactory().pk],
        **fields,
    }
    return client.post(url, data, follow=True)


def test_saving_a_publication_with_the_title_and_year_of_another_warns(editeur):
    other = PublicationFactory(title_fr="QUALITÉ DE L’AIR intérieur", year=2023)
    client = logged_in(editeur)

    response = add_publication(client, title_fr="Qualité de l'air intérieur", slug="double")

    assert models.Publication.objects.filter(slug="double").exists()  # a warning only
    text = page_text(response)
    assert "Doublon possible" in text
    assert "le même titre et la même année" in text
    link = f'<a href="{admin_url(models.Publication, "change", other)}">'
    assert link in response.content.decode()  # a link, not escaped markup

    # Opening the entry warns again, and links the other one.
    double = models.Publication.objects.get(slug="double")
    text = page_text(client.get(admin_url(models.Publication, "change", double)))
    assert "Doublon possible" in text
    assert admin_url(models.Publication, "change", other) in text


@pytest.mark.parametrize(
    "fields",
    [
        {"title_fr": "Un titre que personne d'autre n'a", "slug": "unique"},
        # The same title another year is another publication (a yearly report…).
        {"title_fr": "Qualité de l'air intérieur", "slug": "autre-annee", "year": "2022"},
    ],
)
def test_saving_a_unique_publication_does_not_warn(editeur, fields):
    PublicationFactory(title_fr="Qualité de l'air intérieur", year=2023)
    client = logged_in(editeur)

    response = add_publication(client, **fields)

    assert models.Publication.objects.filter(slug=fields["slug"]).exists()
    assert "Doublon possible" not in page_text(response)


def test_doi_and_hal_id_are_compared_as_written_in_practice():
    PublicationFactory(doi="https://doi.org/10.1000/ABC", hal_id="hal-01234567", year=2020)
    twin = PublicationFactory.build(doi="10.1000/abc", hal_id="HAL-01234567", year=2023)

    (duplicate,) = find_duplicates(twin)

    assert [str(reason) for reason in duplicate.reasons] == [
        "le même DOI",
        "le même identifiant HAL",
    ]


def test_a_project_with_the_acronym_of_another_warns_on_opening(editeur):
    ResearchProjectFactory(acronym="QAI-Sport", title_fr="Qualité de l'air et sport")
    project = ResearchProjectFactory(acronym="qai-sport", title_fr="Autre titre")
    client = logged_in(editeur)

    text = page_text(client.get(admin_url(models.ResearchProject, "change", project)))

    assert "le même acronyme" in text


def test_a_redacteur_is_told_of_another_structures_duplicate_without_its_name(labs):
    theirs = PublicationFactory(
        title_fr="Titre secret", state=models.State.DRAFT, structures=[labs[1]]
    )
    mine = PublicationFactory(
        title_fr="Titre secret", state=models.State.DRAFT, structures=[labs[0]]
    )
    client = logged_in(StaffUserFactory(role=REDACTEUR, structures=[labs[0]]))

    text = page_text(client.get(admin_url(models.Publication, "change", mine)))

    assert "une fiche d'une autre structure a le même titre et la même année" in text
    assert admin_url(models.Publication, "change", theirs) not in text


def test_one_query_finds_the_duplicates(django_assert_num_queries):
    PublicationFactory(title_fr="Même titre", year=2023)
    candidate = ThesisFactory.build(title_fr="Même titre")
    publication = PublicationFactory.build(title_fr="Même titre", year=2023)

    with django_assert_num_queries(1):
        assert len(find_duplicates(publication)) == 1
    with django_assert_num_queries(1):
        assert find_duplicates(candidate) == []
