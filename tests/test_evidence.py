"""The evidence view for THE Impact Rankings' SDG 3 (activities.evidence, /admin/preuves/).

What each metric lists is written out below from the 2023 report (activities/data/
report-2023.yaml) and from the rules as the page states them, never recomputed with the
rules themselves.
"""

import csv
import io
import re
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import evidence
from activities.admin.evidence import SUMMARY, metric_filename
from activities.models import (
    CampusInitiative,
    Organisation,
    Programme,
    ProgrammePartner,
    ProjectPartner,
    Publication,
    ResearchProject,
    SDGTarget,
    State,
    Thesis,
    ThesisSupervisor,
)
from activities.roles import ADMINISTRATEUR, EDITEUR, REDACTEUR

from .factories import (
    CampusInitiativeFactory,
    OrganisationFactory,
    PersonFactory,
    ProgrammeFactory,
    PublicationFactory,
    ResearchProjectFactory,
    StructureFactory,
    ThesisFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("admin-evidence")
EXPORT_URL = reverse("admin-evidence-export")
Audience = CampusInitiative.Audience
Category = CampusInitiative.Category
Kind = Organisation.Kind

# The 2023 evidence, metric by metric, as slugs of published entries.
EVIDENCE_2023 = {
    # Every publication of 2023 (the six communications of the I3A team).
    "3.1": {
        "irmf-capture-mouvement-recuperation-motrice-avc-2023",
        "sonification-arm-movement-gesture-reproduction-2023",
        "implicit-stigma-schizophrenia-2023",
        "capteurs-inertiels-sport-haut-niveau-volleyball-2023",
        "simulateurs-cardiaques-fabrication-additive-2023",
        "g2ll-skin-lesion-segmentation-2023",
    },
    # The two programmes, both running in 2023 (SNS since 2015).
    "3.2": {"master-biotin", "double-diplome-sns"},
    # The CHU de Montpellier: Télé-Mouv's clinical partner, and the partner (and two
    # supervisors' hospital) of Nathan Sinsoilliez's thesis.
    "3.3.1": {"tele-mouv", "these-nathan-sinsoilliez"},
    # No initiative of 2023 is run with a public body or association for the community.
    "3.3.2": set(),
    "3.3.3": set(),
    # The students' social worker: health awareness including sexuality (target 3.7).
    "3.3.4": {"permanence-assistante-sociale-eleves"},
    # The only mental-health initiative of 2023 is for staff.
    "3.3.5": set(),
    # Nothing is tagged 3.a (tobacco control).
    "3.3.6": set(),
    "3.3.7": {"ecoute-soutien-personnels"},
}
MISSING_2023 = {code for code, slugs in EVIDENCE_2023.items() if not slugs}


def slugs(found, code):
    (item,) = [item for item in found.metrics if item.metric.code == code]
    return {entry.obj.slug for entry in item.entries}


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def editeur(client, make_user):
    return logged_in(client, make_user(EDITEUR))


def read_zip(response):
    """{file name: rows as dicts} of the downloaded pack (the folder dropped)."""
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    files = {}
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8")
        assert text.startswith("\ufeff")  # a BOM, for Excel
        files[name.split("/", 1)[1]] = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    return files


# The 2023 evidence ---------------------------------------------------------------------


def test_2023_evidence_is_what_each_rule_says(report_2023):
    found = evidence.collect(2023)

    assert [item.metric.code for item in found.metrics] == list(EVIDENCE_2023)
    for code, expected in EVIDENCE_2023.items():
        assert slugs(found, code) == expected, code
    assert {item.metric.code for item in found.missing} == MISSING_2023


def test_health_institutions_say_why_an_entry_is_a_collaboration(report_2023):
    found = evidence.collect(2023)
    (item,) = [item for item in found.metrics if item.metric.code == "3.3.1"]

    assert {entry.obj.slug: entry.health_institutions for entry in item.entries} == {
        "tele-mouv": ["CHU de Montpellier"],
        "these-nathan-sinsoilliez": ["CHU de Montpellier"],
    }


def test_the_page_lists_each_metric_s_evidence_with_its_links_and_flags_the_rest(
    report_2023, editeur
):
    response = editeur.get(URL, {"year": "2023"})

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1") == 1
    found = response.context["evidence"]
    for item in found.metrics:
        section = re.search(
            rf'<section class="module" id="{item.metric.anchor}".*?</section>', page, re.S
        ).group(0)
        assert len(re.findall(r"<tbody>.*?</tbody>", section, re.S)) == (1 if item.count else 0)
        for entry in item.entries:
            model = entry.obj._meta.model_name
            assert f'href="{entry.obj.get_absolute_url()}"' in section
            admin_url = reverse(f"admin:activities_{model}_change", args=[entry.obj.pk])
            assert f'href="{admin_url}"' in section
        assert ("Aucune preuve" in section) == (item.metric.code in MISSING_2023)
    # The summary: each metric's count, and the flag on those without evidence.
    summary = re.search(r"<caption>Synthèse 2023</caption>.*?</table>", page, re.S).group(0)
    for code, expected in EVIDENCE_2023.items():
        row = re.search(rf'<th scope="row">{re.escape(code)}</th>.*?</tr>', summary, re.S)
        cells = re.findall(r"<td>(.*?)</td>", row.group(0), re.S)
        assert cells[1] == str(len(expected))
        assert ("Aucune preuve" in cells[2]) == (not expected)
    assert "4 indicateurs sans preuve en 2023 : 3.3.2, 3.3.3, 3.3.5, 3.3.6." in page


def test_an_unpublished_entry_is_no_evidence(report_2023, editeur):
    CampusInitiative.objects.filter(slug="ecoute-soutien-personnels").update(
        state=State.UNPUBLISHED
    )

    found = evidence.collect(2023)
    page = editeur.get(URL, {"year": "2023"}).content.decode()
    files = read_zip(editeur.get(EXPORT_URL, {"year": "2023"}))

    assert slugs(found, "3.3.7") == set()
    assert "3.3.7" in {item.metric.code for item in found.missing}
    assert "numéro vert" not in page
    metric = next(m for m in evidence.METRICS if m.code == "3.3.7")
    assert files[metric_filename(metric)] == []
    row = next(row for row in files[SUMMARY] if row["Indicateur"] == "3.3.7")
    assert (row["Preuves"], row["Statut"]) == ("0", "aucune preuve")


@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED, State.UNPUBLISHED])
def test_drafts_and_unpublished_entries_never_count(state, editeur):
    """An entry that matches every rule but is not published is nowhere: not in the
    view, not in the pack."""
    hospital = OrganisationFactory(kind=Kind.HOSPITAL, name="CHU fantôme")
    tobacco = SDGTarget.objects.get(code="3.a")
    PublicationFactory(title_fr="Brouillon fantôme", state=state, year=2023)
    programme = ProgrammeFactory(title_fr="Brouillon fantôme", state=state)
    ProgrammePartner.objects.create(programme=programme, organisation=hospital, role="academic")
    CampusInitiativeFactory(
        title_fr="Brouillon fantôme",
        state=state,
        category=Category.MENTAL_HEALTH,
        audience=Audience.EVERYONE,
        provider=hospital,
        targets=[tobacco],
    )

    found = evidence.collect(2023)
    page = editeur.get(URL, {"year": "2023"}).content.decode()
    files = read_zip(editeur.get(EXPORT_URL, {"year": "2023"}))

    assert found.missing == found.metrics
    assert "Brouillon fantôme" not in page
    assert all(rows == [] for name, rows in files.items() if name != SUMMARY)


