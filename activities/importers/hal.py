"""HAL (hal.science): publications from the search API or from a saved search response.

HAL's search API (``settings.HAL_API_URL``, https://api.archives-ouvertes.fr/search/) is a
Solr index. ``fetch`` pages through it with ``cursorMark`` (``sort=docid asc``, the unique
key, as deep paging requires) and asks only for the fields mapped here (``FIELDS``);
``records_from_file`` reads a response saved as JSON. Both turn each document into a
``PublicationRecord`` (or a ``RecordError``) for ``base.import_records``.

Mapping decisions
- Any field may be missing, a scalar or a list: ``_strings`` reads them all alike.
- Titles: the French title is ``fr_title_s``, else the work's first title (``title_s``,
  whatever its language), else the English one; the English title is ``en_title_s``. A
  subtitle of the same language is appended (``title : subtitle``). Abstracts follow the
  same rule (``fr_abstract_s``, else the first ``abstract_s``; ``en_abstract_s``).
- Year and month from ``producedDate_s`` ("2023", "2023-03", "2023-03-15"), else
  ``producedDateY_i`` / ``producedDateM_i``. No title or no year: the document is refused.
- Authors in HAL's order from ``authFullName_s``, with ``authFirstName_s`` /
  ``authLastName_s`` when those lists have one entry per author.
- idHAL: ``authIdHal_s`` only lists the authors who have one, so its positions are not the
  authors'. The per-author facet fields are used instead (``authFullNamePersonIDIDHal_fs``
  "name_FacetSep_personid_FacetSep_idhal", or ``authFullNameIdHal_fs`` "name_FacetSep_idhal",
  or ``authIdHalFullName_fs`` "idhal_FacetSep_name"): positionally when they list the same
  names in the same order, else by name when the name is unambiguous. ``authIdHal_s`` is
  used alone only when it has exactly one entry per author.
- ORCID: HAL's search index has no per-author ORCID field; ``authORCIDIdExt_s`` is
  compacted like ``authIdHal_s``. It is used only when it has exactly one entry per author
  (every author has an ORCID, so positions match); otherwise ORCIDs are ignored.
- An identifier is kept only for an author with both a first and a last name (a new
  Person needs both) and only when well-formed (ORCID 0000-0000-0000-000X).
- Structures: ``structAcronym_s`` and ``labStructAcronym_s``; venue: ``journalTitle_s``,
  else ``conferenceTitle_s``, else ``bookTitle_s``; place: ``city_s`` and ``country_s``
  (ISO code written as a French country name when known); projects: ANR and European
  project references and acronyms. Keywords are not imported.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.conf import settings

from activities.models import Publication

from .base import PersonRecord, PublicationRecord, RecordError

USER_AGENT = "odd3/1.0 (portail ODD 3 IMT Mines Ales; import HAL)"
PAGE_ROWS = 100

# Every field read below, and only those: HAL's documents carry 150+ fields.
FIELDS = (
    "docid",
    "halId_s",
    "uri_s",
    "doiId_s",
    "docType_s",
    "title_s",
    "subTitle_s",
    "fr_title_s",
    "fr_subTitle_s",
    "en_title_s",
    "en_subTitle_s",
    "abstract_s",
    "fr_abstract_s",
    "en_abstract_s",
    "authFullName_s",
    "authFirstName_s",
    "authLastName_s",
    "authFullNamePersonIDIDHal_fs",
    "authFullNameIdHal_fs",
    "authIdHal_s",
    "authORCIDIdExt_s",
    "structAcronym_s",
    "labStructAcronym_s",
    "journalTitle_s",
    "conferenceTitle_s",
    "bookTitle_s",
    "city_s",
    "country_s",
    "producedDate_s",
    "producedDateY_i",
    "producedDateM_i",
    "page_s",
    "anrProjectReference_s",
    "anrProjectAcronym_s",
    "europeanProjectReference_s",
    "europeanProjectAcronym_s",
)

KINDS = {
    "ART": Publication.Kind.JOURNAL_ARTICLE,
    "COMM": Publication.Kind.CONFERENCE_PAPER,
    "POSTER": Publication.Kind.POSTER,
    "COUV": Publication.Kind.BOOK_CHAPTER,
    "OUV": Publication.Kind.BOOK,
    "DOUV": Publication.Kind.BOOK,  # a book edited by the authors ("direction d'ouvrage")
}

COUNTRIES = {
    "fr": "France",
    "be": "Belgique",
    "ch": "Suisse",
    "ca": "Canada",
    "de": "Allemagne",
    "es": "Espagne",
    "it": "Italie",
    "pt": "Portugal",
    "nl": "Pays-Bas",
    "gb": "Royaume-Uni",
    "ie": "Irlande",
    "us": "États-Unis",
    "at": "Autriche",
    "dk": "Danemark",
    "se": "Suède",
    "no": "Norvège",
    "fi": "Finlande",
    "pl": "Pologne",
    "gr": "Grèce",
    "cz": "Tchéquie",
    "lu": "Luxembourg",
    "ma": "Maroc",
    "tn": "Tunisie",
    "dz": "Algérie",
    "sn": "Sénégal",
    "jp": "Japon",
    "cn": "Chine",
    "kr": "Corée du Sud",
    "in": "Inde",
    "au": "Australie",
    "br": "Brésil",
    "mx": "Mexique",
}

FACET_SEP = "_FacetSep_"
PRODUCED_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2}))?")
ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")

# Sizes of the columns an author ends up in (Person names, Authorship.name).
NAME_MAX = 120
AUTHOR_NAME_MAX = 200
IDHAL_MAX = 100


class HalError(Exception):
    """Anything that stops a HAL import as a whole (the message is for the user)."""


class HalFormatError(HalError, ValueError):
    """A file or a response that is not a readable HAL search response."""


class HalFetchError(HalError):
    """HAL could not be queried: HTTP error, timeout, unreadable answer."""


# Reading documents --------------------------------------------------------------------


def records_from_response(data: Any) -> Iterator[PublicationRecord | RecordError]:
    """The records of a decoded HAL search response, one per document, in order."""
    for index, doc in enumerate(response_docs(data), start=1):
        if not isinstance(doc, dict):
            yield RecordError(f"notice n° {index}: ce n'est pas une notice HAL (objet attendu)")
            continue
        try:
            yield publication_record(doc)
        except RecordError as error:
            yield error


def response_docs(data: Any, *, error: type[HalError] = HalFormatError) -> list:
    """``response.docs`` of a HAL search response, or ``error`` saying what is wrong."""
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        message = data["error"].get("msg") or data["error"]
        raise error(f"c'est une réponse d'erreur de HAL et non des notices ({message})")
    response = data.get("response") if isinstance(data, dict) else None
    docs = response.get("docs") if isinstance(response, dict) else None
    if not isinstance(docs, list):
        raise error(
            "ce JSON n'est pas une réponse de l'API de recherche de HAL "
            "(la liste « response.docs » est absente)"
        )
    return docs


def publication_record(doc: dict) -> PublicationRecord:
    """One HAL document as a record; RecordError("<key>: …") when it cannot be imported."""
    hal_id = _first(doc, "halId_s")
    docid = _first(doc, "docid")
    key = hal_id or (f"docid {docid}" if docid else "notice sans identifiant")

    title_fr = _title(doc, "fr_") or _title(doc, "") or _title(doc, "en_")
    year, month = _date(doc)
    missing = [
        (name, fields)
        for name, fields, value in (
            ("titre", "title_s", title_fr),
            ("année", "producedDate_s", year),
        )
        if not value
    ]
    if missing:
        names = " ni ".join(name for name, _fields in missing)
        fields = ", ".join(fields for _name, fields in missing)
        empty = "vides ou absents" if len(missing) > 1 else "vide ou absent"
        raise RecordError(f"{key}: notice sans {names} ({fields} : {empty})")
    code = _first(doc, "docType_s").upper()
    if code in KINDS:
        kind = KINDS[code]
    elif "REPORT" in code or code.startswith("REP"):
        kind = Publication.Kind.REPORT
    else:
        kind = Publication.Kind.OTHER

    return PublicationRecord(
        key=key,
        title_fr=title_fr,
        title_en=_title(doc, "en_"),
        summary_fr=_first(doc, "fr_abstract_s", "abstract_s"),
        summary_en=_first(doc, "en_abstract_s"),
        kind=kind,
        year=year,
        month=month,
        venue=_first(doc, "journalTitle_s", "conferenceTitle_s", "bookTitle_s"),
        place=_place(doc),
        pages=_first(doc, "page_s"),
        doi=_first(doc, "doiId_s"),
        hal_id=hal_id,
        url=_first(doc, "uri_s"),
        authors=_authors(doc, key),
        structure_acronyms=_unique(
            [*_strings(doc.get("structAcronym_s")), *_strings(doc.get("labStructAcronym_s"))]
        ),
        project_references=_unique(
            value
            for field in (
                "anrProjectReference_s",
                "anrProjectAcronym_s",
                "europeanProjectReference_s",
                "europeanProjectAcronym_s",
            )
            for value in _strings(doc.get(field))
        ),
    )


def _strings(value: Any) -> list[str]:
    """A field as a list of stripped strings, whatever HAL gave: missing, scalar or list.

    Positions are kept (an empty entry stays ""), since some lists are per author.
    """
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return ["" if item is None else str(item).strip() for item in items]


def _first(doc: dict, *fields: str) -> str:
    """The first non-empty value of the first field that has one."""
    for field in fields:
        for value in _strings(doc.get(field)):
            if value:
                return value
    return ""


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        if value and value.casefold() not in seen:
            seen[value.casefold()] = value
    return list(seen.values())


def _title(doc: dict, prefix: str) -> str:
    title = _first(doc, f"{prefix}title_s")
    subtitle = _first(doc, f"{prefix}subTitle_s")
    if title and subtitle and subtitle.casefold() not in title.casefold():
        return f"{title} : {subtitle}"
    return title


def _date(doc: dict) -> tuple[int | None, int | None]:
    match = PRODUCED_DATE.match(_first(doc, "producedDate_s"))
    if match:
        year, month = int(match[1]), int(match[2]) if match[2] else None
    else:
        year, month = _integer(doc, "producedDateY_i"), _integer(doc, "producedDateM_i")
    return year, month if month and 1 <= month <= 12 else None


def _integer(doc: dict, field: str) -> int | None:
    value = _first(doc, field)
    return int(value) if value.isdecimal() else None


def _place(doc: dict) -> str:
    city = _first(doc, "city_s")
    code = _first(doc, "country_s")
    country = COUNTRIES.get(code.lower(), code.upper()) if code else ""
    return ", ".join(part for part in (city, country) if part)


def _authors(doc: dict, key: str) -> list[PersonRecord]:
    full_names = _strings(doc.get("authFullName_s"))
    first_names = _strings(doc.get("authFirstName_s"))
    last_names = _strings(doc.get("authLastName_s"))
    split = len(first_names) == len(last_names) and (
        not full_names or len(first_names) == len(full_names)
    )
    if split and first_names:
        authors = [
            PersonRecord(first, last) for first, last in zip(first_names, last_names, strict=True)
        ]
        full_names = full_names or [author.full_name for author in authors]
    else:  # no reliable split: the name as written (it still matches people by name)
        authors = [PersonRecord("", name) for name in full_names]
    keep = [index for index, author in enumerate(authors) if author.full_name]
    authors = [authors[index] for index in keep]
    full_names = [full_names[index] for index in keep]

    for author in authors:
        if (
            len(author.first_name) > NAME_MAX
            or len(author.last_name) > NAME_MAX
            or len(author.full_name) > AUTHOR_NAME_MAX
        ):
            raise RecordError(f"{key}: nom d'auteur trop long ({author.full_name[:60]}…)")

    idhals = _aligned_idhals(doc, full_names)
    orcids = _strings(doc.get("authORCIDIdExt_s"))
    if len(orcids) != len(authors):
        orcids = [""] * len(authors)
    for author, idhal, orcid in zip(authors, idhals, orcids, strict=True):
        if not (author.first_name and author.last_name):
            continue  # a Person cannot be created without both names: keep the name only
        author.idhal = idhal if len(idhal) <= IDHAL_MAX else ""
        match = ORCID.search(orcid.upper())
        author.orcid = match[1] if match else ""
    return authors


def _aligned_idhals(doc: dict, names: list[str]) -> list[str]:
    """Each author's idHAL ("" when none or when it cannot be told whose it is)."""
    for field, name_at, idhal_at in (
        ("authFullNamePersonIDIDHal_fs", 0, 2),
        ("authFullNameIdHal_fs", 0, 1),
        ("authIdHalFullName_fs", 1, 0),
    ):
        entries = []
        for value in _strings(doc.get(field)):
            parts = value.split(FACET_SEP)
            if len(parts) > max(name_at, idhal_at):
                entries.append((parts[name_at].strip(), parts[idhal_at].strip()))
        if entries:
            return _by_author(entries, names)
    idhals = _strings(doc.get("authIdHal_s"))
    return idhals if len(idhals) == len(names) else [""] * len(names)


