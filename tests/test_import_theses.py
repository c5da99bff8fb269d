"""theses.fr import (activities.importers.thesesfr, `manage.py import_theses`).

The responses in tests/data/thesesfr/ are written from the API's published format (see
its README); HTTP goes through a real local server that serves them.
"""

import io
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.core.management import CommandError, call_command

from activities.importers.base import RecordError, ThesisRecord, import_records
from activities.importers.thesesfr import (
    ThesesFetchError,
    ThesesFormatError,
    fetch,
    records_from_file,
    records_from_response,
)
from activities.models import Organisation, Person, State, Thesis, ThesisSupervisor

from .factories import ThesisFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "thesesfr"
QUERY = "codeEtab:(EMAL)"
DEFENDED, AJRA, OTHER = "2022EMAL0007", "s354812", "s361204"
AJRA_TITLE = (
    "Modèles neurophysiologiques dynamiques et apprentissage profond pour l'étude de la "
    "connectivité cérébrale de sujets sains et cérébrolésés"
)
Role = ThesisSupervisor.Role


def recorded(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def records(*names):
    """The records of recorded single-thesis responses, as a file import reads them."""
    return [r for name in names for r in records_from_response(recorded(f"these-{name}.json"))]


def counts():
    return (Thesis.objects.count(), Person.objects.count(), Organisation.objects.count())


# A stand-in for theses.fr -------------------------------------------------------------


class FakeThesesFr(ThreadingHTTPServer):
    """theses.fr on 127.0.0.1: answers the requests it was given, 404 to any other, and
    remembers each request (path, query parameters, headers)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers = {}
        self.requests = []
        self.release = threading.Event()  # ends the wait of a "too slow" answer
        self.url = f"http://127.0.0.1:{self.server_address[1]}/api/v1/"

    def answer(self, path, params=None, *, file=None, body=None, status=200, delay=0):
        if file is not None:
            body = (DATA / file).read_bytes()
        self.answers[_target(f"/api/v1/{path}", params or {})] = (status, body, delay)

    def answer_search(self, rows=2):
        """The recorded search, two hits a page (or all on one page of ``rows``), then
        each thesis's record."""
        if rows == 2:
            for start in (0, 2):
                params = {"q": QUERY, "debut": start, "nombre": 2}
                self.answer("theses/recherche/", params, file=f"recherche-debut-{start}.json")
        else:
            hits = [hit for n in (0, 2) for hit in recorded(f"recherche-debut-{n}.json")["theses"]]
            body = json.dumps({"totalHits": 3, "took": 12, "theses": hits}).encode()
            self.answer("theses/recherche/", {"q": QUERY, "debut": 0, "nombre": rows}, body=body)
        for ident in (DEFENDED, AJRA, OTHER):
            self.answer(f"theses/these/{ident}", file=f"these-{ident}.json")


def _target(path, params):
    return f"{path}?{urlencode(sorted((k, str(v)) for k, v in params.items()))}"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query))
        self.server.requests.append((url.path, params, dict(self.headers)))
        status, body, delay = self.server.answers.get(
            _target(url.path, params), (404, b'{"message": "pas de reponse enregistree"}', 0)
        )
        if delay:
            self.server.release.wait(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up waiting
            pass

    def log_message(self, format, *args):
        pass


@pytest.fixture
def thesesfr(settings):
    server = FakeThesesFr()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.THESES_API_URL = server.url
    settings.IMPORT_HTTP_TIMEOUT = 5
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_theses", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# Mapping ----------------------------------------------------------------------------------


def test_a_defended_thesis_is_mapped_with_its_nnt_defence_date_and_partners(report_2023):
    [record] = records(DEFENDED)
    assert isinstance(record, ThesisRecord)
    assert record.key == record.nnt == DEFENDED
    assert record.status == Thesis.Status.DEFENDED
    assert (record.start_year, record.end_year) == (2019, 2022)
    assert record.defence_date == date(2022, 12, 14)
    assert record.title_en.startswith("Monitoring motor rehabilitation after stroke")
    # Abstracts by language, their paragraphs kept.
    assert record.summary_fr.startswith("Après un accident vasculaire cérébral")
    assert "\n\nCette thèse propose" in record.summary_fr
    assert record.summary_en.startswith("After a stroke")
    assert record.candidate.full_name == "Léa Fabre"
    assert [(p.full_name, role) for p, role in record.supervisors] == [
        ("Hélène Marchand", Role.DIRECTOR),
        ("Thomas Girard", Role.CO_DIRECTOR),
    ]
    # IdRef's qualifiers "(Montpellier ; 2015-....)" are not part of the name.
    school = record.doctoral_school
    assert (school.name, school.kind) == (
        "École doctorale Information, Structures, Systèmes",
        Organisation.Kind.DOCTORAL_SCHOOL,
    )
    # The school awards the degree and EuroMov DHM is its own joint unit: both are
    # structures, not partners; the co-tutelle and the company are partners.
    assert [(o.name, o.kind) for o in record.partners] == [
        ("Université de Sherbrooke", Organisation.Kind.UNIVERSITY),
        ("Kyomed Innov", Organisation.Kind.COMPANY),
    ]
    assert record.structure_acronyms == ["EuroMov DHM"]


def test_an_ongoing_thesis_is_keyed_by_its_subject_number_never_taken_as_its_nnt(db):
    [record] = records(AJRA)
    assert record.key == AJRA
    assert record.nnt == ""
    assert record.status == Thesis.Status.ONGOING
    assert (record.start_year, record.end_year, record.defence_date) == (2023, None, None)
    # Written in capitals on theses.fr; written as a name here.
    assert (record.candidate.first_name, record.candidate.last_name) == ("Zaineb", "Ajra")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": "soutenue"}, Thesis.Status.DEFENDED),
        ({"status": "enCours"}, Thesis.Status.ONGOING),
        # No status: what else theses.fr says decides.
        ({"status": None, "isSoutenue": True}, Thesis.Status.DEFENDED),
        ({"status": None, "isSoutenue": None}, Thesis.Status.DEFENDED),  # NNT and a date
        ({"status": None, "isSoutenue": None, "nnt": None}, Thesis.Status.ONGOING),
    ],
)
def test_the_status_of_theses_fr_is_the_status_of_the_thesis(db, fields, expected):
    thesis = {**recorded(f"these-{DEFENDED}.json"), **fields}
    [record] = records_from_response(thesis)
    assert record.status == expected
    if expected == Thesis.Status.ONGOING:
        # Only a defended thesis has a defence date (the database insists).
        assert (record.end_year, record.defence_date) == (None, None)


