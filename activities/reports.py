"""The yearly ODD 3 report, built from the portal's published data of a year.

``build_report(year)`` returns the report as plain data (the dataclasses below): the
school's commitment, then the three parts of the 2023 document, then what is new since the
year before. The public page (templates/reports/report.html) renders it, and so can any
other writer (PDF, DOCX): the tree holds texts, titles and the paths of the items' pages,
never HTML.

    Report
      commitment: paragraphs
      sections: A. Formation, B. Recherche, C. Vie sur le campus
        Section → groups → (groups →) items
      news: what is new since the previous year (YearOverYear), or None

What goes in, and where (the 2023 document's structure):

- Only published entries (``published()``) of the year: activities running during it
  (``PeriodQuerySet.in_year``) and publications dated from it. Drafts never; abandoned
  theses are left out (a report shows the work carried on or completed).
- A. Formation: the programmes, each a numbered subsection (A.1, A.2…), degree programmes
  first (in the order of ``Programme.Kind``), then by title.
- B. Recherche: one group per laboratory and team (B.1 "Laboratoire CERIS, équipe I3A"),
  with the team's description and the joint research units its entries belong to
  (EuroMov DHM), then its projects, theses and publications (B.1.1, B.1.2, B.1.3).
  An entry goes under its most specific structure: a team before a laboratory, a
  laboratory before a joint unit, a joint unit before a service. Groups follow the order
  of part B set in the year's published edition (the 2023 report: CERIS, C2MA, CREER);
  structures it does not list come next, in alphabetical order. Entries attached to no
  structure come last, under "Autres travaux de recherche".
- C. Vie sur le campus: as the 2023 document, the social support and well-being of
  students and of staff (C.1.1, C.1.2; every category but sport, each item saying its
  category), then sport (C.2).
- What is new (item 4 of issue 6), only once the previous year was recorded (a published
  edition, project, thesis or publication in it): projects started this year, theses
  started and defended this year, and the number of projects, theses and publications
  of both years. Counted from the same published data: a 2023 report compares with 2022
  only if 2022's research was entered in the portal.

Queries: a constant number whatever the number of entries (the edition and its order, then
each kind's rows with their prefetched relations, then the previous year's counts).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import CharField, Count, F, Prefetch, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from .models import (
    Authorship,
    CampusInitiative,
    Programme,
    ProjectPartner,
    Publication,
    ReportEdition,
    ReportStructure,
    ResearchProject,
    Structure,
    Thesis,
    ThesisSupervisor,
)
from .models.base import MIN_YEAR, years_running

# -- The report as data --------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Fact:
    """A short fact about an item; the label ends with its colon ("Financement :")."""

    label: str
    value: str


@dataclass(frozen=True)
class Reference:
    """A publication cited as the 2023 report cites them: authors. Title. Venue, date,
    place, pages. The title is the link to the publication's page: a writer prints
    ``before``, the title, then ``after``; ``text`` is the whole reference."""

    before: str  # "Laura Lacazette, Patrice Guyot, et al. "
    title: str
    after: str  # ". ACAPS 2023 - …, octobre 2023, Reims, France."
    doi: str  # "10.1109/ISBI53787.2023.10230614", or ""
    doi_url: str  # "https://doi.org/10.1109/…", or ""
    text: str  # the whole reference, DOI included


@dataclass(frozen=True)
class Figure:
    """A key figure: "environ 65 000 € par an" (shown strong), then what it counts."""

    value: str
    label: str

    @property
    def text(self) -> str:
        return f"{self.value} {self.label}"


@dataclass
class Item:
    """One entry of the report, with the path of its public page."""

    kind: str  # "programme", "project", "thesis", "publication" or "initiative"
    title: str
    url: str
    paragraphs: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    reference: Reference | None = None  # publications
    number: str = ""  # "A.1" when the item is a numbered subsection of its section
    anchor: str = ""  # its id in the page, when numbered


@dataclass
class Presentation:
    """A structure presented in a group of part B: a joint research unit."""

    title: str
    url: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Group:
    number: str  # "B.1", "B.1.2"
    title: str
    anchor: str  # "b-1", "b-1-2"
    paragraphs: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)  # the pages of the group's structures
    joint_units: list[Presentation] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    def all_items(self) -> list[Item]:
        return [*self.items, *(item for group in self.groups for item in group.all_items())]


@dataclass
class Section:
    key: str  # "training", "research", "campus"
    letter: str  # "A", "B", "C"
    title: str
    anchor: str
    empty_text: str  # what the section says when the year has nothing in it
    paragraphs: list[str] = field(default_factory=list)  # the edition's introduction
    groups: list[Group] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    def all_items(self) -> list[Item]:
        return [*self.items, *(item for group in self.groups for item in group.all_items())]

    @property
    def is_empty(self) -> bool:
        return not self.items and not self.groups


@dataclass(frozen=True)
class Comparison:
    label: str  # "Publications"
    previous: int
    current: int


@dataclass
class YearOverYear:
    year: int
    previous_year: int
    title: str  # "Nouveautés depuis 2022"
    anchor: str
    new_projects: list[Link]
    theses_started: list[Link]
    theses_defended: list[Link]
    comparisons: list[Comparison]  # projects, theses, publications: year-1 and year


@dataclass(frozen=True)
class TocEntry:
    label: str  # "B.1. Laboratoire CERIS, équipe I3A"
    anchor: str
    children: tuple[TocEntry, ...] = ()


@dataclass
class Report:
    year: int
    title: str  # "Rapport ODD 3 2023"
    commitment: list[str]  # the edition's paragraphs; empty without a public edition
    sections: list[Section]
    news: YearOverYear | None
    has_edition: bool  # an edition's texts are in the report
    edition_is_draft: bool  # … from an unpublished edition (staff preview)

    @property
    def has_data(self) -> bool:
        return any(not section.is_empty for section in self.sections)

    @property
    def exists(self) -> bool:
        """Whether the year has a report: published data, or an edition's texts."""
        return self.has_data or self.has_edition

    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.all_items()]

    def toc(self) -> list[TocEntry]:
        """The table of contents: the parts and their first-level groups or items."""
        entries = []
        for section in self.sections:
            children = [
                TocEntry(f"{entry.number}. {entry.title}", entry.anchor)
                for entry in [*section.items, *section.groups]
                if entry.anchor
            ]
            label = f"{section.letter}. {section.title}"
            entries.append(TocEntry(label, section.anchor, tuple(children)))
        if self.news is not None:
            entries.append(TocEntry(self.news.title, self.news.anchor))
        return entries


