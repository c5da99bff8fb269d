"""Sharing and discovery: JSON-LD, Open Graph and hreflang tags, sitemap.xml, RSS and Atom
feeds, robots.txt, and the accessibility statement linked from every page."""

import datetime
import itertools
import json
import os
import subprocess
import sys
import urllib.robotparser
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from activities import structured_data
from activities.models import (
    Authorship,
    Organisation,
    ProgrammePartner,
    ProjectMember,
    ProjectPartner,
    SDGTarget,
    State,
    ThesisSupervisor,
)
from activities.sitemaps import PortalSitemap
from activities.templatetags.seo import json_ld_script

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

ROOT = Path(__file__).resolve().parent.parent
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
XHTML_LINK = "{http://www.w3.org/1999/xhtml}link"
ATOM_NS = {"atom": "http://www.w3.org/2005/Atom"}


class Head(HTMLParser):
    """The tags of a page that discovery reads: <meta>, <link>, JSON-LD scripts, <a>."""

    def __init__(self, html):
        super().__init__()
        self.meta, self.links, self.json_ld, self.anchors = {}, [], [], []
        self._in_json_ld = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta.setdefault(key, []).append(attrs.get("content"))
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True
        elif tag == "a":
            self.anchors.append(attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld.append(json.loads(data))

    def alternates(self):
        return {link["hreflang"]: link["href"] for link in self.links if "hreflang" in link}

    def link(self, rel):
        return [link["href"] for link in self.links if link.get("rel") == rel]

    def feeds(self):
        return [link for link in self.links if link.get("type", "").endswith("+xml")]


def head(response):
    assert response.status_code == 200
    return Head(response.content.decode())


def ld(response):
    """The page's one JSON-LD description."""
    found = head(response).json_ld
    assert len(found) == 1, found
    return found[0]


def english(url_name, **kwargs):
    with translation.override("en"):
        return reverse(url_name, kwargs=kwargs)


# Data ----------------------------------------------------------------------------------

SERIAL = itertools.count(1)  # unique DOIs, HAL ids and NNTs


@pytest.fixture
def world():
    structure = StructureFactory(acronym="I3A", slug="i3a", website="https://i3a.example")
    hospital = OrganisationFactory(
        acronym="CHU", name="CHU de Montpellier", slug="chu", kind=Organisation.Kind.HOSPITAL
    )
    person = PersonFactory(
        first_name="Jacky",
        last_name="Montmain",
        slug="jacky-montmain",
        orcid="0000-0002-1825-0097",
        idhal="jacky-montmain",
        structure=structure,
    )
    target = SDGTarget.objects.get(code="3.4")
    return {"structure": structure, "hospital": hospital, "person": person, "target": target}


def make_publication(world, **fields):
    n = next(SERIAL)
    fields = {
        "kind": "article",
        "venue": "Sensors",
        "year": 2023,
        "month": 3,
        "doi": f"10.3390/s2301{n:04d}",
        "hal_id": f"hal-0400{n:04d}",
        **fields,
    }
    publication = PublicationFactory(
        structures=[world["structure"]], targets=[world["target"]], **fields
    )
    Authorship.objects.create(
        publication=publication, person=world["person"], name="J. Montmain", order=0
    )
    Authorship.objects.create(publication=publication, name="A. Nother", order=1)
    return publication


def make_project(world, **fields):
    fields = {"reference": "ANR-19-CE45-0015", "funding_scheme": "ANR", **fields}
    project = ResearchProjectFactory(
        structures=[world["structure"]], targets=[world["target"]], **fields
    )
    funder = OrganisationFactory(acronym="ANR", kind=Organisation.Kind.FUNDER)
    ProjectPartner.objects.create(project=project, organisation=funder, role="funder")
    ProjectPartner.objects.create(project=project, organisation=world["hospital"], role="clinical")
    ProjectMember.objects.create(project=project, person=world["person"], role="lead")
    return project


def make_thesis(world, **fields):
    school = OrganisationFactory(acronym="I2S", kind=Organisation.Kind.DOCTORAL_SCHOOL)
    fields = {
        "status": "defended",
        "defence_date": datetime.date(2023, 12, 1),
        "nnt": f"2023IMTA{next(SERIAL):04d}",
        "doctoral_school": school,
        **fields,
    }
    thesis = ThesisFactory(structures=[world["structure"]], targets=[world["target"]], **fields)
    ThesisSupervisor.objects.create(thesis=thesis, person=world["person"], order=1)
    return thesis


def make_programme(world, **fields):
    programme = ProgrammeFactory(
        structures=[world["structure"]],
        targets=[world["target"]],
        duration_months=24,
        **fields,
    )
    university = OrganisationFactory(acronym="UM", name="Université de Montpellier")
    ProgrammePartner.objects.create(
        programme=programme, organisation=university, role="co_accreditation"
    )
    ProgrammePartner.objects.create(
        programme=programme, organisation=world["hospital"], role="academic"
    )
    return programme


def make_initiative(world, **fields):
    return CampusInitiativeFactory(
        structures=[world["structure"]],
        targets=[world["target"]],
        provider=world["hospital"],
        **fields,
    )


MAKERS = {
    "programmes": make_programme,
    "projects": make_project,
    "theses": make_thesis,
    "publications": make_publication,
    "campus": make_initiative,
}


# JSON-LD -------------------------------------------------------------------------------


def test_publication_is_a_scholarly_article_with_authors_and_identifiers(client, world):
    publication = make_publication(
        world, title_fr="Capteurs et rééducation", doi="10.3390/s23010001", hal_id="hal-04000001"
    )
    data = ld(client.get(publication.get_absolute_url()))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ScholarlyArticle"
    assert data["headline"] == data["name"] == "Capteurs et rééducation"
    assert data["datePublished"] == "2023-03"
    assert data["isPartOf"] == {"@type": "Periodical", "name": "Sensors"}
    assert data["url"] == f"http://testserver{publication.get_absolute_url()}"
    first, second = data["author"]
    assert first["name"] == "J. Montmain"
    assert first["url"] == "http://testserver/fr/personnes/jacky-montmain/"
    assert "https://orcid.org/0000-0002-1825-0097" in first["sameAs"]
    assert {"@type": "PropertyValue", "propertyID": "ORCID", "value": "0000-0002-1825-0097"} in (
        first["identifier"]
    )
    assert second == {"@type": "Person", "name": "A. Nother"}  # no ORCID, no page: a name
    assert {"propertyID": "DOI", "value": "10.3390/s23010001"}.items() <= (
        data["identifier"][0].items()
    )
    assert {"@type": "PropertyValue", "propertyID": "HAL", "value": "hal-04000001"} in (
        data["identifier"]
    )
    assert "https://doi.org/10.3390/s23010001" in data["sameAs"]
    assert data["about"][0]["termCode"] == "3.4"
    assert data["mainEntityOfPage"]["inLanguage"] == "fr"


def test_a_conference_paper_names_its_congress_as_publication_event(client, world):
    paper = make_publication(world, kind="conference", venue="Congrès SFNR", place="Paris")
    data = ld(client.get(paper.get_absolute_url()))
    assert data["@type"] == "ScholarlyArticle"
    assert "isPartOf" not in data
    assert data["publication"] == {
        "@type": "PublicationEvent",
        "name": "Congrès SFNR",
        "location": {"@type": "Place", "name": "Paris"},
    }


def test_thesis_names_candidate_supervisors_degree_and_organisations(client, world):
    candidate = PersonFactory(first_name="Rayane", last_name="Elimam")
    thesis = make_thesis(world, candidate=candidate, nnt="2023IMTA0012")
    data = ld(client.get(thesis.get_absolute_url()))
    assert data["@type"] == "Thesis"
    assert data["author"]["name"] == "Rayane Elimam"
    assert [person["name"] for person in data["contributor"]] == ["Jacky Montmain"]
    assert data["inSupportOf"] == "Doctorat"
    assert [org["name"] for org in data["sourceOrganization"]] == [
        world["structure"].name,
        thesis.doctoral_school.name,
    ]
    assert data["datePublished"] == "2023-12-01"
    assert data["identifier"]["value"] == "2023IMTA0012"
    assert data["sameAs"] == "https://theses.fr/2023IMTA0012"


def test_project_has_acronym_funder_grant_members_and_years(client, world):
    project = make_project(world, acronym="KAMI", start_year=2021, end_year=2024)
    data = ld(client.get(project.get_absolute_url()))
    assert data["@type"] == "ResearchProject"
    assert data["alternateName"] == "KAMI"
    assert data["identifier"] == "ANR-19-CE45-0015"
    assert [funder["alternateName"] for funder in data["funder"]] == ["ANR"]
    assert data["funding"]["@type"] == "Grant"
    assert data["funding"]["identifier"] == "ANR-19-CE45-0015"
    assert (data["foundingDate"], data["dissolutionDate"]) == ("2021", "2024")
    members = {(member["@type"], member["name"]) for member in data["member"]}
    assert members == {("Person", "Jacky Montmain"), ("Hospital", "CHU de Montpellier")}
    assert data["parentOrganization"][0]["alternateName"] == "I3A"


def test_programme_is_an_educational_programme_of_the_school_and_its_co_accreditor(client, world):
    programme = make_programme(world)
    data = ld(client.get(programme.get_absolute_url()))
    assert data["@type"] == "EducationalOccupationalProgram"
    assert data["timeToComplete"] == "P24M"
    assert data["programType"] == "parcours de master"
    # The school and the co-accrediting university; an academic partner is no provider.
    assert [org["name"] for org in data["provider"]] == [
        "IMT Mines Alès",
        "Université de Montpellier",
    ]


def test_campus_initiative_is_described_as_a_page_about_it(client, world):
    initiative = make_initiative(world)
    data = ld(client.get(initiative.get_absolute_url()))
    assert data["@type"] == "WebPage"
    assert data["inLanguage"] == "fr"
    assert data["audience"] == {"@type": "Audience", "audienceType": "élèves"}
    assert data["about"][0]["name"] == "CHU de Montpellier"


def test_person_has_identifiers_and_affiliation_but_no_contact_details(client, world):
    make_publication(world)  # gives the person a public page
    response = client.get(world["person"].get_absolute_url())
    data = ld(response)
    assert data["@type"] == "Person"
    assert (data["givenName"], data["familyName"]) == ("Jacky", "Montmain")
    assert data["sameAs"] == [
        "https://orcid.org/0000-0002-1825-0097",
        "https://cv.hal.science/jacky-montmain",
    ]
    assert [item["propertyID"] for item in data["identifier"]] == ["ORCID", "idHAL"]
    assert data["affiliation"][0]["alternateName"] == "I3A"
    text = json.dumps(data)
    assert "email" not in text
    assert "telephone" not in text
    assert head(response).meta["og:type"] == ["profile"]


def test_partner_page_describes_an_organization_of_its_kind(client, world):
    make_project(world)
    data = ld(client.get(world["hospital"].get_absolute_url()))
    assert data["@type"] == "Hospital"
    assert data["name"] == "CHU de Montpellier"
    assert data["alternateName"] == "CHU"


def test_structure_and_target_descriptions(rf, world):
    """The structure and target templates belong to another page family: the tag that
    renders them is tested on the objects."""
    team = StructureFactory(acronym="T1", parent=world["structure"])
    request = rf.get("/")
    data = structured_data.describe(world["structure"], request)
    assert data["@type"] == "ResearchOrganization"
    assert data["parentOrganization"]["name"] == "IMT Mines Alès"  # a root lab: the school
    assert data["subOrganization"][0]["alternateName"] == "T1"
    assert data["sameAs"] == "https://i3a.example"
    assert structured_data.describe(team, request)["parentOrganization"]["alternateName"] == "I3A"
    target = structured_data.describe(world["target"], request)
    assert target["@type"] == "DefinedTerm"
    assert target["termCode"] == "3.4"
    assert target["url"] == "http://testserver/fr/cibles/3.4/"
    assert structured_data.describe(object(), request) is None


def test_english_page_describes_itself_in_english(client, world):
    project = make_project(world, title_en="In English")
    with translation.override("en"):
        url = project.get_absolute_url()
    data = ld(client.get(url))
    assert data["name"] == "In English"
    assert data["url"] == f"http://testserver{url}"
    assert data["mainEntityOfPage"]["inLanguage"] == "en"


HOSTILE = "</script><script>alert(1)</script> & <!-- \u2028 «»"


def test_a_hostile_title_cannot_close_the_json_ld_script(client, world):
    project = make_project(world, title_fr=HOSTILE, acronym="")
    response = client.get(project.get_absolute_url())
    html = response.content.decode()
    start = html.index('<script type="application/ld+json">')
    script = html[start : html.index("</script>", start)]
    assert "<script>" not in script[len('<script type="application/ld+json">') :]
    assert "\\u003C/script\\u003E" in script
    assert ld(response)["name"] == HOSTILE  # and it reads back exactly


def test_json_ld_script_escapes_markup_characters():
    script = json_ld_script({"name": "a</script>&<b>"})
    assert script == (
        '<script type="application/ld+json">'
        '{"name": "a\\u003C/script\\u003E\\u0026\\u003Cb\\u003E"}</script>'
    )


def test_detail_pages_of_drafts_and_lists_have_no_json_ld(client, world):
    make_project(world)
    assert head(client.get("/fr/projets/")).json_ld == []
    assert head(client.get("/fr/")).json_ld == []


# Open Graph, canonical, hreflang --------------------------------------------------------


def test_home_tags(client, world):
    page = head(client.get("/fr/"))
    assert page.link("canonical") == ["http://testserver/fr/"]
    assert page.alternates() == {
        "fr": "http://testserver/fr/",
        "en": "http://testserver/en/",
        "x-default": "http://testserver/",  # the bare root redirects by language
    }
    assert page.meta["og:type"] == ["website"]
    assert page.meta["og:url"] == ["http://testserver/fr/"]
    assert page.meta["og:locale"] == ["fr_FR"]
    assert page.meta["og:locale:alternate"] == ["en_GB"]
    assert page.meta["og:site_name"] == ["ODD 3 — IMT Mines Alès"]
    assert page.meta["og:title"] == ["ODD 3 : bonne santé et bien-être"]
    assert page.meta["og:description"] == page.meta["description"]
    assert page.meta["twitter:card"] == ["summary"]
    assert {feed["href"] for feed in page.feeds()} == {"/fr/flux/rss/", "/fr/flux/atom/"}


def test_list_canonical_keeps_only_valid_filters_and_pages_beyond_the_first(client, world):
    for _ in range(3):
        make_project(world)
    response = client.get(
        "/fr/projets/",
        {"target": "3.4", "structure": "i3a", "year": "pas-une-annee", "utm_source": "x", "q": ""},
    )
    page = head(response)
    expected = "http://testserver/fr/projets/?structure=i3a&target=3.4"
    assert page.link("canonical") == [expected]
    assert page.meta["og:url"] == [expected]
    alternates = page.alternates()
    assert alternates["fr"] == expected
    assert alternates["en"].startswith("http://testserver/en/")
    assert alternates["en"].endswith("/?structure=i3a&target=3.4")
    assert alternates["en"] == f"http://testserver{english('activities:project-list')}" + (
        "?structure=i3a&target=3.4"
    )
    assert alternates["x-default"] == expected
    assert page.meta["og:type"] == ["website"]
    # The list announces its own kind's feeds besides the portal's.
    assert {feed["href"] for feed in page.feeds()} == {
        "/fr/flux/rss/",
        "/fr/flux/atom/",
        "/fr/flux/projets/rss/",
        "/fr/flux/projets/atom/",
    }


def test_list_canonical_of_a_page(client, world, settings):
    settings.PAGE_SIZE = 2
    for _ in range(5):
        make_project(world)
    assert head(client.get("/fr/projets/?page=1")).link("canonical") == [
        "http://testserver/fr/projets/"
    ]
    assert head(client.get("/fr/projets/?page=2")).link("canonical") == [
        "http://testserver/fr/projets/?page=2"
    ]
    # Beyond the last page the list shows the last one, and says so.
    assert head(client.get("/fr/projets/?page=99")).link("canonical") == [
        "http://testserver/fr/projets/?page=3"
    ]


def test_detail_tags(client, world):
    publication = make_publication(world, title_fr="L'effet d'un capteur & co")
    page = head(client.get(publication.get_absolute_url()))
    url = f"http://testserver{publication.get_absolute_url()}"
    assert page.link("canonical") == [url]
    assert page.meta["og:type"] == ["article"]
    assert page.meta["og:url"] == [url]
    assert page.meta["og:title"] == ["L'effet d'un capteur & co"]  # escaped once, not twice
    assert page.meta["og:description"] == ["Un résumé."]
    alternates = page.alternates()
    assert alternates["fr"] == url
    assert alternates["x-default"] == url
    assert alternates["en"] == (
        f"http://testserver{english('activities:publication-detail', slug=publication.slug)}"
    )
    assert alternates["en"].startswith("http://testserver/en/")


def test_english_detail_tags(client, world):
    project = make_project(world)
    french = project.get_absolute_url()
    url = english("activities:project-detail", slug=project.slug)
    page = head(client.get(url))
    assert page.link("canonical") == [f"http://testserver{url}"]
    assert page.meta["og:locale"] == ["en_GB"]
    assert page.meta["og:locale:alternate"] == ["fr_FR"]
    assert page.alternates()["x-default"] == f"http://testserver{french}"


def test_staff_preview_is_not_offered_to_search_engines(client, world, admin_user):
    draft = make_project(world, state=State.DRAFT)
    client.force_login(admin_user)
    response = client.get(reverse("activities:preview", args=["researchproject", draft.pk]))
    page = head(response)
    assert page.meta["robots"] == ["noindex"]
    assert page.link("canonical") == []
    assert page.alternates() == {}


def test_print_stylesheet_is_linked_for_print_only(client, world):
    page = head(client.get("/fr/"))
    media = {link["href"]: link.get("media") for link in page.links if link["rel"] == "stylesheet"}
    assert media["/static/css/print.css"] == "print"
    assert finders.find("css/print.css") is not None


# sitemap.xml ---------------------------------------------------------------------------


def sitemap_urls(client, url):
    """{location: {hreflang: alternate}} of one sitemap page."""
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)
    return {
        entry.findtext("sm:loc", namespaces=SITEMAP_NS): {
            link.get("hreflang"): link.get("href") for link in entry.iter(XHTML_LINK)
        }
        for entry in root.findall("sm:url", SITEMAP_NS)
    }