def test_the_mapper_takes_missing_fields_scalars_and_lists_in_its_stride(db):
    """A search hit read from a saved file: no abstract, other field names, a titreEN
    that holds the discipline, people and partners given as single values."""
    hit = recorded("recherche-une-sans-titre.json")["theses"][0]
    hit.update(
        auteurs={"nom": "Benali", "prenom": "Lina"},
        directeurs="Dumas, Olivier",
        ecolesDoctorale={"nom": "Ecole doctorale GAIA (Montpellier ; 2015-....)"},
        resumes=None,
    )
    del hit["partenairesDeRecherche"]
    [record] = records_from_response({"theses": [hit]})
    assert record.key == OTHER
    assert record.title_en == ""  # not "Sciences de l'environnement"
    assert record.summary_fr == ""
    assert record.candidate.full_name == "Lina Benali"
    assert [(p.full_name, r) for p, r in record.supervisors] == [("Olivier Dumas", Role.DIRECTOR)]
    assert record.doctoral_school.name == "École doctorale GAIA"
    assert record.partners == []


# Reconciliation with the 2023 report --------------------------------------------------


def test_a_thesis_of_the_report_is_completed_never_duplicated(report_2023):
    thesis = Thesis.objects.get(slug="these-zaineb-ajra")
    assert thesis.title_fr == AJRA_TITLE
    before = counts()

    report = import_records(records(AJRA))

    assert (report.created, report.updated, report.errors) == ([], [AJRA], [])
    # Same thesis (normalised title, "’" for "'", and candidate written in capitals),
    # same people, same doctoral school: nothing was created.
    assert counts() == before
    thesis.refresh_from_db()
    assert thesis.candidate.slug == "zaineb-ajra"
    assert thesis.doctoral_school.slug == "ecole-doctorale-i2s"
    assert thesis.summary_fr.startswith("Évaluer l'état de conscience")  # theses.fr's abstract
    assert thesis.state == State.PUBLISHED  # an existing entry keeps its workflow state
    # theses.fr names the same three supervisors and gives no roles: the roles the
    # editors entered stay, nobody is added or removed.
    assert [(s.person.slug, s.role) for s in thesis.supervisions.order_by("order")] == [
        ("jacky-montmain", Role.DIRECTOR),
        ("stephane-perrey", Role.CO_DIRECTOR),
        ("binbin-xu", Role.SUPERVISOR),
    ]
    assert {s.slug for s in thesis.structures.all()} == {"i3a", "euromov-dhm"}