# -- Building it ---------------------------------------------------------------------------


def build_report(year: int, *, include_draft_edition: bool = False) -> Report:
    """The report of ``year`` from its published data, in the active language.

    ``include_draft_edition``: use the year's edition even if it is not published (the
    editorial team's preview); otherwise only a published edition's texts appear.
    """
    editions = ReportEdition.objects.filter(year__in=[year, year - 1]).prefetch_related(
        Prefetch("structure_order", queryset=ReportStructure.objects.order_by("order", "pk"))
    )
    if not include_draft_edition:
        editions = editions.published()
    by_year = {edition.year: edition for edition in editions}
    edition = by_year.get(year)
    order = [row.structure_id for row in edition.structure_order.all()] if edition else []

    programmes = list(Programme.objects.published().in_year(year))
    projects = list(
        ResearchProject.objects.published()
        .in_year(year)
        .prefetch_related(
            _structures(),
            Prefetch(
                "partnerships",
                queryset=ProjectPartner.objects.select_related("organisation"),
            ),
        )
    )
    theses = list(
        Thesis.objects.published()
        .in_year(year)
        .exclude(status=Thesis.Status.ABANDONED)
        .select_related("candidate")
        .prefetch_related(
            _structures(),
            Prefetch("supervisions", queryset=ThesisSupervisor.objects.select_related("person")),
        )
    )
    publications = list(
        Publication.objects.published()
        .in_year(year)
        .prefetch_related(
            _structures(),
            Prefetch("authorships", queryset=Authorship.objects.order_by("order", "pk")),
        )
    )
    initiatives = list(
        CampusInitiative.objects.published()
        .in_year(year)
        .select_related("provider")
        .prefetch_related("figures")
    )

    def intro(name):
        return paragraphs(getattr(edition, name)) if edition else []

    sections = [
        _training(programmes, intro("training_intro")),
        _research(projects, theses, publications, order, year, intro("research_intro")),
        _campus(initiatives, year, intro("campus_intro")),
    ]
    return Report(
        year=year,
        title=_("Rapport ODD 3 %(year)s") % {"year": year},
        commitment=paragraphs(edition.commitment) if edition else [],
        sections=sections,
        news=_year_over_year(year, projects, theses, publications, year - 1 in by_year),
        has_edition=edition is not None,
        edition_is_draft=edition is not None and not edition.is_published,
    )


