"""The yearly ODD 3 report: built from published data in the 2023 document's structure,
its public pages, what is new since the year before, its editions in the admin and in the
data file."""

import dataclasses
import datetime
import html as html_lib
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from activities import reports
from activities.models import (
    Authorship,
    CampusInitiative,
    Programme,
    ProjectPartner,
    Publication,
    ReportEdition,
    ReportStructure,
    ResearchProject,
    State,
    Structure,
    Thesis,
    ThesisSupervisor,
)
from activities.roles import EDITEUR, REDACTEUR
from activities.services import ReportDataError, report_load

from .factories import (
    CampusInitiativeFactory,
    OrganisationFactory,
    PersonFactory,
    ProgrammeFactory,
    PublicationFactory,
    ReportEditionFactory,
    ResearchProjectFactory,
    StructureFactory,
    ThesisFactory,
)
from .test_admin import form_data, form_errors

pytestmark = pytest.mark.django_db


def slug(item):
    """An item's slug, from the path of its page (/fr/projets/pims/ → pims)."""
    return item.url.rstrip("/").rpartition("/")[2]


def slugs(items):
    return [slug(item) for item in items]


def by_title(groups):
    return {group.title: group for group in groups}


def report_url(year, lang="fr"):
    with translation.override(lang):
        return reverse("activities:report-detail", kwargs={"year": year})


def visible_text(response):
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# == The 2023 report, regenerated from `load_report 2023` ==================================

# The outline of the 2023 document (../shared/seed/rapport-odd3-2023.txt), written as the
# portal's slugs: every programme, project, thesis, publication and campus initiative the
# document names, under the heading where the document puts it, in the document's order
# of parts and laboratories. Within a heading, the document's order is not the portal's
# (projects by acronym, theses by candidate…): items are compared as sets.
DOCUMENT_2023 = {
    # A. Formation: A.1 the BIOTIN master's track, A.2 the SNS double degree.
    "A": ["master-biotin", "double-diplome-sns"],
    "B": [
        (
            # B.1. Laboratoire CERIS, Equipe I3A (and the joint unit EuroMov DHM)
            "Laboratoire CERIS, équipe I3A",
            {
                # B.1.1 Exemples de projets de recherche collaborative de l'équipe I3A
                "Projets de recherche": {
                    "semtaxm",
                    "pims",
                    "axiaum",
                    "aibiopretras",
                    "tele-mouv",
                    "kami-2",
                    "readynov-mask-covid",
                },
                # B.1.2 Exemples de thèses en cours (4), and Rayane Elimam's thesis, which
                # B.1.1 names with the project PIMS.
                "Thèses": {
                    "these-zaineb-ajra",
                    "these-karim-radouane",
                    "these-nathan-sinsoilliez",
                    "these-nouha-taleb-salah",
                    "these-rayane-elimam",
                },
                # B.1.3 Exemples de communications pour l'I3A (6)
                "Publications et communications": {
                    "irmf-capture-mouvement-recuperation-motrice-avc-2023",
                    "sonification-arm-movement-gesture-reproduction-2023",
                    "implicit-stigma-schizophrenia-2023",
                    "capteurs-inertiels-sport-haut-niveau-volleyball-2023",
                    "simulateurs-cardiaques-fabrication-additive-2023",
                    "g2ll-skin-lesion-segmentation-2023",
                },
            },
        ),
        # B.2. Laboratoire C2MA, l'équipe RIME
        ("Laboratoire C2MA, équipe RIME", {"Projets de recherche": {"qai-sport", "plastoxpreg"}}),
        # B.3. Laboratoire CREER: the DIPTERATECH lure and H2020 IMPETUS
        (
            "Laboratoire CREER",
            {"Projets de recherche": {"leurre-moustiques-dipteratech", "impetus"}},
        ),
    ],
    "C": [
        (
            # C.1. Accompagnement social (C.1.1 des élèves, C.1.2 du personnel)
            "Accompagnement social et bien-être",
            {
                "Pour les élèves": {
                    "permanence-assistante-sociale-eleves",
                    "accompagnement-administratif-eleves",
                },
                "Pour les personnels": {
                    "accueil-nouveaux-personnels",
                    "restaurant-collectif",
                    "politique-action-sociale-personnels",
                    "plan-action-rps-qvt",
                    "formation-risques-psychosociaux-harcelement",
                    "ecoute-soutien-personnels",
                    "amicale-du-personnel-athema",
                },
            },
        ),
        # C.2. Les associations sportives, and the Cartel 2023
        ("Sport", {None: {"sport-associations-sportives", "cartel-2023"}}),
    ],
}


