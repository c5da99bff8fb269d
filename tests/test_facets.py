"""Facets: every choice filter offers the choices that give results, with their counts
given the other filters; and the hooks of the live filter (static/js/live-filter.js)."""

import html as html_lib
import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities import filters
from activities.models import (
    CampusInitiative,
    Organisation,
    Programme,
    ProjectMember,
    ProjectPartner,
    Publication,
    ResearchProject,
    SDGTarget,
    State,
    Structure,
    Thesis,
    ThesisSupervisor,
)

from .factories import (
    CampusInitiativeFactory,
    OrganisationFactory,
    PersonFactory,
    PublicationFactory,
    ResearchProjectFactory,
    StructureFactory,
    ThesisFactory,
)
from .test_views import KINDS

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.now().year


def options(response, name):
    """[(value, label, selected)] of the select named ``name``, the "all" choice first."""
    page = response.content.decode()
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select named {name}"
    found = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1))
    return [(value, html_lib.unescape(label), bool(selected)) for value, selected, label in found]


def offered(response, name):
    """{value: label} of the choices offered, the "all" choice aside."""
    return {value: label for value, label, _selected in options(response, name) if value}


def selected(response, name):
    return [(value, label) for value, label, is_selected in options(response, name) if is_selected]


def result_count(response):
    match = re.search(r'id="result-count"[^>]*>\s*(\d+) résultat', response.content.decode())
    return int(match.group(1))


@pytest.fixture
def tree():
    """CERIS → I3A, CERIS → KIMIA (two teams of one lab), and C2MA on its own."""
    ceris = StructureFactory(acronym="CERIS", slug="ceris")
    return {
        "ceris": ceris,
        "i3a": StructureFactory(acronym="I3A", slug="i3a", parent=ceris),
        "kimia": StructureFactory(acronym="KIMIA", slug="kimia", parent=ceris),
        "c2ma": StructureFactory(acronym="C2MA", slug="c2ma"),
    }


def project(structures, kind="anr", start=2023, end=None, **fields):
    return ResearchProjectFactory(
        structures=structures, kind=kind, start_year=start, end_year=end, **fields
    )


# Counts given the other filters ---------------------------------------------------------


def test_each_choice_counts_the_results_it_gives_with_the_other_filters(client, tree):
    project([tree["i3a"]], kind="anr")
    project([tree["i3a"]], kind="region")
    project([tree["c2ma"]], kind="anr")
    project([tree["c2ma"]], kind="anr")

    everything = client.get("/fr/projets/")
    assert offered(everything, "kind") == {
        "anr": "Agence nationale de la recherche (ANR) (3)",
        "region": "financement régional (1)",
    }
    assert offered(everything, "structure") == {
        "c2ma": "C2MA (2)",
        "ceris": "CERIS (2)",
        "i3a": "I3A (2)",
    }

    # The kind's counts follow the structure; the structures' counts follow the kind and
    # ignore the structure chosen (choosing another one is what they tell about).
    in_ceris = client.get("/fr/projets/", {"structure": "ceris"})
    assert result_count(in_ceris) == 2
    assert offered(in_ceris, "kind") == {
        "anr": "Agence nationale de la recherche (ANR) (1)",
        "region": "financement régional (1)",
    }
    assert offered(in_ceris, "structure") == {
        "c2ma": "C2MA (2)",
        "ceris": "CERIS (2)",
        "i3a": "I3A (2)",
    }
    assert selected(in_ceris, "structure") == [("ceris", "CERIS (2)")]

    anr_in_ceris = client.get("/fr/projets/", {"structure": "ceris", "kind": "anr"})
    assert result_count(anr_in_ceris) == 1
    assert offered(anr_in_ceris, "structure") == {
        "c2ma": "C2MA (2)",
        "ceris": "CERIS (1)",
        "i3a": "I3A (1)",
    }