def _by_author(entries: list[tuple[str, str]], names: list[str]) -> list[str]:
    if [name for name, _idhal in entries] == names:
        return [idhal for _name, idhal in entries]
    by_name: dict[str, set[str]] = {}
    for name, idhal in entries:
        by_name.setdefault(name, set()).add(idhal)
    return [next(iter(by_name[name])) if len(by_name.get(name, ())) == 1 else "" for name in names]


# A saved response ---------------------------------------------------------------------


def records_from_file(stream: IO) -> Iterator[PublicationRecord | RecordError]:
    """The records of a HAL search response saved as JSON (a binary or text file).

    The whole file is read and checked before the first record is returned: a file that
    is not a HAL response raises HalFormatError at once, with a message in French.
    """
    try:
        content = stream.read()
    except UnicodeDecodeError as error:
        raise HalFormatError(_encoding_message(error)) from None
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise HalFormatError(_encoding_message(error)) from None
    if not content.strip():
        raise HalFormatError("le fichier est vide : ce n'est pas une réponse de HAL")
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        if error.pos >= len(content.rstrip()) or error.msg.startswith("Unterminated"):
            raise HalFormatError(
                "le fichier JSON s'arrête avant la fin (fichier tronqué ?) : enregistrez de "
                "nouveau la réponse de HAL en entier"
            ) from None
        raise HalFormatError(
            f"le fichier n'est pas du JSON valide (ligne {error.lineno}, colonne "
            f"{error.colno} : {error.msg})"
        ) from None
    response_docs(data)
    return records_from_response(data)