def outline(groups):
    """[(title, {subgroup title or None: {slugs}})] of a section's groups."""
    result = []
    for group in groups:
        parts = {sub.title: set(slugs(sub.items)) for sub in group.groups}
        if group.items:
            parts[None] = set(slugs(group.items))
        result.append((group.title, parts))
    return result


def test_the_2023_report_has_the_document_s_structure_and_every_item(report_2023):
    report = reports.build_report(2023)

    assert [(s.letter, s.title) for s in report.sections] == [
        ("A", "Formation"),
        ("B", "Recherche"),
        ("C", "Vie sur le campus"),
    ]
    training, research, campus = report.sections
    assert slugs(training.items) == DOCUMENT_2023["A"]
    assert [item.number for item in training.items] == ["A.1", "A.2"]
    assert training.groups == []
    assert research.items == [] and campus.items == []
    assert outline(research.groups) == DOCUMENT_2023["B"]
    assert outline(campus.groups) == DOCUMENT_2023["C"]
    numbers = [group.number for group in research.groups]
    assert numbers == ["B.1", "B.2", "B.3"]
    assert [sub.number for sub in research.groups[0].groups] == ["B.1.1", "B.1.2", "B.1.3"]
    assert [sub.number for sub in campus.groups[0].groups] == ["C.1.1", "C.1.2"]


def test_every_published_entry_of_2023_is_in_the_report_once(report_2023):
    report = reports.build_report(2023)

    in_report = slugs(report.items())
    assert len(in_report) == len(set(in_report))
    published = set()
    for model in (Programme, ResearchProject, Thesis, Publication, CampusInitiative):
        published |= set(model.objects.published().values_list("slug", flat=True))
    assert set(in_report) == published
    assert len(in_report) == 2 + 11 + 5 + 6 + 11


def test_the_2023_report_opens_with_the_school_s_commitment(report_2023):
    report = reports.build_report(2023)

    assert report.has_edition and not report.edition_is_draft
    assert report.commitment == [
        "À travers ses activités de recherche, de formation et d'innovation, IMT Mines Alès "
        "contribue à la réalisation de l'ODD 3.",
        "Notre établissement, fortement ancré dans son territoire, s'engage à assurer la santé "
        "et le bien-être de tous, en améliorant la santé procréative, maternelle et infantile, "
        "notamment en réduisant les principales maladies transmissibles, environnementales et "
        "mentales.",
        "IMT Mines Alès s'engage à préserver la santé de tous, élèves et personnels.",
    ]
    assert report.news is None  # 2022's research was never entered: nothing to compare


def test_a_team_s_group_presents_the_team_and_its_joint_unit(report_2023):
    ceris = reports.build_report(2023).sections[1].groups[0]

    assert ceris.paragraphs[0].startswith("L'équipe de recherche I3A s'est associée")
    assert [link.url for link in ceris.links] == ["/fr/structures/ceris/", "/fr/structures/i3a/"]
    (joint,) = ceris.joint_units
    assert joint.title == "EuroMov DHM — EuroMov Digital Health in Motion"
    assert joint.url == "/fr/structures/euromov-dhm/"
    assert joint.paragraphs[0].startswith("Unité mixte de recherche interdisciplinaire")


def test_publications_are_formatted_references(report_2023):
    Publication.objects.filter(slug="g2ll-skin-lesion-segmentation-2023").update(
        doi="10.1109/ISBI53787.2023.10230614"
    )
    research = reports.build_report(2023).sections[1]
    items = {slug(item): item for item in research.groups[0].groups[2].items}

    assert items["irmf-capture-mouvement-recuperation-motrice-avc-2023"].reference.text == (
        "Zakaria Belkacemi, Liesjet Van Dokkum, Jeremy Deverdun, Nicolas Menjot De "
        "Champfleur, Andon Tchechmedjiev, et al. Intérêt du couplage IRM fonctionnelle et "
        "capture du mouvement dans l'évaluation de la récupération motrice post-AVC. 50e "
        "congrès de la Société Française de Neuroradiologie, mars 2023, Paris, France, "
        "pp. 127-128."
    )
    # A title ending with its own question mark takes no full stop after it.
    sonification = items["sonification-arm-movement-gesture-reproduction-2023"].reference
    assert sonification.text == (
        "Laura Lacazette, Patrice Guyot, Julien Lagarde, Pierre Slangen, Valérie Cochen de "
        "Cock. How does the Use of Sonification of Arm Movement Modulate Gesture "
        "Reproduction? ACAPS 2023 - Les Environnements de l'Activité Physique et Sportive, "
        "octobre 2023, Reims, France."
    )
    assert sonification.before + sonification.title + sonification.after == sonification.text
    g2ll = items["g2ll-skin-lesion-segmentation-2023"].reference
    assert g2ll.text.endswith("Cartagena, Colombia, pp. 1-5. DOI : 10.1109/ISBI53787.2023.10230614")
    assert g2ll.doi_url == "https://doi.org/10.1109/ISBI53787.2023.10230614"


