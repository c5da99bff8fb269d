"""BibTeX import: what is read from a file, what is refused, and what is stored."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from activities import models
from activities.importers.base import RecordError, import_records
from activities.importers.bibtex import BibtexFormatError, records_from_file, records_from_text

DATA = Path(__file__).parent / "data" / "bibtex"
VOLLEYBALL = "capteurs-inertiels-sport-haut-niveau-volleyball-2023"


def read(name):
    with open(DATA / name, "rb") as stream:
        return list(records_from_file(stream))


def by_key(records):
    return {record.key: record for record in records if not isinstance(record, RecordError)}


def import_bibtex(*args, **options):
    out = io.StringIO()
    call_command("import_bibtex", *map(str, args), stdout=out, **options)
    return out.getvalue()


def snapshot():
    """What an import could write: rows, authorships, people, states."""
    return {
        "publications": sorted(
            models.Publication.objects.values_list("pk", "slug", "state", "version")
        ),
        "people": models.Person.objects.count(),
        "authorships": sorted(
            models.Authorship.objects.values_list("publication_id", "order", "name", "person_id")
        ),
        "history": models.Publication.history.count(),
    }


# Reading: LaTeX, names, fields ----------------------------------------------------------


def test_latex_accents_and_braces_are_decoded():
    records = by_key(read("accents.bib"))
    article = records["durand2022"]
    assert article.title_fr == (
        "Étude de la Qualité de l'air intérieur dans les salles de sport : le cas QAI-SPORT"
    )
    assert article.venue == "Revue française d'allergologie"
    assert [(a.first_name, a.last_name) for a in article.authors] == [
        ("Valérie", "Durand"),  # {\'e}
        ("François", "Garçon"),  # {\c c} and \c{c}, "First Last"
        ("Jörg", "Müller"),  # \"{u} and \"o
        ("Ana", "Làzaro"),  # {\`a}
    ]
    assert records["divers2018"].title_fr == "Un document & ses 100 % de détails"
    assert records["rapport2019"].venue == "IMT Mines Alès"


def test_and_others_marks_an_abridged_author_list():
    records = by_key(read("accents.bib"))
    assert records["durand2022"].more_authors is True
    assert len(records["durand2022"].authors) == 4  # "others" is not a person
    assert records["chen2023"].more_authors is False


def test_family_names_keep_their_particles_and_braced_names_stay_whole():
    records = by_key(read("accents.bib"))
    assert [(a.first_name, a.last_name) for a in records["chapitre2021"].authors] == [
        ("Jean", "de la Fontaine"),
        ("Valérie", "Cochen de Cock"),
    ]
    assert [a.full_name for a in records["livre2020"].authors] == ["Collectif ODD3"]


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("durand2022", "article"),
        ("chen2023", "conference"),
        ("poster2023", "poster"),  # @conference with type = {Poster}
        ("chapitre2021", "chapter"),
        ("livre2020", "book"),
        ("rapport2019", "report"),
        ("divers2018", "other"),
    ],
)
def test_entry_types_become_kinds(key, kind):
    assert by_key(read("accents.bib"))[key].kind == kind


def test_fields_are_mapped_and_identifiers_kept_verbatim():
    records = by_key(read("accents.bib"))
    article = records["durand2022"]
    assert (article.year, article.month, article.pages) == (2022, 3, "127-128")
    # ~, _ and % are literal in identifiers and addresses, never LaTeX.
    assert article.doi == "10.1016/j.reval.2022_03~01"
    assert article.url == "https://example.org/~durand/qai_sport%20v2.pdf"
    assert article.summary_fr.startswith("Les élèves et le personnel\npassent de longues")
    assert "\n\nSecond paragraphe : 50\u00a0% des mesures dépassent" in article.summary_fr
    assert "note" not in article.summary_fr.lower()  # note is ignored

    chen = records["chen2023"]
    assert chen.venue == "IEEE 20th International Symposium on Biomedical Imaging (ISBI)"
    assert (chen.place, chen.month, chen.pages, chen.hal_id) == (
        "Cartagena, Colombia",
        4,  # month = {April}
        "1-5",
        "hal-04100201",
    )
    assert records["poster2023"].month == 10  # month = {10}
    assert records["chapitre2021"].month == 9  # month = {septembre}
    assert records["chapitre2021"].venue == "Médecine du sport"  # booktitle, not publisher
    assert records["livre2020"].venue == "Presses des Mines"  # a book's publisher
    assert records["rapport2019"].hal_id == "hal-01900001"  # eprint with eprinttype = HAL
    assert (records["divers2018"].year, records["divers2018"].month) == (2018, 6)  # date


def test_field_names_are_read_whatever_their_case():
    (record,) = read("acaps-2023-volleyball.bib")
    assert record.key == "dusfour:hal-04290001"
    assert record.hal_id == "hal-04290001"
    assert record.venue == "ACAPS 2023 - Les Environnements de l'Activité Physique et Sportive"
    assert (record.year, record.month, record.place) == (2023, 10, "Reims, France")


# Refusals -------------------------------------------------------------------------------


def test_bad_entries_are_refused_one_by_one_naming_their_key():
    records = read("mixed.bib")
    errors = [str(record) for record in records if isinstance(record, RecordError)]
    assert sorted(by_key(records)) == ["premier2023", "second2023"]
    assert errors == [
        "sans-titre2023: l'entrée n'a pas de titre (champ title)",
        "mal-forme2023: entrée mal formée (ligne 14) : accolade, guillemet ou virgule "
        "manquant (Unexpected block start: `@inproceedings`. Was still looking for "
        "field-value closing `}`)",
        "sans-annee: l'entrée n'a pas d'année (champ year)",
        "annee-illisible: année illisible « vers 2020 » (attendu : 2023)",
        "premier2023: une autre entrée porte déjà cette clé (ligne 35) ; celle-ci est ignorée",
    ]


def test_an_entry_without_title_is_refused_while_the_others_import(db):
    out = import_bibtex(DATA / "mixed.bib")
    assert "2 créé(s), 0 mis à jour, 0 inchangé(s), 5 refusé(s) sur 7" in out
    assert "refusé : sans-titre2023 — l'entrée n'a pas de titre (champ title)" in out
    assert "refusé : mal-forme2023 — entrée mal formée (ligne 14)" in out
    assert sorted(models.Publication.objects.values_list("title_fr", flat=True)) == [
        "Premier article valide",
        "Second article valide",
    ]


def test_a_latin1_file_is_refused_with_a_clear_message_and_nothing_written(db):
    with pytest.raises(BibtexFormatError, match="n'est pas encodé en UTF-8.*ligne 2"):
        read("latin1.bib")
    with pytest.raises(CommandError, match="latin1.bib : Le fichier n'est pas encodé en UTF-8"):
        import_bibtex(DATA / "latin1.bib")
    assert not models.Publication.objects.exists()


@pytest.mark.parametrize("name", ["empty.bib", "comments-only.bib"])
def test_a_file_without_entries_is_a_format_error(db, name):
    with pytest.raises(BibtexFormatError, match="aucune entrée BibTeX"):
        read(name)
    with pytest.raises(CommandError, match="aucune entrée BibTeX"):
        import_bibtex(DATA / name)


def test_a_missing_file_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="Impossible de lire"):
        import_bibtex(tmp_path / "absent.bib")


def test_a_utf8_file_with_a_byte_order_mark_and_a_text_stream_are_read():
    text = "@misc{k, title = {Qualité}, year = 2023}"
    (from_bom,) = records_from_file(io.BytesIO(("\ufeff" + text).encode("utf-8")))
    (from_text,) = records_from_file(io.StringIO(text))
    assert from_bom.title_fr == from_text.title_fr == "Qualité"


def test_the_file_is_parsed_before_anything_is_yielded():
    # A caller that checks the format first gets the error, not a half-read import.
    with pytest.raises(BibtexFormatError):
        records_from_text("pas du BibTeX du tout")


# Writing: reconciliation with the 2023 report -------------------------------------------


def test_an_entry_of_a_report_publication_updates_it_and_links_its_people(report_2023):
    publications = models.Publication.objects.count()
    people = models.Person.objects.count()

    out = import_bibtex(DATA / "acaps-2023-volleyball.bib")

    assert "0 créé(s), 1 mis à jour, 0 inchangé(s), 0 refusé(s)" in out
    assert models.Publication.objects.count() == publications  # matched by title and year
    assert models.Person.objects.count() == people  # every author matched by name
    publication = models.Publication.objects.get(slug=VOLLEYBALL)
    assert publication.hal_id == "hal-04290001"  # what the file adds
    assert publication.url == "https://hal.science/hal-04290001"
    assert publication.state == models.State.PUBLISHED  # an existing entry keeps its state
    assert publication.place == "Reims, France" and publication.month == 10
    authorships = publication.authorships.select_related("person").order_by("order")
    assert [(a.name, a.person.slug) for a in authorships] == [
        ("Gilles Dusfour", "gilles-dusfour"),
        ("Benjamin Ben Zaki", "benjamin-ben-zaki"),
        ("Pierre Slangen", "pierre-slangen"),
        ("Marc Julia", "marc-julia"),
    ]


def test_importing_the_same_file_twice_changes_nothing_the_second_time(report_2023):
    import_bibtex(DATA / "acaps-2023-volleyball.bib")
    import_bibtex(DATA / "accents.bib")
    before = snapshot()

    out = import_bibtex(DATA / "acaps-2023-volleyball.bib")
    again = import_bibtex(DATA / "accents.bib")

    assert "0 créé(s), 0 mis à jour, 1 inchangé(s)" in out
    assert "0 créé(s), 0 mis à jour, 7 inchangé(s)" in again
    assert snapshot() == before


def test_a_dry_run_reports_and_writes_nothing(report_2023):
    before = snapshot()

    out = import_bibtex(DATA / "accents.bib", "--dry-run")
    out2 = import_bibtex(DATA / "acaps-2023-volleyball.bib", "--dry-run", "--publish")

    assert out.startswith("Simulation : 7 créé(s), 0 mis à jour")
    assert out2.startswith("Simulation : 0 créé(s), 1 mis à jour")
    assert "rien n'a été écrit" in out
    assert snapshot() == before


def test_new_publications_are_drafts_unless_published_on_import(db):
    import_bibtex(DATA / "mixed.bib")
    import_bibtex(DATA / "accents.bib", "--publish")

    states = dict(models.Publication.objects.values_list("title_fr", "state"))
    assert states["Premier article valide"] == models.State.DRAFT
    assert states["Le sommeil des sportifs"] == models.State.PUBLISHED
    assert models.Publication.objects.get(title_fr="Le sommeil des sportifs").published_at


def test_verbose_output_lists_each_entry(db):
    out = import_bibtex(DATA / "mixed.bib", verbosity=2)
    assert "créé : premier2023" in out and "créé : second2023" in out


def test_known_people_are_linked_and_unknown_ones_kept_as_written(report_2023):
    report = import_records(read("mixed.bib"))
    assert report.created == ["premier2023", "second2023"]
    premier = models.Publication.objects.get(title_fr="Premier article valide")
    assert [(a.order, a.name, a.person.slug) for a in premier.authorships.all()] == [
        (1, "Mathilde Parisi", "mathilde-parisi"),
        (2, "Stéphane Raffard", "stephane-raffard"),  # "Stephane" in the report
    ]
    accents = import_records(read("accents.bib"))
    durand = models.Publication.objects.get(slug__startswith="etude-de-la-qualite")
    assert accents.errors == []
    assert [(a.name, a.person) for a in durand.authorships.all()][:2] == [
        ("Valérie Durand", None),  # no idHAL nor ORCID: no Person is made up
        ("François Garçon", None),
    ]


def test_an_author_name_too_long_to_store_refuses_its_entry_only(db):
    text = (
        "@misc{long, title = {Trop long}, year = 2023, author = {" + "A" * 250 + ", Jean}}\n"
        "@misc{court, title = {Court}, year = 2023, author = {Martin, Jean}}"
    )
    report = import_records(records_from_text(text))
    assert report.created == ["court"]
    assert report.errors[0][0] == "long" and "dépasse 200 caractères" in report.errors[0][1]
