"""Search across every kind of activity: the stored documents, the queries, highlighting.

The document
    Each activity stores what a visitor may type to find it in two columns, both
    normalised by ``activities.text.normalised`` (lowercase, no accents, no punctuation):
    ``search_title`` holds its titles in both languages and its acronym, which rank
    first; ``search_text`` holds the rest: summaries, identifiers (grant reference, DOI,
    HAL id, NNT) and the names of the people, organisations and structures it names.
    Hyphenated words and multi-part acronyms are stored in compact form too, so that
    "telemouv", "télé-mouv" and "Tele Mouv" all find Télé-Mouv.

    What goes in is declared on each model (``search_title_fields``, ``search_fields``,
    ``search_people``, ``search_organisations``, ``search_structures``). The signal
    handlers below keep the documents in sync: saving an entry, changing its relations
    or its rows (authors, members, partners, supervisors, specialities), renaming a
    person, an organisation or a structure. Writes that send no signal (``bulk_create``)
    call ``schedule`` themselves; ``deferred()`` gathers the refreshes of a long write
    (a report load, an import) into a few queries per kind at its end. The
    ``rebuild_search_index`` command rebuilds every document.

The query
    On PostgreSQL: full-text search over both columns, with French and English stemming
    (each word of the query matches in either language; the last one as a prefix too),
    ranked by ``ts_rank`` over the title: entries with the words in their title or
    acronym first. A GIN index on the very same expression (created by migration 0007 on
    PostgreSQL only) serves the match.
    Elsewhere (SQLite): every word of the query must begin a word of the document;
    entries with the words in their title come first.

Highlighting
    ``Highlighter`` finds the words of a displayed text that match the query, accents,
    case and common French and English endings aside ("apnées" for "apnée"); the
    template filters of ``activities.templatetags.search`` mark them.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import re
from collections.abc import Iterable, Iterator

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Concat
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from .text import normalised

# The query ------------------------------------------------------------------------------

MAX_QUERY_LENGTH = 200  # characters of the query kept, as typed
MAX_TERMS = 12  # words of the query kept, after normalisation
MIN_PREFIX_LENGTH = 3  # a shorter last word is matched as a whole word only

# Words that say nothing of what is searched, dropped from the query (unless it has
# nothing else) and never highlighted. PostgreSQL has its own lists for its stemming.
STOP_WORDS = frozenset(
    # French
    ("a", "au", "aux", "avec", "ce", "ces", "d", "dans", "de", "des", "du", "en", "et")
    + ("l", "la", "le", "les", "leur", "leurs", "ou", "par", "pour", "sa", "se", "ses")
    + ("son", "sur", "un", "une")
    # English
    + ("an", "and", "as", "at", "by", "for", "from", "in", "is", "of", "on", "or", "the")
    + ("to", "with")
)


def clean_query(text: str | None) -> str:
    """The query as typed, safe to show and to store: no NUL, at most 200 characters."""
    return " ".join((text or "").replace("\x00", " ").split())[:MAX_QUERY_LENGTH]


@functools.lru_cache(maxsize=256)
def query_terms(text: str | None) -> tuple[str, ...]:
    """The normalised words a query looks for: "L’apnée du sommeil" → (apnee, sommeil).

    Empty when the query has no letter or digit. Stop words are left out unless the query
    has nothing else.
    """
    words = list(dict.fromkeys(normalised(clean_query(text)).split()))
    significant = [word for word in words if word not in STOP_WORDS]
    return tuple((significant or words)[:MAX_TERMS])


def search_queryset(queryset: models.QuerySet, text: str) -> models.QuerySet:
    """``queryset`` narrowed to the entries matching every word of ``text``, best first.

    A query without any letter or digit matches nothing.
    """
    terms = query_terms(text)
    if not terms:
        return queryset.none()
    if connections[queryset.db].vendor == "postgresql":
        return _full_text(queryset, terms)
    return _word_prefixes(queryset, terms)


def document_vector():
    """The whole document's words, stemmed in French and in English.

    The GIN index of migration 0007 is built on this very expression: a query uses the
    index only when its expression is the same.
    """
    return _vector("search_title") + _vector("search_text")


def title_vector():
    """The title's words, stemmed in French and in English: what ranks the matches.

    Ranking on the title alone puts entries that have the words in their title or acronym
    first and orders them by ts_rank; the others come in the list's own order. Ranking
    on the whole document would parse every matching summary again (to_tsvector is not
    stored): at 5,000 publications, 0.5 ms a match instead of 0.04.
    """
    return _vector("search_title")


def _vector(column):
    from django.contrib.postgres.search import SearchVector

    return SearchVector(column, config="french") + SearchVector(column, config="english")


def tsquery_text(terms: Iterable[str]) -> str:
    """The terms as a to_tsquery() expression: every word, the last one as a prefix too.

    Normalised terms hold only letters and digits, and each is quoted: no input can
    inject tsquery syntax (``& | ! ( ) : * <->``).
    """
    terms = list(terms)
    quoted = [f"'{term}'" for term in terms]
    if len(terms[-1]) >= MIN_PREFIX_LENGTH:
        quoted[-1] += ":*"
    return " & ".join(quoted)


def _full_text(queryset, terms):
    from django.contrib.postgres.search import SearchQuery, SearchRank

    raw = tsquery_text(terms)
    query = SearchQuery(raw, search_type="raw", config="french") | SearchQuery(
        raw, search_type="raw", config="english"
    )
    return (
        queryset.alias(search_vector=document_vector())
        .filter(search_vector=query)
        .alias(search_rank=SearchRank(title_vector(), query))
        .order_by(F("search_rank").desc(), *_default_ordering(queryset))
    )


def _word_prefixes(queryset, terms):
    """Every term begins a word of the document; rank: how many begin a word of the title."""
    padded = Concat(
        Value(" "), "search_title", Value(" "), "search_text", output_field=models.TextField()
    )
    title = Concat(Value(" "), "search_title", output_field=models.TextField())
    queryset = queryset.alias(search_document=padded, search_title_words=title)
    for term in terms:
        queryset = queryset.filter(search_document__contains=f" {term}")
    in_title = [
        Case(When(search_title_words__contains=f" {term}", then=1), default=0) for term in terms
    ]
    rank = functools.reduce(lambda a, b: a + b, in_title)
    return queryset.alias(search_rank=models.ExpressionWrapper(rank, IntegerField())).order_by(
        F("search_rank").desc(), *_default_ordering(queryset)
    )


def _default_ordering(queryset):
    """The queryset's own order for equal ranks, then the primary key: stable pages."""
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering or [])
    return [*ordering, "pk"]


