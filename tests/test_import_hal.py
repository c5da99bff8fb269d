"""Importing publications from HAL: mapping, reconciliation, the command, bad inputs, HTTP.

The HTTP tests run a real server on 127.0.0.1 that serves the recorded answers of
tests/data/hal/ (see its README) and records the requests it receives, so the real urllib
code of ``activities.importers.hal.fetch`` is exercised end to end.
"""

import http.server
import io
import json
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from activities import models
from activities.importers import hal
from activities.importers.base import PersonRecord, PublicationRecord, RecordError, import_records

DATA = Path(__file__).parent / "data" / "hal"
FULL_RECORD = DATA / "hal-search-response-full-record.json"
ACAPS = DATA / "acaps-2023-volleyball.json"
VOLLEYBALL = "capteurs-inertiels-sport-haut-niveau-volleyball-2023"  # its slug in the report

# The cursor marks of the recorded search: `*` is how Solr's deep paging starts.
PAGES = {
    "*": "page-1.json",
    "AoE/BzQxMDAxMDI=": "page-2.json",
    "AoE/BzQxMDAxMDM=": "page-3-end.json",
}
PAGED_KEYS = ["hal-04100101", "hal-04100102", "hal-04100103"]


def response(*docs, **extra):
    return {"response": {"numFound": len(docs), "start": 0, "docs": list(docs)}, **extra}


def doc(**fields):
    """A minimal importable HAL document, changed by ``fields`` (None removes a field)."""
    values = {"halId_s": "hal-00000001", "title_s": ["Un titre"], "producedDate_s": "2023"}
    values.update(fields)
    return {name: value for name, value in values.items() if value is not None}


def record(**fields) -> PublicationRecord:
    [result] = hal.records_from_response(response(doc(**fields)))
    assert isinstance(result, PublicationRecord), result
    return result


def refusal(document) -> str:
    [result] = hal.records_from_response(response(document))
    assert isinstance(result, RecordError), result
    return str(result)


