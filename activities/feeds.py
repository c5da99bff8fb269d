"""RSS 2.0 and Atom feeds of newly published items: every kind together, and one per kind.

Paths, in the current language (English paths are the translations of the French ones):
``/fr/flux/rss/`` and ``/fr/flux/atom/`` for everything, ``/fr/flux/projets/rss/``,
``/fr/flux/projets/atom/``… for one kind. A kind's segment is its list page's own path
(the same translatable string), so the language switch keeps the feed, and a kind that
does not exist has no route: 404.

Items are the latest ``FEED_SIZE`` published entries, newest publication first; like every
public query, they start from ``published()``.
"""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import F
from django.http.request import split_domain_port
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import linebreaks
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from .views import SECTIONS

FEED_SIZE = 30

FORMATS = {"rss": Rss201rev2Feed, "atom": Atom1Feed}

# The list pages' path segments (the msgids of activities/urls.py, translated once).
KIND_PATHS = {
    "programmes": gettext_lazy("formations/"),
    "projects": gettext_lazy("projets/"),
    "theses": gettext_lazy("theses/"),
    "publications": gettext_lazy("publications/"),
    "campus": gettext_lazy("campus/"),
}

# The year in the items' tag URIs (RFC 4151): any date at which the portal's host name
# belonged to the school; fixed so that an item's id never changes.
TAG_DATE = "2023"


@dataclass
class FeedRequest:
    """What the feed needs to know of the request: the host, for the items' ids."""

    host: str


class LatestFeed(Feed):
    """The newest published items of one kind (``section``) or of all kinds (None)."""

    author_name = "IMT Mines Alès"
    item_guid_is_permalink = False

    def __init__(self, section=None, fmt="rss"):
        super().__init__()
        self.section = section
        self.feed_type = FORMATS[fmt]

    def get_object(self, request, *args, **kwargs):
        host, _port = split_domain_port(request.get_host())
        return FeedRequest(host=host or "localhost")

    def title(self, obj):
        if self.section is None:
            return _("Nouveautés du portail ODD 3 d'IMT Mines Alès")
        return _("%(kind)s : nouveautés du portail ODD 3 d'IMT Mines Alès") % {
            "kind": self.section.title
        }

    def description(self, obj):
        if self.section is None:
            return _(
                "Formations, projets de recherche, thèses, publications et vie sur le campus : "
                "ce qu'IMT Mines Alès fait pour la santé et le bien-être, dans l'ordre de leur "
                "mise en ligne."
            )
        return str(self.section.description)

    subtitle = description  # Atom's name for it

    def link(self, obj):
        if self.section is None:
            return reverse("activities:home")
        return reverse(self.section.list_url)

    def items(self, obj):
        sections = SECTIONS if self.section is None else [self.section]
        items = []
        for section in sections:
            # One query for the rows and one for their targets, per kind.
            latest = (
                section.published()
                .order_by(F("published_at").desc(nulls_last=True), "-pk")
                .prefetch_related("targets")[:FEED_SIZE]
            )
            items.extend(latest)
        items.sort(key=self.item_pubdate, reverse=True)
        language = get_language()
        for item in items[:FEED_SIZE]:
            item.feed_guid = (
                f"tag:{obj.host},{TAG_DATE}:{language}/{item._meta.model_name}/{item.pk}"
            )
        return items[:FEED_SIZE]

    def item_title(self, item):
        # Plain text: the feed generator escapes it for XML.
        return getattr(item, "display_title", item.title)

    def item_description(self, item):
        # HTML, as RSS and Atom readers take it: the summary escaped, in paragraphs.
        return linebreaks(item.summary, autoescape=True)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        """A tag URI on the item's model and id: stable when its title or slug change."""
        return item.feed_guid

    def item_pubdate(self, item):
        # published_at is set on first publication; created_at only for rows that were
        # written in the published state without save() (bulk loads).
        return item.published_at or item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [target.code for target in item.targets.all()]


def feed_name(section=None, fmt="rss"):
    """The URL name of a feed: ``activities:feed-rss``, ``activities:feed-projects-atom``…"""
    return f"activities:{_route_name(section, fmt)}"


def _route_name(section, fmt):
    return f"feed-{fmt}" if section is None else f"feed-{section.key}-{fmt}"


urlpatterns = [
    *(path(f"{fmt}/", LatestFeed(fmt=fmt), name=_route_name(None, fmt)) for fmt in FORMATS),
    *(
        path(
            format_lazy("{}{}/", KIND_PATHS[section.key], fmt),
            LatestFeed(section, fmt),
            name=_route_name(section, fmt),
        )
        for section in SECTIONS
        for fmt in FORMATS
    ),
]
