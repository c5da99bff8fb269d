"""The 2023 report, loaded as `make run` loads it, browsed and filtered as the public does."""

import re

import pytest

from activities.models import (
    CampusInitiative,
    Programme,
    Publication,
    ResearchProject,
    Thesis,
)

pytestmark = pytest.mark.usefixtures("report_2023")


def slugs(response, kind_path):
    """Slugs of the items listed as result cards, in order."""
    return re.findall(rf'<h3><a href="/fr/{kind_path}/([^/]+)/">', response.content.decode())


I3A_PROJECTS = {
    "semtaxm",
    "pims",
    "axiaum",
    "aibiopretras",
    "tele-mouv",
    "kami-2",
    "readynov-mask-covid",
}


def test_projects_of_ceris_are_those_of_its_team_i3a(client):
    response = client.get("/fr/projets/", {"structure": "ceris"})
    assert set(slugs(response, "projets")) == I3A_PROJECTS
    assert "7 résultats" in response.content.decode()


def test_projects_of_rime_and_creer(client):
    rime = slugs(client.get("/fr/projets/", {"structure": "c2ma"}), "projets")
    assert set(rime) == {"qai-sport", "plastoxpreg"}
    creer = slugs(client.get("/fr/projets/", {"structure": "creer"}), "projets")
    assert set(creer) == {"leurre-moustiques-dipteratech", "impetus"}


def test_theses_supervised_by_jacky_montmain(client):
    response = client.get("/fr/theses/", {"person": "jacky-montmain"})
    assert set(slugs(response, "theses")) == {"these-zaineb-ajra", "these-nouha-taleb-salah"}


def test_items_serving_target_3_9(client):
    projects = slugs(client.get("/fr/projets/", {"target": "3.9"}), "projets")
    assert {"qai-sport", "plastoxpreg"} <= set(projects)
    assert "tele-mouv" not in projects
    target_page = client.get("/fr/cibles/3.9/").content.decode()
    assert 'href="/fr/projets/qai-sport/"' in target_page


def test_partner_and_funder_filters(client):
    chu = slugs(client.get("/fr/projets/", {"partner": "chu-de-montpellier"}), "projets")
    assert chu == ["tele-mouv"]
    ademe = slugs(client.get("/fr/projets/", {"partner": "ademe"}), "projets")
    assert ademe == ["qai-sport"]
    i2s = slugs(client.get("/fr/theses/", {"partner": "ecole-doctorale-i2s"}), "theses")
    assert "these-zaineb-ajra" in i2s and "these-nouha-taleb-salah" not in i2s


def test_kind_status_and_audience_filters(client):
    anr = slugs(client.get("/fr/projets/", {"kind": "anr"}), "projets")
    assert anr == ["axiaum"]
    europe = slugs(client.get("/fr/projets/", {"kind": "europe", "status": "ongoing"}), "projets")
    assert europe == ["impetus"]
    staff = slugs(client.get("/fr/campus/", {"audience": "staff"}), "campus")
    assert "politique-action-sociale-personnels" in staff
    assert "cartel-2023" not in staff
    sport = slugs(client.get("/fr/campus/", {"kind": "sport"}), "campus")
    assert "cartel-2023" in sport


def test_year_filter_and_combined_filters(client):
    everything = slugs(client.get("/fr/projets/", {"year": "2023"}), "projets")
    assert len(everything) == ResearchProject.objects.count()
    combined = slugs(
        client.get("/fr/projets/", {"structure": "i3a", "target": "3.3", "year": "2023"}),
        "projets",
    )
    assert combined == ["readynov-mask-covid"]
    before = client.get("/fr/projets/", {"year": "2015"})  # a real year, with nothing in it
    assert slugs(before, "projets") == []
    assert "0 résultat" in before.content.decode()
    programmes = slugs(client.get("/fr/formations/", {"year": "2015"}), "formations")
    assert programmes == ["double-diplome-sns"]


def test_word_search_in_lists_and_across_the_site(client):
    assert slugs(client.get("/fr/projets/", {"q": "apnée"}), "projets") == ["tele-mouv"]
    page = client.get("/fr/recherche/", {"q": "Slangen"}).content.decode()
    assert 'href="/fr/publications/capteurs-inertiels-sport-haut-niveau-volleyball-2023/"' in page


LISTS = [
    (Programme, "/fr/formations/"),
    (ResearchProject, "/fr/projets/"),
    (Thesis, "/fr/theses/"),
    (Publication, "/fr/publications/"),
    (CampusInitiative, "/fr/campus/"),
]


@pytest.mark.parametrize(("model", "list_url"), LISTS, ids=lambda value: str(value))
def test_every_item_of_the_report_has_its_page_reachable_from_its_list(client, model, list_url):
    items = list(model.objects.published())
    assert items
    listing = client.get(list_url).content.decode()
    for item in items:
        url = item.get_absolute_url()
        assert f'href="{url}"' in listing, url
        detail = client.get(url)
        assert detail.status_code == 200, url
        assert detail.content.decode().count("<h1>") == 1


def test_thesis_page_shows_supervisors_in_order_with_links(client):
    html = client.get("/fr/theses/these-zaineb-ajra/").content.decode()
    positions = [html.index(f'href="/fr/personnes/{slug}/"') for slug in (
        "jacky-montmain", "stephane-perrey", "binbin-xu"
    )]  # fmt: skip
    assert positions == sorted(positions)
    assert 'href="/fr/projets/axiaum/"' in html
    assert 'href="/fr/partenaires/ecole-doctorale-i2s/"' in html


def test_campus_page_shows_key_figures(client):
    html = client.get("/fr/campus/politique-action-sociale-personnels/").content.decode()
    assert "environ 65\xa0000 €" in html
    cartel = client.get("/fr/campus/cartel-2023/").content.decode()
    assert "325" in cartel


def test_english_pages_show_english_titles(client):
    html = client.get("/en/projects/tele-mouv/").content.decode()
    assert "Maintaining the benefits of a rehabilitation stay" in html
