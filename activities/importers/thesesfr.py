"""theses.fr: PhD theses, defended or in preparation, from the national register (ABES).

The search API answers JSON under ``settings.THESES_API_URL`` (https://theses.fr/api/v1/):

- ``theses/recherche/?q=…&debut=0&nombre=50`` → ``{"totalHits": 3, "took": 9,
  "theses": [hit, …]}``. A hit is a light projection: ``id`` (the NNT of a defended
  thesis, the subject number ``s123456`` of one in preparation), ``nnt``,
  ``titrePrincipal``, ``titreEN``, ``auteurs`` and ``directeurs`` (``[{ppn, nom,
  prenom}]``), ``status`` (``soutenue`` / ``enCours``), ``dateSoutenance`` and
  ``datePremiereInscriptionDoctorat`` (DD/MM/YYYY), ``discipline``, ``etabSoutenanceN``,
  ``ecolesDoctorale`` and ``partenairesDeRecherche`` (``[{ppn, nom, type}]``). No abstract.
- ``theses/these/<NNT or subject number>`` → one thesis, with ``titres`` and ``resumes``
  by language (``{"fr": …, "en": …}``), ``numSujet``, ``etabSoutenance`` (``{ppn, nom}``),
  ``etabCotutelle``, ``ecolesDoctorales``, ``partenairesRecherche``, ``isSoutenue``. An
  unknown identifier answers 200 with an empty body.

The two projections name some fields differently; the mapper reads either, and takes a
missing field, a single value where a list is expected, or a list where a single value
is expected, in its stride. ``fetch`` reads every page of a search, then each thesis's
full record (abstracts, titles by language, co-tutelles), and returns them as one
search-shaped document: what ``records_from_response`` reads, and what ``--file`` reads
back once saved.

theses.fr gives supervisors in order but not their role: the first is taken as director,
the others as co-directors. It names the school and its laboratories like any partner:
those the portal knows as its own structures are linked as structures, never duplicated
as partner organisations.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import IO, Any

from django.conf import settings

from activities.models import Organisation, Structure, Thesis, ThesisSupervisor
from activities.text import normalised

from .base import OrganisationRecord, PersonRecord, RecordError, ThesisRecord, find_thesis

# HTTP headers travel as Latin-1: the portal names itself in plain ASCII.
USER_AGENT = "odd3/1.0 (portail ODD 3 de l'IMT Mines Ales; import des theses depuis theses.fr)"

NNT = re.compile(r"^\d{4}[A-Z0-9]{8}$")
STATUSES = {
    "soutenue": Thesis.Status.DEFENDED,
    "encours": Thesis.Status.ONGOING,
}
# Fields by which a JSON object is recognised as a thesis of theses.fr.
THESIS_FIELDS = {"titrePrincipal", "titres", "nnt", "numSujet", "auteurs", "directeurs"}
LANGUAGES = {"fr": {"fr", "fre", "fra", "francais"}, "en": {"en", "eng", "anglais"}}
# The school itself, however theses.fr spells it (IMT Mines Alès, École nationale
# supérieure des mines d'Alès…), is never a partner of its own theses. Whole names only:
# "Association des doctorants d'IMT Mines Alès" is a partner like any other.
SCHOOL = re.compile(r"^(imt mines ales|(ecole (nationale superieure )?des )?mines d ales)$")
PARTNER_KINDS = {
    "entreprise": Organisation.Kind.COMPANY,
    "fondation": Organisation.Kind.ASSOCIATION,
    "association": Organisation.Kind.ASSOCIATION,
    "etablissement": Organisation.Kind.UNIVERSITY,
    "universite": Organisation.Kind.UNIVERSITY,
    "hopital": Organisation.Kind.HOSPITAL,
    "chu": Organisation.Kind.HOSPITAL,
}
TRAILING_PARENTHESES = re.compile(r"\s*\(([^()]*)\)\s*$")


class ThesesFormatError(ValueError):
    """A file or document that is not a readable theses.fr response (French message)."""


class ThesesFetchError(Exception):
    """theses.fr could not be read: HTTP error, timeout, unreadable answer."""

    def __init__(self, message: str, *, url: str, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


# Reading a response ----------------------------------------------------------------------


def records_from_file(stream: IO) -> Iterator[ThesisRecord | RecordError]:
    """The records of a saved theses.fr response (search or single thesis).

    The file is read and checked at once: ThesesFormatError for anything that is not
    UTF-8 JSON from theses.fr, before a single record is imported.
    """
    try:
        raw = stream.read()
    except UnicodeDecodeError as error:
        raise ThesesFormatError(_not_utf8(error)) from None
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ThesesFormatError(_not_utf8(error)) from None
    if not raw.strip():
        raise ThesesFormatError("le fichier est vide : aucune réponse de theses.fr à importer.")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        where = f"ligne {error.lineno}, colonne {error.colno}"
        if error.pos >= len(raw.rstrip()) or error.msg.startswith("Unterminated"):
            raise ThesesFormatError(
                f"le fichier s'arrête avant la fin du JSON ({where}) : il est tronqué. "
                "Enregistrez de nouveau la réponse complète de theses.fr."
            ) from None
        raise ThesesFormatError(
            f"le fichier n'est pas du JSON valide ({where} : {error.msg})."
        ) from None
    return records_from_response(data)


def _not_utf8(error: UnicodeDecodeError) -> str:
    return (
        f"le fichier n'est pas encodé en UTF-8 (octet {error.object[error.start]:#04x} à la "
        f"position {error.start}) : theses.fr répond en UTF-8, enregistrez sa réponse telle "
        "quelle, sans la convertir (en Latin-1 par exemple)."
    )


def records_from_response(
    data: Any, *, structures: Mapping[str, str] | None = None
) -> Iterator[ThesisRecord | RecordError]:
    """One ThesisRecord per thesis of a search response, a single-thesis response or a
    list of theses; a RecordError (with the NNT or subject number) for each thesis that
    cannot be read, so that the others are imported.

    The shape of ``data`` is checked at once (ThesesFormatError). ``structures`` maps
    normalised names and acronyms of the portal's structures to their acronym; by
    default it is read from the database when the first thesis is mapped.
    """
    return _records(_theses_in(data), structures)


def _theses_in(data: Any) -> list:
    if isinstance(data, dict):
        if "theses" in data:
            if isinstance(data["theses"], list):
                return data["theses"]
            raise ThesesFormatError(
                "la réponse de theses.fr a un champ « theses » qui n'est pas une liste."
            )
        if THESIS_FIELDS & data.keys():
            return [data]
    elif isinstance(data, list) and all(
        isinstance(item, dict) and THESIS_FIELDS & item.keys() for item in data
    ):
        return data
    raise ThesesFormatError(
        "ce JSON n'est pas une réponse de theses.fr : on attend une recherche "
        '({"totalHits": …, "theses": […]}) ou une thèse (titrePrincipal, nnt, auteurs…).'
    )


def _records(
    theses: list, structures: Mapping[str, str] | None
) -> Iterator[ThesisRecord | RecordError]:
    for position, thesis in enumerate(theses, start=1):
        if not isinstance(thesis, dict):
            yield RecordError(f"thèse n° {position}: pas une thèse (objet JSON attendu)")
            continue
        if structures is None:
            structures = structure_index()
        try:
            yield thesis_record(thesis, structures=structures, position=position)
        except RecordError as error:
            yield error


def structure_index() -> dict[str, str]:
    """Normalised acronym and names of each of the portal's structures → its acronym
    ("" for a structure without one, such as the school itself)."""
    index: dict[str, str] = {}
    for acronym, *names in Structure.objects.values_list("acronym", "name_fr", "name_en"):
        for text in (acronym, *names):
            if normalised(text):
                index.setdefault(normalised(text), acronym)
    return index


def thesis_record(
    thesis: dict, *, structures: Mapping[str, str], position: int = 1
) -> ThesisRecord:
    """Map one thesis of theses.fr; RecordError("<NNT or id>: why") when it cannot be."""
    raw_nnt = _text(thesis.get("nnt")).upper()
    nnt = raw_nnt if NNT.match(raw_nnt) else ""
    key = nnt or _text(_first(thesis, "numSujet", "id")) or raw_nnt or f"thèse n° {position}"

    titles = thesis.get("titres")
    title_fr = _by_language(titles, "fr") or _text(thesis.get("titrePrincipal"))
    title_fr = title_fr or _by_language(titles, "en") or _text(thesis.get("titreEN"))
    if not title_fr:
        raise RecordError(f"{key}: thèse sans titre sur theses.fr (titrePrincipal et titres vides)")
    title_en = _by_language(titles, "en") or _text(thesis.get("titreEN"))
    # titreEN sometimes holds the discipline rather than an English title.
    if title_en in (title_fr, _text(thesis.get("discipline"))):
        title_en = ""

    candidate = next(
        filter(None, map(_person, _items(_first(thesis, "auteurs", "auteur", "doctorant")))),
        None,
    )
    if candidate is None:
        raise RecordError(f"{key}: thèse sans doctorant·e sur theses.fr (auteurs vide)")

    start_year, _enrolled = _date(
        _first(thesis, "datePremiereInscriptionDoctorat", "dateInscription")
    )
    defence_year, defence_date = _date(_first(thesis, "dateSoutenance", "anneeSoutenance"))
    status = _status(thesis, nnt=nnt, defended_on=defence_year)
    if status != Thesis.Status.DEFENDED:
        defence_year = defence_date = None

    record = ThesisRecord(
        key=key,
        title_fr=title_fr,
        title_en=title_en,
        summary_fr=_by_language(thesis.get("resumes"), "fr", paragraphs=True),
        summary_en=_by_language(thesis.get("resumes"), "en", paragraphs=True),
        candidate=candidate,
        # Unknown for theses catalogued only at their defence: never guessed, so an
        # existing thesis keeps the start year an editor gave it (see below).
        start_year=start_year,  # type: ignore[arg-type]
        status=status,
        nnt=nnt,
        end_year=defence_year,
        defence_date=defence_date,
        supervisors=_supervisors(thesis),
    )
    schools = _organisations(
        _first(thesis, "ecolesDoctorales", "ecolesDoctorale", "ecoleDoctorale"),
        Organisation.Kind.DOCTORAL_SCHOOL,
    )
    record.doctoral_school = schools[0] if schools else None
    institutions = _organisations(
        [
            *_items(_first(thesis, "etabSoutenance", "etabSoutenanceN")),
            *_items(thesis.get("etablissements")),
            *_items(_first(thesis, "etabCotutelle", "etabsCotutelle", "etablissementsCotutelle")),
        ],
        Organisation.Kind.UNIVERSITY,
    )
    partners = _organisations(
        _first(thesis, "partenairesRecherche", "partenairesDeRecherche"), None
    )
    for organisation in [*institutions, *partners]:
        own = _own_structure(organisation, structures)
        if own is None:
            if normalised(organisation.name) not in {normalised(o.name) for o in record.partners}:
                record.partners.append(organisation)
        elif own and own not in record.structure_acronyms:
            record.structure_acronyms.append(own)

    if start_year is None and find_thesis(record) is None:
        raise RecordError(
            f"{key}: theses.fr ne donne pas la date de première inscription en doctorat ; "
            "sans année de début, la thèse ne peut pas être créée (saisissez-la dans "
            "l'administration, puis relancez l'import pour la compléter)"
        )
    return record


def _status(thesis: dict, *, nnt: str, defended_on: int | None) -> str:
    raw = _text(thesis.get("status")).replace(" ", "").lower()
    if raw in STATUSES:
        return STATUSES[raw]
    if thesis.get("isSoutenue") is True or (nnt and defended_on):
        return Thesis.Status.DEFENDED
    return Thesis.Status.ONGOING


def _supervisors(thesis: dict) -> list[tuple[PersonRecord, str]]:
    """In theses.fr's order: the first directs, the others co-direct (theses.fr gives no
    role; a ``role`` or ``type`` field, should one appear, is followed)."""
    supervisors: list[tuple[PersonRecord, str]] = []
    seen = set()
    for item in _items(_first(thesis, "directeurs", "directeursThese")):
        person = _person(item)
        if person is None or normalised(person.full_name) in seen:
            continue
        seen.add(normalised(person.full_name))
        hint = (
            normalised(_text(item.get("role") or item.get("type")))
            if isinstance(item, dict)
            else ""
        )
        if "encadr" in hint:
            role = ThesisSupervisor.Role.SUPERVISOR
        elif re.match(r"co ?direct", hint):
            role = ThesisSupervisor.Role.CO_DIRECTOR
        elif "direct" in hint or not supervisors:
            role = ThesisSupervisor.Role.DIRECTOR
        else:
            role = ThesisSupervisor.Role.CO_DIRECTOR
        supervisors.append((person, role))
    return supervisors


def _person(value: Any) -> PersonRecord | None:
    """``{"nom": "Ajra", "prenom": "Zaineb", "ppn": "…"}``, or "Nom, Prénom"."""
    if isinstance(value, dict):
        first, last = _name(value.get("prenom")), _name(value.get("nom"))
    elif isinstance(value, str) and "," in value:
        last, first = (_name(part) for part in value.split(",", 1))
    elif isinstance(value, str):
        first, _sep, last = _name(value).rpartition(" ")
    else:
        return None
    if not (first or last):
        return None
    return PersonRecord(first_name=first, last_name=last)


def _name(value: Any) -> str:
    """A name as written, except one written in capitals: "LE GALL" → "Le Gall"."""
    text = _text(value)
    if text.isupper() and len(text) > 1:
        text = re.sub(r"[^\W\d_]+", lambda word: word.group().capitalize(), text.lower())
    return text


def _organisations(values: Any, kind: str | None) -> list[OrganisationRecord]:
    """Organisations named as IdRef names them: "Université de Montpellier (2022-....)",
    "École doctorale Information, Structures, Systèmes (Montpellier ; 2015-....)". The
    qualifiers in parentheses are dropped; one that reads as an acronym ("(I2S)") is kept
    as the acronym. ``kind`` None: from the partner's ``type`` (Laboratoire, Entreprise…)."""
    found: list[OrganisationRecord] = []
    for value in _items(values):
        name = (
            _text(value.get("nom") or value.get("name"))
            if isinstance(value, dict)
            else _text(value)
        )
        acronym = ""
        while (match := TRAILING_PARENTHESES.search(name)) and match.start() > 0:
            inner = match.group(1).strip()
            if not acronym and _looks_like_acronym(inner):
                acronym = inner
            name = name[: match.start()]
        name = re.sub(r"^Ecole doctorale\b", "École doctorale", name, flags=re.IGNORECASE)
        if not name or name.upper() == "NON RENSEIGNE":
            continue
        if kind is None:
            kind_of = normalised(_text(value.get("type"))) if isinstance(value, dict) else ""
            kind_of = next(
                (k for word, k in PARTNER_KINDS.items() if word in kind_of),
                Organisation.Kind.RESEARCH_BODY,
            )
        else:
            kind_of = kind
        found.append(OrganisationRecord(name=name, acronym=acronym, kind=kind_of))
    return found