def all_sitemap_urls(client):
    index = ET.fromstring(client.get("/sitemap.xml").content)
    urls = {}
    for location in index.iterfind("sm:sitemap/sm:loc", SITEMAP_NS):
        urls.update(sitemap_urls(client, location.text.removeprefix("http://testserver")))
    return urls


def test_sitemap_index_lists_every_section(client, world):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    locations = [loc.text for loc in root.iterfind("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert locations == [
        f"http://testserver/sitemap-{name}.xml"
        for name in [
            "pages",
            "programmes",
            "projects",
            "theses",
            "publications",
            "campus",
            "people",
            "structures",
            "partners",
            "targets",
            "reports",
        ]
    ]


def test_sitemap_has_published_items_in_both_languages_and_never_a_draft(client, world):
    project = make_project(world)
    draft = make_project(world, state=State.DRAFT, slug="brouillon-secret")
    unpublished = make_publication(world, state=State.UNPUBLISHED, slug="retiree", doi="")
    outsider = PersonFactory(slug="seulement-dans-un-brouillon")
    ProjectMember.objects.create(project=draft, person=outsider)

    urls = sitemap_urls(client, "/sitemap-projects.xml")
    french = f"http://testserver{project.get_absolute_url()}"
    english_url = f"http://testserver{english('activities:project-detail', slug=project.slug)}"
    assert french in urls
    assert english_url in urls
    assert english_url.startswith("http://testserver/en/")
    assert (
        urls[french]
        == urls[english_url]
        == {
            "fr": french,
            "en": english_url,
            "x-default": french,  # the French page: /projets/… without a prefix may not exist
        }
    )

    everything = " ".join(all_sitemap_urls(client))
    for hidden in (draft.slug, unpublished.slug, outsider.slug):
        assert hidden not in everything
    assert world["person"].slug in everything  # named in a published project
    assert "/fr/partenaires/chu/" in everything  # its partner
    assert "/fr/cibles/3.4/" in everything
    assert "/recherche/" not in everything


def test_sitemap_lastmod_is_the_entry_last_change(client, world):
    project = make_project(world)
    type(project).objects.filter(pk=project.pk).update(
        updated_at=datetime.datetime(2024, 5, 17, 12, tzinfo=datetime.UTC)
    )
    root = ET.fromstring(client.get("/sitemap-projects.xml").content)
    assert {entry.text for entry in root.iterfind("sm:url/sm:lastmod", SITEMAP_NS)} == {
        "2024-05-17"
    }


def test_sitemap_pages_include_home_lists_and_the_statement(client, world):
    urls = sitemap_urls(client, "/sitemap-pages.xml")
    assert urls["http://testserver/fr/"]["x-default"] == "http://testserver/"
    for path in ["/fr/formations/", "/fr/projets/", "/fr/campus/", "/fr/accessibilite/"]:
        assert f"http://testserver{path}" in urls
    assert len(urls) == 2 * 12  # 12 pages (the report index last), 2 languages


def test_sitemap_pages_beyond_the_limit(client, world, monkeypatch):
    monkeypatch.setattr(PortalSitemap, "limit", 3)
    projects = [make_project(world) for _ in range(4)]  # 8 URLs: 3 pages of 3
    index = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/sitemap-projects.xml?p=2" in index
    assert "http://testserver/sitemap-projects.xml?p=3" in index
    assert "sitemap-projects.xml?p=4" not in index
    pages = [sitemap_urls(client, f"/sitemap-projects.xml?p={n}") for n in (1, 2, 3)]
    assert [len(page) for page in pages] == [3, 3, 2]
    listed = set().union(*pages)
    for project in projects:
        assert f"http://testserver{project.get_absolute_url()}" in listed
    assert client.get("/sitemap-projects.xml?p=4").status_code == 404
    assert client.get("/sitemap-projects.xml?p=deux").status_code == 404
    assert client.get("/sitemap-inconnu.xml").status_code == 404


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


SITEMAP_URLS = ["/sitemap.xml", "/sitemap-projects.xml", "/sitemap-people.xml"]


def test_sitemap_query_count_does_not_grow_with_rows(client, world):
    make_project(world)
    few = [count_queries(client, url) for url in SITEMAP_URLS]
    for _ in range(20):
        make_project(world)
        ProjectMember.objects.create(project=make_project(world), person=PersonFactory())
    many = [count_queries(client, url) for url in SITEMAP_URLS]
    # Index: per section one COUNT, and for the five activity kinds a MAX(updated_at);
    # the reports' section, one query for the years that have a report.
    # A section page: one COUNT, one slice of rows.
    assert few == many == [9 + 5 + 1, 2, 2]


# Feeds ---------------------------------------------------------------------------------


def publish(item, when):
    type(item).objects.filter(pk=item.pk).update(published_at=when)


def dated_world(world):
    """One published item of each kind, a day apart (campus newest), and a draft."""
    now = timezone.now()
    items = {}
    for days, (kind, make) in enumerate(reversed(MAKERS.items())):
        items[kind] = make(world)
        publish(items[kind], now - datetime.timedelta(days=days))
    items["draft"] = make_project(world, state=State.DRAFT, title_fr="Brouillon")
    return items


def rss_items(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    return channel, channel.findall("item")


def test_rss_of_everything_lists_published_items_newest_first(client, world):
    items = dated_world(world)
    channel, entries = rss_items(client, "/fr/flux/rss/")
    assert channel.findtext("language") == "fr"
    assert channel.findtext("link") == "http://testserver/fr/"
    links = [entry.findtext("link") for entry in entries]
    expected = [items[kind] for kind in reversed(MAKERS)]  # campus (newest) … programme
    assert links == [f"http://testserver{item.get_absolute_url()}" for item in expected]
    assert "Brouillon" not in ET.tostring(channel, encoding="unicode")
    guids = [entry.find("guid") for entry in entries]
    assert len({guid.text for guid in guids}) == len(guids)
    assert all(guid.get("isPermaLink") == "false" for guid in guids)
    assert guids[0].text == f"tag:testserver,2023:fr/campusinitiative/{items['campus'].pk}"
    assert [category.text for category in entries[0].findall("category")] == ["3.4"]
    dates = [entry.findtext("pubDate") for entry in entries]
    assert all(dates)


def test_feed_description_is_the_summary_escaped(client, world):
    make_project(world, summary_fr="Moins <b>gras</b> & plus\n\nsain")
    _channel, (entry,) = rss_items(client, "/fr/flux/projets/rss/")
    # Readers take the description as HTML: the summary's markup is text, in paragraphs.
    assert entry.findtext("description") == (
        "<p>Moins &lt;b&gt;gras&lt;/b&gt; &amp; plus</p>\n\n<p>sain</p>"
    )


def test_atom_of_one_kind_lists_only_that_kind(client, world):
    items = dated_world(world)
    older = make_project(world, title_fr="Plus ancien")
    publish(older, timezone.now() - datetime.timedelta(days=30))
    response = client.get("/fr/flux/projets/atom/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall("atom:entry", ATOM_NS)
    links = [entry.find("atom:link", ATOM_NS).get("href") for entry in entries]
    assert links == [
        f"http://testserver{items['projects'].get_absolute_url()}",
        f"http://testserver{older.get_absolute_url()}",
    ]
    assert feed.find("atom:author/atom:name", ATOM_NS).text == "IMT Mines Alès"
    assert "Projets de recherche" in feed.findtext("atom:title", namespaces=ATOM_NS)
    ids = [entry.findtext("atom:id", namespaces=ATOM_NS) for entry in entries]
    assert len(set(ids)) == 2


@pytest.mark.parametrize("kind", list(MAKERS))
def test_each_kind_has_rss_and_atom(client, world, kind):
    item = MAKERS[kind](world)
    for fmt in ("rss", "atom"):
        url = reverse(f"activities:feed-{kind}-{fmt}")
        response = client.get(url)
        assert response.status_code == 200
        assert item.get_absolute_url().encode() in response.content
        ET.fromstring(response.content)  # well-formed


def test_feed_keeps_the_latest_thirty(client, world):
    now = timezone.now()
    for n in range(32):
        publish(make_project(world, title_fr=f"Projet {n:02d}"), now + datetime.timedelta(n))
    _channel, entries = rss_items(client, "/fr/flux/rss/")
    titles = [entry.findtext("title") for entry in entries]
    assert len(titles) == 30
    assert titles[0].endswith("Projet 31")
    assert titles[-1].endswith("Projet 02")


def test_unknown_kind_feed_is_not_found(client, world):
    assert client.get("/fr/flux/inconnu/rss/").status_code == 404
    assert client.get("/fr/flux/projets/json/").status_code == 404


def test_english_feed_links_to_english_pages(client, world):
    project = make_project(world, title_en="English title")
    url = english("activities:feed-projects-rss")
    assert url.startswith("/en/")
    channel, (entry,) = rss_items(client, url)
    assert channel.findtext("language") == "en"
    assert entry.findtext("title") == f"{project.acronym} — English title"
    assert entry.findtext("link") == (
        f"http://testserver{english('activities:project-detail', slug=project.slug)}"
    )


FEED_URLS = ["/fr/flux/rss/", "/fr/flux/atom/", "/fr/flux/projets/rss/"]


def test_feed_query_count_does_not_grow_with_rows(client, world):
    dated_world(world)
    few = [count_queries(client, url) for url in FEED_URLS]
    for _ in range(10):
        for make in MAKERS.values():
            make(world)
    many = [count_queries(client, url) for url in FEED_URLS]
    # Per kind: the latest rows, then their targets.
    assert few == many == [10, 10, 2]


# robots.txt ----------------------------------------------------------------------------


def test_robots_txt(client, world):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text.splitlines()
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(text.splitlines())
    for path in [
        "/fr/",
        "/fr/projets/",
        "/fr/projets/?structure=i3a&target=3.4",
        "/fr/projets/tele-mouv/",
        "/sitemap.xml",
        english("activities:project-list"),
    ]:
        assert parser.can_fetch("*", path), path
    for path in [
        "/admin/",
        "/admin/activities/",
        "/fr/apercu/researchproject/1/",
        english("activities:preview", model_name="researchproject", pk=1),
        "/fr/recherche/?q=apnée",
        english("activities:search"),
        "/fr/projets/export.csv?structure=i3a",
        english("activities:publication-export", fmt="bib"),
    ]:
        assert not parser.can_fetch("*", path), path


# Accessibility statement ---------------------------------------------------------------


def test_accessibility_statement_in_french(client, world, settings):
    settings.CONTACT_EMAIL = ""
    response = client.get("/fr/accessibilite/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Déclaration d'accessibilité</h1>" in html
    assert "non conforme" in html
    assert "aucun audit de conformité" in html
    assert "axe-core" in html
    assert "6 avenue de Clavières, 30100 Alès" in html
    assert "Libre réponse 71120, 75342 Paris CEDEX 07" in html
    assert "mailto:" not in html
    assert "http://testserver/" in html  # the site's own address


def test_accessibility_statement_gives_the_contact_email_when_set(client, world, settings):
    settings.CONTACT_EMAIL = "accessibilite@example.org"
    html = client.get("/fr/accessibilite/").content.decode()
    assert 'href="mailto:accessibilite@example.org"' in html


def test_accessibility_statement_in_english(client, world):
    url = english("activities:accessibility")
    assert url.startswith("/en/")
    response = client.get(url)
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    assert head(response).alternates()["fr"] == "http://testserver/fr/accessibilite/"


@pytest.mark.parametrize(
    "url_of",
    [
        lambda items: "/fr/",
        lambda items: "/fr/projets/",
        lambda items: items["publications"].get_absolute_url(),
        lambda items: "/fr/recherche/?q=x",
        lambda items: english("activities:home"),
    ],
    ids=["home", "list", "detail", "search", "english-home"],
)
def test_every_page_links_the_statement_and_the_feeds_in_its_footer(client, world, url_of):
    items = dated_world(world)
    url = url_of(items)
    language = "en" if url.startswith("/en/") else "fr"
    with translation.override(language):
        statement = reverse("activities:accessibility")
        feeds = {reverse("activities:feed-rss"), reverse("activities:feed-atom")}
    html = client.get(url).content.decode()
    footer = Head(html[html.index("<footer") :])
    hrefs = {anchor["href"] for anchor in footer.anchors}
    assert statement in hrefs
    assert feeds <= hrefs


def test_a_bad_contact_email_stops_start_up():
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment["CONTACT_EMAIL"] = "pas une adresse"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "CONTACT_EMAIL='pas une adresse' is not an e-mail address" in result.stderr
