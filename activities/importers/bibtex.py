"""BibTeX files → publication records, read with bibtexparser 2.

``records_from_file`` (bytes, UTF-8) and ``records_from_text`` parse the whole file at
once, so a file that cannot be read at all raises ``BibtexFormatError`` before anything
is written; then they yield one ``PublicationRecord`` per entry, or a ``RecordError``
naming the entry's key when that entry cannot be imported (malformed, no title, no
year…). ``base.import_records`` does the rest.

How fields are read:

- entry type → kind: article → article; inproceedings, conference → conference (poster
  when ``type`` says "poster"); incollection, inbook → chapter; book → book; techreport,
  report → report; anything else (misc, phdthesis, unpublished…) → other;
- ``title`` (required): LaTeX decoded (``{\\'e}`` → é), protective braces removed;
- ``year`` (required; or the biblatex ``date = {2023-10-05}``); ``month`` as ``oct``,
  ``10``, ``October`` or ``octobre`` (an unreadable month is left out);
- venue: ``journal`` or ``booktitle``, else ``publisher`` (book), ``institution``
  (report) or ``howpublished``; place: ``address`` (or biblatex ``location``);
- ``pages``: ``127--128`` → ``127-128``; ``doi``, ``url`` and the HAL id (``hal_id``,
  ``halid``, or ``eprint`` with ``eprinttype = {HAL}``) are taken verbatim, never LaTeX
  decoded (``~``, ``%`` and ``_`` are literal in them);
- ``author``: "Last, First and First Last and …" in order; "and others" marks the list
  as abridged (``more_authors``);
- ``abstract`` → the French summary whatever its language, as the report keeps an
  English title in ``title_fr``: the portal's French fields hold the text as published,
  an editor translates if needed; its line breaks are kept (without the indentation of
  continued lines), so that an exported summary reads back the same. ``language``,
  ``note``, ``keywords`` are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.exceptions import (
    BlockAbortedException,
    ParsingException,
    PartialMiddlewareException,
)
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    Entry,
    MiddlewareErrorBlock,
    ParsingFailedBlock,
)
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from activities.models import Authorship, Publication
from activities.text import normalised

from .base import PersonRecord, PublicationRecord, RecordError

Kind = Publication.Kind


class BibtexFormatError(ValueError):
    """The file as a whole cannot be read as BibTeX; the message says why, in French."""


# Fields whose value is an identifier or an address, never LaTeX.
VERBATIM_FIELDS = frozenset({"doi", "url", "hal_id", "halid", "eprint"})

ENTRY_KINDS = {
    "article": Kind.JOURNAL_ARTICLE,
    "inproceedings": Kind.CONFERENCE_PAPER,
    "conference": Kind.CONFERENCE_PAPER,
    "incollection": Kind.BOOK_CHAPTER,
    "inbook": Kind.BOOK_CHAPTER,
    "book": Kind.BOOK,
    "techreport": Kind.REPORT,
    "report": Kind.REPORT,
    "misc": Kind.OTHER,
}

# Where the venue is, by kind, after ``journal`` and ``booktitle``.
VENUE_FIELDS = {
    Kind.BOOK: ("publisher", "series"),
    Kind.REPORT: ("institution",),
}

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january", "janvier", "janv"),
            ("feb", "february", "fevrier", "fevr", "fev"),
            ("mar", "march", "mars"),
            ("apr", "april", "avril", "avr"),
            ("may", "mai"),
            ("jun", "june", "juin"),
            ("jul", "july", "juillet", "juil"),
            ("aug", "august", "aout"),
            ("sep", "sept", "september", "septembre"),
            ("oct", "october", "octobre"),
            ("nov", "november", "novembre"),
            ("dec", "december", "decembre"),
        ],
        start=1,
    )
    for name in names
}

DASHES = re.compile(r"\s*(?:-+|[\u2010-\u2015\u2212])\s*")
ENTRY_KEY = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s{}()]+)\s*,")


# Reading ------------------------------------------------------------------------------


def records_from_file(stream: BinaryIO) -> Iterator[PublicationRecord | RecordError]:
    """Records from a file opened in binary mode (UTF-8, with or without a BOM)."""
    data = stream.read()
    if isinstance(data, str):
        return records_from_text(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BibtexFormatError(
            f"Le fichier n'est pas encodé en UTF-8 : l'octet {data[error.start]:#04x} de la "
            f"ligne {line} est illisible (fichier en Latin-1 ou Windows-1252 ?). "
            "Réenregistrez-le en UTF-8, ou écrivez les accents en LaTeX ({\\'e})."
        ) from None
    return records_from_text(text)


def records_from_text(text: str) -> Iterator[PublicationRecord | RecordError]:
    """Parse the whole text now (a BibtexFormatError is raised here, before any record),
    then yield a record, or a RecordError, per entry, in the file's order."""
    library = parse(text)
    if not library.entries and not library.failed_blocks:
        raise BibtexFormatError(
            "Le fichier ne contient aucune entrée BibTeX (@article{…}, @inproceedings{…}…)."
        )
    return _records(library)