def _looks_like_acronym(text: str) -> bool:
    """ "I2S", "LGEI", "EuroMov": not a place ("Montpellier") nor dates ("2015-....")."""
    capitals = sum(char.isupper() or char.isdigit() for char in text)
    return (
        bool(re.fullmatch(r"[\w&.\-]{2,20}", text))
        and capitals >= 2
        and not re.search(r"\d{4}", text)
    )


def _own_structure(organisation: OrganisationRecord, structures: Mapping[str, str]) -> str | None:
    """The acronym of the portal's structure this organisation is ("" for one without an
    acronym, such as the school itself); None for an outside organisation."""
    name = normalised(organisation.name)
    if SCHOOL.search(name):
        return ""
    for text in (name, normalised(organisation.acronym)):
        if text and text in structures:
            return structures[text]
    return None


# Small readers that take whatever shape the source gives ------------------------------


def _first(thesis: dict, *names: str) -> Any:
    """The first of these fields that the thesis fills (the two projections of theses.fr
    name some fields differently)."""
    for name in names:
        value = thesis.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _items(value: Any) -> list:
    """A list, whether the source gives a list, a single value or nothing."""
    if value in (None, "", {}):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _text(value: Any, *, paragraphs: bool = False) -> str:
    """Text from a string, a number or the first non-empty item of a list; "" otherwise.
    Spaces are collapsed, except line breaks between paragraphs when asked."""
    if isinstance(value, list | tuple):
        return next((text for text in (_text(v, paragraphs=paragraphs) for v in value) if text), "")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    text = str(value)
    if paragraphs:
        blocks = (" ".join(block.split()) for block in re.split(r"\n\s*\n", text))
        return "\n\n".join(block for block in blocks if block)
    return " ".join(text.split())