def test_theses_and_projects_say_who_and_how(report_2023):
    research = reports.build_report(2023).sections[1]
    ceris = {slug(item): item for item in research.groups[0].all_items()}

    ajra = {fact.label: fact.value for fact in ceris["these-zaineb-ajra"].facts}
    assert ajra == {
        "Doctorant·e :": "Zaineb Ajra",
        "Statut :": "en cours en 2023",
        "Encadrement :": "Jacky Montmain, Stéphane Perrey, Binbin Xu",
    }
    tele_mouv = {fact.label: fact.value for fact in ceris["tele-mouv"].facts}
    assert tele_mouv["Partenaires :"] == "CHU de Montpellier, UM, 5-Santé, SATT AxLR"
    qai_sport = research.groups[1].groups[0].items[1]
    assert slug(qai_sport) == "qai-sport"
    facts = {fact.label: fact.value for fact in qai_sport.facts}
    assert facts["Financement :"] == "agence nationale (ADEME)"
    assert facts["Coordination :"] == "IMT Mines Alès"


def test_campus_items_keep_their_key_figures(report_2023):
    campus = reports.build_report(2023).sections[2]
    sport = {slug(item): item for item in campus.groups[1].items}

    figures = [figure.text for figure in sport["sport-associations-sportives"].figures]
    assert figures[0] == "environ 80 % des élèves pratiquent une ou plusieurs disciplines sportives"
    # The Cartel's figures are dated 2023: no need to say so in the 2023 report.
    assert sport["cartel-2023"].figures[2].text == (
        "325 points au classement général, record de points de l'école"
    )


def test_the_report_is_plain_data_for_any_writer(report_2023):
    """What the PDF and DOCX writers read: texts, numbers and paths, never markup."""
    report = reports.build_report(2023)

    def leaves(value):
        if dataclasses.is_dataclass(value):
            for item in dataclasses.fields(value):
                yield from leaves(getattr(value, item.name))
        elif isinstance(value, list | tuple):
            for item in value:
                yield from leaves(item)
        else:
            yield value

    values = list(leaves(report)) + list(leaves(report.toc()))
    assert all(type(value) in (str, int, bool, type(None)) for value in values)
    assert not [value for value in values if isinstance(value, str) and re.search(r"<\w", value)]


def test_the_report_follows_the_active_language(report_2023):
    with translation.override("en"):
        report = reports.build_report(2023)

    training, research, campus = report.sections
    assert training.items[0].title.startswith("Master's in biology and health")
    assert training.items[0].url.startswith("/en/")
    assert report.commitment[0].startswith("Through its research, education and innovation")


# == Only published data, of the year ======================================================

HIDDEN = {
    Programme: ("master-biotin", State.DRAFT),
    ResearchProject: ("pims", State.UNPUBLISHED),
    Thesis: ("these-karim-radouane", State.SUBMITTED),
    Publication: ("g2ll-skin-lesion-segmentation-2023", State.DRAFT),
    CampusInitiative: ("cartel-2023", State.UNPUBLISHED),
}


def test_unpublished_entries_never_appear(client, report_2023):
    for model, (hidden, state) in HIDDEN.items():
        model.objects.filter(slug=hidden).update(state=state)

    report = reports.build_report(2023)
    page = client.get(report_url(2023)).content.decode()

    in_report = set(slugs(report.items()))
    for _model, (hidden, _state) in HIDDEN.items():
        assert hidden not in in_report
        assert f"/{hidden}/" not in page
    assert "PIMS —" not in page  # the project; its thesis, of the same title, stays
    assert "/these-rayane-elimam/" in page
    assert "Cartel 2023 : IMT Mines Alès remporte" not in page
    # The programme numbered A.1 is now the other one.
    assert [(item.number, slug(item)) for item in report.sections[0].items] == [
        ("A.1", "double-diplome-sns")
    ]