def _structures():
    """An entry's structures with their parents (a team's laboratory), in one query."""
    return Prefetch("structures", queryset=Structure.objects.select_related("parent"))


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a text typed in a form or a data file: separated by a blank line; a
    single line break inside a paragraph is only wrapping."""
    blocks = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n"))
    return [" ".join(block.split()) for block in blocks if block.strip()]


def _anchor(number: str) -> str:
    return number.lower().replace(".", "-")


# A. Formation ------------------------------------------------------------------------------

PROGRAMME_KINDS = list(Programme.Kind.values)


def _training(programmes, intro) -> Section:
    section = Section(
        "training",
        "A",
        pgettext("part of the ODD 3 report", "Formation"),
        "formation",
        _("Aucune formation publiée pour cette année."),
        paragraphs=intro,
    )
    programmes.sort(key=lambda p: (PROGRAMME_KINDS.index(p.kind), p.title.lower()))
    for position, programme in enumerate(programmes, start=1):
        number = f"A.{position}"
        section.items.append(
            Item(
                "programme",
                programme.title,
                programme.get_absolute_url(),
                paragraphs=paragraphs(programme.summary),
                facts=[
                    Fact(_("Type :"), str(programme.get_kind_display())),
                    Fact(_("Période :"), str(programme.years_display)),
                ],
                number=number,
                anchor=_anchor(number),
            )
        )
    return section


# B. Recherche ------------------------------------------------------------------------------

# Which of an entry's structures places it in part B: the most specific.
UNIT_RANK = {
    Structure.Kind.TEAM: 0,
    Structure.Kind.LAB: 1,
    Structure.Kind.JOINT_UNIT: 2,
}
OTHER_RANK = len(UNIT_RANK)


class _Units:
    """Part B's groups: a laboratory and one of its teams, or a structure on its own."""

    def __init__(self, order):
        self.position = {pk: index for index, pk in enumerate(order)}
        self.units = {}  # key → {"lab", "team", "projects", "theses", "publications", …}

    def rank(self, structure):
        return (
            UNIT_RANK.get(structure.kind, OTHER_RANK),
            self.position.get(structure.pk, len(self.position)),
            str(structure).lower(),
        )

    def add(self, kind, entry, structures):
        structures = list(structures)
        best = min(structures, key=self.rank, default=None)
        if best is None:
            lab, team = None, None
        elif best.kind == Structure.Kind.TEAM and best.parent is not None:
            lab, team = best.parent, best
        else:
            lab, team = best, None
        key = (lab.pk if lab else None, team.pk if team else None)
        unit = self.units.setdefault(
            key,
            {"lab": lab, "team": team, "joint": {}, "project": [], "thesis": [], "publication": []},
        )
        unit[kind].append(entry)
        own = {key[0], key[1]}
        for structure in structures:
            if structure.kind == Structure.Kind.JOINT_UNIT and structure.pk not in own:
                unit["joint"][structure.pk] = structure

    def sort_key(self, unit):
        lab, team = unit["lab"], unit["team"]
        if lab is None:
            return (1, ())
        lab_key = (self.position.get(lab.pk, len(self.position)), str(lab).lower())
        team_key = (
            (0,)
            if team is None
            else (1, self.position.get(team.pk, len(self.position)), str(team).lower())
        )
        return (0, (lab_key, team_key))

    def ordered(self):
        return sorted(self.units.values(), key=self.sort_key)


