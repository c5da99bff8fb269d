"""One-off public pages: the accessibility statement and robots.txt."""

import datetime

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from .views import SECTIONS, PublicPageMixin

# The day the accessibility statement was written or last brought up to date; change it
# with the statement (templates/pages/accessibility.html).
STATEMENT_DATE = datetime.date(2026, 11, 28)


class AccessibilityView(PublicPageMixin, TemplateView):
    """The accessibility statement (RGAA model "Déclaration d'accessibilité")."""

    template_name = "pages/accessibility.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            statement_date=STATEMENT_DATE,
            site_url=self.request.build_absolute_uri("/"),
            contact_email=settings.CONTACT_EMAIL,
            **kwargs,
        )


# robots.txt --------------------------------------------------------------------------------

# A value that no real model name or export format takes, to cut a reversed URL down to
# the prefix shared by every URL of its pattern.
_MARKER = "robots-prefix-marker"


def _prefix(name, **kwargs):
    """The path of ``name`` up to its first variable part, given as ``_MARKER``."""
    url = reverse(name, kwargs=kwargs)
    return url[: url.index(_MARKER)]


def disallowed_paths():
    """Paths crawlers should not fetch, in every language.

    - the admin and the language switch (a POST endpoint);
    - staff previews (they answer only to staff, and say noindex anyway);
    - search results: an endless set of URLs, each a reshuffle of pages that are in the
      sitemap (Google's guidelines ask to keep crawlers out of them);
    - exports: files with every row of a list, one per combination of filters; the same
      content as the list pages, costly to produce.
    Filtered list pages stay open: a shared link to "the projects of a lab for target 3.4"
    is a page worth finding.
    """
    paths = ["/admin/", "/i18n/"]
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            paths.append(_prefix("activities:preview", model_name=_MARKER, pk=0))
            paths.append(reverse("activities:search"))
            for section in SECTIONS:
                export = section.list_url.replace("-list", "-export")
                paths.append(_prefix(export, fmt=_MARKER))
    return list(dict.fromkeys(paths))  # without duplicates, in order


@require_GET
def robots_txt(request):
    # Disallow lines first: Google picks the longest matching rule, simpler parsers the
    # first one; in this order both read the same thing.
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in disallowed_paths()),
        "Allow: /",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
