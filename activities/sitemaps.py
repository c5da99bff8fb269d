"""sitemap.xml: every public page worth indexing, in French and in English.

``/sitemap.xml`` is an index (django.contrib.sitemaps) of one sitemap per section
(``/sitemap-projects.xml``…), each paged by ``?p=`` beyond ``limit`` URLs. Each URL comes
with its hreflang alternates in both languages and an ``x-default``.

Included: the home page, the list pages, the published detail pages (lastmod = the
entry's updated_at), people and partners who have a public page (``with_public_activity``),
every structure (all have a public page, listed by the structures index), the SDG 3
targets, and the report index and the yearly report of every year it lists. Never a
draft. Not included: search results (robots.txt keeps crawlers out of them) and exports
(files, not pages).

At scale: a page of a sitemap fetches only its own rows (one COUNT, one slice with the
few columns a URL needs), not every object of the section.
"""

from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from .models import Organisation, Person, SDGTarget, Structure
from .reports import report_years
from .views import SECTIONS


class LanguagePairs(Sequence):
    """The (item, language) pairs of a queryset, read one slice at a time.

    Django's i18n sitemaps list these pairs for the whole queryset before paginating;
    this sequence counts with one COUNT and fetches only the rows of the requested page.
    """

    def __init__(self, queryset, languages):
        self.queryset = queryset
        self.languages = list(languages)
        self._count = None

    def count(self):
        if self._count is None:
            self._count = self.queryset.count() * len(self.languages)
        return self._count

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            pairs = self[index : index + 1] if index >= 0 else self[index:][:1]
            if not pairs:
                raise IndexError(index)
            return pairs[0]
        start, stop, step = index.indices(len(self))
        per_item = len(self.languages)
        first, last = start // per_item, -(-stop // per_item)  # ceiling division
        rows = list(self.queryset[first:last]) if last > first else []
        pairs = [(row, language) for row in rows for language in self.languages]
        offset = first * per_item
        return pairs[start - offset : stop - offset : step]


class PortalSitemap(Sitemap):
    """A section of the portal's sitemap, in both languages, with hreflang alternates."""

    i18n = True
    alternates = True
    x_default = True
    # Google reads up to 50 000 URLs a file; smaller pages answer faster.
    limit = 10_000

    def _items(self):
        return LanguagePairs(self.items(), self._languages())

    def _urls(self, page, protocol, domain):
        """Django's URLs, with x-default pointing to the French page.

        Django derives x-default by removing the language prefix (``/projets/slug/``);
        the LocaleMiddleware then adds the visitor's language, which breaks once the
        English paths are translated (``/en/projets/`` does not exist). The French page
        always exists; only the home page keeps its bare ``/``, which redirects by
        language.
        """
        urls = super()._urls(page, protocol, domain)
        root = f"{protocol}://{domain}/"
        for url in urls:
            by_language = {alternate["lang_code"]: alternate for alternate in url["alternates"]}
            x_default = by_language.get("x-default")
            if x_default is not None and x_default["location"] != root:
                x_default["location"] = by_language[settings.LANGUAGE_CODE]["location"]
        return urls


class PagesSitemap(PortalSitemap):
    """The home page, the list pages and the index pages."""

    names = [
        "activities:home",
        *(section.list_url for section in SECTIONS),
        "activities:target-list",
        "activities:structure-list",
        "activities:partner-list",
        "activities:person-list",
        "activities:accessibility",
        "activities:report-list",
    ]

    def _items(self):
        return [(name, language) for name in self.names for language in self._languages()]

    def items(self):
        return self.names

    def location(self, name):
        return reverse(name)


class QuerySetSitemap(PortalSitemap):
    """Rows of a queryset, in primary-key order so that pages are stable, reading only
    the columns their URL needs."""

    fields = ("pk", "slug")

    def queryset(self):
        raise NotImplementedError

    def items(self):
        return self.queryset().only(*self.fields).order_by("pk")


class ActivitySitemap(QuerySetSitemap):
    """The published entries of one kind; lastmod is the entry's last change."""

    fields = ("pk", "slug", "updated_at")

    def __init__(self, section):
        self.section = section

    def queryset(self):
        return self.section.published()

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        """The section's latest change, in one aggregate (Django would load every row)."""
        return self.queryset().aggregate(latest=Max("updated_at"))["latest"]


# A person's, a partner's or a structure's page lists activities that change without the
# row itself changing: these sections give no lastmod rather than a wrong one.


class PersonSitemap(QuerySetSitemap):
    def queryset(self):
        return Person.objects.with_public_activity()


class PartnerSitemap(QuerySetSitemap):
    def queryset(self):
        return Organisation.objects.with_public_activity()


class StructureSitemap(QuerySetSitemap):
    def queryset(self):
        return Structure.objects.all()


class TargetSitemap(QuerySetSitemap):
    fields = ("pk", "code")

    def queryset(self):
        return SDGTarget.objects.all()


class ReportSitemap(PortalSitemap):
    """The yearly report of each year that has one (one query: activities.reports). No
    lastmod: a report changes with the entries it gathers."""

    def _items(self):
        return [(year, language) for year in self.items() for language in self._languages()]

    def items(self):
        return [entry.year for entry in report_years()]

    def location(self, year):
        return reverse("activities:report-detail", kwargs={"year": year})


# Section name → sitemap class (the views make one instance per request), in index order.
SITEMAPS = {
    "pages": PagesSitemap,
    **{section.key: partial(ActivitySitemap, section) for section in SECTIONS},
    "people": PersonSitemap,
    "structures": StructureSitemap,
    "partners": PartnerSitemap,
    "targets": TargetSitemap,
    "reports": ReportSitemap,
}