def _research(projects, theses, publications, order, year, intro) -> Section:
    section = Section(
        "research",
        "B",
        pgettext("part of the ODD 3 report", "Recherche"),
        "recherche",
        _("Aucun travail de recherche publié pour cette année."),
        paragraphs=intro,
    )
    units = _Units(order)
    for project in projects:
        units.add("project", project, project.structures.all())
    for thesis in theses:
        units.add("thesis", thesis, thesis.structures.all())
    for publication in publications:
        units.add("publication", publication, publication.structures.all())

    for position, unit in enumerate(units.ordered(), start=1):
        number = f"B.{position}"
        group = Group(number, _unit_title(unit), _anchor(number))
        main = unit["team"] or unit["lab"]
        if main is not None:
            group.paragraphs = paragraphs(main.description)
            group.links = [
                Link(structure.full_name, structure.get_absolute_url())
                for structure in (unit["lab"], unit["team"])
                if structure is not None
            ]
        joint = sorted(unit["joint"].values(), key=units.rank)
        group.joint_units = [
            Presentation(s.full_name, s.get_absolute_url(), paragraphs(s.description))
            for s in joint
        ]
        parts = [
            (_("Projets de recherche"), [_project_item(p) for p in _by_acronym(unit["project"])]),
            (_("Thèses"), [_thesis_item(t, year) for t in _by_candidate(unit["thesis"])]),
            (
                _("Publications et communications"),
                [_publication_item(p) for p in _by_date(unit["publication"])],
            ),
        ]
        for title, items in parts:
            if items:
                sub = f"{number}.{len(group.groups) + 1}"
                group.groups.append(Group(sub, title, _anchor(sub), items=items))
        section.groups.append(group)
    return section


def _unit_title(unit):
    lab, team = unit["lab"], unit["team"]
    if lab is None:
        return _("Autres travaux de recherche")
    if team is None:
        return lab.name
    return _("%(lab)s, équipe %(team)s") % {"lab": lab.name, "team": team}


def _by_acronym(projects):
    return sorted(projects, key=lambda p: ((p.acronym or p.title).lower(), p.title.lower()))


def _by_candidate(theses):
    return sorted(
        theses,
        key=lambda t: (t.candidate.last_name.lower(), t.candidate.first_name.lower(), t.pk),
    )


def _by_date(publications):
    """Newest first within the year; a publication without a month last, then by title."""
    return sorted(publications, key=lambda p: (-(p.month or 0), p.title.lower()))


def _names(names: Iterable[str]) -> str:
    return ", ".join(names)


def _project_item(project) -> Item:
    facts = [Fact(_("Financement :"), str(project.funding_display))]
    if project.coordinated_by_school:
        facts.append(Fact(_("Coordination :"), "IMT Mines Alès"))
    partners = [
        str(p.organisation.acronym or p.organisation.name)
        for p in project.partnerships.all()
        if p.role != ProjectPartner.Role.FUNDER
    ]
    if partners:
        facts.append(Fact(_("Partenaires :"), _names(dict.fromkeys(partners))))
    facts.append(Fact(_("Période :"), str(project.years_display)))
    return Item(
        "project",
        project.display_title,
        project.get_absolute_url(),
        paragraphs=paragraphs(project.summary),
        facts=facts,
    )


def _thesis_item(thesis, year) -> Item:
    if thesis.status == Thesis.Status.DEFENDED:
        when = thesis.defence_date.year if thesis.defence_date else thesis.end_year
        status = _("soutenue en %(year)s") % {"year": when} if when else _("soutenue")
    else:
        status = _("en cours en %(year)s") % {"year": year}
    facts = [
        Fact(_("Doctorant·e :"), thesis.candidate.full_name),
        Fact(_("Statut :"), str(status)),
    ]
    supervisors = [supervision.person.full_name for supervision in thesis.supervisions.all()]
    if supervisors:
        facts.append(Fact(_("Encadrement :"), _names(supervisors)))
    return Item("thesis", thesis.title, thesis.get_absolute_url(), facts=facts)


def _sentence_end(text: str) -> str:
    """The full stop a part of a reference needs, unless it ends with its own."""
    return "" if text.rstrip().endswith((".", "?", "!")) else "."