def test_a_laboratory_without_published_entries_has_no_group(report_2023):
    ResearchProject.objects.filter(slug__in=["qai-sport", "plastoxpreg"]).update(state=State.DRAFT)

    research = reports.build_report(2023).sections[1]

    assert [(g.number, g.title) for g in research.groups] == [
        ("B.1", "Laboratoire CERIS, équipe I3A"),
        ("B.2", "Laboratoire CREER"),
    ]


def test_entries_of_other_years_stay_out(report_2023):
    ResearchProject.objects.filter(slug="impetus").update(start_year=2019, end_year=2022)
    Publication.objects.filter(slug="implicit-stigma-schizophrenia-2023").update(year=2024)

    in_report = set(slugs(reports.build_report(2023).items()))

    assert "impetus" not in in_report
    assert "implicit-stigma-schizophrenia-2023" not in in_report
    assert "leurre-moustiques-dipteratech" in in_report


def test_abandoned_theses_are_left_out(report_2023):
    Thesis.objects.filter(slug="these-nouha-taleb-salah").update(status=Thesis.Status.ABANDONED)

    assert "these-nouha-taleb-salah" not in slugs(reports.build_report(2023).items())


def test_a_draft_edition_is_not_shown_to_the_public(client, report_2023):
    ReportEdition.objects.filter(year=2023).update(is_published=False)

    report = reports.build_report(2023)
    response = client.get(report_url(2023))

    assert not report.has_edition and report.commitment == []
    assert response.status_code == 200  # the year has its data
    assert "fortement ancré dans son territoire" not in response.content.decode()
    assert "Aperçu" not in response.content.decode()


def test_the_editorial_team_previews_a_draft_edition(client, report_2023, make_user):
    ReportEdition.objects.filter(year=2023).update(is_published=False)
    client.force_login(make_user(EDITEUR))

    response = client.get(report_url(2023))

    html = response.content.decode()
    assert "fortement ancré dans son territoire" in html
    assert "Aperçu réservé à l'équipe éditoriale" in html
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]


def test_a_redacteur_does_not_preview_editions(client, report_2023, make_user):
    ReportEdition.objects.filter(year=2023).update(is_published=False)
    client.force_login(make_user(REDACTEUR, structures=[Structure.objects.get(slug="ceris")]))

    assert "fortement ancré" not in client.get(report_url(2023)).content.decode()


def test_the_order_of_part_b_follows_the_edition_then_the_alphabet(report_2023):
    edition = ReportEdition.objects.get(year=2023)
    edition.structure_order.all().delete()
    ReportStructure.objects.create(
        edition=edition, structure=Structure.objects.get(slug="creer"), order=1
    )

    titles = [group.title for group in reports.build_report(2023).sections[1].groups]

    assert titles == [
        "Laboratoire CREER",
        "Laboratoire C2MA, équipe RIME",  # not listed: C2MA before CERIS
        "Laboratoire CERIS, équipe I3A",
    ]


# == Grouping rules, on data built for them ================================================


def test_an_entry_goes_under_its_most_specific_structure():
    lab = StructureFactory(acronym="LAB", name_fr="Laboratoire LAB", slug="lab")
    team = StructureFactory(
        acronym="EQ", name_fr="Équipe EQ", slug="eq", parent=lab, kind=Structure.Kind.TEAM
    )
    joint = StructureFactory(
        acronym="UMR", name_fr="Unité mixte", slug="umr", kind=Structure.Kind.JOINT_UNIT
    )
    in_team = ResearchProjectFactory(slug="in-team", structures=[lab, team, joint])
    in_lab = ResearchProjectFactory(slug="in-lab", structures=[lab])
    in_joint = ThesisFactory(slug="in-joint", structures=[joint])
    nowhere = PublicationFactory(slug="nowhere")

    groups = reports.build_report(2023).sections[1].groups

    assert [(g.title, slugs(g.all_items())) for g in groups] == [
        ("Laboratoire LAB", [in_lab.slug]),
        ("Laboratoire LAB, équipe EQ", [in_team.slug]),
        ("Unité mixte", [in_joint.slug]),
        ("Autres travaux de recherche", [nowhere.slug]),
    ]
    assert [unit.title for unit in groups[1].joint_units] == ["UMR — Unité mixte"]
    assert groups[2].joint_units == []  # the group is the joint unit itself