# The rules, case by case ---------------------------------------------------------------


@pytest.fixture
def refs():
    return {
        "hospital": OrganisationFactory(kind=Kind.HOSPITAL, name="CHU de Nîmes"),
        "company": OrganisationFactory(kind=Kind.COMPANY, name="Clinique SA"),
        "town": OrganisationFactory(kind=Kind.PUBLIC_BODY, name="Ville d'Alès"),
        "club": OrganisationFactory(kind=Kind.ASSOCIATION, name="Club de rugby"),
        "university": OrganisationFactory(kind=Kind.UNIVERSITY, name="Université"),
    }


def initiative(slug, **fields):
    partners = fields.pop("partners", [])
    obj = CampusInitiativeFactory(slug=slug, **fields)
    obj.partners.set(partners)
    return obj


def test_collaborations_need_a_health_institution_or_a_clinical_partner(refs):
    hospital = refs["hospital"]
    # Programmes: a hospital among the partners.
    with_hospital = ProgrammeFactory(slug="prog-chu")
    ProgrammePartner.objects.create(programme=with_hospital, organisation=hospital, role="academic")
    academic = ProgrammeFactory(slug="prog-univ")
    ProgrammePartner.objects.create(
        programme=academic, organisation=refs["university"], role="academic"
    )
    # Projects: a hospital in any role, or a clinical partner of any kind.
    for slug, organisation, role in [
        ("proj-chu", hospital, "partner"),
        ("proj-clinique", refs["company"], "clinical"),
        ("proj-univ", refs["university"], "partner"),
    ]:
        project = ResearchProjectFactory(slug=slug)
        ProjectPartner.objects.create(project=project, organisation=organisation, role=role)
    # Theses: a hospital partner, or a supervisor from a hospital.
    ThesisFactory(slug="these-chu").partners.add(hospital)
    supervised = ThesisFactory(slug="these-medecin")
    ThesisSupervisor.objects.create(thesis=supervised, person=PersonFactory(affiliation=hospital))
    ThesisFactory(slug="these-seule", targets=[SDGTarget.objects.get(code="3.4")])
    # Campus initiatives: a hospital as partner or provider.
    initiative("campus-partenaire-chu", partners=[hospital])
    initiative("campus-prestataire-chu", provider=hospital)
    initiative("campus-ville", partners=[refs["town"]])

    assert slugs(evidence.collect(2023), "3.3.1") == {
        "prog-chu",
        "proj-chu",
        "proj-clinique",
        "these-chu",
        "these-medecin",
        "campus-partenaire-chu",
        "campus-prestataire-chu",
    }


