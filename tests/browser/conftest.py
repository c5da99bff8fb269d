"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

No browser is downloaded (`playwright install` is never run): Playwright launches the
system's Chromium, `/usr/bin/chromium` (Debian package `chromium`, which `.ci/run`
installs). Without it these tests are skipped locally, and fail when CI is set, so CI
cannot pass by silently skipping them.
"""

import os
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000


def pytest_runtest_setup(item):
    """Before anything is set up for a test that needs the browser: skip it when Chromium
    is missing, or fail it when CI is set, so that CI cannot pass by skipping."""
    if "browser" in getattr(item, "fixturenames", ()) and not os.path.exists(CHROMIUM):
        reason = (
            f"Chromium is not installed at {CHROMIUM} "
            "(apt-get install chromium; .ci/run installs it)"
        )
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(f"{reason}: CI must run the browser tests.", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(django_db_setup):
    """One headless Chromium for the whole session; each test opens its own context."""
    # Playwright's sync API runs an asyncio event loop in the main thread and marks it as
    # running for as long as the browser is open (from here to the end of the session).
    # Django's ORM sees that running loop and refuses synchronous queries from the test
    # code (SynchronousOnlyOperation), although nothing here is async: the loop only
    # carries Playwright's messages. This lets the browser tests load the report and
    # query the database; it is set only now, so the tests that run before the browser
    # starts (pytest-django runs the transactional ones, these, last) keep Django's check.
    # The live server answers from its own thread, without a loop.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The test database's contents after migrations (SDG targets, roles), which the
    # serialized rollback puts back before each transactional test.
    serialized = {
        connection.alias: connection._test_serialized_contents
        for connection in connections.all()
        if hasattr(connection, "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        # With Playwright's loop marked as running, Django hands the main thread other
        # connection objects than before (its connections are thread-critical locals,
        # kept apart for async code): give them the serialized contents too.
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


class Site:
    """The live server, with the URLs of the public pages in either language."""

    def __init__(self, live_server):
        self.base_url = live_server.url

    def url(self, name, *args, lang="fr", query=None, **kwargs):
        with translation.override(lang):
            path = reverse(name, args=args, kwargs=kwargs)
        return self.base_url + path + (f"?{query}" if query else "")

    def path_of(self, url):
        """The path and query of a URL of this site ("/fr/projets/?structure=…")."""
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def is_local(self, url):
        parts = urlsplit(url)
        return parts.netloc == urlsplit(self.base_url).netloc or parts.scheme in ("data", "blob")


@pytest.fixture
def site(live_server, django_db_serialized_rollback):
    """The live server, empty but for what migrations create (SDG targets, roles).

    The live server answers from another thread, so the test's data must be committed:
    live_server makes the test transactional, the tables are emptied after it, and the
    serialized rollback puts back the rows the migrations created before the next one.
    """
    return Site(live_server)


@pytest.fixture
def report_site(site):
    """The live server with the whole 2023 report, as `make run` loads it."""
    call_command("load_report", "2023", verbosity=0)
    return site


def _open_page(browser, site, **context_options):
    """A fresh context and page that can reach nothing but the live server.

    Requests to any other address are refused and recorded, as are uncaught script
    errors: a page that needs the network, or whose script throws, fails its test.
    """
    context = browser.new_context(locale="fr-FR", viewport=DESKTOP, **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    problems = []

    def refuse_outside(route):
        problems.append(f"request outside the site: {route.request.url}")
        route.abort()

    context.route(lambda url: not site.is_local(url), refuse_outside)
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))
    return context, page, problems


@pytest.fixture
def page(browser, site):
    """A new browser context and page, with JavaScript (the default)."""
    context, page, problems = _open_page(browser, site)
    yield page
    context.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def page_without_js(browser, site):
    """A new browser context and page with JavaScript disabled."""
    context, page, problems = _open_page(browser, site, java_script_enabled=False)
    yield page
    context.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