def parse(text: str) -> bibtexparser.Library:
    try:
        return bibtexparser.parse_string(
            text.replace("\x00", ""),  # PostgreSQL refuses NUL characters
            append_middleware=[
                ResolveConcatenation(),
                middlewares.NormalizeFieldKeys(),
                # Names are split before LaTeX is decoded, so that braces still protect
                # "{Barnes and Noble}" or "{Dupont, J.}" as one name.
                middlewares.SeparateCoAuthors(),
                middlewares.SplitNameParts(),
                VerbatimAwareLatexDecoding(),
            ],
        )
    except ParsingException as error:  # the parser gave up on the file as a whole
        raise BibtexFormatError(
            f"Le fichier n'a pas pu être lu comme du BibTeX ({error})."
        ) from error


class ResolveConcatenation(middlewares.BlockMiddleware):
    """``booktitle = ieee # " 20th Symposium"``: bibtexparser 2 replaces a lone @string
    reference by its value, but leaves a concatenation as written."""

    def __init__(self):
        super().__init__(allow_inplace_modification=True, allow_parallel_execution=True)

    def transform_entry(self, entry, library):
        strings = {key.lower(): string.value for key, string in library.strings_dict.items()}
        for field in entry.fields:
            value = field.value
            if field.enclosing == "no-enclosing" and isinstance(value, str) and "#" in value:
                field.value = "".join(_piece(piece, strings) for piece in _concatenated(value))
        return entry


def _concatenated(value: str) -> list[str]:
    """The pieces of ``a # "b" # {c}``, split on the ``#`` outside quotes and braces."""
    pieces, start, depth, quoted = [], 0, 0, False
    for index, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            pieces.append(value[start:index])
            start = index + 1
    return [*pieces, value[start:]]


def _piece(piece: str, strings: dict[str, str]) -> str:
    piece = piece.strip()
    if len(piece) >= 2 and (piece[0], piece[-1]) in (('"', '"'), ("{", "}")):
        return piece[1:-1]
    return strings.get(piece.lower(), piece)  # a @string name, a number, or kept as is


class VerbatimAwareLatexDecoding(middlewares.LatexDecodingMiddleware):
    """bibtexparser's LaTeX decoding, except in identifiers and addresses (doi, url, HAL
    id) where ``~``, ``%`` and ``_`` are literal; ``\\textasciicircum`` gives ``^``."""

    def __init__(self):
        context = get_default_latex_context_db()
        context.add_context_category(
            "odd3-bibtex",
            prepend=True,
            macros=[
                MacroTextSpec("url", simplify_repl="%s"),  # as bibtexparser's default
                MacroTextSpec("textasciicircum", "^"),  # pylatexenc gives "ˆ" (U+02C6)
            ],
        )
        super().__init__(
            decoder=LatexNodes2Text(
                latex_context=context, keep_braced_groups=False, math_mode="verbatim"
            )
        )

    def transform_entry(self, entry, library):
        errors = []
        for field in entry.fields:
            if field.key in VERBATIM_FIELDS:
                continue
            if isinstance(field.value, str):
                enclosing = field.enclosing  # the value setter resets it
                field.value, error = self._transform_python_value_string(field.value)
                field.enclosing = enclosing
                errors.append(error)
            elif isinstance(field.value, list):  # names, already split into NameParts
                for parts in field.value:
                    if isinstance(parts, middlewares.NameParts):
                        for name in ("first", "von", "last", "jr"):
                            decoded = self._transform_all_strings(getattr(parts, name), errors)
                            setattr(parts, name, decoded)
        errors = [error for error in errors if error]
        if errors:
            return MiddlewareErrorBlock(entry, PartialMiddlewareException(errors))
        return entry


def _records(library) -> Iterator[PublicationRecord | RecordError]:
    for block in library.blocks:
        if isinstance(block, Entry):
            try:
                yield record_from_entry(block)
            except RecordError as error:
                yield RecordError(f"{block.key}: {error}")
        elif isinstance(block, ParsingFailedBlock):
            yield RecordError(f"{_failed_key(block)}: {_failure_message(block)}")


