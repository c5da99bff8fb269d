"""The English site: every interface string translated, the catalogue up to date with the
code, English paths, a language switch that keeps the item, and content that falls back
to French where no English text exists."""

import ast
import gettext
import html as html_lib
import re
import shutil
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import resolve, reverse
from django.utils import translation

from activities.models import (
    CampusInitiative,
    Programme,
    Publication,
    ResearchProject,
    SDGTarget,
    Thesis,
)

from .factories import ResearchProjectFactory, StructureFactory

LOCALE_DIR = settings.BASE_DIR / "locale"
PO_PATH = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# The folders `make update-messages` tells makemessages to skip: nothing in them is shown.
NOT_SCANNED = (".venv", "tests", "staticfiles")


def read_po(path):
    """The entries of a .po file, header first: {"msgid": …, "msgstr": … or "msgstr[0]": …,
    "flags": {…}}. Obsolete entries (``#~``) are left out."""
    entries = []
    for block in re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8")):
        entry, flags, key = {}, set(), None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif not line or line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)
            else:
                key, _space, value = line.partition(" ")
                entry[key] = ast.literal_eval(value)
        if "msgid" in entry:
            entry["flags"] = flags
            entries.append(entry)
    return entries


def translations(entry):
    """The entry's msgstr, or its plural forms in order."""
    if "msgid_plural" in entry:
        return [entry[key] for key in sorted(k for k in entry if k.startswith("msgstr["))]
    return [entry["msgstr"]]


def key(entry):
    return entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural")


@pytest.fixture(scope="module")
def catalogue():
    entries = read_po(PO_PATH)
    assert entries and entries[0]["msgid"] == "", "the .po file starts with its header"
    return entries[0], entries[1:]


# The catalogue ----------------------------------------------------------------------------


def test_the_header_declares_english_and_is_not_fuzzy(catalogue):
    header, _messages = catalogue
    assert "fuzzy" not in header["flags"]  # msgfmt would drop the header, charset included
    assert "Language: en\n" in header["msgstr"]
    assert "charset=UTF-8" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]


def test_every_message_is_translated_and_none_is_fuzzy(catalogue):
    _header, messages = catalogue
    assert len(messages) > 400  # the parser read the whole file
    fuzzy = [m["msgid"] for m in messages if "fuzzy" in m["flags"]]
    untranslated = [m["msgid"] for m in messages if not all(s.strip() for s in translations(m))]
    assert fuzzy == []
    assert untranslated == []
    plurals = [m for m in messages if "msgid_plural" in m]
    assert plurals and all(len(translations(m)) == 2 for m in plurals)


# What a translation must carry over unchanged: named placeholders, "%%", the "{}" of
# str.format, URL converters and HTML tags.
TOKEN = re.compile(r"%\(\w+\)[sdfi]|%%|\{\}|<[^<>]+>")


def test_translations_keep_placeholders_url_converters_and_markup(catalogue):
    _header, messages = catalogue
    wrong = []
    for message in messages:
        forms = translations(message)
        if "msgid_plural" in message:
            plural = sorted(TOKEN.findall(message["msgid_plural"]))
            # English singular may leave the count out ("Export the result as CSV").
            singular_ok = set(TOKEN.findall(forms[0])) <= set(plural)
            if not singular_ok or sorted(TOKEN.findall(forms[1])) != plural:
                wrong.append(message["msgid"])
        elif sorted(TOKEN.findall(forms[0])) != sorted(TOKEN.findall(message["msgid"])):
            wrong.append(message["msgid"])
    assert wrong == []


def test_the_catalogue_has_every_string_of_the_code_and_no_stale_one(tmp_path):
    """makemessages, run on a copy of the project, finds exactly the committed msgids."""
    copy = tmp_path / "project"
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            *NOT_SCANNED,
            ".git",
            "locale",
            "media",
            "node_modules",
            "__pycache__",
            ".*cache",
            "*.sqlite3",
        ),
    )
    (copy / "locale").mkdir()
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale=en"]
        + [f"--ignore={folder}" for folder in NOT_SCANNED],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

    found = {key(entry) for entry in read_po(copy / PO_PATH.relative_to(settings.BASE_DIR))}
    committed = {key(entry) for entry in read_po(PO_PATH)}
    # Run `make update-messages` and translate what it adds.
    assert sorted(found - committed, key=str) == []
    assert sorted(committed - found, key=str) == []