def _by_language(value: Any, language: str, *, paragraphs: bool = False) -> str:
    """``{"fr": "…", "en": "…"}``; also ``[{"langue": "fr", "texte": "…"}]``."""
    codes = LANGUAGES[language]
    if isinstance(value, dict):
        for code, text in value.items():
            if normalised(str(code)) in codes:
                return _text(text, paragraphs=paragraphs)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and normalised(_text(item.get("langue"))) in codes:
                text = item.get("texte") or item.get("libelle") or item.get("titre")
                return _text(text, paragraphs=paragraphs)
    return ""


def _date(value: Any) -> tuple[int | None, date | None]:
    """(year, date) from "02/10/2023", "2023-10-02" or "2023"; (None, None) otherwise."""
    text = _text(value)
    if match := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        day, month, year = map(int, match.groups())
    elif match := re.match(r"(\d{4})-(\d{2})-(\d{2})", text):
        year, month, day = map(int, match.groups())
    elif re.fullmatch(r"\d{4}", text):
        return int(text), None
    else:
        return None, None
    try:
        return year, date(year, month, day)
    except ValueError:
        return year, None


# Fetching from theses.fr ----------------------------------------------------------------


def fetch(
    query: str | None = None,
    *,
    nnt: str | None = None,
    rows: int = 50,
    max_records: int | None = None,
    details: bool = True,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Read theses.fr: one thesis by NNT (or subject number ``s123456``), or every page
    of a search (``debut``/``nombre``) until ``totalHits`` are read or ``max_records``
    reached, then, unless ``details`` is False, each thesis's full record. Returns a
    search-shaped document, ``{"totalHits": n, "theses": [...]}``.

    Raises ThesesFetchError (with the URL and the HTTP status) on any failure: nothing is
    returned half-read.
    """
    if (query is None) == (nnt is None):
        raise ValueError("fetch() reads either a query or an NNT.")
    if rows < 1:
        raise ValueError("rows must be at least 1.")
    if nnt is not None:
        thesis = _thesis(nnt.strip())
        return {"totalHits": 1, "theses": [thesis]}

    hits: list = []
    seen: set[str] = set()
    total: int | None = None
    start = 0
    while total is None or start < total:
        size = rows if max_records is None else min(rows, max_records - len(hits))
        if size <= 0:
            break
        url = _api_url("theses/recherche/", q=query, debut=start, nombre=size)
        page = _get_json(url)
        if not isinstance(page, dict) or not isinstance(page.get("theses"), list):
            raise ThesesFetchError(
                f"theses.fr a répondu sans liste « theses » : {url}", url=url, status=200
            )
        try:
            total = int(page.get("totalHits") or 0)
        except (TypeError, ValueError):
            raise ThesesFetchError(
                f"theses.fr a répondu avec un totalHits illisible ({page.get('totalHits')!r}) : "
                f"{url}",
                url=url,
                status=200,
            ) from None
        if not page["theses"]:
            break
        start += len(page["theses"])
        for hit in page["theses"]:
            ident = _text(_first(hit, "id", "nnt", "numSujet")) if isinstance(hit, dict) else ""
            if ident and ident in seen:  # a thesis that moved between two pages
                continue
            seen.add(ident)
            hits.append(hit)
        if log:
            log(f"theses.fr : {len(hits)} thèse(s) lue(s) sur {total}.")
    hits = hits[:max_records] if max_records is not None else hits
    if details:
        hits = [_with_details(hit) for hit in hits]
    return {"totalHits": total or 0, "theses": hits}


def _thesis(ident: str, *, missing_ok: bool = False) -> dict | None:
    url = _api_url(f"theses/these/{urllib.parse.quote(ident, safe='')}")
    thesis = _get_json(url)
    if thesis is None and missing_ok:
        return None
    if thesis is None:
        raise ThesesFetchError(
            f"theses.fr ne connaît pas la thèse « {ident} » (réponse vide) : {url}",
            url=url,
            status=200,
        )
    if not isinstance(thesis, dict):
        raise ThesesFetchError(
            f"theses.fr a répondu autre chose qu'une thèse : {url}", url=url, status=200
        )
    return thesis


def _with_details(hit: Any) -> Any:
    """The thesis's full record, completed by what only the search hit gives (the hit
    alone if the record has gone since the search)."""
    if not isinstance(hit, dict):
        return hit
    ident = _text(_first(hit, "nnt", "id", "numSujet"))
    detail = _thesis(ident, missing_ok=True) if ident else None
    if detail is None:
        return hit
    return {**hit, **{k: v for k, v in detail.items() if v not in (None, "", [], {})}}


def _api_url(path: str, **params) -> str:
    base = settings.THESES_API_URL
    url = urllib.parse.urljoin(base if base.endswith("/") else f"{base}/", path)
    return f"{url}?{urllib.parse.urlencode(params)}" if params else url


def _get_json(url: str) -> Any:
    """The JSON at ``url``; None for an empty body (theses.fr's "not found")."""
    timeout = getattr(settings, "IMPORT_HTTP_TIMEOUT", 30)
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
            body = response.read()
    except urllib.error.HTTPError as error:
        error.close()
        raise ThesesFetchError(
            f"theses.fr a répondu « {error.code} {error.reason} » à {url}",
            url=url,
            status=error.code,
        ) from None
    except TimeoutError:
        raise ThesesFetchError(
            f"theses.fr n'a pas répondu dans les {timeout} s : {url}", url=url
        ) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise ThesesFetchError(
                f"theses.fr n'a pas répondu dans les {timeout} s : {url}", url=url
            ) from None
        raise ThesesFetchError(
            f"theses.fr est injoignable ({error.reason}) : {url}", url=url
        ) from None
    except (OSError, http.client.HTTPException) as error:
        raise ThesesFetchError(
            f"l'échange avec theses.fr a été interrompu ({error}) : {url}", url=url
        ) from None
    if not body.strip():
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ThesesFetchError(
            f"theses.fr a répondu (HTTP {status}) autre chose que du JSON : {url}",
            url=url,
            status=status,
        ) from None


def theses_in(documents: Iterable[dict]) -> dict:
    """Several search-shaped documents (one per NNT fetched) as one."""
    theses = [thesis for document in documents for thesis in document.get("theses", [])]
    return {"totalHits": len(theses), "theses": theses}
