"""Reconciliation and writes shared by every importer (activities.importers.base)."""

import pytest

from activities.importers.base import (
    OrganisationRecord,
    PersonRecord,
    PublicationRecord,
    RecordError,
    ThesisRecord,
    find_person,
    import_records,
)
from activities.models import Organisation, Person, Publication, State, Thesis

from .factories import PersonFactory, PublicationFactory, ResearchProjectFactory, StructureFactory

pytestmark = pytest.mark.django_db


def publication(**fields):
    values = {"key": "k1", "title_fr": "Qualité de l'air des salles de sport", "kind": "article"}
    values["year"] = 2023
    return PublicationRecord(**{**values, **fields})


def test_people_are_found_by_idhal_then_orcid_then_name_without_accents():
    stephane = PersonFactory(first_name="Stéphane", last_name="Raffard")
    hal = PersonFactory(first_name="A", last_name="B", idhal="jdoe")
    orcid = PersonFactory(first_name="C", last_name="D", orcid="0000-0002-1825-0097")
    assert find_person(PersonRecord("Stephane", "RAFFARD")) == stephane
    assert find_person(PersonRecord("x", "y", idhal="JDOE")) == hal
    assert find_person(PersonRecord("x", "y", orcid="0000-0002-1825-0097")) == orcid
    assert find_person(PersonRecord("Nobody", "Known")) is None
    PersonFactory(first_name="Stephane", last_name="Raffard")  # two namesakes: no guess
    assert find_person(PersonRecord("Stéphane", "Raffard")) is None


def test_a_publication_is_created_as_a_draft_with_its_links():
    structure = StructureFactory(acronym="RIME")
    project = ResearchProjectFactory(acronym="QAI-SPORT", reference="ANR-20-CE00-0001")
    known = PersonFactory(first_name="Valérie", last_name="Durand")
    record = publication(
        authors=[PersonRecord("Valerie", "Durand"), PersonRecord("Jane", "Doe")],
        structure_acronyms=["rime"],
        project_references=["anr-20-ce00-0001"],
        doi="https://doi.org/10.1000/ABC",
    )
    report = import_records([record])
    assert report.created == ["k1"]
    item = Publication.objects.get()
    assert item.state == State.DRAFT
    assert item.doi == "10.1000/abc"
    assert [(a.order, a.name, a.person) for a in item.authorships.all()] == [
        (1, "Valerie Durand", known),
        (2, "Jane Doe", None),  # unidentified co-author: kept as written
    ]
    assert list(item.structures.all()) == [structure]
    assert list(item.projects.all()) == [project]


def test_reimporting_updates_and_never_duplicates():
    import_records([publication(doi="10.1/x")])
    again = import_records([publication(doi="10.1/x")])
    assert again.unchanged == ["k1"] and not again.created
    changed = import_records([publication(doi="10.1/X", pages="1-5", title_fr="Autre titre")])
    assert changed.updated == ["k1"]  # found by DOI although the title changed
    assert Publication.objects.count() == 1
    assert Publication.objects.get().pages == "1-5"


def test_empty_source_values_never_erase_an_editors_work_nor_its_state():
    existing = PublicationFactory(
        title_fr="Qualité de l'air des salles de sport",
        year=2023,
        kind="article",
        venue="Indoor Air",
        state=State.PUBLISHED,
    )
    report = import_records([publication(venue="")])
    existing.refresh_from_db()
    assert report.unchanged == ["k1"]
    assert existing.venue == "Indoor Air" and existing.state == State.PUBLISHED


def test_a_dry_run_reports_and_writes_nothing():
    history_before = Publication.history.count()
    report = import_records([publication(), publication(key="k2", title_fr="Autre")], dry_run=True)
    assert report.created == ["k1", "k2"]
    assert "rien n'a été écrit" in report.summary()
    assert not Publication.objects.exists()
    assert Publication.history.count() == history_before
    assert not Person.objects.exists()


def test_a_bad_record_writes_nothing_of_itself_and_the_others_go_on():
    bad = publication(key="bad", title_fr="Mauvais", year=23)  # implausible year
    report = import_records([bad, RecordError("k9: titre manquant"), publication()])
    assert report.created == ["k1"]
    assert [key for key, _message in report.errors] == ["bad", "k9"]
    assert "year" in report.errors[0][1]
    assert list(Publication.objects.values_list("title_fr", flat=True)) == [
        "Qualité de l'air des salles de sport"
    ]


def test_a_thesis_links_its_people_and_doctoral_school_without_duplicates():
    montmain = PersonFactory(first_name="Jacky", last_name="Montmain")
    school = Organisation.objects.create(
        name="École doctorale I2S", acronym="I2S", kind="doctoral_school", slug="ed-i2s"
    )
    record = ThesisRecord(
        key="s1",
        title_fr="Apprentissage profond et connectivité cérébrale",
        candidate=PersonRecord("Zaineb", "Ajra"),
        start_year=2021,
        supervisors=[(PersonRecord("Jacky", "Montmain"), "director")],
        doctoral_school=OrganisationRecord("Information, Structures, Systèmes", acronym="i2s"),
    )
    assert import_records([record]).created == ["s1"]
    assert import_records([record]).unchanged == ["s1"]
    thesis = Thesis.objects.get()
    assert thesis.candidate.full_name == "Zaineb Ajra"
    assert [s.person for s in thesis.supervisions.all()] == [montmain]
    assert thesis.doctoral_school == school
    assert Organisation.objects.count() == 1


def test_a_bad_author_refuses_its_record_only():
    bad_orcid = PersonRecord("Jane", "Doe", orcid="not-an-orcid")
    report = import_records(
        [publication(key="bad", authors=[bad_orcid]), publication(key="ok", title_fr="Autre")]
    )
    assert report.created == ["ok"]
    assert report.errors[0][0] == "bad" and "ORCID" in report.errors[0][1]
    assert not Person.objects.exists()


def test_an_import_adds_missing_supervisors_and_keeps_the_editors(report_2023):
    thesis = Thesis.objects.get(slug="these-nathan-sinsoilliez")
    before = [(s.person.slug, s.role) for s in thesis.supervisions.all()]
    record = ThesisRecord(
        key="s2",
        title_fr=thesis.title_fr,
        candidate=PersonRecord("Nathan", "Sinsoilliez"),
        start_year=2023,
        supervisors=[
            (PersonRecord("Stefan", "Janaqi"), "director"),
            (PersonRecord("Nouvel", "Encadrant"), "co_director"),
        ],
    )
    report = import_records([record])
    assert report.updated == ["s2"]
    after = [(s.person.slug, s.role) for s in thesis.supervisions.all()]
    assert after == [*before, ("nouvel-encadrant", "co_director")]
    assert import_records([record]).unchanged == ["s2"]


def test_blank_references_link_no_project():
    ResearchProjectFactory(acronym="QAI-SPORT")
    import_records([publication(project_references=[" ", ""], structure_acronyms=[" "])])
    item = Publication.objects.get()
    assert not item.projects.exists() and not item.structures.exists()