def test_the_compiled_catalogue_matches_the_po(catalogue):
    """The .mo is not in git: `make messages` (which `make test` runs) compiles it."""
    assert MO_PATH.exists(), "run `make messages`"
    with MO_PATH.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    _header, messages = catalogue
    stale = []
    for message in messages:
        context = message.get("msgctxt")
        if "msgid_plural" in message:
            got = [
                compiled.npgettext(context, message["msgid"], message["msgid_plural"], n)
                if context
                else compiled.ngettext(message["msgid"], message["msgid_plural"], n)
                for n in (1, 2)
            ]
        else:
            got = [
                compiled.pgettext(context, message["msgid"])
                if context
                else compiled.gettext(message["msgid"])
            ]
        if got != translations(message):
            stale.append(message["msgid"])
    assert stale == [], "the .mo is older than the .po: run `make messages`"


# Paths --------------------------------------------------------------------------------

PATHS = [
    # (URL name, arguments, French path, English path)
    ("home", {}, "/fr/", "/en/"),
    ("search", {}, "/fr/recherche/", "/en/search/"),
    ("programme-list", {}, "/fr/formations/", "/en/programmes/"),
    ("programme-detail", {"slug": "biotin"}, "/fr/formations/biotin/", "/en/programmes/biotin/"),
    ("programme-export", {"fmt": "csv"}, "/fr/formations/export.csv", "/en/programmes/export.csv"),
    ("project-list", {}, "/fr/projets/", "/en/projects/"),
    ("project-detail", {"slug": "pims"}, "/fr/projets/pims/", "/en/projects/pims/"),
    ("project-export", {"fmt": "json"}, "/fr/projets/export.json", "/en/projects/export.json"),
    ("thesis-list", {}, "/fr/theses/", "/en/theses/"),
    ("thesis-detail", {"slug": "t"}, "/fr/theses/t/", "/en/theses/t/"),
    ("publication-list", {}, "/fr/publications/", "/en/publications/"),
    ("publication-detail", {"slug": "p"}, "/fr/publications/p/", "/en/publications/p/"),
    (
        "publication-export",
        {"fmt": "bib"},
        "/fr/publications/export.bib",
        "/en/publications/export.bib",
    ),
    ("campus-list", {}, "/fr/campus/", "/en/campus/"),
    ("campus-detail", {"slug": "c"}, "/fr/campus/c/", "/en/campus/c/"),
    ("person-list", {}, "/fr/personnes/", "/en/people/"),
    ("person-detail", {"slug": "a-b"}, "/fr/personnes/a-b/", "/en/people/a-b/"),
    ("structure-list", {}, "/fr/structures/", "/en/structures/"),
    ("structure-detail", {"slug": "i3a"}, "/fr/structures/i3a/", "/en/structures/i3a/"),
    ("partner-list", {}, "/fr/partenaires/", "/en/partners/"),
    ("partner-detail", {"slug": "anr"}, "/fr/partenaires/anr/", "/en/partners/anr/"),
    ("target-list", {}, "/fr/cibles/", "/en/targets/"),
    ("target-detail", {"code": "3.4"}, "/fr/cibles/3.4/", "/en/targets/3.4/"),
    ("preview", {"model_name": "thesis", "pk": 7}, "/fr/apercu/thesis/7/", "/en/preview/thesis/7/"),
]


@pytest.mark.parametrize(("name", "kwargs", "french", "english"), PATHS)
def test_each_language_has_its_own_paths(name, kwargs, french, english):
    for language, path in (("fr", french), ("en", english)):
        with translation.override(language):
            assert reverse(f"activities:{name}", kwargs=kwargs) == path
            match = resolve(path)
        assert (match.url_name, match.kwargs) == (name, kwargs)


@pytest.mark.django_db
def test_both_languages_answer_on_their_own_paths_only(client):
    ResearchProjectFactory(slug="pims")
    assert client.get("/fr/projets/").status_code == 200
    assert client.get("/en/projects/").status_code == 200
    assert client.get("/en/projects/pims/").status_code == 200
    assert client.get("/en/projets/").status_code == 404
    assert client.get("/fr/projects/").status_code == 404


# English pages ---------------------------------------------------------------------------


def text(response):
    """The page's visible text, whitespace collapsed."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def switch_link(response, language):
    """The href of the language switch's link to `language`."""
    links = re.findall(
        rf'<a href="([^"]*)" lang="{language}" hreflang="{language}">', response.content.decode()
    )
    assert len(links) == 1
    return html_lib.unescape(links[0])