def test_choices_without_results_are_not_offered(client, tree):
    chu = OrganisationFactory(acronym="CHU", name="CHU de Nîmes", slug="chu")
    ademe = OrganisationFactory(acronym="ADEME", name="ADEME", slug="ademe")
    OrganisationFactory(slug="never")  # partner of nothing
    first = project([tree["i3a"]], targets=[SDGTarget.objects.get(code="3.4")])
    second = project([tree["c2ma"]], targets=[SDGTarget.objects.get(code="3.9")])
    ProjectPartner.objects.create(project=first, organisation=chu, role="clinical")
    ProjectPartner.objects.create(project=second, organisation=ademe, role="funder")

    response = client.get("/fr/projets/", {"target": "3.4"})
    assert offered(response, "partner") == {"chu": "CHU de Nîmes (CHU) (1)"}
    assert set(offered(response, "structure")) == {"ceris", "i3a"}  # no C2MA, no KIMIA
    assert set(offered(response, "target")) == {"3.4", "3.9"}  # its own filter aside
    assert set(offered(response, "kind")) == {"anr"}
    assert set(offered(response, "status")) == {"ongoing"}
    # The "all" choice stays first.
    assert options(response, "partner")[0] == ("", "Tous les partenaires", True)


def test_the_selected_choice_stays_offered_with_its_count_even_at_zero(client, tree):
    project([tree["i3a"]], kind="region")
    project([tree["c2ma"]], kind="anr")

    response = client.get("/fr/projets/", {"structure": "c2ma", "kind": "region"})
    assert result_count(response) == 0
    assert selected(response, "structure") == [("c2ma", "C2MA (0)")]
    assert selected(response, "kind") == [("region", "financement régional (0)")]
    assert offered(response, "structure") == {
        "c2ma": "C2MA (0)",
        "ceris": "CERIS (1)",
        "i3a": "I3A (1)",
    }
    assert offered(response, "kind") == {
        "anr": "Agence nationale de la recherche (ANR) (1)",
        "region": "financement régional (0)",
    }


def test_a_selected_partner_or_person_without_results_stays_first(client, tree):
    author = PersonFactory(first_name="Ada", last_name="Auteure", slug="ada")
    publication = PublicationFactory()
    publication.authorships.create(person=author, name="A. Auteure")
    project([tree["i3a"]])  # without her

    # She has a public page (a publication): a valid choice, with no project.
    response = client.get("/fr/projets/", {"person": "ada"})
    assert result_count(response) == 0
    assert options(response, "person")[:2] == [
        ("", "Toutes les personnes", False),
        ("ada", "Ada Auteure (0)", True),
    ]


def test_people_and_partners_named_only_in_drafts_are_neither_offered_nor_accepted(client, tree):
    ghost = PersonFactory(first_name="Fantôme", slug="ghost")
    hidden = OrganisationFactory(name="Partenaire caché", slug="hidden")
    draft = project([tree["i3a"]], state=State.DRAFT)
    ProjectMember.objects.create(project=draft, person=ghost)
    ProjectPartner.objects.create(project=draft, organisation=hidden, role="partner")
    project([tree["i3a"]])

    response = client.get("/fr/projets/", {"person": "ghost", "partner": "hidden"})
    page = html_lib.unescape(response.content.decode())
    assert "« ghost » ne correspond à aucun choix possible" in page
    assert "« hidden » ne correspond à aucun choix possible" in page
    assert "Fantôme" not in page and "Partenaire caché" not in page
    assert result_count(response) == 1


def test_invalid_values_are_reported_ignored_and_never_selected(client, tree):
    project([tree["i3a"]], kind="anr")
    project([tree["c2ma"]], kind="region")
    response = client.get(
        "/fr/projets/", {"structure": "nope", "year": "abc", "kind": "bogus", "target": "9.9"}
    )
    assert response.status_code == 200
    page = html_lib.unescape(response.content.decode())
    assert "« nope » ne correspond à aucun choix possible" in page
    assert "« abc » n'est pas une année entre 1900 et 2100" in page
    assert "« bogus » ne correspond à aucun choix possible" in page
    assert "« 9.9 » ne correspond à aucun choix possible" in page
    assert result_count(response) == 2
    for name in ("structure", "year", "kind", "target"):
        assert selected(response, name) == [], name
    assert offered(response, "kind") == {
        "anr": "Agence nationale de la recherche (ANR) (1)",
        "region": "financement régional (1)",
    }