def import_hal(*args, **options):
    """Run the command; its stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_hal", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def snapshot():
    """What an import could write: rows, links, identifiers and the history of each."""
    through = models.Publication
    return {
        "publications": models.Publication.objects.count(),
        "people": models.Person.objects.count(),
        "authorships": sorted(
            models.Authorship.objects.values_list("publication_id", "order", "name", "person_id")
        ),
        "structures": through.structures.through.objects.count(),
        "projects": through.projects.through.objects.count(),
        "identifiers": sorted(models.Person.objects.values_list("pk", "idhal", "orcid")),
        "hal_ids": sorted(models.Publication.objects.values_list("pk", "hal_id")),
        "history": [
            model.history.model.objects.count()
            for model in (models.Publication, models.Person, models.Authorship)
        ],
    }


# Mapping: the real record -------------------------------------------------------------


def test_the_real_full_record_maps_every_field():
    with FULL_RECORD.open("rb") as stream:
        [result] = hal.records_from_file(stream)

    title = "Cyber-harassment and social networks : the CyberNeTic research project"
    assert result == PublicationRecord(
        key="hal-02498602",
        title_fr=title,  # no French title in HAL: the work's own (first) title
        title_en=title,
        summary_fr="",
        summary_en="",
        kind=models.Publication.Kind.CONFERENCE_PAPER,  # docType_s COMM
        year=2020,
        month=6,  # producedDate_s 2020-06-02
        venue="SUNBELT 2020, Session Recent advances in Social Network Analysis",
        place="Paris, France",  # city_s Paris, country_s fr
        pages="",
        doi="",
        hal_id="hal-02498602",
        url="https://hal.archives-ouvertes.fr/hal-02498602",
        authors=[
            # authIdHal_i / authIdPerson_i are numeric person ids, not idHALs; the
            # per-author idHAL facets are empty: nobody gets an idHAL.
            PersonRecord("Marlène", "Dulaurans", idhal="", orcid=""),
            PersonRecord("Jean-Christophe", "Fedherbe", idhal="", orcid=""),
        ],
        more_authors=False,
        structure_acronyms=["MICA"],
        project_references=[],
    )


def test_the_real_full_record_is_stored_as_a_draft_with_its_authors(db):
    out, _err = import_hal("--file", FULL_RECORD)

    assert "1 créé(s), 0 mis à jour, 0 inchangé(s), 0 refusé(s)" in out
    publication = models.Publication.objects.get(hal_id="hal-02498602")
    assert publication.state == models.State.DRAFT
    assert (publication.kind, publication.year, publication.month) == ("conference", 2020, 6)
    assert publication.place == "Paris, France"
    assert publication.url == "https://hal.archives-ouvertes.fr/hal-02498602"
    assert [(a.order, a.name, a.person) for a in publication.authorships.all()] == [
        (1, "Marlène Dulaurans", None),  # no idHAL nor ORCID: no Person is made up
        (2, "Jean-Christophe Fedherbe", None),
    ]
    assert not models.Person.objects.exists()


# Mapping: scalars, lists, missing fields ----------------------------------------------


@pytest.mark.parametrize("shape", [lambda v: v, lambda v: [v]], ids=["scalar", "list"])
def test_any_field_may_be_a_scalar_or_a_list(shape):
    result = record(
        title_s=shape("Titre"),
        en_title_s=shape("Title"),
        fr_abstract_s=shape("Résumé."),
        en_abstract_s=shape("Abstract."),
        docType_s=shape("ART"),
        producedDate_s=shape("2021-07-02"),
        journalTitle_s=shape("Une revue"),
        city_s=shape("Alès"),
        country_s=shape("fr"),
        page_s=shape("3-9"),
        doiId_s=shape("10.5555/x"),
        uri_s=shape("https://hal.science/hal-00000001"),
        authFullName_s=shape("Anne Exemple"),
        authFirstName_s=shape("Anne"),
        authLastName_s=shape("Exemple"),
        authIdHal_s=shape("anne-exemple"),
        authORCIDIdExt_s=shape("0000-0002-1825-0097"),
        structAcronym_s=shape("I3A"),
        anrProjectReference_s=shape("ANR-99-TEST-0001"),
    )

    assert (result.title_fr, result.title_en) == ("Titre", "Title")
    assert (result.summary_fr, result.summary_en) == ("Résumé.", "Abstract.")
    assert (result.kind, result.year, result.month) == ("article", 2021, 7)
    assert (result.venue, result.place, result.pages) == ("Une revue", "Alès, France", "3-9")
    assert (result.doi, result.url) == ("10.5555/x", "https://hal.science/hal-00000001")
    assert result.authors == [
        PersonRecord("Anne", "Exemple", idhal="anne-exemple", orcid="0000-0002-1825-0097")
    ]
    assert result.structure_acronyms == ["I3A"]
    assert result.project_references == ["ANR-99-TEST-0001"]


def test_missing_optional_fields_leave_the_record_empty_not_wrong():
    result = record(title_s="Titre", producedDate_s="2023", halId_s=None, docid=42)

    assert result.key == "docid 42"
    assert (result.title_fr, result.title_en, result.summary_fr, result.summary_en) == (
        "Titre",
        "",
        "",
        "",
    )
    assert (result.kind, result.year, result.month) == ("other", 2023, None)
    assert (result.venue, result.place, result.pages, result.doi, result.hal_id) == ("",) * 5
    assert result.authors == result.structure_acronyms == result.project_references == []


def test_null_and_blank_values_count_as_missing():
    result = record(title_s=[None, "  ", "Le vrai titre"], en_title_s=None, city_s="")

    assert (result.title_fr, result.title_en, result.place) == ("Le vrai titre", "", "")


@pytest.mark.parametrize(
    ("fields", "title_fr", "title_en"),
    [
        ({"fr_title_s": "Titre", "en_title_s": "Title"}, "Titre", "Title"),
        ({"title_s": ["Title", "Titre"], "fr_title_s": "Titre"}, "Titre", ""),
        ({"title_s": None, "en_title_s": "Only English"}, "Only English", "Only English"),
        ({"title_s": "Titre", "subTitle_s": "un sous-titre"}, "Titre : un sous-titre", ""),
        (
            {"fr_title_s": "Titre : sous-titre", "fr_subTitle_s": "sous-titre"},
            "Titre : sous-titre",
            "",
        ),
        ({"en_title_s": "Title", "en_subTitle_s": "a subtitle"}, "Un titre", "Title : a subtitle"),
    ],
)
def test_titles_french_first_then_the_works_own(fields, title_fr, title_en):
    result = record(**fields)

    assert (result.title_fr, result.title_en) == (title_fr, title_en)


def test_abstracts_french_first_then_the_works_own():
    assert record(abstract_s=["Original abstract."]).summary_fr == "Original abstract."
    both = record(abstract_s=["A.", "R."], fr_abstract_s="R.", en_abstract_s="A.")
    assert (both.summary_fr, both.summary_en) == ("R.", "A.")


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("ART", "article"),
        ("COMM", "conference"),
        ("POSTER", "poster"),
        ("COUV", "chapter"),
        ("OUV", "book"),
        ("DOUV", "book"),
        ("REPORT", "report"),
        ("REPACT", "report"),
        ("art", "article"),
        ("THESE", "other"),
        ("UNDEFINED", "other"),
        (None, "other"),
    ],
)
def test_document_types(code, kind):
    assert record(docType_s=code).kind == kind


@pytest.mark.parametrize(
    ("fields", "year", "month"),
    [
        ({"producedDate_s": "2023"}, 2023, None),
        ({"producedDate_s": "2023-03"}, 2023, 3),
        ({"producedDate_s": "2023-03-15"}, 2023, 3),
        ({"producedDate_s": None, "producedDateY_i": 2022}, 2022, None),
        ({"producedDate_s": None, "producedDateY_i": "2022", "producedDateM_i": 5}, 2022, 5),
        ({"producedDate_s": "s.d.", "producedDateY_i": [2021]}, 2021, None),
        ({"producedDate_s": "2023-13-01"}, 2023, None),
    ],
)
def test_year_and_month_from_the_production_date(fields, year, month):
    result = record(**fields)

    assert (result.year, result.month) == (year, month)


@pytest.mark.parametrize(
    ("fields", "place"),
    [
        ({"city_s": "Reims", "country_s": "fr"}, "Reims, France"),
        ({"city_s": "Berlin", "country_s": "DE"}, "Berlin, Allemagne"),
        ({"country_s": "zz"}, "ZZ"),
        ({"city_s": "Alès"}, "Alès"),
    ],
)
def test_place_from_city_and_country(fields, place):
    assert record(**fields).place == place


def test_venue_journal_then_conference_then_book():
    assert record(conferenceTitle_s="Congrès", bookTitle_s="Livre").venue == "Congrès"
    assert record(journalTitle_s="Revue", conferenceTitle_s="Congrès").venue == "Revue"
    assert record(bookTitle_s="Livre").venue == "Livre"


def test_structures_and_projects_without_duplicates():
    result = record(
        structAcronym_s=["EuroMov DHM", "I3A"],
        labStructAcronym_s=["EuroMov DHM"],
        anrProjectReference_s="ANR-99-TEST-0001",
        anrProjectAcronym_s="AXIAUM",
        europeanProjectAcronym_s=["IMPETUS"],
        europeanProjectReference_s=["899999"],
    )

    assert result.structure_acronyms == ["EuroMov DHM", "I3A"]
    assert result.project_references == ["ANR-99-TEST-0001", "AXIAUM", "899999", "IMPETUS"]


# Mapping: authors and their identifiers -----------------------------------------------

NAMES = {
    "authFullName_s": ["Anne Exemple", "Bruno Témoin", "Claire Essai"],
    "authFirstName_s": ["Anne", "Bruno", "Claire"],
    "authLastName_s": ["Exemple", "Témoin", "Essai"],
}


def identifiers(result):
    return [(a.full_name, a.idhal, a.orcid) for a in result.authors]


def test_idhals_are_given_to_the_right_authors_from_the_per_author_field():
    result = record(
        **NAMES,
        # HAL lists only the idHALs there are: position 1 is Claire's, not Bruno's.
        authIdHal_s=["anne-exemple", "claire-essai"],
        authFullNamePersonIDIDHal_fs=[
            "Anne Exemple_FacetSep_11_FacetSep_anne-exemple",
            "Bruno Témoin_FacetSep_0_FacetSep_",
            "Claire Essai_FacetSep_12_FacetSep_claire-essai",
        ],
    )

    assert identifiers(result) == [
        ("Anne Exemple", "anne-exemple", ""),
        ("Bruno Témoin", "", ""),
        ("Claire Essai", "claire-essai", ""),
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"authFullNameIdHal_fs": ["Claire Essai_FacetSep_claire-essai", "Bruno Témoin_FacetSep_"]},
        {"authIdHalFullName_fs": ["claire-essai_FacetSep_Claire Essai"]},
    ],
    ids=["name-idhal", "idhal-name"],
)
def test_idhal_facets_in_another_order_are_matched_by_name(fields):
    result = record(**NAMES, authIdHal_s=["claire-essai"], **fields)

    assert [a.idhal for a in result.authors] == ["", "", "claire-essai"]


def test_an_idhal_is_not_given_when_two_authors_share_a_name():
    result = record(
        authFullName_s=["Jean Martin", "Jean Martin"],
        authFirstName_s=["Jean", "Jean"],
        authLastName_s=["Martin", "Martin"],
        authFullNameIdHal_fs=["Jean Martin_FacetSep_jean-martin", "Jean Martin_FacetSep_jmartin"],
    )
    # Same names in the same order: positions can be trusted.
    assert [a.idhal for a in result.authors] == ["jean-martin", "jmartin"]

    result = record(
        authFullName_s=["Jean Martin", "Anne Exemple", "Jean Martin"],
        authFirstName_s=["Jean", "Anne", "Jean"],
        authLastName_s=["Martin", "Exemple", "Martin"],
        authFullNameIdHal_fs=["Jean Martin_FacetSep_jean-martin", "Jean Martin_FacetSep_jmartin"],
    )
    assert [a.idhal for a in result.authors] == ["", "", ""]


def test_the_compacted_idhal_list_alone_is_used_only_with_one_idhal_per_author():
    two_of_three = record(**NAMES, authIdHal_s=["anne-exemple", "claire-essai"])
    assert [a.idhal for a in two_of_three.authors] == ["", "", ""]

    all_three = record(**NAMES, authIdHal_s=["anne-exemple", "bruno-temoin", "claire-essai"])
    assert [a.idhal for a in all_three.authors] == ["anne-exemple", "bruno-temoin", "claire-essai"]


def test_orcids_are_used_only_when_every_author_has_one():
    some = record(**NAMES, authORCIDIdExt_s=["0000-0002-1825-0097", "0009-0000-0000-000X"])
    assert [a.orcid for a in some.authors] == ["", "", ""]

    every = record(
        **NAMES,
        authORCIDIdExt_s=[
            "0000-0002-1825-0097",
            "https://orcid.org/0009-0000-0000-000x",
            "not an orcid",
        ],
    )
    assert [a.orcid for a in every.authors] == ["0000-0002-1825-0097", "0009-0000-0000-000X", ""]


def test_names_without_a_reliable_split_are_kept_as_written_without_identifiers():
    result = record(
        authFullName_s=["Anne Exemple", "Consortium ODD3"],
        authFirstName_s=["Anne"],  # one first name for two authors: cannot be aligned
        authLastName_s=["Exemple", "Consortium ODD3"],
        authIdHal_s=["anne-exemple", "odd3"],
    )

    assert [(a.first_name, a.last_name, a.idhal) for a in result.authors] == [
        ("", "Anne Exemple", ""),
        ("", "Consortium ODD3", ""),
    ]


def test_authors_from_first_and_last_names_alone():
    result = record(authFirstName_s=["Anne", ""], authLastName_s=["Exemple", "Consortium"])

    assert [a.full_name for a in result.authors] == ["Anne Exemple", "Consortium"]


# Mapping: documents that cannot be imported -------------------------------------------


def test_a_document_without_title_or_year_is_refused_with_its_key():
    assert refusal(doc(title_s=None)) == (
        "hal-00000001: notice sans titre (title_s : vide ou absent)"
    )
    assert refusal(doc(producedDate_s="s.d.")) == (
        "hal-00000001: notice sans année (producedDate_s : vide ou absent)"
    )
    assert refusal(doc(halId_s=None, docid="77", title_s=[""], producedDate_s=None)).startswith(
        "docid 77: notice sans titre ni année (title_s, producedDate_s : vides ou absents)"
    )
    assert refusal({"title_s": "Titre"}).startswith("notice sans identifiant: notice sans année")


def test_a_document_that_is_not_an_object_is_refused():
    results = list(hal.records_from_response(response(doc(), "hal-123", doc(halId_s="hal-2"))))

    assert [type(r) for r in results] == [PublicationRecord, RecordError, PublicationRecord]
    assert str(results[1]).startswith("notice n° 2: ce n'est pas une notice HAL")


def test_an_author_name_too_long_for_the_database_is_refused():
    message = refusal(doc(authFullName_s=["A" * 250]))

    assert message.startswith("hal-00000001: nom d'auteur trop long")


# Reconciliation with the 2023 report --------------------------------------------------


def test_a_hal_notice_of_a_report_publication_updates_it(report_2023):
    axiaum = models.ResearchProject.objects.get(slug="axiaum")
    axiaum.reference = "ANR-99-TEST-0001"
    axiaum.save()
    people = models.Person.objects.count()
    publications = models.Publication.objects.count()

    out, _err = import_hal("--file", ACAPS)

    assert "0 créé(s), 1 mis à jour, 0 inchangé(s), 0 refusé(s)" in out
    assert models.Publication.objects.count() == publications  # matched by title and year
    assert models.Person.objects.count() == people  # every author matched by name
    publication = models.Publication.objects.get(slug=VOLLEYBALL)
    assert publication.hal_id == "hal-04290001"
    assert publication.url == "https://hal.science/hal-04290001"
    assert publication.state == models.State.PUBLISHED  # an existing entry keeps its state
    assert [(a.name, a.person.slug) for a in publication.authorships.select_related("person")] == [
        ("Gilles Dusfour", "gilles-dusfour"),
        ("Benjamin Ben Zaki", "benjamin-ben-zaki"),
        ("Pierre Slangen", "pierre-slangen"),
        ("Marc Julia", "marc-julia"),
    ]
    idhals = dict(
        models.Person.objects.filter(
            slug__in=["gilles-dusfour", "benjamin-ben-zaki", "pierre-slangen", "marc-julia"]
        ).values_list("slug", "idhal")
    )
    assert idhals == {
        "gilles-dusfour": "gilles-dusfour",
        "benjamin-ben-zaki": "",  # HAL's second idHAL is Slangen's, not his
        "pierre-slangen": "pierre-slangen",
        "marc-julia": "",
    }
    # One ORCID for four authors: whose it is cannot be told, so nobody gets it.
    assert not models.Person.objects.exclude(orcid="").exists()
    assert set(publication.structures.values_list("slug", flat=True)) == {"i3a", "euromov-dhm"}
    assert list(publication.projects.all()) == [axiaum]


def test_a_second_run_changes_nothing_and_matches_by_hal_id(report_2023):
    import_hal("--file", ACAPS)
    before = snapshot()

    out, _err = import_hal("--file", ACAPS)

    assert "0 créé(s), 0 mis à jour, 1 inchangé(s), 0 refusé(s)" in out
    assert snapshot() == before

    # HAL's title corrected later: found again by its HAL id, not created twice.
    data = json.loads(ACAPS.read_text(encoding="utf-8"))
    data["response"]["docs"][0]["fr_title_s"] = ["Capteurs inertiels et volley-ball de haut niveau"]
    report = import_records(hal.records_from_response(data))
    assert (report.created, report.updated) == ([], ["hal-04290001"])
    assert models.Publication.objects.filter(hal_id="hal-04290001").get().slug == VOLLEYBALL
    assert models.Publication.objects.count() == before["publications"]


def test_importing_the_same_answers_twice_creates_then_leaves_everything(db):
    for name in ("page-1.json", "page-2.json", "one-doc-without-title.json"):
        import_hal("--file", DATA / name)
    before = snapshot()

    for name in ("page-1.json", "page-2.json", "one-doc-without-title.json"):
        out, _err = import_hal("--file", DATA / name)
        assert "0 créé(s), 0 mis à jour" in out

    assert snapshot() == before


def test_identified_authors_become_people_and_the_others_stay_names(db):
    import_hal("--file", DATA / "page-1.json")

    people = models.Person.objects.values_list("first_name", "last_name", "orcid")
    assert sorted(people) == [
        ("Anne", "Exemple", "0000-0002-1825-0097"),
        ("Bruno", "Témoin", "0009-0000-0000-000X"),
    ]
    poster = models.Publication.objects.get(hal_id="hal-04100102")
    assert [(a.name, a.person) for a in poster.authorships.all()] == [("Claire Essai", None)]
    assert poster.place == "Berlin, Allemagne"


# The command: dry run, publishing, report ---------------------------------------------


def test_a_dry_run_writes_nothing(report_2023):
    before = snapshot()

    out, _err = import_hal("--file", ACAPS, "--dry-run")
    out2, _err = import_hal("--file", DATA / "page-1.json", "--dry-run", "--publish")

    assert out.startswith("Simulation : 0 créé(s), 1 mis à jour")
    assert out2.startswith("Simulation : 2 créé(s), 0 mis à jour")
    assert "rien n'a été écrit" in out
    assert snapshot() == before


def test_new_publications_are_drafts_unless_published_on_import(db):
    import_hal("--file", DATA / "page-1.json")
    import_hal("--file", DATA / "page-2.json", "--publish")

    states = dict(models.Publication.objects.values_list("hal_id", "state"))
    assert states == {
        "hal-04100101": models.State.DRAFT,
        "hal-04100102": models.State.DRAFT,
        "hal-04100103": models.State.PUBLISHED,
    }
    assert models.Publication.objects.get(hal_id="hal-04100103").published_at is not None


def test_a_refused_notice_is_reported_and_the_others_imported(db):
    out, _err = import_hal("--file", DATA / "one-doc-without-title.json")

    assert "2 créé(s), 0 mis à jour, 0 inchangé(s), 1 refusé(s) sur 3" in out
    assert "  hal-04100202: notice sans titre" in out
    assert sorted(models.Publication.objects.values_list("hal_id", flat=True)) == [
        "hal-04100201",
        "hal-04100203",
    ]


def test_the_command_lists_what_it_created_when_asked(db):
    out, _err = import_hal("--file", DATA / "page-1.json", verbosity=2)

    assert "  créé: hal-04100101\n  créé: hal-04100102\n" in out


def test_long_runs_show_progress_on_stderr_and_verbosity_0_is_silent(db, tmp_path):
    many = tmp_path / "many.json"
    docs = [doc(halId_s=f"hal-0{n:07d}", title_s=f"Notice {n}") for n in range(120)]
    many.write_text(json.dumps(response(*docs)), encoding="utf-8")

    out, err = import_hal("--file", many, "--dry-run")
    assert err.splitlines() == ["… 50 notices traitées", "… 100 notices traitées"]
    assert "120 créé(s)" in out

    out, err = import_hal("--file", many, "--max", 30, verbosity=0)
    assert (out, err) == ("", "")
    assert models.Publication.objects.count() == 30


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--query", ""],
        ["--collection", "IMT-MINES-ALES", "--idhal", "gilles-dusfour"],
        ["--file", FULL_RECORD, "--structure", 1],
    ],
)
def test_exactly_one_source_is_required(db, args):
    with pytest.raises(CommandError, match="une et une seule source"):
        import_hal(*args)


def test_max_must_be_positive(db):
    with pytest.raises(CommandError, match="--max"):
        import_hal("--file", FULL_RECORD, "--max", 0)


# Bad files ----------------------------------------------------------------------------

LATIN_1 = '{"response": {"docs": [{"title_s": "Santé", "producedDate_s": "2023"}]}}'.encode(
    "latin-1"
)
BAD_FILES = {
    "malformed": (b'{"response": {"docs": []}, oops}', "pas du JSON valide (ligne 1"),
    "truncated in a string": (FULL_RECORD.read_bytes()[:5000], "tronqué"),
    "truncated between values": (b'{"response": {"docs": [{"docid": 1},', "tronqué"),
    "latin-1": (LATIN_1, "pas encodé en UTF-8 (octet 0xe9"),
    "empty": (b"  \n", "vide"),
    "another JSON": (b'{"results": []}', "pas une réponse de l'API de recherche de HAL"),
    "a list": (b"[1, 2]", "pas une réponse de l'API de recherche de HAL"),
    "docs not a list": (b'{"response": {"docs": {}}}', "« response.docs » est absente"),
    "a Solr error": (
        b'{"error": {"msg": "undefined field foo_s", "code": 400}}',
        "réponse d'erreur de HAL et non des notices (undefined field foo_s)",
    ),
}


@pytest.mark.parametrize(("content", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_raises_a_clear_format_error(content, message):
    with pytest.raises(hal.HalFormatError, match=re.escape(message)) as caught:
        hal.records_from_file(io.BytesIO(content))

    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(("content", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_the_command_refuses_a_bad_file_and_writes_nothing(db, tmp_path, content, message):
    path = tmp_path / "hal.json"
    path.write_bytes(content)

    with pytest.raises(
        CommandError, match=f"Fichier refusé, rien n'a été importé : .*{re.escape(message)}"
    ):
        import_hal("--file", path)
    assert not models.Publication.objects.exists()


def test_a_text_stream_and_a_byte_order_mark_are_read():
    text = FULL_RECORD.read_text(encoding="utf-8")

    assert len(list(hal.records_from_file(io.StringIO(text)))) == 1
    assert len(list(hal.records_from_file(io.BytesIO(text.encode("utf-8-sig"))))) == 1


def test_a_text_stream_in_the_wrong_encoding_is_a_format_error():
    stream = io.TextIOWrapper(io.BytesIO(LATIN_1), encoding="utf-8")

    with pytest.raises(hal.HalFormatError, match="pas encodé en UTF-8"):
        hal.records_from_file(stream)


def test_a_missing_file_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="Fichier illisible"):
        import_hal("--file", tmp_path / "absent.json")


# HTTP: a real server standing in for HAL ----------------------------------------------


@dataclass
class Request:
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]

    def one(self, name):
        [value] = self.params[name]
        return value


class FakeHal:
    """HAL's search API on 127.0.0.1: serves the recorded pages by cursorMark by default;
    ``answer(params) -> (status, body)`` can be replaced by a test."""

    def __init__(self):
        self.requests: list[Request] = []
        self.answer = self.recorded_pages
        self.release = threading.Event()  # ends a slow answer at teardown
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
                fake.requests.append(Request(url.path, params, dict(self.headers)))
                status, body = fake.answer(params)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (timeout test)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/search/"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def recorded_pages(self, params):
        name = PAGES.get(params.get("cursorMark", [""])[0])
        if name is None:
            return 400, json.dumps({"error": {"msg": "bad cursorMark", "code": 400}}).encode()
        return 200, (DATA / name).read_bytes()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def fake_hal(settings):
    fake = FakeHal()
    settings.HAL_API_URL = fake.url
    yield fake
    fake.close()


def test_fetch_pages_through_the_search_with_cursor_mark(fake_hal):
    results = list(hal.fetch(collection="IMT-MINES-ALES"))

    assert [r.key for r in results] == PAGED_KEYS
    assert [r.one("cursorMark") for r in fake_hal.requests] == [
        "*",
        "AoE/BzQxMDAxMDI=",
        "AoE/BzQxMDAxMDM=",  # answered with no documents and the same cursor: the end
    ]
    for request in fake_hal.requests:
        assert request.path == "/search/"
        assert request.one("q") == "*:*"
        assert request.params["fq"] == ['collCode_s:"IMT-MINES-ALES"']
        assert request.one("sort") == "docid asc"  # cursorMark needs the unique key
        assert request.one("wt") == "json"
        assert request.one("rows") == "100"
        assert request.one("fl").split(",") == list(hal.FIELDS)
        assert request.headers["User-Agent"].startswith("odd3/")


@pytest.mark.parametrize(
    ("args", "q", "fq"),
    [
        (["--collection", 'IMT "MA"'], "*:*", ['collCode_s:"IMT \\"MA\\""']),
        (["--structure", 1234], "*:*", ["structId_i:1234"]),
        (["--idhal", "gilles-dusfour"], "*:*", ['authIdHal_s:"gilles-dusfour"']),
        (["--query", "title_t:volleyball"], "title_t:volleyball", []),
    ],
)
def test_the_command_imports_from_the_search_api(db, fake_hal, args, q, fq):
    out, _err = import_hal(*args)

    assert "3 créé(s), 0 mis à jour, 0 inchangé(s), 0 refusé(s) sur 3" in out
    assert sorted(models.Publication.objects.values_list("hal_id", flat=True)) == PAGED_KEYS
    first = fake_hal.requests[0]
    assert (first.one("q"), first.params.get("fq", [])) == (q, fq)


def test_long_fetches_show_progress_on_stderr(db, fake_hal):
    docs = [doc(halId_s=f"hal-0{n:07d}", title_s=f"Notice {n}") for n in range(120)]

    def many(params):
        if params["cursorMark"] == ["*"]:
            return 200, json.dumps(response(*docs, nextCursorMark="AoE120")).encode()
        return 200, json.dumps(response(nextCursorMark="AoE120")).encode()

    fake_hal.answer = many

    out, err = import_hal("--query", "*:*", "--dry-run")

    assert err.splitlines() == [
        "… 50 notices reçues de HAL",
        "… 100 notices reçues de HAL",
        "… 50 notices traitées",
        "… 100 notices traitées",
    ]
    assert out.startswith("Simulation : 120 créé(s)")


def test_max_records_asks_only_for_what_it_needs(fake_hal):
    results = list(hal.fetch(max_records=3, rows=100))

    assert [r.key for r in results] == PAGED_KEYS
    assert [(r.one("rows"), r.one("cursorMark")) for r in fake_hal.requests] == [
        ("3", "*"),
        ("1", "AoE/BzQxMDAxMDI="),  # 2 received, 1 to go; no third request
    ]
    assert [r.key for r in hal.fetch(max_records=1)] == ["hal-04100101"]


def server_error(params):
    if params["cursorMark"] == ["*"]:
        return 200, (DATA / "page-1.json").read_bytes()
    return 500, b'{"error": {"msg": "Solr est indisponible", "code": 500}}'


def test_an_http_error_names_the_url_and_status_after_the_records_already_received(fake_hal):
    fake_hal.answer = server_error
    received = []

    with pytest.raises(hal.HalFetchError) as caught:
        for result in hal.fetch(collection="IMT-MINES-ALES"):
            received.append(result)

    assert [r.key for r in received] == ["hal-04100101", "hal-04100102"]
    message = str(caught.value)
    assert "HAL a répondu HTTP 500" in message
    assert "Solr est indisponible" in message
    assert fake_hal.url in message and "cursorMark=AoE%2FBzQxMDAxMDI%3D" in message


def test_a_fetch_error_midway_aborts_the_whole_import(fake_hal, report_2023):
    fake_hal.answer = server_error
    before = snapshot()

    with pytest.raises(CommandError) as caught:
        import_hal("--collection", "IMT-MINES-ALES")

    message = str(caught.value)
    assert message.startswith("Import HAL interrompu : HAL a répondu HTTP 500")
    assert message.endswith("2 notice(s) reçue(s) avant l'erreur ; rien n'a été écrit.")
    assert snapshot() == before


def test_a_caller_streaming_fetch_into_import_records_gets_nothing_written(db, fake_hal):
    # import_records runs in one transaction: an error raised by the records it is
    # reading undoes the records already saved.
    fake_hal.answer = server_error

    with pytest.raises(hal.HalFetchError):
        import_records(hal.fetch())

    assert not models.Publication.objects.exists()
    assert not models.Publication.history.exists()


def test_a_server_that_does_not_answer_in_time_is_a_fetch_error(fake_hal, settings):
    settings.IMPORT_HTTP_TIMEOUT = 0.2

    def slow(params):
        fake_hal.release.wait(5)
        return 200, (DATA / "page-1.json").read_bytes()

    fake_hal.answer = slow
    started = time.monotonic()

    with pytest.raises(hal.HalFetchError, match=r"HAL n'a pas répondu en 0\.2 s — http://127"):
        list(hal.fetch())
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>Maintenance</body></html>", "pas du JSON lisible"),
        (LATIN_1, "pas du JSON lisible"),
        (b'{"response": {"docs": [', "pas du JSON lisible"),
        (b'{"status": "ok"}', "pas une réponse de l'API de recherche de HAL"),
        (json.dumps(response(doc())).encode(), "pas de « nextCursorMark »"),
    ],
    ids=["html", "latin-1", "truncated", "not HAL", "no cursor"],
)
def test_an_unreadable_answer_is_a_fetch_error(fake_hal, body, message):
    fake_hal.answer = lambda params: (200, body)

    with pytest.raises(hal.HalFetchError, match=re.escape(message)) as caught:
        list(hal.fetch())
    assert fake_hal.url in str(caught.value) and "HTTP 200" in str(caught.value)


def test_an_unreachable_server_is_a_fetch_error(db, settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.HAL_API_URL = f"http://127.0.0.1:{port}/search/"

    with pytest.raises(CommandError, match="HAL est injoignable .* 0 notice"):
        import_hal("--idhal", "gilles-dusfour")