def test_campus_initiatives_for_everyone_and_sport_for_staff():
    Audience, Category = CampusInitiative.Audience, CampusInitiative.Category
    CampusInitiativeFactory(slug="tous", audience=Audience.EVERYONE, category=Category.PREVENTION)
    CampusInitiativeFactory(slug="foot", audience=Audience.STAFF, category=Category.SPORT)

    campus = reports.build_report(2023).sections[2]

    assert outline(campus.groups) == [
        ("Accompagnement social et bien-être", {"Pour les élèves et les personnels": {"tous"}}),
        ("Sport", {None: {"foot"}}),
    ]
    assert [g.number for g in campus.groups] == ["C.1", "C.2"]


def test_each_section_says_when_it_is_empty():
    ProgrammeFactory(slug="seule")

    report = reports.build_report(2023)

    assert report.exists and report.has_data
    training, research, campus = report.sections
    assert not training.is_empty
    assert research.is_empty and campus.is_empty
    assert research.empty_text == "Aucun travail de recherche publié pour cette année."


def test_paragraphs_are_separated_by_blank_lines():
    text = "Un premier paragraphe\nsur deux lignes.\r\n\r\n  Un second.  \n\n\n"
    assert reports.paragraphs(text) == ["Un premier paragraphe sur deux lignes.", "Un second."]
    assert reports.paragraphs("") == []


# == What is new since the previous year ===================================================


@pytest.fixture
def two_years():
    """2022 and 2023, with what changed between them, and drafts that must not count."""
    lab = StructureFactory(acronym="LAB", name_fr="Laboratoire LAB", slug="lab")
    old = ResearchProjectFactory(
        acronym="OLD", slug="old", start_year=2020, end_year=2022, structures=[lab]
    )
    running = ResearchProjectFactory(
        acronym="RUN", slug="running", start_year=2021, structures=[lab]
    )
    new = ResearchProjectFactory(acronym="NEW", slug="new", start_year=2023, structures=[lab])
    ResearchProjectFactory(slug="draft-project", start_year=2023, state=State.DRAFT)
    defended = ThesisFactory(
        slug="defended",
        start_year=2020,
        end_year=2023,
        status=Thesis.Status.DEFENDED,
        defence_date=datetime.date(2023, 6, 30),
        candidate=PersonFactory(first_name="Anne", last_name="Durand"),
        structures=[lab],
    )
    started = ThesisFactory(
        slug="started",
        start_year=2023,
        candidate=PersonFactory(first_name="Bruno", last_name="Martin"),
        structures=[lab],
    )
    ThesisFactory(slug="draft-thesis", start_year=2023, state=State.DRAFT)
    for n in range(2):
        PublicationFactory(slug=f"pub-2022-{n}", year=2022, structures=[lab])
    for n in range(3):
        PublicationFactory(slug=f"pub-2023-{n}", year=2023, structures=[lab])
    PublicationFactory(slug="draft-pub", year=2023, state=State.DRAFT)
    return {"old": old, "running": running, "new": new, "defended": defended, "started": started}


def test_what_is_new_since_the_previous_year(two_years):
    news = reports.build_report(2023).news

    assert news.previous_year == 2022
    assert news.title == "Nouveautés depuis 2022"
    assert [link.url for link in news.new_projects] == ["/fr/projets/new/"]
    assert [link.label for link in news.theses_started] == [
        f"Bruno Martin : {two_years['started'].title}"
    ]
    assert [link.url for link in news.theses_defended] == ["/fr/theses/defended/"]
    assert [(c.label, c.previous, c.current) for c in news.comparisons] == [
        ("Projets de recherche", 2, 2),  # OLD and RUN in 2022; RUN and NEW in 2023
        ("Thèses", 1, 2),
        ("Publications", 2, 3),
    ]


def test_what_is_new_is_on_the_page(client, two_years):
    response = client.get(report_url(2023))

    text = visible_text(response)
    assert "Nouveautés depuis 2022" in text
    assert "Projets commencés en 2023 NEW —" in text
    assert "Thèses soutenues en 2023 Anne Durand :" in text
    assert 'href="#nouveautes"' in response.content.decode()
    assert "Publications 2 3" in text