# Structures: a lab counts its teams' entries, each once -------------------------------


def test_a_lab_counts_its_teams_entries_once_each(client, tree):
    project([tree["i3a"], tree["kimia"]])  # two teams of the same lab
    project([tree["ceris"], tree["i3a"]])  # the lab and one of its teams
    project([tree["kimia"]])
    project([tree["c2ma"], tree["i3a"]])  # two labs

    response = client.get("/fr/projets/")
    assert offered(response, "structure") == {
        "c2ma": "C2MA (1)",
        "ceris": "CERIS (4)",
        "i3a": "I3A (3)",
        "kimia": "KIMIA (2)",
    }
    # Each count is what choosing it lists.
    for slug, label in offered(response, "structure").items():
        count = int(re.search(r"\((\d+)\)$", label).group(1))
        assert result_count(client.get("/fr/projets/", {"structure": slug})) == count, slug


def test_a_structure_tree_with_a_cycle_does_not_loop(client, tree):
    # Only the admin's hand can make one (a parent chosen below the structure itself).
    Structure.objects.filter(pk=tree["ceris"].pk).update(parent=tree["i3a"])
    project([tree["i3a"]])
    response = client.get("/fr/projets/", {"structure": "ceris"})
    assert response.status_code == 200
    assert offered(response, "structure") == {"ceris": "CERIS (1)", "i3a": "I3A (1)"}


# Years -------------------------------------------------------------------------------


def test_a_period_counts_in_every_year_it_ran_and_a_running_one_up_to_this_year(client, tree):
    project([tree["i3a"]], start=2019, end=2021)
    project([tree["i3a"]], start=2021, end=None)  # still running
    project([tree["c2ma"]], start=2020, end=2020)

    response = client.get("/fr/projets/")
    years = offered(response, "year")
    expected = {"2019": 1, "2020": 2, "2021": 2}
    expected.update({str(year): 1 for year in range(2022, THIS_YEAR + 1)})
    assert years == {year: f"{year} ({count})" for year, count in expected.items()}
    assert list(years) == sorted(years, reverse=True)  # newest first

    # With another filter: C2MA's single year only.
    assert offered(client.get("/fr/projets/", {"structure": "c2ma"}), "year") == {
        "2020": "2020 (1)"
    }


def test_a_year_with_nothing_in_it_stays_selected_and_counts_what_it_lists(client, tree):
    project([tree["i3a"]], start=2021, end=None)  # still running: runs in 2090 too
    project([tree["i3a"]], start=2019, end=2020)
    far = THIS_YEAR + 5
    response = client.get("/fr/projets/", {"year": str(far)})
    assert result_count(response) == 1
    assert selected(response, "year") == [(str(far), f"{far} (1)")]
    empty = client.get("/fr/projets/", {"year": "1950"})
    assert result_count(empty) == 0
    assert selected(empty, "year") == [("1950", "1950 (0)")]


def test_a_period_starting_in_a_future_year_counts_the_running_ones_too(client, tree):
    # The year 2 after this one is offered because of the second project; the first,
    # running since 2021, runs that year too: the count is what the filter lists.
    project([tree["i3a"]], start=2021, end=None)
    project([tree["i3a"]], start=THIS_YEAR + 2, end=None)
    later = str(THIS_YEAR + 2)
    response = client.get("/fr/projets/")
    assert offered(response, "year")[later] == f"{later} (2)"
    assert str(THIS_YEAR + 1) not in offered(response, "year")
    assert result_count(client.get("/fr/projets/", {"year": later})) == 2


def test_publications_count_by_their_year(client, tree):
    for year in (2021, 2023, 2023):
        PublicationFactory(year=year, structures=[tree["i3a"]])
    PublicationFactory(year=2022, kind=Publication.Kind.JOURNAL_ARTICLE)
    response = client.get("/fr/publications/", {"kind": "conference"})
    assert offered(response, "year") == {"2023": "2023 (2)", "2021": "2021 (1)"}
    assert offered(response, "kind") == {
        "article": "article de revue (1)",
        "conference": "communication dans un congrès (3)",
    }