def count_by_kind(querysets: dict[str, models.QuerySet]) -> dict[str, int]:
    """{key: number of rows} for several querysets, in one query (UNION ALL of counts)."""
    if not querysets:
        return {}
    counted = [
        queryset.order_by()
        .annotate(search_kind=Value(key))
        .values("search_kind")
        # COUNT over the whole set: no GROUP BY needed for a constant
        .annotate(search_count=models.Count("pk"))
        .values_list("search_kind", "search_count")
        for key, queryset in querysets.items()
    ]
    first, *others = counted
    rows = first.union(*others, all=True) if others else first
    counts = dict.fromkeys(querysets, 0)
    counts.update(dict(rows))
    return counts


def with_result_data(queryset):
    """A kind's ``with_list_data()``, plus the people and partners a search result names
    that a list card does not show: the words of a query may be in their names."""
    from .models import (
        CampusInitiative,
        Programme,
        ProgrammePartner,
        ProjectMember,
        ResearchProject,
        Thesis,
    )

    extra = {
        Programme: [
            models.Prefetch(
                "partnerships", queryset=ProgrammePartner.objects.select_related("organisation")
            )
        ],
        ResearchProject: [
            models.Prefetch("team", queryset=ProjectMember.objects.select_related("person"))
        ],
        Thesis: ["partners"],
        CampusInitiative: ["partners"],
    }
    return queryset.with_list_data().prefetch_related(*extra.get(queryset.model, []))


# The document ---------------------------------------------------------------------------

# What the document holds of each kind of related entity: (fields joined into one value,
# whether it is an acronym: "KAMI 2" is stored as "kami2" too).
ACRONYM = "acronym"
RELATED_PARTS = {
    "person": [(("first_name", "last_name"), False)],
    "organisation": [((ACRONYM,), True), (("name",), False)],
    "structure": [((ACRONYM,), True), (("name_fr",), False), (("name_en",), False)],
}

