"""axe-core finds no WCAG 2.1 A/AA violation on any public page, in French and English.

PAGES is the one list of pages checked; test_every_public_page_is_checked fails when a
public URL pattern has no page in it, so a page cannot be added without its check.
axe-core is the copy bundled in axe-playwright-python: it runs offline.
"""

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import URLPattern, URLResolver, get_resolver

from .conftest import DESKTOP, PHONE

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE = Axe()  # its axe_script: the axe-core it bundles
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}


@dataclass(frozen=True)
class Page:
    """A public page: its URL name, its URL arguments and query (filters)."""

    name: str
    kwargs: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)

    def url(self, site, lang):
        return site.url(self.name, lang=lang, query=urlencode(self.query), **self.kwargs)


# Every public page, with the report loaded. Lists appear plain, filtered, paginated
# (PAGE_SIZE is lowered for the check), with no result and with invalid filter values.
PAGES = [
    Page("activities:home"),
    Page("activities:search"),
    Page("activities:search", query={"q": "apnée"}),
    Page("activities:search", query={"q": "introuvable"}),
    Page("activities:search", query={"q": "santé", "kind": "projects"}),
    Page("activities:programme-list"),
    Page("activities:programme-list", query={"target": "3.b"}),
    Page("activities:project-list"),
    Page("activities:project-list", query={"structure": "ceris", "target": "3.4", "year": "2023"}),
    Page("activities:project-list", query={"page": "2"}),
    Page("activities:project-list", query={"year": "2001"}),
    Page("activities:project-list", query={"year": "abc", "structure": "inconnue"}),
    Page("activities:thesis-list"),
    Page("activities:thesis-list", query={"structure": "euromov-dhm", "status": "ongoing"}),
    Page("activities:publication-list"),
    Page("activities:publication-list", query={"q": "mouvement"}),
    Page("activities:campus-list"),
    Page("activities:campus-list", query={"audience": "students", "target": "3.4"}),
    Page("activities:programme-detail", {"slug": "master-biotin"}),
    Page("activities:project-detail", {"slug": "tele-mouv"}),
    Page("activities:thesis-detail", {"slug": "these-zaineb-ajra"}),
    Page("activities:publication-detail", {"slug": "implicit-stigma-schizophrenia-2023"}),
    Page("activities:campus-detail", {"slug": "cartel-2023"}),
    Page("activities:person-list"),
    Page("activities:person-detail", {"slug": "zaineb-ajra"}),
    Page("activities:structure-list"),
    Page("activities:structure-detail", {"slug": "ceris"}),
    Page("activities:partner-list"),
    Page("activities:partner-detail", {"slug": "ademe"}),
    Page("activities:target-list"),
    Page("activities:target-detail", {"code": "3.4"}),
    Page("activities:accessibility"),
    Page("activities:report-list"),
    Page("activities:report-detail", {"year": 2023}),
    Page("activities:report-detail", {"year": 2024}),  # with what is new since 2023
]

# URL names outside the admin that are not HTML pages for the public, and why.
NOT_PUBLIC_PAGES = {
    "activities:preview": "staff only; it renders the detail pages checked above",
    "set_language": "Django's POST endpoint that sets the language and redirects",
    "robots": "robots.txt, plain text for crawlers",
    "sitemap": "XML for search engines",
    "sitemap-section": "XML for search engines",
    "activities:report-pdf": "the report as a PDF file, made from the report page's HTML",
    "activities:report-docx": "the report as a Word (DOCX) file, not a page",
}


def is_file(name):
    """Exports (CSV, JSON, BibTeX, RIS: "<kind>-export") and feeds (RSS, Atom: "feed-…")
    are files, not pages."""
    short_name = name.rpartition(":")[2]
    return short_name.endswith("-export") or short_name.startswith("feed-")


def public_url_names(patterns=None, prefix="", namespace=""):
    """(qualified name, route) of every named URL pattern outside the admin."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith("admin/"):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += public_url_names(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((namespace + pattern.name, route))
    return found


def test_every_public_page_is_checked():
    names = public_url_names()
    assert "activities:project-list" in dict(names)  # the walk does reach the public site
    checked = {page.name for page in PAGES}
    missing = [
        f"{name} ({route})"
        for name, route in names
        if name not in checked and name not in NOT_PUBLIC_PAGES and not is_file(name)
    ]
    assert not missing, (
        "These public URLs have no accessibility check: add a Page for each to PAGES in "
        "tests/browser/test_accessibility.py (or, if it is not a page for the public, "
        "to NOT_PUBLIC_PAGES with the reason):\n  " + "\n  ".join(missing)
    )
    stale = checked - dict(names).keys()
    assert not stale, f"PAGES names URLs that no longer exist: {sorted(stale)}"


def axe_violations(page):
    """axe-core's violations on the page as it is displayed now.

    axe is injected once per document, then run at each viewport width.
    """
    if not page.evaluate("() => 'axe' in window"):
        page.evaluate(AXE.axe_script)
    return page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)["violations"]


def violations_report(where, width, violations):
    """One readable block per violation: rule, impact, help URL, then each element."""
    lines = []
    for violation in violations:
        help_url = violation["helpUrl"].partition("?")[0]
        lines.append(
            f"{where} at {width} px: {violation['id']} [{violation['impact']}] "
            f"{violation['help']} — {help_url}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(selector) for selector in node["target"])
            summary = " ".join(node["failureSummary"].split())
            lines.append(f"    {target}: {summary}")
            lines.append(f"        {node['html'][:200]}")
    return lines


def same_url(first, second):
    """Same path and same query parameters, in whatever order."""
    first, second = urlsplit(first), urlsplit(second)
    return first.path == second.path and parse_qs(first.query) == parse_qs(second.query)


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "other"), [("fr", "en"), ("en", "fr")], ids=["fr", "en"])
def test_no_wcag_violation_on_any_public_page(report_site, page, settings, lang, other):
    """Every page of PAGES at desktop width, and each kind of page (URL name) at phone
    width too: no violation, all of them reported at once.

    Each page is also in the language asked (<html lang>), and its language switch leads
    to the same page, filters included, in the other language.
    """
    settings.PAGE_SIZE = 5  # so that lists show their pagination
    problems = []
    seen_at_phone_width = set()
    for checked in PAGES:
        url = checked.url(report_site, lang)
        where = report_site.path_of(url)
        page.set_viewport_size(DESKTOP)
        response = page.goto(url)
        if response.status != 200:
            problems.append(f"{where}: HTTP {response.status}, not checked")
            continue
        html_lang = page.locator("html").get_attribute("lang")
        if html_lang != lang:
            problems.append(f"{where}: <html lang={html_lang!r}>, expected {lang!r}")
        switch = page.locator(f'header a[hreflang="{other}"]').get_attribute("href")
        if not same_url(switch, checked.url(report_site, other)):
            problems.append(f"{where}: the {other} link leads to {switch}")
        viewports = [DESKTOP]
        if checked.name not in seen_at_phone_width:
            seen_at_phone_width.add(checked.name)
            viewports.append(PHONE)
        for viewport in viewports:
            page.set_viewport_size(viewport)
            problems += violations_report(where, viewport["width"], axe_violations(page))
    assert not problems, f"WCAG ({', '.join(WCAG_21_AA)}):\n" + "\n".join(problems)