def _encoding_message(error: UnicodeDecodeError) -> str:
    return (
        f"le fichier n'est pas encodé en UTF-8 (octet {error.object[error.start]:#04x} à la "
        f"position {error.start}) : HAL répond en UTF-8, enregistrez sa réponse telle quelle"
    )


# The search API -----------------------------------------------------------------------


def search_parameters(
    query: str | None = None,
    *,
    collection: str | None = None,
    structure_id: int | None = None,
    idhal: str | None = None,
) -> list[tuple[str, str]]:
    """The Solr parameters of a search, paging aside (``rows`` and ``cursorMark``)."""
    params = [("q", query or "*:*")]
    if collection:
        params.append(("fq", f"collCode_s:{_quoted(collection)}"))
    if structure_id is not None:
        params.append(("fq", f"structId_i:{int(structure_id)}"))
    if idhal:
        params.append(("fq", f"authIdHal_s:{_quoted(idhal)}"))
    params += [("fl", ",".join(FIELDS)), ("wt", "json"), ("sort", "docid asc")]
    return params


def _quoted(value: str) -> str:
    return '"' + value.strip().replace("\\", "\\\\").replace('"', '\\"') + '"'


def fetch(
    query: str | None = None,
    *,
    collection: str | None = None,
    structure_id: int | None = None,
    idhal: str | None = None,
    rows: int = PAGE_ROWS,
    max_records: int | None = None,
    opener: urllib.request.OpenerDirector | None = None,
) -> Iterator[PublicationRecord | RecordError]:
    """Every document HAL finds, page after page, as records.

    Deep paging with ``cursorMark``: the first request sends ``*``, each next one the
    ``nextCursorMark`` of the previous answer; the end is an answer whose
    ``nextCursorMark`` is the one sent. Any failure raises HalFetchError (with the URL and
    the HTTP status) after the records of the pages already received were yielded: the
    caller decides what to do with them.
    """
    params = search_parameters(query, collection=collection, structure_id=structure_id, idhal=idhal)
    opener = opener or urllib.request.build_opener()
    base = settings.HAL_API_URL
    cursor, count = "*", 0
    while max_records is None or count < max_records:
        page_rows = rows if max_records is None else min(rows, max_records - count)
        paging = [("rows", str(page_rows)), ("cursorMark", cursor)]
        url = f"{base}?{urllib.parse.urlencode([*params, *paging])}"
        status, data = _get_json(opener, url)
        try:
            docs = response_docs(data, error=HalFetchError)
        except HalFetchError as error:
            raise HalFetchError(f"{error} — {url} (HTTP {status})") from None
        for record in records_from_response(data):
            yield record
            count += 1
            if max_records is not None and count >= max_records:
                return
        next_cursor = data.get("nextCursorMark")
        if not isinstance(next_cursor, str) or not next_cursor:
            raise HalFetchError(
                f"la réponse de HAL n'a pas de « nextCursorMark » : impossible de lire la page "
                f"suivante — {url} (HTTP {status})"
            )
        if next_cursor == cursor or not docs:
            return
        cursor = next_cursor