def test_nothing_to_compare_without_the_previous_year(two_years):
    assert reports.build_report(2020).news is None  # nothing published in 2019


def test_a_published_edition_of_the_previous_year_is_enough_to_compare():
    ReportEditionFactory(year=2022)
    ResearchProjectFactory(slug="first", start_year=2023)

    news = reports.build_report(2023).news

    assert [link.url for link in news.new_projects] == ["/fr/projets/first/"]
    assert [(c.previous, c.current) for c in news.comparisons] == [(0, 1), (0, 0), (0, 0)]


# == The pages =============================================================================


def heading_levels(html):
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_report_page_has_a_table_of_contents_and_links_to_every_item(client, report_2023, lang):
    with translation.override(lang):
        report = reports.build_report(2023)
    response = client.get(report_url(2023, lang))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    assert html.count("<h1>") == 1
    levels = heading_levels(html)
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    toc = html[html.index('class="report-toc"') : html.index("</nav>", html.index("report-toc"))]
    anchors = re.findall(r'href="#([^"]+)"', toc)
    assert anchors[:3] == ["formation", "a-1", "a-2"]
    assert {"recherche", "b-1", "b-2", "b-3", "campus", "c-1", "c-2"} <= set(anchors)
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert set(anchors) <= ids  # every entry of the contents leads somewhere
    # Parts A, B, C in this order, and every item linked to its page.
    assert html.index('id="formation"') < html.index('id="recherche"') < html.index('id="campus"')
    for item in report.items():
        assert f'href="{item.url}"' in html, item.url


def test_the_english_page_reads_in_english(client, report_2023):
    text = visible_text(client.get(report_url(2023, "en")))

    assert "Through its research, education and innovation" in text
    assert "Double degree in digital sciences for health (SNS)" in text
    assert "Our school, firmly rooted in its region" in text


def test_the_report_is_linked_from_every_page(client, report_2023):
    html = client.get("/fr/projets/").content.decode()
    assert html.count('href="/fr/rapport/"') == 2  # the main navigation and the footer


def test_a_year_with_no_data_says_so_and_answers_404(client, report_2023):
    response = client.get(report_url(1999))

    assert response.status_code == 404
    text = visible_text(response)
    assert "Rapport ODD 3 1999" in text
    assert "Aucune fiche n'est publiée pour 1999" in text
    assert 'href="/fr/rapport/2023/"' in response.content.decode()
    assert "Sommaire" not in text


@pytest.mark.parametrize("path", ["/fr/rapport/1899/", "/fr/rapport/99999/", "/fr/rapport/x/"])
def test_a_year_out_of_range_is_not_found(client, report_2023, path, settings):
    settings.DEBUG = False
    response = client.get(path)

    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_a_year_not_begun_has_no_report(client, report_2023):
    # The projects of 2023 have no end year: they would be "running" in any later year.
    assert client.get(report_url(timezone.now().year + 1)).status_code == 404
    assert client.get(report_url(timezone.now().year)).status_code == 200


def test_a_year_with_only_a_published_edition_has_its_page(client):
    ReportEditionFactory(year=2021, commitment_fr="Un engagement écrit avant toute fiche.")

    response = client.get(report_url(2021))

    assert response.status_code == 200
    text = visible_text(response)
    assert "Un engagement écrit avant toute fiche." in text
    assert "Aucune formation publiée pour cette année." in text


def test_the_report_index_lists_the_years_with_a_report(client, report_2023):
    ReportEditionFactory(year=1990, commitment_fr="Un rapport d'avant le portail.")
    response = client.get(reverse("activities:report-list"))

    assert response.status_code == 200
    html = response.content.decode()
    years = [int(year) for year in re.findall(r'href="/fr/rapport/(\d{4})/"', html)]
    this_year = timezone.now().year
    # Running entries make a report of every year since they began; the SNS double degree
    # began in 2015. 1990 has a published edition and nothing else.
    assert years == [*range(this_year, 2014, -1), 1990]
    text = visible_text(response)
    assert (
        "Rapport ODD 3 2023 2 formations · 11 projets · 5 thèses · 6 publications · "
        "11 initiatives de campus · avec le texte d'engagement de l'école" in text
    )
    assert "Rapport ODD 3 2015 1 formation " in text
    assert "Rapport ODD 3 1990 aucune fiche publiée" in text


