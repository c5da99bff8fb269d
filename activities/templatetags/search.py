"""Search results: the words of the query marked in titles and excerpts.

``{{ item.title|highlight:query }}`` escapes the text, then wraps each word that matches
the query in <mark>, whatever its accents, case or common ending (activities.search);
``{{ item.summary|excerpt:query|highlight:query }}`` shows the part of a long text where
the query's words first appear.
"""

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

from activities.search import highlighter

register = template.Library()

EXCERPT_WORDS = 40  # as many as the cards of the list pages show
WORDS_BEFORE = 8  # of context before the first match
MARKUP = re.compile(r"(<[^>]*>|&#?\w+;)")  # tags and entities of a text already HTML


@register.filter(needs_autoescape=True)
def highlight(value, query, autoescape=True):
    """The text, escaped, with the words matching ``query`` in <mark>."""
    if value is None:
        return ""
    matcher = highlighter(str(query or ""))
    escape = conditional_escape if autoescape else str
    if isinstance(value, SafeData):
        # Already HTML (e.g. after linebreaks): mark inside text, never inside a tag.
        parts = MARKUP.split(str(value))
        return mark_safe(
            "".join(
                part if index % 2 else _marked(part, matcher, str)
                for index, part in enumerate(parts)
            )
        )
    return mark_safe(_marked(str(value), matcher, escape))


def _marked(text, matcher, escape):
    pieces, last = [], 0
    for start, end in matcher.spans(text):
        pieces.append(escape(text[last:start]))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    pieces.append(escape(text[last:]))
    return "".join(str(piece) for piece in pieces)


@register.filter
def excerpt(value, query):
    """About 40 words of a text, from a little before the first word matching ``query``
    (from the start when none does); "…" where words were left out."""
    words = str(value or "").split()
    if len(words) <= EXCERPT_WORDS:
        return " ".join(words)
    matcher = highlighter(str(query or ""))
    first = next((i for i, word in enumerate(words) if matcher.spans(word)), 0)
    start = max(0, min(first - WORDS_BEFORE, len(words) - EXCERPT_WORDS))
    end = start + EXCERPT_WORDS
    shown = " ".join(words[start:end])
    return f"{'… ' if start else ''}{shown}{' …' if end < len(words) else ''}"