def test_community_metrics_need_an_outside_partner(refs):
    community = [refs["town"]]
    initiative("prevention-ville", category=Category.PREVENTION, partners=community)
    initiative(
        "asso-chu", category=Category.COMMUNITY, audience=Audience.EVERYONE,
        partners=[refs["hospital"]],
    )  # fmt: skip
    initiative(  # staff only: not outreach
        "prevention-personnels",
        category=Category.PREVENTION,
        audience=Audience.STAFF,
        partners=community,
    )
    initiative("prevention-seule", category=Category.PREVENTION)
    initiative("sport-club", category=Category.SPORT, partners=[refs["club"]])
    initiative("sport-ville", category=Category.SPORT, partners=community)
    initiative("sport-ecoles", category=Category.SPORT, partners=[refs["university"]])
    initiative("sport-seul", category=Category.SPORT)

    found = evidence.collect(2023)

    assert slugs(found, "3.3.2") == {"prevention-ville", "asso-chu"}
    assert slugs(found, "3.3.3") == {"sport-club", "sport-ville"}


def test_health_services_for_students_and_staff():
    sexual_health = SDGTarget.objects.get(code="3.7")
    tobacco = SDGTarget.objects.get(code="3.a")
    wellbeing = SDGTarget.objects.get(code="3.4")
    initiative("srh-eleves", targets=[sexual_health], audience=Audience.STUDENTS)
    initiative("srh-tous", targets=[sexual_health], audience=Audience.EVERYONE)
    initiative("srh-personnels", targets=[sexual_health], audience=Audience.STAFF)
    initiative("bien-etre-eleves", targets=[wellbeing], audience=Audience.STUDENTS)
    for audience in Audience:
        initiative(f"psy-{audience}", category=Category.MENTAL_HEALTH, audience=audience)
    initiative("rps-personnels", category=Category.PREVENTION, audience=Audience.STAFF)
    initiative("sans-tabac", targets=[tobacco], audience=Audience.STAFF)

    found = evidence.collect(2023)

    assert slugs(found, "3.3.4") == {"srh-eleves", "srh-tous"}
    assert slugs(found, "3.3.5") == {"psy-students", "psy-everyone"}
    assert slugs(found, "3.3.6") == {"sans-tabac"}
    assert slugs(found, "3.3.7") == {"psy-staff", "psy-everyone"}