@pytest.mark.django_db
def test_the_english_home_page_speaks_english(client):
    response = client.get("/en/")
    page = text(response)

    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    for english in ("Skip to content", "Research projects", "Programmes", "Theses"):
        assert english in page
    assert "Campus life" in page and "SDG 3" in page
    for french in ("Aller au contenu", "Projets de recherche", "Formations", "Rechercher"):
        assert french not in page


@pytest.mark.django_db
def test_an_english_list_page_speaks_english(client):
    ResearchProjectFactory(title_fr="Qualité de l'air", title_en="Indoor air quality")
    response = client.get("/en/projects/")
    page = text(response)

    assert '<html lang="en">' in response.content.decode()
    assert '<a href="/en/projects/" aria-current="page">Research projects</a>' in (
        response.content.decode()
    )
    assert "1 result" in page and "1 résultat" not in page
    assert "Indoor air quality" in page and "Qualité de l'air" not in page
    assert "All years" in page and "Toutes les années" not in page
    # The French page is untouched.
    french = client.get("/fr/projets/")
    assert '<html lang="fr">' in french.content.decode()
    assert "1 résultat" in text(french) and "Qualité de l'air" in text(french)


@pytest.mark.django_db
def test_model_choices_and_labels_read_in_english(client):
    ResearchProjectFactory(
        slug="pims",
        kind=ResearchProject.Kind.ANR,
        status=ResearchProject.Status.ONGOING,
    )
    page = text(client.get("/en/projects/pims/"))

    assert "French National Research Agency (ANR)" in page
    assert "Ongoing" in page and "At a glance" in page
    assert "En cours" not in page and "En bref" not in page


@pytest.mark.django_db
def test_the_language_switch_keeps_the_item(client):
    ResearchProjectFactory(slug="tele-mouv")

    assert switch_link(client.get("/fr/projets/tele-mouv/"), "en") == "/en/projects/tele-mouv/"
    assert switch_link(client.get("/en/projects/tele-mouv/"), "fr") == "/fr/projets/tele-mouv/"
    assert switch_link(client.get("/en/targets/3.4/"), "fr") == "/fr/cibles/3.4/"


@pytest.mark.django_db
def test_the_language_switch_keeps_the_filters(client):
    StructureFactory(slug="i3a")
    response = client.get("/fr/projets/", {"structure": "i3a", "target": "3.4"})

    assert switch_link(response, "en") == "/en/projects/?structure=i3a&target=3.4"
    assert client.get(switch_link(response, "en")).status_code == 200


@pytest.mark.django_db
def test_content_falls_back_to_french_when_no_english_text_exists(client):
    target = SDGTarget.objects.get(code="3.4")
    ResearchProjectFactory(
        slug="qai-sport",
        title_fr="Qualité de l'air des salles de sport",
        title_en="",
        summary_fr="Un résumé seulement en français.",
        summary_en="",
        targets=[target],
    )
    ResearchProjectFactory(
        slug="pims",
        title_fr="Optimisation de la performance",
        title_en="Optimising performance",
        summary_fr="Résumé en français.",
        summary_en="Summary in English.",
        targets=[target],
    )

    listing = text(client.get("/en/projects/"))
    assert "Qualité de l'air des salles de sport" in listing
    assert "Optimising performance" in listing and "Optimisation de la performance" not in listing

    untranslated = text(client.get("/en/projects/qai-sport/"))
    assert "Qualité de l'air des salles de sport" in untranslated
    assert "Un résumé seulement en français." in untranslated
    translated = text(client.get("/en/projects/pims/"))
    assert "Summary in English." in translated and "Résumé en français." not in translated
    # The SDG target's official English text, from its data migration.
    assert target.title_en and target.title_en in text(client.get("/en/targets/3.4/"))


@pytest.mark.django_db
def test_every_activity_of_the_2023_report_reads_in_english(client, report_2023):
    """The report's data gives English titles; a paper keeps the title it was published
    under, whatever the page's language."""
    lists = {
        "/en/programmes/": Programme,
        "/en/projects/": ResearchProject,
        "/en/theses/": Thesis,
        "/en/publications/": Publication,
        "/en/campus/": CampusInitiative,
    }
    for path, model in lists.items():
        page = text(client.get(path))
        activities = model.objects.published()
        assert activities and all(activity.title_en in page for activity in activities), path
        if model is not Publication:
            assert all(activity.title_en != activity.title_fr for activity in activities), path
    for publication in Publication.objects.all():
        assert publication.title_en == publication.title_fr, publication.slug