def test_the_report_index_with_nothing_published(client):
    response = client.get(reverse("activities:report-list"))
    assert "Aucun rapport pour l'instant" in visible_text(response)


def test_the_reports_are_in_the_sitemap(client, report_2023):
    ReportEditionFactory(year=2010, is_published=False)  # a draft makes no report
    index = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/sitemap-reports.xml" in index

    root = ET.fromstring(client.get("/sitemap-reports.xml").content)
    namespace = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = {loc.text for loc in root.iterfind("sm:url/sm:loc", namespace)}
    assert "http://testserver/fr/rapport/2023/" in locations
    assert f"http://testserver{report_url(2023, 'en')}" in locations
    assert "http://testserver/fr/rapport/2014/" not in locations
    assert "http://testserver/fr/rapport/2010/" not in locations
    pages = client.get("/sitemap-pages.xml").content.decode()
    assert "http://testserver/fr/rapport/</loc>" in pages


# == What a page costs =====================================================================


def build_year(n, lab, partner, person):
    """n published entries of each kind in 2023 (and as many in 2022), with every relation
    the report shows: structures, partners, supervisors, authors, figures."""
    for i in range(n):
        team = StructureFactory(parent=lab, kind=Structure.Kind.TEAM)
        project = ResearchProjectFactory(structures=[team, lab])
        ProjectPartner.objects.create(project=project, organisation=partner, role="partner")
        thesis = ThesisFactory(structures=[team])
        ThesisSupervisor.objects.create(thesis=thesis, person=person)
        for year in (2022, 2023):
            publication = PublicationFactory(year=year, structures=[team])
            Authorship.objects.create(publication=publication, person=person, name="A. B.")
        ProgrammeFactory()
        initiative = CampusInitiativeFactory(audience=CampusInitiative.Audience.STAFF)
        initiative.figures.create(value=i + 1, label_fr="personnes")
        ResearchProjectFactory(start_year=2022, end_year=2022, structures=[lab])


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Queries of /fr/rapport/<year>/ (anonymous visitor): the editions of the year and the
# year before (1), the order of part B (1); the programmes (1); the projects, their
# structures, their partners (3); the theses with their candidates, their structures,
# their supervisors (3); the publications, their structures, their authors (3); the
# initiatives with their providers, their figures (2); the year before's projects,
# theses and publications, counted (3).
REPORT_QUERIES = 17


def test_report_query_count_does_not_grow_with_rows(client):
    lab = StructureFactory()
    partner, person = OrganisationFactory(), PersonFactory()
    edition = ReportEditionFactory(year=2023)
    ReportStructure.objects.create(edition=edition, structure=lab, order=0)
    build_year(2, lab, partner, person)
    few = count_queries(client, report_url(2023))
    build_year(20, lab, partner, person)
    many = count_queries(client, report_url(2023))

    assert few == many == REPORT_QUERIES


def test_report_index_query_count_does_not_grow_with_rows(client):
    lab = StructureFactory()
    build_year(1, lab, OrganisationFactory(), PersonFactory())
    few = count_queries(client, reverse("activities:report-list"))
    build_year(10, lab, OrganisationFactory(), PersonFactory())
    many = count_queries(client, reverse("activities:report-list"))

    assert few == many == 1  # every year's counts, in one query


# == Editions: the admin, by role ==========================================================


def edition_admin_url(page, *args):
    return reverse(f"admin:activities_reportedition_{page}", args=args)


def test_an_editeur_writes_and_publishes_an_edition(client, make_user):
    client.force_login(make_user(EDITEUR))
    lab = StructureFactory(acronym="CERIS", slug="ceris")
    ResearchProjectFactory(slug="projet", structures=[lab], start_year=2024)
    url = edition_admin_url("add")
    data = form_data(client.get(url)) | {
        "year": "2024",
        "commitment_fr": "Premier paragraphe.\n\nSecond paragraphe.",
        "commitment_en": "First paragraph.",
        "research_intro_fr": "La recherche de l'année.",
        "structure_order-0-structure": str(lab.pk),
    }

    response = client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    edition = ReportEdition.objects.get(year=2024)
    assert not edition.is_published and edition.published_at is None
    assert [row.structure for row in edition.structure_order.all()] == [lab]
    client.logout()
    assert "Premier paragraphe." not in client.get(report_url(2024)).content.decode()

    client.force_login(make_user(EDITEUR))
    change = edition_admin_url("change", edition.pk)
    data = form_data(client.get(change)) | {"is_published": "on"}
    response = client.post(change, data)

    assert response.status_code == 302, form_errors(response)
    edition.refresh_from_db()
    assert edition.is_published and edition.published_at is not None
    client.logout()
    text = visible_text(client.get(report_url(2024)))
    assert "Premier paragraphe. Second paragraphe." in text
    assert "La recherche de l'année." in text