def test_an_organisation_is_found_by_name_or_acronym(report_2023):
    before = Organisation.objects.count()
    import_records(records(DEFENDED))
    thesis = Thesis.objects.get(nnt=DEFENDED)
    assert thesis.doctoral_school.acronym == "I2S"
    assert {o.name for o in thesis.partners.all()} == {"Université de Sherbrooke", "Kyomed Innov"}
    # Only the co-tutelle university is new: Kyomed Innov is the report's.
    assert Organisation.objects.count() == before + 1
    assert not Organisation.objects.filter(name__icontains="EuroMov").exists()
    assert not Organisation.objects.filter(name="IMT Mines Alès").exists()
    assert [s.acronym for s in thesis.structures.all()] == ["EuroMov DHM"]


def test_a_second_import_changes_nothing(report_2023):
    first = import_records(records(DEFENDED, AJRA, OTHER))
    assert (len(first.created), len(first.updated), first.errors) == (2, 1, [])
    before = counts()
    second = import_records(records(DEFENDED, AJRA, OTHER))
    assert (second.created, second.updated) == ([], [])
    assert sorted(second.unchanged) == sorted([DEFENDED, AJRA, OTHER])
    assert counts() == before


def test_a_defended_thesis_without_an_enrolment_date(db):
    """Theses catalogued only at their defence have no enrolment date: the start year is
    never guessed. An existing thesis keeps its own; a new one cannot be created."""
    thesis = {**recorded(f"these-{DEFENDED}.json"), "datePremiereInscriptionDoctorat": None}
    [error] = records_from_response(thesis)
    assert isinstance(error, RecordError)
    assert str(error).startswith(f"{DEFENDED}: theses.fr ne donne pas la date de première")

    existing = ThesisFactory(nnt=DEFENDED, start_year=2018, status=Thesis.Status.DEFENDED)
    [record] = records_from_response(thesis)
    assert import_records([record]).updated == [DEFENDED]
    existing.refresh_from_db()
    assert (existing.start_year, existing.end_year) == (2018, 2022)


# The command, from a saved file -----------------------------------------------------


def test_new_theses_are_drafts_unless_published(report_2023, tmp_path):
    path = tmp_path / "these.json"
    path.write_bytes((DATA / f"these-{DEFENDED}.json").read_bytes())
    out, _err = run("--file", str(path))
    assert "1 créé(s), 0 mis à jour, 0 inchangé(s), 0 refusé(s)" in out
    assert Thesis.objects.get(nnt=DEFENDED).state == State.DRAFT

    Thesis.objects.filter(nnt=DEFENDED).delete()
    run("--file", str(path), "--publish")
    assert Thesis.objects.get(nnt=DEFENDED).state == State.PUBLISHED


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(report_2023):
    before = counts()
    ajra = Thesis.objects.get(slug="these-zaineb-ajra")
    out, _err = run("--file", str(DATA / f"these-{AJRA}.json"), "--dry-run")
    assert "Simulation : 0 créé(s), 1 mis à jour" in out
    assert "rien n'a été écrit" in out
    assert counts() == before
    ajra.refresh_from_db()
    assert ajra.summary_fr.startswith("Thèse en cours au sein de l'équipe I3A")
    assert ajra.supervisions.get(person__slug="binbin-xu").role == Role.SUPERVISOR


