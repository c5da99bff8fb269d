"""Loading the 2023 report: what is stored, idempotence, editors' changes, bad data."""

from decimal import Decimal
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from activities import models
from activities.services import (
    SECTIONS,
    ReportDataError,
    ReportNotFoundError,
    report_load,
    report_path,
    report_years,
)

# What the 2023 data file holds, by section; change with the file.
EXPECTED = {
    "organisations": 30,
    "structures": 10,
    "people": 37,
    "programmes": 2,
    "projects": 11,
    "theses": 5,
    "publications": 6,
    "initiatives": 11,
}
MODELS = {section.key: section.model for section in SECTIONS}
ACTIVITIES = (
    models.Programme,
    models.ResearchProject,
    models.Thesis,
    models.Publication,
    models.CampusInitiative,
)


def stored_counts():
    return {key: model.objects.count() for key, model in MODELS.items()}


def timestamps():
    return {
        key: dict(model.objects.values_list("slug", "updated_at")) for key, model in MODELS.items()
    }


def report_file(tmp_path, edit):
    """A copy of the 2023 data file, changed by `edit(data)`."""
    data = yaml.safe_load(report_path(year=2023).read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "report-2023.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def record(data, section, slug):
    return next(item for item in data[section] if item["slug"] == slug)


# What is stored


def test_first_load_creates_every_record_of_the_file(db):
    summary = report_load(year=2023)

    assert {key: counts.created for key, counts in summary.counts.items()} == EXPECTED
    assert summary.total("updated") == summary.total("unchanged") == summary.total("kept") == 0
    assert stored_counts() == EXPECTED


def test_the_2023_report_is_available(db):
    assert 2023 in report_years()


def test_structures_form_the_tree_of_the_report(report_2023):
    parent = dict(models.Structure.objects.values_list("slug", "parent__slug"))
    assert parent["i3a"] == "ceris"
    assert parent["rime"] == "c2ma"
    assert parent["ceris"] is parent["c2ma"] is parent["creer"] is None
    euromov = models.Structure.objects.get(slug="euromov-dhm")
    assert euromov.kind == models.Structure.Kind.JOINT_UNIT
    assert list(euromov.partners.values_list("name", flat=True)) == ["Université de Montpellier"]


def test_tele_mouv_partners_and_outcome(report_2023):
    project = models.ResearchProject.objects.get(slug="tele-mouv")

    partners = {(p.organisation.slug, p.role) for p in project.partnerships.all()}
    assert ("chu-de-montpellier", models.ProjectPartner.Role.CLINICAL) in partners
    assert {slug for slug, _ in partners} == {
        "chu-de-montpellier",
        "universite-de-montpellier",
        "5-sante",
        "satt-axlr",
    }
    assert "mRehab" in project.outcomes_fr
    assert "apnée" in project.summary_fr
    assert project.structures.filter(slug="i3a").exists()


def test_ajra_thesis_supervisors_in_order_and_project(report_2023):
    thesis = models.Thesis.objects.get(slug="these-zaineb-ajra")

    supervisions = thesis.supervisions.select_related("person")
    assert [s.person.last_name for s in supervisions] == ["Montmain", "Perrey", "Xu"]
    assert supervisions[0].role == models.ThesisSupervisor.Role.DIRECTOR
    assert thesis.candidate.full_name == "Zaineb Ajra"
    assert thesis.project.slug == "axiaum"
    assert thesis.doctoral_school.acronym == "I2S"
    assert thesis.status == models.Thesis.Status.ONGOING
    assert set(thesis.structures.values_list("slug", flat=True)) == {"i3a", "euromov-dhm"}
    # The same person as in the AXIAUM project, written "Ajra Zaineb" in the report.
    assert models.Person.objects.filter(last_name="Ajra").count() == 1
    assert models.ResearchProject.objects.get(slug="axiaum").members.get() == thesis.candidate


def test_sinsoilliez_thesis_has_two_chu_supervisors(report_2023):
    thesis = models.Thesis.objects.get(slug="these-nathan-sinsoilliez")

    people = [s.person for s in thesis.supervisions.select_related("person__affiliation")]
    assert [p.last_name for p in people] == ["Janaqi", "Magnier", "Boudousq", "Piron"]
    chu = [
        p.full_name for p in people if p.affiliation and p.affiliation.slug == "chu-de-montpellier"
    ]
    assert chu == ["Vincent Boudousq", "Bérengère Piron"]
    assert thesis.project.slug == "aibiopretras"


def test_qai_sport_is_funded_by_ademe_and_serves_target_3_9(report_2023):
    project = models.ResearchProject.objects.get(slug="qai-sport")

    funders = project.partnerships.filter(role=models.ProjectPartner.Role.FUNDER)
    assert [p.organisation.acronym for p in funders] == ["ADEME"]
    assert project.coordinated_by_school
    assert project.kind == models.ResearchProject.Kind.AGENCY
    assert list(project.targets.values_list("code", flat=True)) == ["3.9"]
    assert list(project.structures.values_list("slug", flat=True)) == ["rime"]


def test_publications_keep_author_order_and_abridged_lists(report_2023):
    first = models.Publication.objects.get(
        slug="irmf-capture-mouvement-recuperation-motrice-avc-2023"
    )
    assert [a.name for a in first.authorships.all()] == [
        "Zakaria Belkacemi",
        "Liesjet Van Dokkum",
        "Jeremy Deverdun",
        "Nicolas Menjot De Champfleur",
        "Andon Tchechmedjiev",
    ]
    assert first.more_authors
    assert (first.year, first.month, first.pages) == (2023, 3, "127-128")

    stigma = models.Publication.objects.get(slug="implicit-stigma-schizophrenia-2023")
    raffard = stigma.authorships.get(order=1)
    assert raffard.name == "Stephane Raffard"  # as written
    assert raffard.person.full_name == "Stéphane Raffard"
    assert stigma.more_authors

    complete = models.Publication.objects.filter(more_authors=False)
    assert complete.count() == 4
    # Every author is linked to a person; Pierre Slangen signs three of them.
    assert not models.Authorship.objects.filter(person=None).exists()
    assert models.Person.objects.get(slug="pierre-slangen").publications.count() == 3


def test_key_figures_keep_their_qualifier_range_and_unit(report_2023):
    budget = models.InitiativeFigure.objects.get(
        initiative__slug="politique-action-sociale-personnels", value=65000
    )
    assert budget.qualifier == models.InitiativeFigure.Qualifier.ABOUT
    assert (budget.unit_fr, budget.unit_en) == ("€ par an", "€ a year")

    cartel = models.CampusInitiative.objects.get(slug="cartel-2023")
    assert (cartel.start_year, cartel.end_year) == (2023, 2023)
    assert cartel.figures.filter(value=325, unit_fr="points").exists()

    training = models.InitiativeFigure.objects.get(unit_fr="entraînements par semaine")
    assert (training.value, training.value_max) == (1, 3)

    sns = models.Programme.objects.get(slug="double-diplome-sns")
    assert sns.start_year == 2015
    assert [(f.qualifier, f.value) for f in sns.figures.all()] == [
        ("about", Decimal("160")),
        ("more_than", Decimal("27")),
        ("more_than", Decimal("88")),
    ]


def test_biotin_partners_and_specialities(report_2023):
    biotin = models.Programme.objects.get(slug="master-biotin")

    roles = {(p.organisation.slug, p.role) for p in biotin.partnerships.all()}
    assert ("universite-de-montpellier", "co_accreditation") in roles
    assert ("eurobiomed", "label") in roles
    assert ("inserm-transfert", "industry") in roles
    assert biotin.duration_months == 24
    assert biotin.specialities.count() == 3


def test_every_activity_is_published_bilingual_tagged_and_placed(report_2023):
    for model in ACTIVITIES:
        for activity in model.objects.all():
            assert activity.is_published and activity.published_at, activity.slug
            assert activity.title_en and activity.summary_fr and activity.summary_en, activity.slug
            assert activity.targets.exists(), activity.slug
            assert activity.structures.exists(), activity.slug
    assert models.ResearchProject.objects.filter(end_year__isnull=False).count() == 0
    assert models.SDGTarget.objects.get(code="3.9").projects.exists()


# Loading again


def test_second_plain_run_changes_nothing(db):
    report_load(year=2023)
    before = timestamps()

    summary = report_load(year=2023)

    assert not summary.changed
    assert summary.total("kept") == 0
    assert {key: counts.unchanged for key, counts in summary.counts.items()} == EXPECTED
    assert stored_counts() == EXPECTED
    assert timestamps() == before


def test_update_run_on_an_untouched_database_changes_nothing(db):
    report_load(year=2023)
    before = timestamps()

    summary = report_load(year=2023, update=True)

    assert not summary.changed
    assert timestamps() == before


def test_editor_changes_survive_a_plain_run_and_update_reverts_them(report_2023):
    project = models.ResearchProject.objects.get(slug="tele-mouv")
    project.title_fr = "Titre revu par un éditeur"
    project.save()
    project.targets.remove(models.SDGTarget.objects.get(code="3.8"))
    figure = models.InitiativeFigure.objects.get(value=325)
    figure.value = 326
    figure.save()
    models.Person.objects.filter(slug="jacky-montmain").update(orcid="0000-0002-1825-0097")

    summary = report_load(year=2023)

    project.refresh_from_db()
    assert project.title_fr == "Titre revu par un éditeur"
    assert list(project.targets.values_list("code", flat=True)) == ["3.4"]
    assert models.InitiativeFigure.objects.filter(value=326).exists()
    assert (summary.counts["projects"].kept, summary.counts["initiatives"].kept) == (1, 1)
    assert not summary.changed

    summary = report_load(year=2023, update=True)

    project.refresh_from_db()
    assert project.title_fr.startswith("Maintenir à long terme")
    assert list(project.targets.values_list("code", flat=True)) == ["3.4", "3.8"]
    assert (
        models.CampusInitiative.objects.get(slug="cartel-2023").figures.filter(value=325).exists()
    )
    assert (summary.counts["projects"].updated, summary.counts["initiatives"].updated) == (1, 1)
    assert summary.total("updated") == 2
    # A field the file does not cover stays as the editor set it.
    assert models.Person.objects.get(slug="jacky-montmain").orcid == "0000-0002-1825-0097"


def test_a_deleted_record_is_created_again(report_2023):
    models.Publication.objects.get(slug="g2ll-skin-lesion-segmentation-2023").delete()

    summary = report_load(year=2023)

    assert summary.counts["publications"].created == 1
    assert (
        models.Publication.objects.get(
            slug="g2ll-skin-lesion-segmentation-2023"
        ).authorships.count()
        == 6
    )


# The command


def test_command_prints_a_summary_per_section(db):
    out = StringIO()
    call_command("load_report", "2023", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Report 2023")
    assert lines[1].split() == ["created", "updated", "unchanged", "kept"]
    assert "projects 11 0 0 0" in [" ".join(line.split()) for line in lines]
    assert " ".join(lines[-1].split()) == f"total {sum(EXPECTED.values())} 0 0 0"


def test_command_is_silent_at_verbosity_0(db):
    out = StringIO()
    call_command("load_report", "2023", verbosity=0, stdout=out)
    assert out.getvalue() == ""


def test_command_update_option(report_2023):
    models.ResearchProject.objects.filter(slug="pims").update(acronym="PIMS!")
    call_command("load_report", "2023", "--update", verbosity=0)
    assert models.ResearchProject.objects.get(slug="pims").acronym == "PIMS"


def test_unknown_year_is_a_command_error_listing_the_available_years(db):
    with pytest.raises(CommandError, match=r"No report data for 1999.*Available years: .*2023"):
        call_command("load_report", "1999", verbosity=0)
    with pytest.raises(ReportNotFoundError):
        report_load(year=1999)


# Bad data: a clear message naming the record, and nothing written


def break_title(data):
    record(data, "initiatives", "cartel-2023")["title_fr"] = ""


def break_years(data):
    record(data, "theses", "these-karim-radouane")["end_year"] = 2020


def break_choice(data):
    record(data, "projects", "impetus")["kind"] = "lottery"


def break_reference(data):
    supervisors = record(data, "theses", "these-zaineb-ajra")["supervisors"]
    supervisors[1]["person"] = "stephane-perey"


def break_target(data):
    record(data, "publications", "implicit-stigma-schizophrenia-2023")["targets"] = ["3.42"]


def break_field_name(data):
    record(data, "people", "binbin-xu")["surname"] = "Xu"


def break_figure(data):
    figure = record(data, "initiatives", "sport-associations-sportives")["figures"][2]
    figure["value_max"] = 0


def break_duplicate(data):
    data["projects"].append(dict(record(data, "projects", "pims")))


def break_rows(data):
    supervisors = record(data, "theses", "these-nouha-taleb-salah")["supervisors"]
    supervisors.append(dict(supervisors[0]))


@pytest.mark.parametrize(
    ("edit", "named", "message"),
    [
        (break_title, 'initiatives "cartel-2023"', "title_fr"),
        (break_years, 'theses "these-karim-radouane"', "fin"),
        (break_choice, 'projects "impetus"', "kind"),
        (break_reference, 'theses "these-zaineb-ajra": supervisors #2', "stephane-perey"),
        (break_target, 'publications "implicit-stigma-schizophrenia-2023"', '"3.42"'),
        (break_field_name, 'people "binbin-xu"', "surname"),
        (break_figure, 'initiatives "sport-associations-sportives": figures #3', ""),
        (break_duplicate, 'projects "pims"', "twice"),
        (break_rows, 'theses "these-nouha-taleb-salah": supervisors #3', ""),
    ],
)
def test_bad_data_names_the_record_and_writes_nothing(db, tmp_path, edit, named, message):
    path = report_file(tmp_path, edit)

    with pytest.raises(ReportDataError) as error:
        report_load(year=2023, path=path)

    assert named in str(error.value)
    assert message in str(error.value)
    assert str(error.value).startswith("report-2023.yaml, ")
    assert stored_counts() == dict.fromkeys(EXPECTED, 0)


def test_bad_data_on_an_existing_record_is_reported_even_without_update(report_2023, tmp_path):
    path = report_file(tmp_path, break_years)

    with pytest.raises(ReportDataError, match='theses "these-karim-radouane"'):
        report_load(year=2023, path=path)


def test_a_file_for_another_year_is_refused(db, tmp_path):
    path = report_file(tmp_path, lambda data: data.update(year=2024))

    with pytest.raises(ReportDataError, match="for year 2024, not 2023"):
        report_load(year=2023, path=path)


def test_invalid_yaml_is_refused(db, tmp_path):
    path = tmp_path / "report-2023.yaml"
    path.write_text("year: 2023\nprojects: [\n", encoding="utf-8")

    with pytest.raises(ReportDataError, match="not valid YAML"):
        report_load(year=2023, path=path)
