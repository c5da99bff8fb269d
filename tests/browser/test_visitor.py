"""What a visitor does with the 2023 report, in a real browser: search, filter, share a
filtered list, switch language, filter live with JavaScript and without it.

The expected results come from the same querysets the site uses, so these tests follow
the data; each also checks that its filter really narrows the list.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from activities.models import ResearchProject, SDGTarget, Structure

pytestmark = pytest.mark.browser

# A lab (C2MA, whose team RIME runs the projects) and a target that narrow the projects.
STRUCTURE = "c2ma"
TARGET = "3.9"

CARDS = "main article.card"
CARD_LINKS = f"{CARDS} h3 a"
LIVE_RESULT_LINKS = "#results article.card h3 a"  # the part the live filter updates


def card_slugs(page):
    """The slugs of the items listed as result cards, in order."""
    hrefs = page.locator(CARD_LINKS).evaluate_all("links => links.map(a => a.pathname)")
    return [href.rstrip("/").rpartition("/")[2] for href in hrefs]


def projects(*, structure=None, target=None):
    """Slugs of the published projects a filter should list, sorted."""
    found = ResearchProject.objects.published()
    if structure:
        found = found.for_structure(Structure.objects.get(slug=structure))
    if target:
        found = found.for_target(SDGTarget.objects.get(code=target))
    return sorted(found.values_list("slug", flat=True))


def query_of(page):
    return parse_qs(urlsplit(page.url).query)


def has_live_filter(page):
    return page.locator("form[data-live-filter]").count() > 0


def choose(page, name, value):
    """Pick a filter's value in its <select>; a live filter then updates the URL itself."""
    page.locator(f'select[name="{name}"]').select_option(value)
    if has_live_filter(page):
        page.wait_for_url(re.compile(rf"[?&]{name}={re.escape(value)}(&|$)"))


def assert_cards_match(page, *, structure, target):
    """Each card carries the target's tag and the tag of the structure or of a team of it."""
    chosen = Structure.objects.get(slug=structure)
    structure_urls = {
        s.get_absolute_url() for s in Structure.objects.filter(pk__in=chosen.descendant_ids())
    }
    target_url = SDGTarget.objects.get(code=target).get_absolute_url()
    for card in page.locator(CARDS).all():
        tags = set(card.locator("a.tag").evaluate_all("links => links.map(a => a.pathname)"))
        title = card.locator("h3").inner_text()
        assert target_url in tags, f"{title}: no tag of target {target}"
        assert tags & structure_urls, f"{title}: no tag of {structure} or of its teams"


def test_searching_apnee_from_the_header_finds_tele_mouv(report_site, page):
    page.goto(report_site.url("activities:home"))
    search_box = page.get_by_role("banner").get_by_role("searchbox")
    search_box.fill("apnée")
    search_box.press("Enter")

    search_path = report_site.path_of(report_site.url("activities:search"))
    page.wait_for_url(lambda url: urlsplit(url).path == search_path)
    assert query_of(page)["q"] == ["apnée"]
    project_path = ResearchProject.objects.get(slug="tele-mouv").get_absolute_url()
    result = page.locator(f'main a[href="{project_path}"]').first
    expect(result).to_contain_text("Télé-Mouv")
    result.click()
    expect(page).to_have_url(report_site.base_url + project_path)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Télé-Mouv")


def test_filtering_projects_by_structure_and_target_narrows_a_list_that_can_be_shared(
    report_site, page
):
    page.goto(report_site.url("activities:project-list"))
    everything = card_slugs(page)
    expected = projects(structure=STRUCTURE, target=TARGET)
    assert 0 < len(expected) < len(everything) == len(projects())

    choose(page, "structure", STRUCTURE)
    choose(page, "target", TARGET)
    if not has_live_filter(page):
        page.get_by_role("button", name="Appliquer").click()
        page.wait_for_url(re.compile(r"[?&]target="))

    expect(page.locator(CARD_LINKS)).to_have_count(len(expected))
    assert sorted(card_slugs(page)) == expected
    assert_cards_match(page, structure=STRUCTURE, target=TARGET)
    query = query_of(page)
    assert query["structure"] == [STRUCTURE] and query["target"] == [TARGET]

    shared = page.context.new_page()
    shared.goto(page.url)
    assert card_slugs(shared) == card_slugs(page)


def test_the_language_switch_keeps_the_item(report_site, page):
    french = report_site.url("activities:project-detail", slug="tele-mouv")
    english = report_site.url("activities:project-detail", slug="tele-mouv", lang="en")
    assert urlsplit(english).path.startswith("/en/") and english.endswith("/tele-mouv/")
    page.goto(french)

    page.locator('header a[hreflang="en"]').click()
    expect(page).to_have_url(english)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Télé-Mouv")

    page.locator('header a[hreflang="fr"]').click()
    expect(page).to_have_url(french)
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_the_live_filter_updates_results_and_url_without_reloading(report_site, page):
    page.goto(report_site.url("activities:project-list"))
    form = page.locator("form[data-live-filter]")
    expect(form, "the filter form should carry data-live-filter").to_have_count(1)
    count = page.locator("#result-count")
    expect(count).to_have_attribute("role", "status")
    expected = projects(structure=STRUCTURE)
    assert len(expected) < len(projects())
    before = count.inner_text()
    # Marks on the window and on the live region: a reload, or a live region replaced
    # rather than updated (which screen readers may not announce), loses them.
    page.evaluate("window.__noReload = 1; document.getElementById('result-count').__kept = 1")

    form.locator('select[name="structure"]').select_option(STRUCTURE)

    expect(count).not_to_have_text(before)
    expect(count).to_contain_text(str(len(expected)))
    expect(page).to_have_url(re.compile(rf"[?&]structure={STRUCTURE}(&|$)"))
    expect(page.locator(LIVE_RESULT_LINKS)).to_have_count(len(expected))
    assert sorted(card_slugs(page)) == expected
    assert page.evaluate("window.__noReload") == 1, "the page was reloaded"
    assert page.evaluate("document.getElementById('result-count').__kept") == 1, (
        "the result count was replaced, not updated: screen readers may not announce it"
    )


def test_without_javascript_the_same_filter_works_by_submitting_the_form(
    report_site, page_without_js
):
    page = page_without_js
    page.goto(report_site.url("activities:project-list"))
    everything = card_slugs(page)
    expected = projects(structure=STRUCTURE, target=TARGET)

    page.locator('select[name="structure"]').select_option(STRUCTURE)
    page.locator('select[name="target"]').select_option(TARGET)
    assert urlsplit(page.url).query == "", "nothing should happen before the form is sent"
    page.get_by_role("button", name="Appliquer").click()

    page.wait_for_url(re.compile(r"[?&]target="))
    query = query_of(page)
    assert query["structure"] == [STRUCTURE] and query["target"] == [TARGET]
    assert sorted(card_slugs(page)) == expected
    assert len(expected) < len(everything)
    assert_cards_match(page, structure=STRUCTURE, target=TARGET)