def test_an_entry_is_evidence_of_the_years_it_covers():
    PublicationFactory(slug="pub-2023", year=2023)
    PublicationFactory(slug="pub-2022", year=2022)
    ProgrammeFactory(slug="prog-depuis-2015", start_year=2015, end_year=None)
    ProgrammeFactory(slug="prog-2020-2023", start_year=2020, end_year=2023)
    ProgrammeFactory(slug="prog-2019-2022", start_year=2019, end_year=2022)
    ProgrammeFactory(slug="prog-2024", start_year=2024)

    found = evidence.collect(2023)

    assert slugs(found, "3.1") == {"pub-2023"}
    assert slugs(found, "3.2") == {"prog-depuis-2015", "prog-2020-2023"}


def test_programme_figures_are_those_of_the_year_or_undated():
    programme = ProgrammeFactory(slug="prog")
    programme.figures.create(value=160, unit_fr="élèves", label_fr="depuis 2010")
    programme.figures.create(value=12, unit_fr="diplômés", label_fr="en 2023", year=2023)
    programme.figures.create(value=9, unit_fr="diplômés", label_fr="en 2022", year=2022)

    (entry,) = evidence.collect(2023).metrics[1].entries

    figures = dict(entry.details)["Chiffres clés"]
    assert "160 élèves" in figures and "12 diplômés" in figures
    assert "9 diplômés" not in figures


# Counts, years, queries ----------------------------------------------------------------


def test_default_year_is_the_last_complete_year_with_data(editeur):
    this_year = timezone.localdate().year
    assert editeur.get(URL).context["year"] == this_year - 1  # no data at all

    PublicationFactory(year=2021)
    ResearchProjectFactory(start_year=2018, end_year=2019)
    ProgrammeFactory(start_year=this_year, end_year=this_year)  # this year is not over

    response = editeur.get(URL)

    assert response.context["year"] == 2021
    assert response.context["years"] == [this_year, 2021, 2019, 2018]


def test_the_2023_report_runs_until_last_year(report_2023, editeur):
    """Ongoing entries (no end year) are evidence of every year since they began."""
    this_year = timezone.localdate().year
    response = editeur.get(URL)

    assert response.context["year"] == this_year - 1
    assert slugs(response.context["evidence"], "3.3.7") == EVIDENCE_2023["3.3.7"]
    assert slugs(response.context["evidence"], "3.1") == set()  # publications: 2023 only


def test_a_year_without_data_flags_every_metric(report_2023, editeur):
    response = editeur.get(URL, {"year": "1990"})

    assert response.status_code == 200
    assert response.context["evidence"].missing == response.context["evidence"].metrics
    page = response.content.decode()
    assert '<option value="1990" selected>1990</option>' in page  # offered, and chosen
    assert "9 indicateurs sans preuve en 1990" in page


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("abc", "Saisissez un nombre entier."),
        ("1850", "supérieure ou égale à 1900"),
        ("20230", "inférieure ou égale à 2100"),
        ("", "Ce champ est obligatoire."),
        ("2023; DROP TABLE", "Saisissez un nombre entier."),
    ],
)
def test_an_invalid_year_is_explained(report_2023, editeur, value, reason):
    this_year = timezone.localdate().year

    response = editeur.get(URL, {"year": value})
    download = editeur.get(EXPORT_URL, {"year": value})

    assert response.status_code == 200
    note = re.search(r'<p class="errornote"[^>]*>(.*?)</p>', response.content.decode(), re.S)
    assert reason in note.group(1)
    assert f"Voici l'année {this_year - 1}." in note.group(1)
    assert response.context["year"] == this_year - 1
    # No file for another year than the one asked for.
    assert download.status_code == 400
    assert download["Content-Type"].startswith("text/html")
    assert "Aucun dossier n’a été produit." in download.content.decode()