def reference_of(publication) -> Reference:
    """The publication as a formatted reference (authors as written, in order)."""
    authors = [authorship.name for authorship in publication.authorships.all()]
    if publication.more_authors:
        authors.append(_("et al."))
    before = f"{_names(authors)}{_sentence_end(authors[-1])} " if authors else ""
    details = [publication.venue, str(publication.date_display), publication.place]
    if publication.pages:
        details.append(f"pp. {publication.pages}")
    details = ", ".join(part for part in details if part)
    after = f"{_sentence_end(publication.title)} {details}{_sentence_end(details)}"
    doi = publication.doi.strip()
    text = f"{before}{publication.title}{after}"
    if doi:
        text = f"{text} {_('DOI : %(doi)s') % {'doi': doi}}"
    return Reference(
        before=before,
        title=publication.title,
        after=after,
        doi=doi,
        doi_url=f"https://doi.org/{doi}" if doi else "",
        text=text,
    )


def _publication_item(publication) -> Item:
    return Item(
        "publication",
        publication.title,
        publication.get_absolute_url(),
        facts=[Fact(_("Type :"), str(publication.get_kind_display()))],
        reference=reference_of(publication),
    )


# C. Vie sur le campus ------------------------------------------------------------------------

Audience = CampusInitiative.Audience
Category = CampusInitiative.Category
CATEGORIES = list(Category.values)
AUDIENCES = [Audience.STUDENTS, Audience.STAFF, Audience.EVERYONE]


def _audience_title(audience):
    return {
        Audience.STUDENTS: _("Pour les élèves"),
        Audience.STAFF: _("Pour les personnels"),
        Audience.EVERYONE: _("Pour les élèves et les personnels"),
    }[audience]


def _campus(initiatives, year, intro) -> Section:
    section = Section(
        "campus",
        "C",
        pgettext("part of the ODD 3 report", "Vie sur le campus"),
        "campus",
        _("Aucune initiative de campus publiée pour cette année."),
        paragraphs=intro,
    )
    initiatives.sort(key=lambda i: (CATEGORIES.index(i.category), i.title.lower()))
    wellbeing = [i for i in initiatives if i.category != Category.SPORT]
    sport = [i for i in initiatives if i.category == Category.SPORT]

    if wellbeing:
        number = f"C.{len(section.groups) + 1}"
        group = Group(number, _("Accompagnement social et bien-être"), _anchor(number))
        for audience in AUDIENCES:
            items = [_initiative_item(i, year) for i in wellbeing if i.audience == audience]
            if items:
                sub = f"{number}.{len(group.groups) + 1}"
                group.groups.append(
                    Group(sub, _audience_title(audience), _anchor(sub), items=items)
                )
        section.groups.append(group)
    if sport:
        number = f"C.{len(section.groups) + 1}"
        items = [_initiative_item(i, year) for i in sport]
        section.groups.append(Group(number, _("Sport"), _anchor(number), items=items))
    return section


def _figure(figure, year) -> Figure:
    """The figure as the detail pages show it; its year when it is not the report's."""
    value = f"{figure.value_display} {figure.unit}".strip()
    label = str(figure.label)
    if figure.year and figure.year != year:
        label = f"{label} ({figure.year})"
    return Figure(value, label)


def _initiative_item(initiative, year) -> Item:
    facts = [
        Fact(_("Public :"), str(initiative.get_audience_display())),
        Fact(_("Catégorie :"), str(initiative.get_category_display())),
    ]
    if initiative.provider is not None:
        facts.append(Fact(_("Porté par :"), str(initiative.provider)))
    return Item(
        "initiative",
        initiative.title,
        initiative.get_absolute_url(),
        paragraphs=paragraphs(initiative.summary),
        facts=facts,
        figures=[_figure(figure, year) for figure in initiative.figures.all()],
    )


# What is new since the previous year ------------------------------------------------------


def _year_over_year(year, projects, theses, publications, previous_edition) -> YearOverYear | None:
    previous = year - 1
    before = {
        "projects": ResearchProject.objects.published().in_year(previous).count(),
        "theses": Thesis.objects.published()
        .in_year(previous)
        .exclude(status=Thesis.Status.ABANDONED)
        .count(),
        "publications": Publication.objects.published().in_year(previous).count(),
    }
    if not previous_edition and not any(before.values()):
        return None  # the previous year was not recorded: nothing to compare with

    def links(entries, title):
        return [Link(title(entry), entry.get_absolute_url()) for entry in entries]

    def defended_this_year(thesis):
        if thesis.status != Thesis.Status.DEFENDED:
            return False
        if thesis.defence_date is not None:
            return thesis.defence_date.year == year
        return thesis.end_year == year

    return YearOverYear(
        year=year,
        previous_year=previous,
        title=_("Nouveautés depuis %(year)s") % {"year": previous},
        anchor="nouveautes",
        new_projects=links(
            _by_acronym(p for p in projects if p.start_year == year), lambda p: p.display_title
        ),
        theses_started=links(
            _by_candidate(t for t in theses if t.start_year == year), _thesis_label
        ),
        theses_defended=links(_by_candidate(filter(defended_this_year, theses)), _thesis_label),
        comparisons=[
            Comparison(_("Projets de recherche"), before["projects"], len(projects)),
            Comparison(_("Thèses"), before["theses"], len(theses)),
            Comparison(_("Publications"), before["publications"], len(publications)),
        ],
    )