def test_a_redacteur_cannot_edit_an_edition(client, make_user):
    edition = ReportEditionFactory(year=2023, commitment_fr="Texte d'origine.")
    client.force_login(make_user(REDACTEUR, structures=[StructureFactory()]))
    url = edition_admin_url("change", edition.pk)

    assert client.get(edition_admin_url("changelist")).status_code == 403
    assert client.get(url).status_code == 403
    assert client.post(url, {"year": "2023", "commitment_fr": "Modifié."}).status_code == 403
    edition.refresh_from_db()
    assert edition.commitment_fr == "Texte d'origine."


def test_only_publishers_have_the_edition_permissions():
    editeur = set(Group.objects.get(name=EDITEUR).permissions.values_list("codename", flat=True))
    redacteur = set(
        Group.objects.get(name=REDACTEUR).permissions.values_list("codename", flat=True)
    )
    assert {"change_reportedition", "add_reportstructure"} <= editeur
    assert not {code for code in redacteur if "report" in code}


def test_withdrawing_an_edition_clears_its_publication_date():
    edition = ReportEditionFactory(year=2023, is_published=True)
    assert edition.published_at is not None

    edition.is_published = False
    edition.save()

    assert edition.published_at is None
    assert edition.get_absolute_url() == "/fr/rapport/2023/"
    assert str(edition) == "Rapport ODD 3 2023"


# == Editions: the data file ===============================================================


def test_load_report_loads_the_2023_edition(db):
    summary = report_load(year=2023)

    assert summary.edition == "created"
    edition = ReportEdition.objects.get(year=2023)
    assert edition.is_published
    assert edition.commitment_en.startswith("Through its research, education and innovation")
    assert not edition.training_intro_fr and not edition.research_intro_fr  # none in 2023
    order = [row.structure.slug for row in edition.structure_order.all()]
    assert order == ["ceris", "i3a", "euromov-dhm", "c2ma", "rime", "creer"]

    again = report_load(year=2023)
    assert again.edition == "unchanged" and not again.changed


def test_an_editor_s_edition_survives_a_plain_load_and_update_restores_it(report_2023):
    edition = ReportEdition.objects.get(year=2023)
    edition.commitment_fr = "Revu par un éditeur."
    edition.save()
    edition.structure_order.filter(structure__slug="creer").delete()

    summary = report_load(year=2023)

    assert summary.edition == "kept" and not summary.changed
    edition.refresh_from_db()
    assert edition.commitment_fr == "Revu par un éditeur."

    summary = report_load(year=2023, update=True)

    assert summary.edition == "updated" and summary.changed
    edition.refresh_from_db()
    assert edition.commitment_fr.startswith("À travers ses activités de recherche")
    assert edition.structure_order.count() == 6
    assert edition.structure_order.last().structure.slug == "creer"


@pytest.mark.parametrize(
    ("report", "message"),
    [
        ({"commitment_fr": "Texte.", "summary": "x"}, "unknown field(s) summary"),
        ({"commitment_fr": "Texte.", "structures": ["nulle-part"]}, '"nulle-part"'),
        ({"commitment_fr": "Texte.", "structures": ["ceris", "ceris"]}, "listed twice"),
        ({"commitment_en": "Only English."}, "commitment_fr"),
        ("Texte.", "expected a mapping"),
    ],
)
def test_a_bad_report_entry_names_itself_and_writes_nothing(db, tmp_path, report, message):
    from .test_load_report import report_file

    path = report_file(tmp_path, lambda data: data.update(report=report))

    with pytest.raises(ReportDataError, match=re.escape(message)) as error:
        report_load(year=2023, path=path)

    assert str(error.value).startswith("report-2023.yaml, report")
    assert not ReportEdition.objects.exists()
    assert not ResearchProject.objects.exists()