HYPHENATED = re.compile(r"[^\W_]+(?:[-\u2010\u2011][^\W_]+)+")
BATCH_SIZE = 500


@dataclasses.dataclass(frozen=True)
class Spec:
    """What a kind of activity puts in its document, as lookups from the activity."""

    title_paths: tuple[str, ...]
    text_paths: tuple[str, ...]
    related: dict[str, str]  # relation → "person", "organisation" or "structure"

    @classmethod
    def of(cls, model) -> Spec:
        related = {}
        for kind, paths in (
            ("person", model.search_people),
            ("organisation", model.search_organisations),
            ("structure", model.search_structures),
        ):
            for path in paths:
                related[path] = kind
        return cls(tuple(model.search_title_fields), tuple(model.search_fields), related)

    def parts(self) -> list[Part]:
        parts = [Part((path,), title=True, acronym=path == ACRONYM) for path in self.title_paths]
        parts += [Part((path,)) for path in self.text_paths]
        for relation, kind in self.related.items():
            for names, acronym in RELATED_PARTS[kind]:
                lookups = tuple(f"{relation}__{name}" for name in names)
                parts.append(Part(lookups, acronym=acronym))
        return parts

    def own_fields(self) -> set[str]:
        """Names of the activity's own fields (and their untranslated names) it reads."""
        names = set()
        for part in self.parts():
            first = part.lookups[0].split("__")[0]
            names |= {first, _untranslated(first)}
        return names


@dataclasses.dataclass(frozen=True)
class Part:
    """One value of the document: the lookups whose values are joined to make it."""

    lookups: tuple[str, ...]
    title: bool = False  # ranks as the title, else as the rest
    acronym: bool = False  # stored in compact form too when in several words

    @property
    def hop(self) -> str:
        return self.lookups[0].split("__")[0]


def _untranslated(name: str) -> str:
    return re.sub(r"_(fr|en)$", "", name)


def activity_models():
    from .models import CampusInitiative, Programme, Publication, ResearchProject, Thesis

    return [Programme, ResearchProject, Thesis, Publication, CampusInitiative]


def _spec(model) -> Spec:
    """The declarations of the live model of that name (migrations pass frozen models)."""
    live = {m._meta.label_lower: m for m in activity_models()}[model._meta.label_lower]
    return Spec.of(live)


def _resolves(model, path: str) -> bool:
    opts = model._meta
    for name in path.split("__"):
        try:
            field = opts.get_field(name)
        except FieldDoesNotExist:
            return False
        if field.is_relation:
            opts = field.related_model._meta
    return True


def _crosses_to_many(model, path: str) -> bool:
    """Whether a lookup crosses a to-many relation (one row per related object)."""
    opts = model._meta
    for name in path.split("__")[:-1]:
        field = opts.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        opts = field.related_model._meta
    return False


def compact_forms(text: str, *, whole: bool = False) -> list[str]:
    """ "Télé-Mouv" → ["telemouv"]; with ``whole``, "KAMI 2" → ["kami2"] as well."""
    forms = [normalised(match.group()).replace(" ", "") for match in HYPHENATED.finditer(text)]
    if whole:
        forms.append(normalised(text).replace(" ", ""))
    return [form for form in forms if form and not form.isdigit()]


class _Document:
    """The parts of one entry's document, each kept once, in order."""

    def __init__(self):
        self.title: dict[str, None] = {}
        self.text: dict[str, None] = {}

    def add(self, part: Part, values) -> None:
        value = " ".join(str(value) for value in values if value not in (None, ""))
        words = normalised(value)
        if not words:
            return
        target = self.title if part.title else self.text
        target[words] = None
        for form in compact_forms(value, whole=part.acronym):
            if form != words:
                target[form] = None

    def texts(self) -> tuple[str, str]:
        title = " ".join(self.title)
        text = " ".join(part for part in self.text if part not in self.title)
        return title, text