def _thesis_label(thesis):
    return _("%(candidate)s : %(title)s") % {
        "candidate": thesis.candidate.full_name,
        "title": thesis.title,
    }


# The years that have a report ----------------------------------------------------------------


@dataclass(frozen=True)
class YearEntry:
    """A year of the report index: how many published entries of each kind it holds."""

    year: int
    programmes: int
    projects: int
    theses: int
    publications: int
    initiatives: int
    has_edition: bool  # a published edition

    @property
    def total(self) -> int:
        return self.programmes + self.projects + self.theses + self.publications + self.initiatives

    def summary(self) -> str:
        """ "2 formations · 11 projets · …" in the active language, the kinds it has only."""
        counts = [
            (
                self.programmes,
                ngettext("%(count)d formation", "%(count)d formations", self.programmes),
            ),
            (self.projects, ngettext("%(count)d projet", "%(count)d projets", self.projects)),
            (self.theses, ngettext("%(count)d thèse", "%(count)d thèses", self.theses)),
            (
                self.publications,
                ngettext("%(count)d publication", "%(count)d publications", self.publications),
            ),
            (
                self.initiatives,
                ngettext(
                    "%(count)d initiative de campus",
                    "%(count)d initiatives de campus",
                    self.initiatives,
                ),
            ),
        ]
        return " · ".join(text % {"count": count} for count, text in counts if count)


def last_year() -> int:
    """The latest year a report may cover: the current one (a year not begun has none)."""
    return timezone.now().year


def is_report_year(year: int) -> bool:
    return MIN_YEAR <= year <= last_year()


def _spans(queryset, kind, start, end):
    """(kind, first year, last year, number of entries) of a queryset, grouped by years."""
    return (
        queryset.annotate(
            report_kind=Value(kind, output_field=CharField()),
            report_start=F(start),
            report_end=F(end),
        )
        .values_list("report_kind", "report_start", "report_end")
        .annotate(number=Count("pk"))
        .order_by()
    )


def report_years() -> list[YearEntry]:
    """Every year with a published edition or published data, newest first, with the
    number of entries of each kind the year's report holds, in one query.

    A running activity counts in every year from its start to its end, or to the current
    year when it has no end (as ``in_year`` and the lists' year filter count it).
    """
    spans = [
        _spans(Programme.objects.published(), "programmes", "start_year", "end_year"),
        _spans(ResearchProject.objects.published(), "projects", "start_year", "end_year"),
        _spans(
            Thesis.objects.published().exclude(status=Thesis.Status.ABANDONED),
            "theses",
            "start_year",
            "end_year",
        ),
        _spans(CampusInitiative.objects.published(), "initiatives", "start_year", "end_year"),
        _spans(Publication.objects.published(), "publications", "year", "year"),
        _spans(ReportEdition.objects.published(), "editions", "year", "year"),
    ]
    this_year = last_year()
    counts: dict[int, Counter] = defaultdict(Counter)
    for kind, start, end, number in spans[0].union(*spans[1:], all=True):
        for year in years_running(start, end, this_year):
            if MIN_YEAR <= year <= this_year:  # a year not begun has no report
                counts[year][kind] += number
    return [
        YearEntry(
            year=year,
            programmes=counts[year]["programmes"],
            projects=counts[year]["projects"],
            theses=counts[year]["theses"],
            publications=counts[year]["publications"],
            initiatives=counts[year]["initiatives"],
            has_edition=bool(counts[year]["editions"]),
        )
        for year in sorted(counts, reverse=True)
    ]