def _failed_key(block: ParsingFailedBlock) -> str:
    key = getattr(block, "key", None)
    if key is None and isinstance(block.ignore_error_block, Entry):
        key = block.ignore_error_block.key
    if key is None:
        match = ENTRY_KEY.search(block.raw or "")
        key = match.group(1) if match else None
    return key or f"ligne {block.start_line + 1 if block.start_line is not None else '?'}"


def _failure_message(block: ParsingFailedBlock) -> str:
    line = f" (ligne {block.start_line + 1})" if block.start_line is not None else ""
    if isinstance(block, DuplicateBlockKeyBlock):
        return f"une autre entrée porte déjà cette clé{line} ; celle-ci est ignorée"
    if isinstance(block.error, BlockAbortedException):
        return (
            f"entrée mal formée{line} : accolade, guillemet ou virgule manquant "
            f"({block.error.abort_reason.strip()})"
        )
    return f"entrée illisible{line} ({block.error})"


# One entry ------------------------------------------------------------------------------


def record_from_entry(entry: Entry) -> PublicationRecord:
    fields = {key: _text(field.value) for key, field in entry.fields_dict.items()}
    title = _one_line(fields.get("title", ""))
    if not title:
        raise RecordError("l'entrée n'a pas de titre (champ title)")
    year, month = _year_and_month(fields)
    kind = ENTRY_KINDS.get(entry.entry_type.lower(), Kind.OTHER)
    if kind in (Kind.CONFERENCE_PAPER, Kind.OTHER) and "poster" in fields.get("type", "").lower():
        kind = Kind.POSTER
    venue_fields = ("journal", "booktitle", *VENUE_FIELDS.get(kind, ()), "howpublished")
    authors, more_authors = _authors(entry.fields_dict.get("author"))
    limit = Authorship._meta.get_field("name").max_length
    for author in authors:
        if len(author.full_name) > limit:
            raise RecordError(
                f"un nom d'auteur dépasse {limit} caractères : « {author.full_name[:40]}… »"
            )
    return PublicationRecord(
        key=entry.key,
        title_fr=title,
        kind=kind,
        year=year,
        month=month,
        summary_fr=_paragraphs(fields.get("abstract", "")),
        venue=_first(fields, venue_fields),
        place=_first(fields, ("address", "location")),
        pages=DASHES.sub("-", _one_line(fields.get("pages", ""))),
        doi=fields.get("doi", "").strip(),
        url=fields.get("url", "").strip(),
        hal_id=_hal_id(fields),
        authors=authors,
        more_authors=more_authors,
    )


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(text: str) -> str:
    """Line breaks as written, without the indentation of continued lines (so that an
    exported summary, line breaks included, reads back the same)."""
    return "\n".join(line.strip(" \t") for line in text.split("\n")).strip()


def _first(fields: dict[str, str], names) -> str:
    for name in names:
        value = _one_line(fields.get(name, ""))
        if value:
            return value
    return ""


def _year_and_month(fields: dict[str, str]) -> tuple[int, int | None]:
    raw_year = _one_line(fields.get("year", ""))
    raw_month = _one_line(fields.get("month", ""))
    date = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-\d{1,2})?", _one_line(fields.get("date", "")))
    if not raw_year and date:
        raw_year, raw_month = date.group(1), raw_month or date.group(2) or ""
    if not raw_year:
        raise RecordError("l'entrée n'a pas d'année (champ year)")
    if not re.fullmatch(r"\d{4}", raw_year):
        raise RecordError(f"année illisible « {raw_year[:20]} » (attendu : 2023)")
    return int(raw_year), _month(raw_month)


def _month(raw: str) -> int | None:
    word = normalised(raw).rstrip(".")
    if word.isdigit():
        return int(word) if 1 <= int(word) <= 12 else None
    return MONTHS.get(word)


def _hal_id(fields: dict[str, str]) -> str:
    for name in ("hal_id", "halid"):
        if fields.get(name, "").strip():
            return fields[name].strip()
    if fields.get("eprinttype", "").strip().lower() == "hal":
        return fields.get("eprint", "").strip()
    return ""


def _authors(field) -> tuple[list[PersonRecord], bool]:
    """People in order from bibtexparser's NameParts; "and others" → abridged list.

    The first name is BibTeX's First part; the last name is "von Last Jr", so that
    "Cochen de Cock, Valérie" keeps its whole family name.
    """
    if field is None or not isinstance(field.value, list):
        return [], False
    people, more = [], False
    for parts in field.value:
        first = " ".join(parts.first).strip()
        last = " ".join([*parts.von, *parts.last, *parts.jr]).strip()
        if not first and last.lower() == "others":
            more = True
        elif first or last:
            people.append(PersonRecord(first_name=first, last_name=last))
    return people, more
