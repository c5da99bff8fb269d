"""Search across every kind (activities.search): what finds what, on both databases;
stemming, ranking and the GIN index on PostgreSQL; highlighting; the search page."""

import html as html_lib
import importlib
import re
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from activities import search
from activities.importers.base import PersonRecord, PublicationRecord, import_records
from activities.models import (
    Authorship,
    CampusInitiative,
    Programme,
    ProjectMember,
    ProjectPartner,
    Publication,
    ResearchProject,
    State,
    Thesis,
    ThesisSupervisor,
)
from activities.templatetags.search import excerpt, highlight

from .admin_factories import SuperUserFactory
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
from .test_admin import form_data, form_errors

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL only"
)

URL = "/fr/recherche/"


def found(model, query):
    """Slugs of the published entries of a kind that a query finds, in the order given."""
    return [item.slug for item in model.objects.published().search(query)]


def page(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def text(response):
    """The page's visible text, tags removed, whitespace collapsed."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def result_links(response):
    """The links of the search results, in order."""
    return re.findall(r'<h3><a href="([^"]+)">', response.content.decode())


# What finds what -----------------------------------------------------------------------


@pytest.mark.parametrize("query", ["telemouv", "télé-mouv", "Tele Mouv", "TÉLÉ MOUV", "apnée"])
def test_every_spelling_of_tele_mouv_and_apnee_find_the_project(client, report_2023, query):
    assert "tele-mouv" in found(ResearchProject, query)
    assert "/fr/projets/tele-mouv/" in result_links(page(client, q=query))


def test_hyphenated_words_and_multi_part_acronyms_are_found_in_compact_form():
    ResearchProjectFactory(slug="kami", acronym="KAMI 2", title_fr="Fragilité")
    ResearchProjectFactory(slug="qai", acronym="QAI-SPORT", title_fr="Air des salles")
    ResearchProjectFactory(slug="other", acronym="AUTRE", title_fr="Autre chose")
    assert found(ResearchProject, "kami2") == ["kami"]
    assert found(ResearchProject, "kami 2") == ["kami"]
    assert found(ResearchProject, "qaisport") == ["qai"]
    assert found(ResearchProject, "QAI sport") == ["qai"]


def test_names_of_people_partners_and_structures_and_identifiers_find_the_entry():
    lab = StructureFactory(acronym="CERIS", name_fr="Centre d'enseignement et de recherche")
    project = ResearchProjectFactory(slug="p", acronym="PLASTOX", structures=[lab])
    ProjectMember.objects.create(
        project=project, person=PersonFactory(first_name="Jacky", last_name="Montmain")
    )
    ProjectPartner.objects.create(
        project=project,
        organisation=OrganisationFactory(acronym="KI", name="Kyomed Innov"),
        role="industrial",
    )
    ResearchProjectFactory(slug="other")
    thesis = ThesisFactory(slug="t", candidate=PersonFactory(last_name="Sinsoilliez"))
    ThesisSupervisor.objects.create(thesis=thesis, person=PersonFactory(last_name="Janaqi"))
    thesis.partners.add(OrganisationFactory(acronym="CHU", name="CHU de Nîmes"))
    publication = PublicationFactory(slug="pub", doi="10.1000/xyz123", hal_id="hal-0424")
    Authorship.objects.create(publication=publication, name="V. Cochen de Cock", order=1)
    initiative = CampusInitiativeFactory(
        slug="c", provider=OrganisationFactory(name="Crous Occitanie")
    )

    assert found(ResearchProject, "montmain") == ["p"]
    assert found(ResearchProject, "Kyomed") == ["p"]
    assert found(ResearchProject, "KI") == ["p"]
    assert found(ResearchProject, "plastox") == ["p"]
    assert found(ResearchProject, "ceris") == ["p"]
    assert found(ResearchProject, "centre d'enseignement") == ["p"]
    assert found(Thesis, "sinsoilliez") == ["t"]
    assert found(Thesis, "janaqi") == ["t"]
    assert found(Thesis, "chu nimes") == ["t"]
    assert found(Publication, "cochen de cock") == ["pub"]
    assert found(Publication, "10.1000/xyz123") == ["pub"]
    assert found(Publication, "hal-0424") == ["pub"]
    assert found(CampusInitiative, "crous") == [initiative.slug]


def test_english_titles_and_summaries_are_searched_too():
    ProgrammeFactory(slug="biotin", title_fr="Biotechnologies", title_en="Sleep medicine")
    ProgrammeFactory(slug="other", title_fr="Autre", summary_en="Nothing here")
    assert found(Programme, "sleep") == ["biotin"]


def test_drafts_and_unpublished_entries_are_never_found(client):
    ResearchProjectFactory(slug="shown", title_fr="Apnée publiée")
    ResearchProjectFactory(slug="draft", title_fr="Apnée brouillon", state=State.DRAFT)
    ResearchProjectFactory(slug="gone", title_fr="Apnée retirée", state=State.UNPUBLISHED)
    assert found(ResearchProject, "apnée") == ["shown"]
    response = page(client, q="apnée")
    assert result_links(response) == ["/fr/projets/shown/"]
    assert "brouillon" not in text(response) and "retirée" not in text(response)


def test_every_word_must_match_and_stop_words_are_ignored():
    ResearchProjectFactory(slug="both", title_fr="Apnée du sommeil")
    ResearchProjectFactory(slug="one", title_fr="Apnée à l'effort")
    assert found(ResearchProject, "apnée sommeil") == ["both"]
    assert found(ResearchProject, "l'apnée du sommeil") == ["both"]
    assert sorted(found(ResearchProject, "apnée")) == ["both", "one"]


def test_the_last_word_matches_as_the_beginning_of_a_word():
    ResearchProjectFactory(slug="r", title_fr="Télé-réhabilitation des patients")
    assert found(ResearchProject, "réhabil") == ["r"]
    assert found(ResearchProject, "patients rehab") == ["r"]


def test_a_match_in_the_title_outranks_a_match_in_the_summary_only():
    # Alphabetically, by acronym (the list's order), the summary match comes first.
    ResearchProjectFactory(slug="summary", acronym="AAA", summary_fr="Le sommeil des patients.")
    ResearchProjectFactory(slug="title", acronym="ZZZ", title_fr="Sommeil et rééducation")
    ResearchProjectFactory(slug="none", acronym="MMM", title_fr="Autre chose")
    assert found(ResearchProject, "sommeil") == ["title", "summary"]


def test_list_pages_search_with_the_same_index_and_rank(client):
    ResearchProjectFactory(slug="summary", acronym="AAA", summary_fr="Pour Télé-Mouv aussi.")
    ResearchProjectFactory(slug="title", acronym="Télé-Mouv", title_fr="Réhabilitation")
    ResearchProjectFactory(slug="none", acronym="BBB")
    response = client.get("/fr/projets/", {"q": "telemouv"})
    assert response.status_code == 200
    links = re.findall(r'href="/fr/projets/([\w-]+)/"', response.content.decode())
    assert [slug for slug in dict.fromkeys(links) if slug != "none"] == ["title", "summary"]
    assert "none" not in links


# PostgreSQL: stemming and the index ------------------------------------------------------


@postgresql_only
def test_french_and_english_stemming():
    ResearchProjectFactory(slug="fr", title_fr="Les hôpitaux nationaux", title_en="")
    ResearchProjectFactory(slug="en", title_fr="Étude", title_en="Running studies")
    ResearchProjectFactory(slug="none", title_fr="Autre", title_en="Other")
    # Neither is the beginning of the other: stems, not prefixes.
    assert found(ResearchProject, "hôpital national") == ["fr"]  # hôpitaux, nationaux
    assert found(ResearchProject, "runs study") == ["en"]  # running, studies


@postgresql_only
def test_the_gin_index_serves_the_search():
    """The query's expression is the index's: the planner can use it. (On a table this
    small it would rather read it whole; at 5,000 rows it picks the index by itself.)"""
    for n in range(30):
        ResearchProjectFactory(title_fr=f"Projet {n}", summary_fr="Apnée du sommeil.")
    queryset = ResearchProject.objects.search("apnée sommeil")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "Bitmap Index Scan on researchproject_search_idx" in plan, plan


@postgresql_only
@pytest.mark.parametrize("model", search.activity_models())
def test_every_kind_has_its_search_index(model):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
            [model._meta.db_table, f"{model._meta.model_name}_search_idx"],
        )
        (definition,) = cursor.fetchone()
    assert "USING gin" in definition and "to_tsvector('french'" in definition


# Keeping the documents in sync -----------------------------------------------------------


def test_renaming_an_author_a_partner_or_a_structure_refreshes_what_names_them():
    person = PersonFactory(first_name="Anne", last_name="Dupont")
    publication = PublicationFactory(slug="pub")
    Authorship.objects.create(publication=publication, person=person, name="A. Dupont")
    partner = OrganisationFactory(acronym="ORGX", name="Ancien Nom")
    project = ResearchProjectFactory(slug="p")
    ProjectPartner.objects.create(project=project, organisation=partner, role="partner")
    lab = StructureFactory(acronym="LABX", name_fr="Laboratoire d'avant")
    thesis = ThesisFactory(slug="t", structures=[lab])

    person.last_name = "Martin-Durand"
    person.save()
    partner.name = "Nouveau Nom"
    partner.save()
    lab.name_fr = "Laboratoire renommé"
    lab.save()

    assert found(Publication, "martin durand") == ["pub"]  # the person's name now
    assert found(Publication, "a dupont") == ["pub"]  # the name as printed stays
    assert found(ResearchProject, "nouveau nom") == ["p"]
    assert found(ResearchProject, "ancien") == []
    assert found(Thesis, "renommé") == [thesis.slug]
    assert found(Thesis, "avant") == []


def test_relations_and_rows_added_or_removed_on_either_side_refresh_the_document():
    project = ResearchProjectFactory(slug="p")
    lab = StructureFactory(acronym="NEWLAB")
    lab.projects.add(project)  # from the structure's side
    assert found(ResearchProject, "newlab") == ["p"]
    lab.projects.clear()
    assert found(ResearchProject, "newlab") == []
    project.structures.add(lab)
    assert found(ResearchProject, "newlab") == ["p"]
    project.structures.remove(lab)
    assert found(ResearchProject, "newlab") == []

    member = ProjectMember.objects.create(project=project, person=PersonFactory(last_name="Zorn"))
    assert found(ResearchProject, "zorn") == ["p"]
    member.delete()
    assert found(ResearchProject, "zorn") == []
    project.members.add(PersonFactory(last_name="Yseult"), through_defaults={"role": "lead"})
    assert found(ResearchProject, "yseult") == ["p"]

    publication = PublicationFactory(slug="pub")
    author = PersonFactory(last_name="Xavière")
    publication.people.add(author, through_defaults={"name": "X. Xavière", "order": 1})
    assert found(Publication, "xaviere") == ["pub"]
    author.publications.clear()  # from the person's side
    assert found(Publication, "xaviere") == []


def test_deleting_a_partner_refreshes_the_entries_it_was_linked_to():
    thesis = ThesisFactory(slug="t")
    partner = OrganisationFactory(name="Partenaire éphémère")
    thesis.partners.add(partner)
    assert found(Thesis, "éphémère") == ["t"]
    partner.delete()
    assert found(Thesis, "éphémère") == []


def test_deleting_an_entry_with_its_rows_works_and_leaves_the_others_alone():
    publication = PublicationFactory(slug="gone", title_fr="Apnée")
    Authorship.objects.create(publication=publication, name="X", order=1)
    PublicationFactory(slug="kept", title_fr="Apnée")
    Publication.objects.filter(slug="gone").delete()
    assert found(Publication, "apnée") == ["kept"]


def test_an_admin_save_with_relations_and_inline_rows_refreshes_the_document(client):
    client.force_login(SuperUserFactory())
    project = ResearchProjectFactory(slug="p", title_fr="Ancien titre")
    lab = StructureFactory(acronym="ADMLAB")
    person = PersonFactory(first_name="Inès", last_name="Inline")
    url = f"/admin/activities/researchproject/{project.pk}/change/"
    data = form_data(client.get(url))
    data.update({"title_fr": "Nouveau titre", "structures": [str(lab.pk)]})
    data.update({"team-0-person": str(person.pk), "team-0-role": "lead", "team-0-order": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)

    assert found(ResearchProject, "nouveau titre") == ["p"]
    assert found(ResearchProject, "ancien") == []
    assert found(ResearchProject, "admlab") == ["p"]
    assert found(ResearchProject, "ines inline") == ["p"]


def test_the_report_load_fills_documents_in_a_few_queries_per_kind(db):
    with CaptureQueriesContext(connection) as queries:
        call_command("load_report", "2023", verbosity=0)
    refreshes = [q for q in queries if 'SET "search_title"' in q["sql"]]
    assert len(refreshes) == 5  # one write per kind, at the end of the load
    assert all(item.search_text for item in ResearchProject.objects.all())


def test_importers_refresh_the_authors_they_bulk_create():
    record = PublicationRecord(
        key="k",
        title_fr="Qualité de l'air des salles de sport",
        kind="article",
        year=2023,
        authors=[PersonRecord("Valérie", "Importée"), PersonRecord("Jean", "Second")],
    )
    import_records([record], publish=True)
    assert len(found(Publication, "valerie importee")) == 1
    dry = PublicationRecord(key="d", title_fr="Essai à blanc", kind="article", year=2023)
    report = import_records([dry], dry_run=True, publish=True)
    assert report.created == ["d"]
    assert found(Publication, "essai blanc") == []  # rolled back, nothing refreshed


def test_deferred_refreshes_once_at_the_end_and_not_after_an_error():
    with search.deferred():
        project = ResearchProjectFactory(slug="p", title_fr="Différé")
        assert ResearchProject.objects.get(pk=project.pk).search_title == ""
        with search.deferred():  # nested: still at the end of the outer block
            ProjectMember.objects.create(project=project, person=PersonFactory(last_name="Ney"))
        assert ResearchProject.objects.get(pk=project.pk).search_text == ""
    assert found(ResearchProject, "différé ney") == ["p"]

    # An error: the transaction is rolled back, and no refresh runs inside it.
    with pytest.raises(RuntimeError), transaction.atomic(), search.deferred():
        project.title_fr = "Changé"
        project.save()
        raise RuntimeError
    assert found(ResearchProject, "différé") == ["p"]
    assert found(ResearchProject, "changé") == []


def test_rebuild_command_repairs_stale_documents_in_few_queries_per_batch():
    for n in range(12):
        ResearchProjectFactory(title_fr=f"Apnée {n}")
    ResearchProject.objects.update(search_title="", search_text="")  # no signal: stale
    out = StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("rebuild_search_index", "researchproject", "--batch-size", "5", stdout=out)
    assert "12 read, 12 changed" in out.getvalue()
    # Per batch of 5, 5 and 2: ids, own fields, members, partners, structures, write.
    assert len([q for q in queries if "activities_researchproject" in q["sql"]]) == 3 * 6
    assert len(found(ResearchProject, "apnée")) == 12
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "12 read, 0 changed" in out.getvalue()


def test_rebuild_command_refuses_an_unknown_kind():
    with pytest.raises(CommandError, match="Unknown kind"):
        call_command("rebuild_search_index", "nope")


def test_the_data_migration_fills_existing_rows():
    ResearchProjectFactory(slug="p", acronym="Télé-Mouv")
    ResearchProject.objects.update(search_title="", search_text="")
    migration = importlib.import_module("activities.migrations.0007_search_index")
    migration.fill_documents(apps, SimpleNamespace(connection=connection))
    assert found(ResearchProject, "telemouv") == ["p"]


def test_documents_are_normalised_text():
    project = ResearchProjectFactory(acronym="Télé-Mouv", title_fr="L’Œuvre « Santé »")
    project.refresh_from_db()
    assert project.search_title == "tele mouv telemouv l oeuvre sante"


# Hostile queries ---------------------------------------------------------------------------

HOSTILE = [
    "& | ! ( ) : * <->",
    "'",
    '"unbalanced',
    "a:* | b",
    "!!!",
    "\x00",
    "apn\x00ée",
    "x" * 1000,
    "é" * 1000,
    "(" * 300,
    "\\",
    "%_",
    "<script>alert(1)</script>",
    "ＡＰＮÉＥ",  # full-width letters
    "😴 sommeil",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z",
    " ",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(client, query):
    ResearchProjectFactory(title_fr="Apnée du sommeil")
    assert client.get(URL, {"q": query}).status_code == 200
    assert client.get(URL, {"q": query, "kind": "projects"}).status_code == 200
    assert client.get("/fr/projets/", {"q": query}).status_code == 200
    list(ResearchProject.objects.published().search(query))


def test_a_query_without_words_says_so_and_finds_nothing(client):
    ResearchProjectFactory(title_fr="Apnée")
    response = page(client, q="?!*")
    assert "Saisissez au moins un mot" in text(response)
    assert result_links(response) == []
    assert found(ResearchProject, "?!*") == []


def test_full_width_letters_are_folded():
    ResearchProjectFactory(slug="p", title_fr="Apnée")
    assert found(ResearchProject, "ＡＰＮÉＥ") == ["p"]


# Highlighting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "query", "expected"),
    [
        ("Les apnées du sommeil", "apnée", "Les <mark>apnées</mark> du sommeil"),
        ("Télé-Mouv et mRehab", "telemouv", "<mark>Télé-Mouv</mark> et mRehab"),
        ("Télé-Mouv", "tele mouv", "<mark>Télé-Mouv</mark>"),
        ("Projet Télé-Mouv", "mouv", "Projet Télé-<mark>Mouv</mark>"),
        ("L'APNÉE de l'enfant", "apnee", "L&#x27;<mark>APNÉE</mark> de l&#x27;enfant"),
        ("Réhabilitations", "réhabilitation", "<mark>Réhabilitations</mark>"),
        ("de la santé", "de la santé", "de la <mark>santé</mark>"),  # stop words: no mark
        ("Rien à voir", "apnée", "Rien à voir"),
        ("A < B & C", "b", "A &lt; <mark>B</mark> &amp; C"),
        ("KAMI 2", "kami 2", "<mark>KAMI</mark> <mark>2</mark>"),
        ("Apnée", "", "Apnée"),
    ],
)
def test_highlight_marks_matching_words_whatever_their_accents_and_endings(value, query, expected):
    assert highlight(value, query) == expected


def test_highlight_escapes_before_marking():
    assert highlight('<script>alert("apnée")</script>', "apnée") == (
        "&lt;script&gt;alert(&quot;<mark>apnée</mark>&quot;)&lt;/script&gt;"
    )
    assert highlight("<b>apnée</b>", "script") == "&lt;b&gt;apnée&lt;/b&gt;"


def test_highlight_of_html_marks_only_the_text():
    value = mark_safe('<p class="apnee">Apnée &amp; sommeil</p>')
    assert highlight(value, "apnee amp") == (
        '<p class="apnee"><mark>Apnée</mark> &amp; sommeil</p>'
    )


def test_excerpt_shows_the_part_where_the_words_appear():
    words = [f"mot{n}" for n in range(100)]
    words[60] = "apnées"
    shown = excerpt(" ".join(words), "apnée")
    assert shown.startswith("… mot52 ") and "apnées" in shown and shown.endswith(" …")
    assert len(shown.split()) == 42  # 40 words and two ellipses
    assert excerpt("Court texte.", "apnée") == "Court texte."
    assert excerpt(" ".join(words), "introuvable").startswith("mot0 ")


def test_search_page_marks_the_words_and_escapes_titles(client):
    ResearchProjectFactory(
        slug="p",
        acronym="XSS",
        title_fr="<script>alert(1)</script> Apnées",
        summary_fr="Un suivi des apnées du sommeil <b>à domicile</b>.",
    )
    html = page(client, q="apnée").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Apnées</mark>" in html
    assert "suivi des <mark>apnées</mark> du sommeil &lt;b&gt;à domicile&lt;/b&gt;." in html


def test_search_page_marks_names_of_people_and_partners(client):
    project = ResearchProjectFactory(slug="p")
    ProjectMember.objects.create(
        project=project, person=PersonFactory(first_name="Jacky", last_name="Montmain")
    )
    html = page(client, q="montmain").content.decode()
    assert "Jacky <mark>Montmain</mark>" in html


# The search page -----------------------------------------------------------------------------


@pytest.fixture
def apnea_everywhere():
    """Apnea in every kind: 2 programmes, 7 projects, 1 thesis, no publication, 1 initiative."""
    for n in range(2):
        ProgrammeFactory(title_fr=f"Apnée formation {n}")
    for n in range(7):
        ResearchProjectFactory(title_fr=f"Apnée projet {n}")
    ThesisFactory(title_fr="Apnée thèse")
    PublicationFactory(title_fr="Autre sujet")
    CampusInitiativeFactory(title_fr="Apnée campus")


def test_results_are_grouped_by_kind_with_counts_and_links(client, apnea_everywhere):
    response = page(client, q="apnée")
    html = response.content.decode()
    page_text = text(response)
    assert re.search(r'<p class="result-count" role="status">11 résultats pour « apnée »', html)
    headings = re.findall(r'<h2 id="group-(\w+)">', html)
    assert headings == ["programmes", "projects", "theses", "campus"]
    assert len(result_links(response)) == 2 + 5 + 1 + 1  # at most 5 per kind
    assert "Projets de recherche (7)" in page_text
    assert "Publications (0)" in page_text
    assert 'href="?q=apn%C3%A9e&amp;kind=projects"' in html
    assert "Voir les 7 résultats dans Projets de recherche" in page_text
    assert 'href="/fr/projets/?q=apn%C3%A9e"' in html
    assert 'aria-current="page">Tous les types' in html


def test_the_kind_filter_shows_one_kind_page_by_page(client, apnea_everywhere, settings):
    settings.PAGE_SIZE = 4
    response = page(client, q="apnée", kind="projects")
    html = response.content.decode()
    assert re.findall(r'<h2 id="group-(\w+)">', html) == ["projects"]
    assert len(result_links(response)) == 4
    assert "7 résultats pour « apnée » dans Projets de recherche — page 1 sur 2" in text(response)
    assert re.search(r'<a href="\?q=apn%C3%A9e&amp;kind=projects" aria-current="page">', html)
    assert 'kind=projects&amp;page=2"' in html
    second = page(client, q="apnée", kind="projects", page="2")
    assert len(result_links(second)) == 3


def test_an_unknown_kind_is_explained_and_every_kind_shown(client, apnea_everywhere):
    response = page(client, q="apnée", kind="nope")
    assert "Il n'y a pas de type de résultat « nope » : voici tous les types." in text(response)
    assert len(re.findall(r'<h2 id="group-', response.content.decode())) == 4


def test_no_result_and_no_query(client):
    ResearchProjectFactory(title_fr="Apnée")
    response = page(client, q="introuvable")
    assert re.search(r"\b0 résultats? pour « introuvable »", text(response))
    assert "Aucun résultat" in text(response)
    empty = page(client)
    assert 'role="status"' not in empty.content.decode()
    assert result_links(empty) == []


def count_queries(client, **params):
    with CaptureQueriesContext(connection) as queries:
        page(client, **params)
    return len(queries)


# Queries of the search page: the counts of every kind (one UNION query); then for each
# kind with results, its rows and their prefetched relations: structures and targets,
# plus programmes: partnerships; projects: partnerships, team; theses: supervisions,
# partners (candidate joined); publications: authorships; initiatives: partners
# (provider joined). With a kind: the counts, then that kind's queries (the paginator
# takes its count from the first query).
SEARCH_QUERIES = 1 + (1 + 3) + (1 + 4) + (1 + 4) + (1 + 3) + (1 + 3)
KIND_QUERIES = 1 + (1 + 4)


def test_search_page_query_count_does_not_grow_with_rows(client):
    def make(n):
        lab, person, partner = StructureFactory(), PersonFactory(), OrganisationFactory()
        for _ in range(n):
            ProgrammeFactory(title_fr="Apnée", structures=[lab])
            project = ResearchProjectFactory(title_fr="Apnée", structures=[lab])
            ProjectMember.objects.create(project=project, person=person)
            ProjectPartner.objects.create(project=project, organisation=partner, role="partner")
            thesis = ThesisFactory(title_fr="Apnée")
            ThesisSupervisor.objects.create(thesis=thesis, person=person)
            thesis.partners.add(partner)
            publication = PublicationFactory(title_fr="Apnée")
            Authorship.objects.create(publication=publication, person=person, name="X")
            CampusInitiativeFactory(title_fr="Apnée", provider=partner).partners.add(partner)

    make(2)
    few = count_queries(client, q="apnée"), count_queries(client, q="apnée", kind="theses")
    make(20)
    many = count_queries(client, q="apnée"), count_queries(client, q="apnée", kind="theses")
    assert few == many == (SEARCH_QUERIES, KIND_QUERIES)


def test_the_english_search_page_finds_english_words(client, report_2023):
    with translation.override("en"):
        url = reverse("activities:search")
    response = client.get(url, {"q": "sleep apnoea"})
    assert response.status_code == 200
    assert any("tele-mouv" in link for link in result_links(response))
