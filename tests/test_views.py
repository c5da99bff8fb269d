"""Public pages: what a visitor sees, what stays hidden, and what each page costs."""

import html as html_lib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.models import (
    Authorship,
    ProgrammePartner,
    ProjectMember,
    ProjectPartner,
    SDGTarget,
    State,
    ThesisSupervisor,
)

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


def text(response):
    """The page's visible text, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def titles(response):
    """Titles of the result cards, in order."""
    return re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', response.content.decode())


# Building rows with everything a card and a detail page show --------------------------


@pytest.fixture
def world():
    structure = StructureFactory(acronym="I3A", slug="i3a")
    partner = OrganisationFactory(acronym="CHU", name="CHU de Montpellier", slug="chu")
    person = PersonFactory(first_name="Jacky", last_name="Montmain", slug="jacky-montmain")
    target = SDGTarget.objects.get(code="3.4")
    return {"structure": structure, "partner": partner, "person": person, "target": target}


def make_programme(world, **fields):
    programme = ProgrammeFactory(
        structures=[world["structure"]], targets=[world["target"]], **fields
    )
    ProgrammePartner.objects.create(
        programme=programme, organisation=world["partner"], role="academic"
    )
    programme.specialities.create(name_fr="Bio-diagnostic")
    programme.figures.create(value=160, label_fr="élèves accueillis")
    return programme


def make_project(world, **fields):
    project = ResearchProjectFactory(
        structures=[world["structure"]], targets=[world["target"]], **fields
    )
    ProjectPartner.objects.create(project=project, organisation=world["partner"], role="clinical")
    ProjectMember.objects.create(project=project, person=world["person"], role="lead")
    return project


def make_thesis(world, **fields):
    thesis = ThesisFactory(structures=[world["structure"]], targets=[world["target"]], **fields)
    ThesisSupervisor.objects.create(thesis=thesis, person=world["person"], order=1)
    thesis.partners.add(world["partner"])
    return thesis


def make_publication(world, **fields):
    publication = PublicationFactory(
        structures=[world["structure"]], targets=[world["target"]], **fields
    )
    Authorship.objects.create(publication=publication, person=world["person"], name="J. M.")
    Authorship.objects.create(publication=publication, name="A. Nother", order=1)
    return publication


def make_initiative(world, **fields):
    initiative = CampusInitiativeFactory(
        structures=[world["structure"]],
        targets=[world["target"]],
        provider=world["partner"],
        **fields,
    )
    initiative.figures.create(value=80, unit_fr="%", label_fr="des élèves font du sport")
    return initiative


KINDS = {
    "programme": ("/fr/formations/", make_programme),
    "project": ("/fr/projets/", make_project),
    "thesis": ("/fr/theses/", make_thesis),
    "publication": ("/fr/publications/", make_publication),
    "campus": ("/fr/campus/", make_initiative),
}


# Lists and details ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_lists_show_published_entries_and_detail_pages_open(client, world, kind):
    url, make = KINDS[kind]
    shown = make(world, title_fr="Visible au public")
    hidden = make(world, title_fr="Brouillon secret", state=State.DRAFT)
    response = client.get(url)
    assert response.status_code == 200
    assert titles(response) != []
    page = text(response)
    assert "Visible au public" in page
    assert "Brouillon secret" not in page
    assert "1 résultat" in page
    detail = client.get(shown.get_absolute_url())
    assert detail.status_code == 200
    assert "Visible au public" in text(detail)
    assert client.get(hidden.get_absolute_url()).status_code == 404


def test_project_page_links_everything_and_hides_draft_relations(client, world):
    project = make_project(world, acronym="TELEMOUV", title_fr="Télé-réhabilitation")
    make_thesis(world, title_fr="Thèse publiée", project=project)
    make_thesis(world, title_fr="Thèse en brouillon", project=project, state=State.DRAFT)
    publication = make_publication(world, title_fr="Article publié")
    publication.projects.add(project)
    draft_publication = make_publication(world, title_fr="Article brouillon", state=State.DRAFT)
    draft_publication.projects.add(project)

    html = client.get(project.get_absolute_url()).content.decode()
    for url in (
        world["structure"].get_absolute_url(),
        world["partner"].get_absolute_url(),
        world["person"].get_absolute_url(),
        world["target"].get_absolute_url(),
        publication.get_absolute_url(),
    ):
        assert f'href="{url}"' in html
    assert "Thèse publiée" in html
    assert "Thèse en brouillon" not in html
    assert "Article brouillon" not in html


def test_thesis_page_hides_a_draft_project(client, world):
    project = make_project(world, acronym="SECRET", state=State.DRAFT)
    thesis = make_thesis(world, project=project)
    html = client.get(thesis.get_absolute_url()).content.decode()
    assert project.get_absolute_url() not in html
    assert "SECRET" not in html


def test_people_and_partners_named_only_in_drafts_have_no_page(client, world):
    ghost = PersonFactory(slug="ghost")
    ghost_partner = OrganisationFactory(slug="ghost-partner")
    project = make_project(world, state=State.DRAFT)
    ProjectMember.objects.create(project=project, person=ghost)
    ProjectPartner.objects.create(project=project, organisation=ghost_partner, role="partner")
    assert client.get(ghost.get_absolute_url()).status_code == 404
    assert client.get(ghost_partner.get_absolute_url()).status_code == 404
    assert "ghost" not in client.get("/fr/personnes/").content.decode()
    make_project(world)  # the shared person and partner are in a published project
    assert client.get(world["person"].get_absolute_url()).status_code == 200
    assert client.get(world["partner"].get_absolute_url()).status_code == 200


def test_person_structure_partner_and_target_pages_list_their_activities(client, world):
    project = make_project(world, title_fr="Projet de Jacky")
    thesis = make_thesis(world, title_fr="Thèse encadrée")
    publication = make_publication(world, title_fr="Article co-signé")
    make_project(world, title_fr="Projet caché", state=State.DRAFT)
    for url in (
        world["person"].get_absolute_url(),
        world["structure"].get_absolute_url(),
        world["target"].get_absolute_url(),
    ):
        page = text(client.get(url))
        assert "Projet de Jacky" in page, url
        assert "Thèse encadrée" in page, url
        assert "Article co-signé" in page, url
        assert "Projet caché" not in page, url
    partner_page = text(client.get(world["partner"].get_absolute_url()))
    assert "Projet de Jacky" in partner_page and "Thèse encadrée" in partner_page
    assert {project.pk, thesis.pk, publication.pk}


def test_structure_page_gathers_its_teams_activities(client, world):
    lab = StructureFactory(acronym="CERIS", slug="ceris")
    world["structure"].parent = lab
    world["structure"].save()
    make_project(world, title_fr="Projet de l'équipe")
    assert "Projet de l'équipe" in text(client.get(lab.get_absolute_url()))


def test_home_counts_published_entries_per_kind(client, world):
    make_project(world)
    make_project(world)
    make_project(world, state=State.DRAFT)
    make_publication(world)
    response = client.get("/fr/")
    assert response.status_code == 200
    html = response.content.decode()
    figure = r'<strong class="figure-value">{}</strong> <span class="entry-title">{}'
    assert re.search(figure.format(2, "Projets"), html)
    assert re.search(figure.format(1, "Publications"), html)


def test_search_finds_every_kind_and_never_drafts(client, world):
    make_project(world, title_fr="Apnée du sommeil")
    make_publication(world, title_fr="Apnée et réhabilitation")
    make_thesis(world, title_fr="Apnée cachée", state=State.DRAFT)
    page = text(client.get("/fr/recherche/", {"q": "apnée"}))
    assert "2 résultats" in page
    assert "Apnée du sommeil" in page and "Apnée et réhabilitation" in page
    assert "Apnée cachée" not in page
    assert client.get("/fr/recherche/", {"q": "x" * 5000}).status_code == 200
    assert client.get("/fr/recherche/", {"q": "a\x00b"}).status_code == 200


def test_root_redirects_to_french_and_english_paths_answer(client, world):
    assert client.get("/").headers["Location"] == "/fr/"
    make_project(world)
    assert client.get("/en/projects/").status_code == 200


def test_language_switch_keeps_the_item(client, world):
    project = make_project(world)
    html = client.get(project.get_absolute_url()).content.decode()
    assert f'href="/en/projects/{project.slug}/"' in html


# Filters -------------------------------------------------------------------------------


def test_invalid_filter_values_are_explained_and_the_rest_still_applies(client, world):
    make_project(world, title_fr="Dans la cible")
    ResearchProjectFactory(title_fr="Hors cible")
    response = client.get(
        "/fr/projets/",
        {"target": "3.4", "year": "abc", "structure": "nope", "sort": "bogus", "page": "x"},
    )
    assert response.status_code == 200
    page = text(response)
    assert "Dans la cible" in page
    assert "Hors cible" not in page
    assert "« abc » n'est pas une année entre 1900 et 2100" in page
    assert "« nope » ne correspond à aucun choix possible" in page
    assert "« x » n'est pas un numéro de page" in page


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": "-3"},
        {"page": "99999999999999999999"},
        {"year": "2023'; DROP TABLE"},
        {"person": "../../etc"},
        {"partner": "\x00"},
        {"target": "3.4" * 100},
        {"q": "%_\\"},
        {"q": "\x00"},
        {"kind": ["anr", "europe"]},
    ],
)
def test_hostile_values_never_give_a_server_error(client, world, params):
    make_project(world)
    assert client.get("/fr/projets/", params).status_code == 200


def test_page_beyond_the_last_shows_the_last_page(client, world):
    for _ in range(3):
        make_project(world)
    response = client.get("/fr/projets/", {"page": "7"})
    assert response.status_code == 200
    assert "Il n'y a pas de page 7 : voici la page 1." in text(response)


def test_pagination_keeps_the_filters(client, world, settings):
    settings.PAGE_SIZE = 2
    for _ in range(5):
        make_project(world)
    ResearchProjectFactory()  # outside the structure
    response = client.get("/fr/projets/", {"structure": "i3a", "target": "3.4"})
    html = response.content.decode()
    assert "5 résultats" in text(response)
    assert 'href="?structure=i3a&amp;target=3.4&amp;page=2"' in html
    second = client.get("/fr/projets/", {"structure": "i3a", "target": "3.4", "page": "3"})
    assert len(titles(second)) == 1


def test_active_filters_are_shown_with_a_link_that_removes_each(client, world):
    make_project(world)
    html = client.get("/fr/projets/", {"structure": "i3a", "target": "3.4", "page": "1"}).content
    html = html.decode()
    assert "Structure : I3A" in html
    assert 'href="?target=3.4"' in html  # removing the structure keeps the target
    assert 'href="?structure=i3a"' in html


def test_filter_choices_only_offer_what_leads_somewhere(client, world):
    make_project(world)
    unused = OrganisationFactory(name="Jamais partenaire", slug="never")
    html = client.get("/fr/projets/").content.decode()
    assert 'value="chu"' in html
    assert unused.slug not in html
    assert 'value="jacky-montmain"' in html


def test_sort_orders_results(client, world):
    make_project(world, acronym="AAA", title_fr="Alpha", start_year=2020)
    make_project(world, acronym="ZZZ", title_fr="Zeta", start_year=2023)
    assert titles(client.get("/fr/projets/", {"sort": "-year"}))[0].startswith("ZZZ")
    assert titles(client.get("/fr/projets/", {"sort": "year"}))[0].startswith("AAA")


# Query counts: a page's cost does not grow with its rows --------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Expected queries per list page (no session or user: anonymous visitor):
#   facets (activities.filters): one GROUP BY for the year and the other column filters
#   (kind, status, audience), which also gives the total (no COUNT for the paginator);
#   the structure tree and the structures' counts; then one query each for targets,
#   partners and people where the kind has those filters; the page's rows; then one
#   query per prefetched relation shown on the cards.
LIST_QUERIES = {
    # columns (years, kind), tree, structure counts, targets, partners,
    # rows, structures, targets
    "programme": 8,
    # + people, + partnerships (with organisations)
    "project": 10,
    # + people; rows join candidate; + supervisions (with people)
    "thesis": 10,
    # no partner filter; + people; + authorships
    "publication": 9,
    # rows join provider
    "campus": 8,
}


@pytest.mark.parametrize("kind", KINDS)
def test_list_query_count_does_not_grow_with_rows(client, world, kind, settings):
    settings.PAGE_SIZE = 100
    url, make = KINDS[kind]
    for _ in range(5):
        make(world)
    few = count_queries(client, url)
    for _ in range(45):
        make(world)
    many = count_queries(client, url)
    assert few == many == LIST_QUERIES[kind]


# Expected queries per detail page: the row (with its to-one relations joined), then one
# query per prefetched relation: structures, targets, and
DETAIL_QUERIES = {
    "programme": 6,  # + specialities, figures, partnerships
    "project": 7,  # + partnerships, team, theses, publications (none here: no authorships)
    "thesis": 6,  # + partners, supervisions, publications
    "publication": 6,  # + authorships, projects, theses
    "campus": 5,  # + partners, figures
}


@pytest.mark.parametrize("kind", KINDS)
def test_detail_query_count_does_not_grow_with_relations(client, world, kind):
    url, make = KINDS[kind]
    item = make(world)
    few = count_queries(client, item.get_absolute_url())
    for n in range(10):
        other = StructureFactory()
        item.structures.add(other)
        item.targets.add(SDGTarget.objects.all()[n])
    many = count_queries(client, item.get_absolute_url())
    assert few == many == DETAIL_QUERIES[kind]


@pytest.mark.parametrize(
    "url_of",
    [
        lambda w: w["person"].get_absolute_url(),
        lambda w: w["structure"].get_absolute_url(),
        lambda w: w["partner"].get_absolute_url(),
        lambda w: w["target"].get_absolute_url(),
        lambda w: "/fr/",
        lambda w: "/fr/recherche/?q=Activit",
    ],
    ids=["person", "structure", "partner", "target", "home", "search"],
)
def test_index_pages_query_count_does_not_grow_with_rows(client, world, url_of):
    for make in (make_project, make_thesis, make_publication):
        make(world)
    few = count_queries(client, url_of(world))
    for _ in range(10):
        for make in (make_project, make_thesis, make_publication):
            make(world)
    many = count_queries(client, url_of(world))
    assert few == many


# Error pages ---------------------------------------------------------------------------


def test_a_missing_page_answers_404_inside_the_site(client, settings):
    settings.DEBUG = False
    response = client.get("/fr/projets/nexiste-pas/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page introuvable</h1>" in html
    # The visitor keeps the header (navigation, search) and a way to search from here.
    assert 'href="/fr/projets/"' in html
    assert 'action="/fr/recherche/"' in html


def test_the_server_error_page_needs_no_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")  # what django.views.defaults.server_error does
    assert "Le portail a rencontré une erreur" in html
    assert 'lang="en"' in html