def _build(model, pks, *, using):
    """The documents of those entries and those stored now, each {pk: (title, text)}
    (entries that no longer exist left out).

    One query for the entries' own fields and those of their to-one relations, then one
    per to-many relation: a constant number of queries per batch, whatever its size.
    A migration's frozen model may predate a field declared since: that part is left out
    (the migration that adds the field fills the documents again).
    """
    pks = list(pks)
    if not pks:
        return {}, {}
    manager = model._base_manager.db_manager(using)
    single, groups = [], {}
    for part in _spec(model).parts():
        if not all(_resolves(model, lookup) for lookup in part.lookups):
            continue
        if _crosses_to_many(model, part.lookups[0]):
            groups.setdefault(part.hop, []).append(part)
        else:
            single.append(part)

    documents, stored = {}, {}
    rows = manager.filter(pk__in=pks).values_list(
        "pk", "search_title", "search_text", *_lookups(single)
    )
    for pk, title, text, *values in rows:
        stored[pk] = (title, text)
        documents[pk] = _Document()
        _add_values(documents[pk], single, values)
    for hop, parts in groups.items():
        rows = (
            manager.filter(pk__in=documents)
            .order_by("pk", f"{hop}__pk")
            .values_list("pk", *_lookups(parts))
        )
        for pk, *values in rows:
            _add_values(documents[pk], parts, values)
    return {pk: document.texts() for pk, document in documents.items()}, stored


def _lookups(parts):
    return [lookup for part in parts for lookup in part.lookups]


def _add_values(document, parts, values):
    values = iter(values)
    for part in parts:
        document.add(part, [next(values) for _lookup in part.lookups])


def refresh(model, pks: Iterable[int], *, using: str = "default") -> dict[int, tuple[str, str]]:
    """Rebuild the documents of those entries; returns those that changed.

    Writes in SQL: no signal, no new version, no history row.
    """
    pks = sorted(set(pks))
    changed = {}
    for start in range(0, len(pks), BATCH_SIZE):
        changed.update(_refresh_batch(model, pks[start : start + BATCH_SIZE], using=using))
    return changed


def _refresh_batch(model, pks, *, using) -> dict[int, tuple[str, str]]:
    documents, stored = _build(model, pks, using=using)
    changed = {pk: texts for pk, texts in documents.items() if stored[pk] != texts}
    if changed:
        _write(model, changed, using=using)
    return changed


def _write(model, documents: dict[int, tuple[str, str]], *, using: str) -> None:
    """One UPDATE … FROM (VALUES …) for the batch: Django's bulk_update builds a CASE per
    row, which costs more than the update itself (5,000 publications: 6 s of Python)."""
    connection = connections[using]
    if connection.vendor == "sqlite" and connection.Database.sqlite_version_info < (3, 33):
        rows = [model(pk=pk, search_title=t, search_text=x) for pk, (t, x) in documents.items()]
        model._base_manager.db_manager(using).bulk_update(rows, ["search_title", "search_text"])
        return
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    values = ", ".join(["(%s, %s, %s)"] * len(documents))
    sql = (
        f"UPDATE {table} SET {quote('search_title')} = v.column2, "
        f"{quote('search_text')} = v.column3 "
        f"FROM (VALUES {values}) AS v WHERE {table}.{pk} = v.column1"
    )
    params = [value for pk, texts in documents.items() for value in (pk, *texts)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rebuild(models_to_rebuild=None, *, batch_size: int = BATCH_SIZE, using="default"):
    """Rebuild every document of the given kinds (all by default), batch by batch.

    Yields (model, rows read, rows changed) after each batch.
    """
    for model in models_to_rebuild or activity_models():
        manager = model._base_manager.db_manager(using)
        last = 0
        while True:
            pks = list(
                manager.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size]
            )
            if not pks:
                break
            yield model, len(pks), len(_refresh_batch(model, pks, using=using))
            if len(pks) < batch_size:
                break
            last = pks[-1]


# Keeping the documents in sync ----------------------------------------------------------