def test_a_thesis_without_title_is_refused_and_the_others_are_imported(db):
    out, _err = run("--file", str(DATA / "recherche-une-sans-titre.json"))
    assert "1 créé(s), 0 mis à jour, 0 inchangé(s), 1 refusé(s) sur 2" in out
    assert "refusée : s370001 — thèse sans titre sur theses.fr" in out
    assert Thesis.objects.get().candidate.last_name == "Benali"
    assert not Person.objects.filter(last_name="Morel").exists()


def test_a_thesis_without_candidate_is_refused_with_its_key(db):
    thesis = {**recorded(f"these-{DEFENDED}.json"), "auteurs": []}
    [error] = records_from_response(thesis)
    assert str(error) == f"{DEFENDED}: thèse sans doctorant·e sur theses.fr (auteurs vide)"


def test_progress_is_reported_every_50_theses(db, tmp_path):
    hit = recorded("recherche-debut-2.json")["theses"][0]
    hits = [
        {**hit, "id": f"s{n}", "auteurs": [{"nom": f"Doctorant{n}", "prenom": "Test"}]}
        for n in range(120)
    ]
    path = tmp_path / "recherche.json"
    path.write_text(json.dumps({"totalHits": 120, "theses": hits}), encoding="utf-8")
    out, err = run("--file", str(path), "--max", "110")
    assert err.splitlines() == ["… 50 thèse(s) traitée(s)", "… 100 thèse(s) traitée(s)"]
    assert "110 créé(s)" in out
    assert Thesis.objects.count() == 110


def _truncated(text):
    return text[: len(text) // 2]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            lambda text: text.replace('"nnt": "2022EMAL0007",', '"nnt": "2022EMAL0007"').encode(),
            "n'est pas du JSON valide (ligne",
        ),
        (lambda text: _truncated(text).encode(), "il est tronqué"),
        (lambda text: text.encode("latin-1"), "n'est pas encodé en UTF-8 (octet 0xe9"),
        (lambda text: b"", "le fichier est vide"),
        (
            lambda text: b'{"response": {"numFound": 0, "docs": []}}',
            "ce JSON n'est pas une réponse de theses.fr",
        ),
        (lambda text: b"[1, 2, 3]", "ce JSON n'est pas une réponse de theses.fr"),
        (lambda text: b'{"totalHits": 1, "theses": {"nnt": "x"}}', "n'est pas une liste"),
    ],
    ids=["malformed", "truncated", "latin-1", "empty", "hal", "list", "theses-not-a-list"],
)
def test_an_unreadable_file_aborts_and_writes_nothing(db, tmp_path, content, message):
    text = (DATA / f"these-{DEFENDED}.json").read_text(encoding="utf-8")
    path = tmp_path / "these.json"
    path.write_bytes(content(text))
    with pytest.raises(CommandError) as raised:
        run("--file", str(path))
    assert "Import annulé, rien n'a été écrit" in str(raised.value)
    assert message in str(raised.value)
    assert counts() == (0, 0, 0)
    with path.open("rb") as stream, pytest.raises(ThesesFormatError):
        records_from_file(stream)


