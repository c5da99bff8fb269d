"""The database enforces the domain's invariants; querysets read what the pages show."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from activities.models import (
    CampusInitiative,
    InitiativeFigure,
    Person,
    Publication,
    ResearchProject,
    SDGTarget,
    State,
    Thesis,
)

from .factories import (
    CampusInitiativeFactory,
    PersonFactory,
    PublicationFactory,
    ResearchProjectFactory,
    StructureFactory,
    ThesisFactory,
)

pytestmark = pytest.mark.django_db


def refused(factory, **fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**fields)


def test_end_year_before_start_year_is_refused():
    refused(ResearchProjectFactory, start_year=2023, end_year=2020)
    ResearchProjectFactory(start_year=2020, end_year=2023)  # in order: stored


def test_implausible_years_are_refused():
    refused(CampusInitiativeFactory, start_year=23)
    refused(PublicationFactory, year=3023)


def test_only_a_defended_thesis_has_a_defence_date():
    refused(ThesisFactory, status=Thesis.Status.ONGOING, defence_date="2023-06-30")
    ThesisFactory(status=Thesis.Status.DEFENDED, defence_date="2023-06-30", nnt="2023IMTA0001")


def test_doi_and_hal_id_name_one_publication_but_may_be_empty():
    PublicationFactory(doi="10.1000/xyz", hal_id="hal-01")
    refused(PublicationFactory, doi="10.1000/xyz")
    refused(PublicationFactory, hal_id="hal-01")
    PublicationFactory(doi="", hal_id="")
    PublicationFactory(doi="", hal_id="")
    assert Publication.objects.filter(doi="").count() == 2


def test_orcid_idhal_and_nnt_are_unique_when_given():
    PersonFactory(orcid="0000-0002-1825-0097", idhal="jdupont")
    refused(PersonFactory, orcid="0000-0002-1825-0097")
    refused(PersonFactory, idhal="jdupont")
    PersonFactory()
    PersonFactory()
    assert Person.objects.filter(orcid="").count() == 2
    ThesisFactory(nnt="2023IMTA0002", status=Thesis.Status.DEFENDED)
    refused(ThesisFactory, nnt="2023IMTA0002", status=Thesis.Status.DEFENDED)


def test_published_leaves_drafts_out():
    shown = ResearchProjectFactory(state=State.PUBLISHED)
    ResearchProjectFactory(state=State.DRAFT)
    assert list(ResearchProject.objects.published()) == [shown]


def test_in_year_covers_the_whole_period_and_open_ended_activities():
    finished = ResearchProjectFactory(start_year=2019, end_year=2021)
    running = ResearchProjectFactory(start_year=2022, end_year=None)
    assert set(ResearchProject.objects.in_year(2020)) == {finished}
    assert set(ResearchProject.objects.in_year(2023)) == {running}
    assert set(ResearchProject.objects.in_year(2021)) == {finished}
    assert ResearchProject.objects.years()[-4:] == [2022, 2021, 2020, 2019]


def test_a_structure_owns_the_activities_of_its_teams():
    lab = StructureFactory()
    team = StructureFactory(parent=lab)
    other = StructureFactory()
    in_team = ResearchProjectFactory(structures=[team])
    in_lab = ResearchProjectFactory(structures=[lab])
    ResearchProjectFactory(structures=[other])
    assert set(ResearchProject.objects.for_structure(lab)) == {in_team, in_lab}
    assert set(ResearchProject.objects.for_structure(team)) == {in_team}


def test_search_matches_acronyms_and_authors_without_duplicates():
    project = ResearchProjectFactory(acronym="QAI-SPORT", title_fr="Qualité de l'air")
    assert list(ResearchProject.objects.search("qai-sport")) == [project]
    publication = PublicationFactory(title_fr="Capteurs inertiels")
    publication.authorships.create(name="Pierre Slangen", order=1)
    publication.authorships.create(name="Pierre Dupont", order=2)
    assert list(Publication.objects.search("pierre")) == [publication]


def test_titles_fall_back_to_french_when_english_is_missing():
    project = ResearchProjectFactory(title_fr="Qualité de l'air", title_en="")
    translated = ResearchProjectFactory(title_fr="Fatigue", title_en="Fatigue (EN)")
    with translation.override("en"):
        assert ResearchProject.objects.get(pk=project.pk).title == "Qualité de l'air"
        assert ResearchProject.objects.get(pk=translated.pk).title == "Fatigue (EN)"


def test_key_figures_read_as_in_the_report():
    initiative = CampusInitiativeFactory(category=CampusInitiative.Category.SOCIAL_SUPPORT)
    budget = InitiativeFigure.objects.create(
        initiative=initiative,
        qualifier=InitiativeFigure.Qualifier.ABOUT,
        value=Decimal("65000"),
        unit_fr="€ par an",
        label_fr="budget de l'action sociale",
    )
    training = InitiativeFigure.objects.create(
        initiative=initiative, value=1, value_max=3, label_fr="entraînements par semaine"
    )
    assert budget.value_display == "environ 65\xa0000"
    assert training.value_display == "1 à 3"
    with pytest.raises(IntegrityError), transaction.atomic():
        InitiativeFigure.objects.create(initiative=initiative, value=3, value_max=1, label_fr="x")


def test_every_model_reads_well_and_links_to_its_page():
    target = SDGTarget.objects.get(code="3.4")
    assert str(target).startswith("3.4 — ")
    assert target.get_absolute_url() == "/fr/cibles/3.4/"
    project = ResearchProjectFactory(acronym="PIMS", slug="pims")
    assert str(project) == "PIMS"
    assert project.get_absolute_url() == "/fr/projets/pims/"
    person = PersonFactory(first_name="Sylvie", last_name="Ranwez", slug="sylvie-ranwez")
    assert str(person) == "Sylvie Ranwez"
    assert person.get_absolute_url() == "/fr/personnes/sylvie-ranwez/"


@pytest.mark.parametrize(
    ("kind", "scheme", "shown"),
    [
        ("anr", "ANR", "Agence nationale de la recherche (ANR)"),
        ("anr", "", "Agence nationale de la recherche (ANR)"),
        ("agency", "ANSES", "agence nationale (ANSES)"),
        ("agency", "", "agence nationale (ADEME, ANSES…)"),
        ("europe", "Horizon 2020", "programme européen (Horizon 2020)"),
    ],
)
def test_a_project_names_its_funding_once(kind, scheme, shown):
    from activities.models import ResearchProject

    assert ResearchProject(kind=kind, funding_scheme=scheme).funding_display == shown