def _get_json(opener: urllib.request.OpenerDirector, url: str) -> tuple[int, Any]:
    timeout = settings.IMPORT_HTTP_TIMEOUT
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
    )
    try:
        with opener.open(request, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        raise HalFetchError(
            f"HAL a répondu HTTP {error.code} ({error.reason}){_solr_message(error)} — {url}"
        ) from None
    except TimeoutError:
        raise HalFetchError(f"HAL n'a pas répondu en {timeout} s — {url}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise HalFetchError(f"HAL n'a pas répondu en {timeout} s — {url}") from None
        raise HalFetchError(f"HAL est injoignable ({error.reason}) — {url}") from None
    except (OSError, http.client.HTTPException) as error:
        raise HalFetchError(f"la connexion à HAL a échoué ({error!r}) — {url}") from None
    try:
        return status, json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HalFetchError(
            f"HAL a renvoyé une réponse qui n'est pas du JSON lisible ({error}) — {url} "
            f"(HTTP {status})"
        ) from None


def _solr_message(error: urllib.error.HTTPError) -> str:
    """Solr's own explanation of an error (« undefined field … »), when it gives one."""
    try:
        message = json.loads(error.read(20_000))["error"]["msg"]
    except Exception:  # any body at all, or none: the status says enough
        return ""
    return f" : {message}" if isinstance(message, str) and message else ""