def test_a_missing_file_is_named(db, tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable : .*absent.json"):
        run("--file", str(tmp_path / "absent.json"))


# The command, from theses.fr -----------------------------------------------------------


def test_a_search_reads_every_page_then_each_thesis(db, thesesfr):
    thesesfr.answer_search()
    document = fetch(QUERY, rows=2)
    searches = [params for path, params, _ in thesesfr.requests if path.endswith("recherche/")]
    assert searches == [
        {"q": QUERY, "debut": "0", "nombre": "2"},
        {"q": QUERY, "debut": "2", "nombre": "2"},
    ]
    assert [path for path, _p, _h in thesesfr.requests if "/these/" in path] == [
        f"/api/v1/theses/these/{ident}" for ident in (DEFENDED, AJRA, OTHER)
    ]
    assert all("odd3" in headers["User-Agent"] for _p, _q, headers in thesesfr.requests)
    # The full records bring what search hits lack: abstracts, co-tutelles.
    assert document["totalHits"] == 3
    assert [t["resumes"]["fr"][:12] for t in document["theses"]] == [
        "Après un acc",
        "Évaluer l'ét",
        "Pendant l'ef",
    ]


def test_a_thesis_gone_since_the_search_is_read_from_its_search_hit(db, thesesfr):
    thesesfr.answer_search()
    thesesfr.answer(f"theses/these/{OTHER}", body=b"")  # theses.fr's "not found"
    document = fetch(QUERY, rows=2)
    assert [bool(t.get("resumes")) for t in document["theses"]] == [True, True, False]
    [*_others, record] = records_from_response(document)
    assert (record.key, record.title_en, record.summary_fr) == (OTHER, "", "")
    assert record.doctoral_school.name.startswith("GAIA")


def test_a_search_stops_at_the_maximum(db, thesesfr):
    thesesfr.answer(
        "theses/recherche/", {"q": QUERY, "debut": 0, "nombre": 1}, file="recherche-debut-0.json"
    )
    document = fetch(QUERY, rows=50, max_records=1, details=False)
    assert [t["id"] for t in document["theses"]] == [DEFENDED]
    assert len(thesesfr.requests) == 1


def test_import_by_query(report_2023, thesesfr):
    thesesfr.answer_search(rows=50)
    out, err = run("--query", QUERY)
    assert "theses.fr : 3 thèse(s) lue(s) sur 3." in err
    assert "2 créé(s), 1 mis à jour, 0 inchangé(s), 0 refusé(s) sur 3" in out
    assert Thesis.objects.get(nnt=DEFENDED).summary_en.startswith("After a stroke")
    out, _err = run("--query", QUERY)
    assert "0 créé(s), 0 mis à jour, 3 inchangé(s)" in out


def test_import_by_nnt(db, thesesfr):
    thesesfr.answer(f"theses/these/{DEFENDED}", file=f"these-{DEFENDED}.json")
    thesesfr.answer(f"theses/these/{OTHER}", file=f"these-{OTHER}.json")
    out, _err = run("--nnt", DEFENDED, OTHER, "--publish")
    assert "2 créé(s)" in out
    assert set(Thesis.objects.values_list("state", flat=True)) == {State.PUBLISHED}


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            {"status": 500, "body": b"<h1>Internal Server Error</h1>"},
            f"theses.fr a répondu « 500 Internal Server Error » à http://127.0.0.1:{{port}}"
            f"/api/v1/theses/these/{OTHER}",
        ),
        ({"body": b"<html>maintenance</html>"}, "autre chose que du JSON"),
        ({"body": b""}, f"theses.fr ne connaît pas la thèse « {OTHER} » (réponse vide)"),
        ({"body": b"{}", "delay": 3}, "theses.fr n'a pas répondu dans les 0.3 s"),
    ],
    ids=["http-500", "invalid-json", "unknown", "timeout"],
)
def test_a_fetch_error_aborts_and_writes_nothing(db, settings, thesesfr, answer, message):
    settings.IMPORT_HTTP_TIMEOUT = 0.3
    thesesfr.answer(f"theses/these/{DEFENDED}", file=f"these-{DEFENDED}.json")
    thesesfr.answer(f"theses/these/{OTHER}", **answer)
    with pytest.raises(CommandError) as raised:
        run("--nnt", DEFENDED, OTHER)
    assert "Import annulé, rien n'a été écrit" in str(raised.value)
    assert message.format(port=thesesfr.server_address[1]) in str(raised.value)
    # The first thesis was read fine, but nothing is written when any read fails.
    assert counts() == (0, 0, 0)


def test_a_fetch_error_names_the_url_and_the_status(db, thesesfr):
    thesesfr.answer(
        "theses/recherche/", {"q": QUERY, "debut": 0, "nombre": 50}, status=503, body=b""
    )
    with pytest.raises(ThesesFetchError) as raised:
        fetch(QUERY)
    assert raised.value.status == 503
    assert (
        raised.value.url
        == f"{thesesfr.url}theses/recherche/?q=codeEtab%3A%28EMAL%29&debut=0&nombre=50"
    )


def test_a_search_answer_without_theses_is_an_error(db, thesesfr):
    thesesfr.answer(
        "theses/recherche/",
        {"q": QUERY, "debut": 0, "nombre": 50},
        body=b'{"error": "bad request"}',
    )
    with pytest.raises(ThesesFetchError, match="sans liste « theses »"):
        fetch(QUERY)