def test_the_pack_holds_the_page_s_counts(report_2023, editeur):
    response = editeur.get(EXPORT_URL, {"year": "2023"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="odd3-preuves-the-2023.zip"' in response["Content-Disposition"]
    files = read_zip(response)
    assert set(files) == {SUMMARY} | {metric_filename(m) for m in evidence.METRICS}
    summary = {row["Indicateur"]: row for row in files[SUMMARY]}
    assert list(summary) == list(EVIDENCE_2023)
    for metric in evidence.METRICS:
        expected = EVIDENCE_2023[metric.code]
        row, rows = summary[metric.code], files[metric_filename(metric)]
        assert row["Preuves"] == str(len(expected)) == str(len(rows))
        assert row["Statut"] == ("avec preuves" if expected else "aucune preuve")
        assert row["Année"] == "2023"
        assert row["Approximation"] == ("oui" if metric.approximate else "non")
        assert row["Fichier"] == metric_filename(metric)
        assert {r["Page publique"].rsplit("/", 2)[-2] for r in rows} == expected
        assert all(r["Indicateur"] == metric.code for r in rows)
    (thesis,) = [r for r in files[metric_filename(evidence.METRICS[2])] if r["Type"] == "Thèse"]
    assert thesis["Établissements de santé"] == "CHU de Montpellier"
    assert thesis["Page publique"] == "http://testserver/fr/theses/these-nathan-sinsoilliez/"
    assert "Encadrement : Stefan Janaqi" in thesis["Détails"]


def test_the_pack_neutralises_spreadsheet_formulas(editeur):
    formula = '=HYPERLINK("http://example.com";"clic")'
    initiative(
        "formule",
        title_fr=formula,
        category=Category.MENTAL_HEALTH,
        audience=Audience.STAFF,
        partners=[OrganisationFactory(name="+33 1 23 45 67 89")],
    )

    files = read_zip(editeur.get(EXPORT_URL, {"year": "2023"}))

    metric = next(m for m in evidence.METRICS if m.code == "3.3.7")
    (row,) = files[metric_filename(metric)]
    assert row["Titre"] == "'" + formula
    assert "Partenaires : +33 1 23 45 67 89" in row["Détails"]  # not at a cell's start


def build_world(size):
    """Entries that are evidence of every metric, ``size`` of each, with their relations."""
    structure = StructureFactory()
    hospital = OrganisationFactory(kind=Kind.HOSPITAL)
    town = OrganisationFactory(kind=Kind.PUBLIC_BODY)
    targets = list(SDGTarget.objects.filter(code__in=["3.4", "3.7", "3.a"]))
    for _ in range(size):
        publication = PublicationFactory(structures=[structure], targets=targets)
        publication.authorships.create(name="A. Auteur", person=PersonFactory())
        programme = ProgrammeFactory(structures=[structure], targets=targets)
        ProgrammePartner.objects.create(programme=programme, organisation=hospital, role="label")
        programme.figures.create(value=10, label_fr="élèves")
        project = ResearchProjectFactory(structures=[structure], targets=targets)
        ProjectPartner.objects.create(project=project, organisation=hospital, role="clinical")
        thesis = ThesisFactory(structures=[structure], targets=targets)
        thesis.partners.add(hospital)
        ThesisSupervisor.objects.create(thesis=thesis, person=PersonFactory(affiliation=hospital))
        for category in (Category.PREVENTION, Category.SPORT, Category.MENTAL_HEALTH):
            item = initiative(
                f"initiative-{category}-{CampusInitiative.objects.count()}",
                category=category,
                audience=Audience.EVERYONE,
                provider=hospital,
                partners=[town, hospital],
                structures=[structure],
                targets=targets,
            )
            item.figures.create(value=3, label_fr="séances")


def test_collect_costs_the_same_queries_for_few_or_many_entries():
    # Per kind of activity: the entries that are evidence of any metric, then what their
    # rows show. Programmes 5 (entries, structures, targets, partners with their
    # organisation, figures of the year); projects 4 (entries, structures, targets,
    # partners); theses 5 (entries with their candidate, structures, targets, partners,
    # supervisors with their establishment); publications 4 (entries, structures, targets,
    # authors); initiatives 5 (entries with their provider, structures, targets, partners,
    # figures of the year).
    build_world(1)
    with CaptureQueriesContext(connection) as few:
        small = evidence.collect(2023)
    build_world(12)
    with CaptureQueriesContext(connection) as many:
        large = evidence.collect(2023)

    assert len(few) == len(many) == 23
    # Each round adds, per metric: 3.3.1 the programme, project, thesis and the three
    # initiatives (a hospital provides them); 3.3.4 and 3.3.6 the three initiatives.
    assert [item.count for item in small.metrics] == [1, 1, 6, 1, 1, 3, 1, 3, 1]
    assert [item.count for item in large.metrics] == [13 * n for n in (1, 1, 6, 1, 1, 3, 1, 3, 1)]


def test_the_page_and_the_pack_cost_the_same_queries_for_few_or_many_entries(editeur):
    build_world(1)
    with CaptureQueriesContext(connection) as few_page:
        editeur.get(URL, {"year": "2023"})
    with CaptureQueriesContext(connection) as few_pack:
        editeur.get(EXPORT_URL, {"year": "2023"})
    build_world(12)
    with CaptureQueriesContext(connection) as many_page:
        editeur.get(URL, {"year": "2023"})
    with CaptureQueriesContext(connection) as many_pack:
        editeur.get(EXPORT_URL, {"year": "2023"})

    assert len(few_page) == len(many_page)
    assert len(few_pack) == len(many_pack)


# Who may see it ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, EXPORT_URL])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url, {"year": "2023"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    ("role", "status"), [(REDACTEUR, 403), (EDITEUR, 200), (ADMINISTRATEUR, 200), (None, 403)]
)
@pytest.mark.parametrize("url", [URL, EXPORT_URL])
def test_publishers_only(client, make_user, role, status, url):
    structures = [StructureFactory()] if role == REDACTEUR else []
    user = make_user(role, structures=structures)

    response = logged_in(client, user).get(url, {"year": "2023"})

    assert response.status_code == status


@pytest.mark.parametrize(("role", "shown"), [(REDACTEUR, False), (EDITEUR, True)])
def test_the_admin_index_links_to_it_for_publishers(client, make_user, role, shown):
    page = logged_in(client, make_user(role)).get(reverse("admin:index")).content.decode()

    assert (f'href="{URL}"' in page) == shown


def test_every_metric_is_defined_once_with_a_rule_for_known_kinds():
    codes = [metric.code for metric in evidence.METRICS]
    assert codes == ["3.1", "3.2", *(f"3.3.{n}" for n in range(1, 8))]
    for metric in evidence.METRICS:
        assert set(metric.rules) <= set(evidence.MODELS)
        assert metric.rules and str(metric.title) and str(metric.description)
        for model in metric.rules:  # every rule builds a queryset that runs
            list(metric.queryset(model, 2023))
    assert {Programme, ResearchProject, Thesis, Publication, CampusInitiative} == set(
        evidence.MODELS
    )