_pending: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "search_pending", default=None
)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Refresh the documents that the block changes once, at its end.

    Nested blocks refresh at the end of the outermost one. When the block raises or marks
    its transaction for rollback (an import's dry run), nothing is refreshed: nothing it
    wrote stays.
    """
    if _pending.get() is not None:
        yield
        return
    pending: dict[tuple[type, str], set[int]] = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    for (model, using), pks in pending.items():
        if not connections[using].needs_rollback:
            refresh(model, pks, using=using)


def schedule(model, pks: Iterable[int], *, using: str = "default", instance=None) -> None:
    """Refresh those entries' documents now, or at the end of the current ``deferred()``."""
    pks = {pk for pk in pks if pk is not None}
    if not pks:
        return
    pending = _pending.get()
    if pending is not None:
        pending.setdefault((model, using), set()).update(pks)
        return
    changed = refresh(model, pks, using=using)
    if instance is not None and instance.pk in changed:
        # A later save of this instance writes the document as it is now.
        instance.search_title, instance.search_text = changed[instance.pk]


@dataclasses.dataclass(frozen=True)
class _Rows:
    """Rows of another table that an activity's document reads (authors, members…)."""

    activity: type
    parent: str  # the row's foreign key to the activity (attname)


def _dependencies():
    """What to watch: {model of rows: [_Rows]}, {through model: [(activity, relation)]},
    {named entity model: [(activity, lookups)]}."""
    from .models import Organisation, Person, Structure

    rows, throughs = {}, {}
    named = {Person: [], Organisation: [], Structure: []}
    entity = {"person": Person, "organisation": Organisation, "structure": Structure}
    for model in activity_models():
        spec = Spec.of(model)
        lookups = {Person: [], Organisation: [], Structure: []}
        for relation, kind in spec.related.items():
            lookups[entity[kind]].append(relation)
        for named_model, relations in lookups.items():
            if relations:
                named[named_model].append((model, relations))
        hops = {part.hop for part in spec.parts()}
        for hop in hops:
            field = model._meta.get_field(hop)
            if field.many_to_many:
                through = field.remote_field.through
                throughs.setdefault(through, []).append((model, hop))
                if not through._meta.auto_created:  # rows saved one by one, too
                    parent = through._meta.get_field(field.m2m_field_name()).attname
                    rows.setdefault(through, []).append(_Rows(model, parent))
            elif field.one_to_many:
                rows.setdefault(field.related_model, []).append(_Rows(model, field.field.attname))
        # A many-to-many through rows it reads adds rows too: publication.people.add().
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            watched = any(row.activity is model for row in rows.get(through, []))
            if watched and (model, field.name) not in throughs.get(through, []):
                throughs.setdefault(through, []).append((model, field.name))
    return rows, throughs, named


def connect() -> None:
    """Connect the handlers that keep the documents in sync (from AppConfig.ready)."""
    rows, throughs, named = _dependencies()
    for model in activity_models():
        post_save.connect(_activity_saved, sender=model, dispatch_uid=f"search-{model}")
    for row_model, watched in rows.items():
        handler = _row_changed(watched)
        post_save.connect(
            handler, sender=row_model, weak=False, dispatch_uid=f"search-s-{row_model}"
        )
        post_delete.connect(
            handler, sender=row_model, weak=False, dispatch_uid=f"search-d-{row_model}"
        )
    for through, relations in throughs.items():
        m2m_changed.connect(
            _m2m_handler(relations), sender=through, weak=False, dispatch_uid=f"search-m-{through}"
        )
    for entity_model, relations in named.items():
        saved, before_delete, deleted = _named_handlers(entity_model, relations)
        uid = f"search-n-{entity_model}"
        post_save.connect(saved, sender=entity_model, weak=False, dispatch_uid=f"{uid}-s")
        pre_delete.connect(before_delete, sender=entity_model, weak=False, dispatch_uid=f"{uid}-p")
        post_delete.connect(deleted, sender=entity_model, weak=False, dispatch_uid=f"{uid}-d")


@functools.cache
def _own_fields(model) -> frozenset[str]:
    return frozenset(Spec.of(model).own_fields())


def _activity_saved(sender, instance, update_fields=None, using="default", **kwargs):
    if update_fields is not None and not set(update_fields) & _own_fields(sender):
        return  # e.g. the workflow's state: nothing the document holds
    schedule(sender, [instance.pk], using=using, instance=instance)


def _row_changed(watched: list[_Rows]):
    def handler(sender, instance, using="default", origin=None, **kwargs):
        for rows in watched:
            if _deleting(origin, rows.activity):
                continue  # the activity goes too: nothing to refresh
            schedule(rows.activity, [getattr(instance, rows.parent)], using=using)

    return handler


def _deleting(origin, model) -> bool:
    if isinstance(origin, model):
        return True
    return isinstance(origin, models.QuerySet) and issubclass(origin.model, model)


def _m2m_handler(relations: list[tuple[type, str]]):
    def handler(sender, instance, action, reverse, model, pk_set, using="default", **kwargs):
        for activity, relation in relations:
            if isinstance(instance, activity):  # from the activity: activity.structures.add()
                if action in ("post_add", "post_remove", "post_clear"):
                    schedule(activity, [instance.pk], using=using)
            elif model is activity:  # from the other side: structure.projects.add()
                if action in ("post_add", "post_remove"):
                    schedule(activity, pk_set or (), using=using)
                elif action == "pre_clear":
                    lookup = {relation: instance.pk}
                    pks = set(
                        activity._base_manager.using(using)
                        .filter(**lookup)
                        .values_list("pk", flat=True)
                    )
                    _stash(instance, activity, pks)
                elif action == "post_clear":
                    schedule(activity, _unstash(instance, activity), using=using)

    return handler


def _named_handlers(entity_model, relations: list[tuple[type, list[str]]]):
    """Renaming (or deleting) a person, an organisation or a structure refreshes the
    activities that name them."""
    name_fields = set()
    for names, _acronym in RELATED_PARTS[entity_model._meta.model_name]:
        name_fields |= {*names, *map(_untranslated, names)}

    def naming(instance, using):
        for activity, lookups in relations:
            condition = Q()
            for lookup in lookups:
                condition |= Q(**{lookup: instance.pk})
            pks = activity._base_manager.using(using).filter(condition).values_list("pk", flat=True)
            yield activity, set(pks)

    def saved(sender, instance, created, update_fields=None, using="default", **kwargs):
        if created or (update_fields is not None and not set(update_fields) & name_fields):
            return
        for activity, pks in naming(instance, using):
            schedule(activity, pks, using=using)

    def before_delete(sender, instance, using="default", **kwargs):
        for activity, pks in naming(instance, using):
            _stash(instance, activity, pks)

    def deleted(sender, instance, using="default", **kwargs):
        for activity, _lookups in relations:
            schedule(activity, _unstash(instance, activity), using=using)

    return saved, before_delete, deleted


def _stash(instance, activity, pks) -> None:
    stash = instance.__dict__.setdefault("_search_refresh", {})
    stash.setdefault(activity, set()).update(pks)


def _unstash(instance, activity) -> set[int]:
    return instance.__dict__.get("_search_refresh", {}).pop(activity, set())


# Highlighting ---------------------------------------------------------------------------

WORD = re.compile(r"[^\W_]+(?:[-\u2010\u2011][^\W_]+)*")
PART = re.compile(r"[^\W_]+")
# Endings dropped from a query word before it is matched as the beginning of a word:
# "apnée" matches "apnées", "réhabilitation" "réhabilitations", "mobile" "mobility".
ENDINGS = ("ations", "ation", "ements", "ement", "ings", "ing", "ies", "es", "s", "e", "x")
MIN_STEM_LENGTH = 4


def stem(term: str) -> str:
    for ending in ENDINGS:
        if term.endswith(ending) and len(term) - len(ending) >= MIN_STEM_LENGTH:
            return term[: -len(ending)]
    return term


class Highlighter:
    """The spans of a text that match a query's words."""

    def __init__(self, text: str | None):
        terms = [term for term in query_terms(text) if term not in STOP_WORDS]
        self.whole = {term for term in terms if len(term) < MIN_PREFIX_LENGTH}
        self.stems = tuple(stem(term) for term in terms if len(term) >= MIN_PREFIX_LENGTH)

    def __bool__(self):
        return bool(self.whole or self.stems)

    def matches(self, word: str) -> bool:
        """Whether a word as written (any case and accents) matches the query."""
        key = normalised(word).replace(" ", "")
        return key in self.whole or key.startswith(self.stems)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each matching word: a hyphenated word whose compact form matches
        ("Télé-Mouv" for "telemouv") as a whole, else each matching part of it."""
        if not self:
            return []
        found = []
        for match in WORD.finditer(text):
            word = match.group()
            if len(PART.findall(word)) > 1 and self.matches(word):
                found.append(match.span())
                continue
            for part in PART.finditer(word):
                if self.matches(part.group()):
                    found.append((match.start() + part.start(), match.start() + part.end()))
        return found


@functools.lru_cache(maxsize=64)
def highlighter(text: str | None) -> Highlighter:
    return Highlighter(text)