# Relations reached two ways count an activity once ----------------------------------


def test_a_thesis_counts_once_for_a_doctoral_school_also_listed_as_partner(client, tree):
    school = OrganisationFactory(
        name="École doctorale I2S", acronym="", slug="i2s", kind=Organisation.Kind.DOCTORAL_SCHOOL
    )
    chu = OrganisationFactory(name="CHU de Nîmes", acronym="", slug="chu")
    supervisor = PersonFactory(first_name="Jacky", last_name="Montmain", slug="jacky")
    thesis = ThesisFactory(doctoral_school=school, structures=[tree["i3a"]])
    thesis.partners.add(school, chu)
    ThesisSupervisor.objects.create(thesis=thesis, person=supervisor, order=1)
    ThesisSupervisor.objects.create(thesis=thesis, person=thesis.candidate, order=2)
    second = ThesisFactory(doctoral_school=school)
    ThesisSupervisor.objects.create(thesis=second, person=supervisor, order=1)

    response = client.get("/fr/theses/")
    assert offered(response, "partner") == {
        "chu": "CHU de Nîmes (1)",
        "i2s": "École doctorale I2S (2)",
    }
    people = offered(response, "person")
    assert people["jacky"] == "Jacky Montmain (2)"
    assert people[thesis.candidate.slug].endswith("(1)")  # candidate and supervisor: once
    assert set(people) == {"jacky", thesis.candidate.slug, second.candidate.slug}
    # The filters list what the counts say.
    assert result_count(client.get("/fr/theses/", {"partner": "i2s"})) == 2
    assert result_count(client.get("/fr/theses/", {"person": thesis.candidate.slug})) == 1


def test_a_campus_initiative_counts_once_for_a_provider_also_listed_as_partner(client, tree):
    bds = OrganisationFactory(name="Bureau des sports", acronym="BDS", slug="bds")
    initiative = CampusInitiativeFactory(provider=bds)
    initiative.partners.add(bds)
    CampusInitiativeFactory(
        provider=None, category=CampusInitiative.Category.MENTAL_HEALTH, audience="staff"
    )
    response = client.get("/fr/campus/")
    assert offered(response, "partner") == {"bds": "Bureau des sports (BDS) (1)"}
    assert offered(response, "audience") == {"students": "élèves (1)", "staff": "personnels (1)"}
    by_staff = client.get("/fr/campus/", {"audience": "staff"})
    assert offered(by_staff, "kind") == {"mental_health": "santé mentale (1)"}
    assert offered(by_staff, "partner") == {}


def test_the_keywords_narrow_the_counts_too(client, tree):
    project([tree["i3a"]], title_fr="Apnée du sommeil", kind="anr")
    project([tree["c2ma"]], title_fr="Qualité de l'air", kind="region")
    response = client.get("/fr/projets/", {"q": "apnée"})
    assert result_count(response) == 1
    assert offered(response, "kind") == {"anr": "Agence nationale de la recherche (ANR) (1)"}
    assert set(offered(response, "structure")) == {"ceris", "i3a"}


# Every count is what choosing it lists, on the 2023 report ------------------------------

FILTERSETS = {
    Programme: filters.ProgrammeFilterSet,
    ResearchProject: filters.ResearchProjectFilterSet,
    Thesis: filters.ThesisFilterSet,
    Publication: filters.PublicationFilterSet,
    CampusInitiative: filters.CampusInitiativeFilterSet,
}


def filterset(model, **params):
    data = QueryDict(mutable=True)
    data.update(params)
    found = FILTERSETS[model](data or None, model.objects.published().with_list_data())
    found.is_valid()
    return found


@pytest.mark.parametrize("model", FILTERSETS, ids=lambda model: model.__name__)
def test_on_the_report_every_offered_count_is_what_the_choice_lists(report_2023, model):
    for context in ({}, {"target": "3.4"}, {"structure": "ceris"}):
        facets = filterset(model, **context).facets()
        assert facets.total == filterset(model, **context).qs.count()
        offered_somewhere = False
        for name, choices in facets.choices.items():
            for choice in choices:
                if choice.selected:
                    continue
                listed = filterset(model, **{**context, name: choice.value}).qs.count()
                assert listed == choice.count > 0, (context, name, choice)
                offered_somewhere = True
        assert offered_somewhere


