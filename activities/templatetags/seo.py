"""What a page's <head> tells search engines, social networks and feed readers.

- ``{% json_ld object %}``: the object's schema.org description (activities.structured_data)
  in a ``<script type="application/ld+json">`` that no value can close early.
- ``{% capture as name %}…{% endcapture %}``: the enclosed output as plain text in a
  variable, so that one block (the page title) feeds ``<title>`` and ``og:title``.
- ``{% seo_head title description %}``: canonical and hreflang links, Open Graph and
  Twitter tags, feed autodiscovery links.
"""

import html
import json
import re

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse, translate_url
from django.utils.html import format_html, strip_tags
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .. import structured_data
from ..feeds import FORMATS, feed_name
from ..models import Activity, Person

register = template.Library()

# As django.utils.html.json_script escapes them: the JSON text can then hold "</script>"
# or "<!--" in a title without ending the element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}

# Open Graph locales (language_TERRITORY) of the site's languages.
OG_LOCALES = {"fr": "fr_FR", "en": "en_GB"}

FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
FEED_LABELS = {"rss": "RSS", "atom": "Atom"}


def json_ld_script(data):
    """A ``<script type="application/ld+json">`` element holding ``data``, safely escaped."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.simple_tag(takes_context=True)
def json_ld(context, obj):
    """The JSON-LD of a detail page's object; nothing for an object it does not describe."""
    request = context.get("request")
    if request is None or obj is None:
        return ""
    data = structured_data.describe(obj, request)
    return json_ld_script(data) if data else ""


# {% capture %} ------------------------------------------------------------------------


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist, self.name = nodelist, name

    def render(self, context):
        context[self.name] = plain_text(self.nodelist.render(context))
        return ""


def plain_text(rendered):
    """Rendered HTML as the text a reader sees: no tags, entities decoded, one space."""
    return re.sub(r"\s+", " ", html.unescape(strip_tags(rendered))).strip()


@register.tag
def capture(parser, token):
    """``{% capture as name %}…{% endcapture %}``: store the output as plain text.

    Blocks inside are still blocks that child templates fill. The variable holds plain
    text: it is escaped again wherever it is printed.
    """
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


# {% seo_head %} ---------------------------------------------------------------------------


def canonical_query(context, request):
    """This page's query string reduced to what decides its content.

    Kept: the parameters the page reads (its filters, ``q`` on the search page) when they
    have a valid, non-empty value, in a fixed order; ``page`` when beyond the first (the
    page actually shown: ``?page=99`` of a 3-page list is page 3). Dropped: tracking
    parameters, values the page refused and ignored, empty fields of a submitted form.
    Each page of a list is its own canonical page, as search engines ask.
    """
    known, refused = set(), set()
    filterset = context.get("filter")
    form = getattr(filterset, "form", None)
    if form is not None:
        known.update(form.fields)
        refused.update(form.errors)
    match = request.resolver_match
    if match is not None and match.url_name == "search":
        known.add("q")
    params = []
    for name in sorted(known - refused):
        values = {value.strip() for value in request.GET.getlist(name)}
        params.extend((name, value) for value in sorted(values) if value)
    page = context.get("page_obj")
    if page is not None and page.number > 1:
        params.append(("page", page.number))
    return urlencode(params)


def _feeds(section):
    """(title, MIME type, URL) of the feeds a page announces: everything, and its kind's."""
    feeds = []
    for fmt in FORMATS:
        title = _("Nouveautés du portail (%(format)s)") % {"format": FEED_LABELS[fmt]}
        feeds.append((title, FEED_TYPES[fmt], reverse(feed_name(None, fmt))))
    if section is not None:
        for fmt in FORMATS:
            title = _("%(kind)s : nouveautés (%(format)s)") % {
                "kind": section.title,
                "format": FEED_LABELS[fmt],
            }
            feeds.append((title, FEED_TYPES[fmt], reverse(feed_name(section, fmt))))
    return feeds


@register.inclusion_tag("includes/seo_head.html", takes_context=True)
def seo_head(context, title, description):
    request = context.get("request")
    if request is None:
        return {}
    language = get_language()
    obj = context.get("object")
    if isinstance(obj, Activity):
        og_type = "article"
    elif isinstance(obj, Person):
        og_type = "profile"
    else:
        og_type = "website"
    data = {
        "title": title,
        "description": description,
        "og_type": og_type,
        "site_name": _("ODD 3 — IMT Mines Alès"),
        "og_locale": OG_LOCALES.get(language, language),
        "og_locale_alternates": [
            OG_LOCALES.get(code, code) for code, _name in settings.LANGUAGES if code != language
        ],
        "feeds": _feeds(context.get("section")),
        "noindex": bool(context.get("preview")),
    }
    match = request.resolver_match
    if data["noindex"] or match is None:
        # A staff preview is no public page; a path that resolves to nothing has no
        # equivalent in the other language.
        return data
    query = canonical_query(context, request)
    suffix = f"?{query}" if query else ""
    alternates = [
        (code, request.build_absolute_uri(translate_url(request.path, code) + suffix))
        for code, _name in settings.LANGUAGES
    ]
    if match.view_name == "activities:home":
        # The bare root redirects each visitor to their language's home page.
        x_default = request.build_absolute_uri("/")
    else:
        x_default = dict(alternates)[settings.LANGUAGE_CODE]
    data.update(
        canonical=request.build_absolute_uri(request.path + suffix),
        alternates=[*alternates, ("x-default", x_default)],
    )
    return data