# Cost: the facets do not grow with the rows or with the filters ------------------------


def test_creating_a_filterset_queries_nothing(django_assert_num_queries):
    # The exports use the filters without the facets.
    with django_assert_num_queries(0):
        found = filters.ThesisFilterSet(
            QueryDict("year=2023&kind=x"), Thesis.objects.published().with_list_data()
        )
        found.is_valid()


# A list page with every filter in force: as without filters (see LIST_QUERIES in
# test_views), + one query to check each model choice given (structure, target,
# partner, person; the year and the column choices need none), and no COUNT (the facets
# give the total). q adds nothing.
FILTERED_QUERIES = {
    # checks: structure, target, partner; columns, tree, structure counts, targets,
    # partners; rows, structures, targets
    "programme": 11,
    # + person check, people, partnerships
    "project": 14,
    # + person check, people, supervisions
    "thesis": 14,
    # no partner: checks: structure, target, person; + people, authorships
    "publication": 12,
    # as programmes
    "campus": 11,
}


# Every filter of each list page, all valid, all in force.
ALL_FILTERS = {
    "programme": {"partner": "chu", "kind": "master_track"},
    "project": {"partner": "chu", "person": "jacky", "kind": "anr", "status": "ongoing"},
    "thesis": {"partner": "chu", "person": "jacky", "status": "ongoing"},
    "publication": {"person": "jacky", "kind": "conference"},
    "campus": {"partner": "chu", "kind": "sport", "audience": "students"},
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_filtered_list_costs_the_same_for_few_or_many_rows(client, kind, settings):
    settings.PAGE_SIZE = 100
    lab = StructureFactory(acronym="CERIS", slug="ceris")
    world = {
        "structure": StructureFactory(acronym="I3A", slug="i3a", parent=lab),
        "partner": OrganisationFactory(acronym="CHU", name="CHU de Montpellier", slug="chu"),
        "person": PersonFactory(first_name="Jacky", last_name="Montmain", slug="jacky"),
        "target": SDGTarget.objects.get(code="3.4"),
    }
    url, make = KINDS[kind]
    params = {"q": "Activité", "structure": "ceris", "target": "3.4", "year": "2023"}
    params.update(ALL_FILTERS[kind], sort="-title")

    for _ in range(3):
        make(world)
    with CaptureQueriesContext(connection) as few:
        first = client.get(url, params)
    for _ in range(30):
        make(world)
    with CaptureQueriesContext(connection) as many:
        second = client.get(url, params)
    assert "ne correspond" not in html_lib.unescape(first.content.decode())  # all valid
    assert result_count(first) == 3 and result_count(second) == 33
    assert len(few) == len(many) == FILTERED_QUERIES[kind]


# The live filter's hooks -----------------------------------------------------------------


def test_list_pages_carry_the_live_filter_hooks_and_no_inline_script(client):
    page = client.get("/fr/projets/").content.decode()
    assert re.search(r"<form [^>]*data-live-filter", page)
    assert 'id="results"' in page
    assert re.search(r'<p [^>]*id="result-count" role="status" aria-live="polite"', page)
    assert re.search(r'<script src="/static/js/live-filter\.js" defer></script>', page)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script
    assert finders.find("js/live-filter.js")
    # The count is outside the region the live filter replaces.
    assert page.index('id="result-count"') < page.index('id="results"')


def test_the_form_still_submits_without_javascript(client, tree):
    # What the form sends without JavaScript: every field, the empty ones too.
    project([tree["i3a"]], kind="anr")
    project([tree["c2ma"]], kind="region")
    response = client.get(
        "/fr/projets/",
        {"q": "", "year": "", "structure": "c2ma", "target": "", "partner": "", "kind": ""},
    )
    assert response.status_code == 200
    assert result_count(response) == 1
    assert 'action="/fr/projets/"' in response.content.decode()
