"""The evidence for THE Impact Rankings' SDG 3: which published entries answer each metric.

The metrics, their names and their numbering follow what Times Higher Education publishes:

- "Impact Rankings 2022: good health and well-being (SDG 3) methodology",
  https://www.timeshighereducation.com/impact-rankings-2022-good-health-and-well-being-sdg-3-methodology
  (the same three parts since 2019): research on health and well-being (27 %, computed by
  THE from Elsevier's Scopus), proportion of health graduates (34.6 %, supplied by the
  university), collaborations and health services (38.4 %: smoke-free policy 8 %,
  collaborations with local, national or global health institutions 7 %, outreach
  programmes in the local community 7 %, access to sexual and reproductive health-care
  services, mental health support, shared sports facilities);
- the numbering of the seven "collaborations and health services" indicators, 3.3.1 to
  3.3.7, as a university transcribes THE's list (University of the Sunshine Coast,
  "Target 3.3", https://edittest.usc.edu.au/uniscs-commitment-to-the-united-nations-
  sustainable-development-goals/sdg-3-good-health-and-well-being/target-33): 3.3.1
  current collaborations with health institutions, 3.3.2 health outreach programmes,
  3.3.3 shared sports facilities, 3.3.4 sexual and reproductive health-care services for
  students (information and education included), 3.3.5 mental health support for
  students, 3.3.6 smoke-free policy, 3.3.7 mental health support for staff.
  THE revises its methodology guide every year: check the numbering against the guide of
  the edition you submit to, and change it here (``METRICS``), in one place.

Each metric says, as data, which published entries are its evidence for a year: a
condition per kind of activity (``Metric.rules``), applied to the entries of that kind
that are published and belong to the year (``published_in``: a publication of that year,
any other entry running during it). A condition never joins a to-many relation in the
outer query (``having`` wraps it in EXISTS), so an entry is listed once, and all the
metrics of one kind are answered by one query (``collect``). Where the data can only
approximate what THE asks, the metric says so (``approximate`` and its description, both
shown on the page and in the export).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from functools import reduce
from operator import or_

from django.db.models import BooleanField, Exists, ExpressionWrapper, Model, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import (
    CampusInitiative,
    InitiativeFigure,
    Organisation,
    Programme,
    ProgrammeFigure,
    ProgrammePartner,
    ProjectPartner,
    Publication,
    ResearchProject,
    Thesis,
    ThesisSupervisor,
)

# The kinds of activity, in the order a metric lists its evidence.
MODELS = (Programme, ResearchProject, Thesis, Publication, CampusInitiative)

HEALTH = Organisation.Kind.HOSPITAL
Audience = CampusInitiative.Audience
Category = CampusInitiative.Category
FOR_STUDENTS = (Audience.STUDENTS, Audience.EVERYONE)
FOR_STAFF = (Audience.STAFF, Audience.EVERYONE)
# Organisations that stand for the local community: a town, a public body, a club or a
# charity. (Whether an association is the school's own, like its sports office, the
# data does not say: the metrics that use this are approximations.)
COMMUNITY = (Organisation.Kind.PUBLIC_BODY, Organisation.Kind.ASSOCIATION)

Condition = Callable[[], Q | Exists]


def having(model: type[Model], **lookups) -> Exists:
    """The row has related rows matching ``lookups`` (across to-many relations), as an
    EXISTS subquery: no join in the outer query, so no row is listed twice."""
    return Exists(model._base_manager.filter(pk=OuterRef("pk"), **lookups))


def every_entry() -> Q:
    return Q(pk__isnull=False)


def published_in(model: type[Model], year: int):
    """The published entries of a year: a publication of that year; any other entry
    running during it (started by then, not ended before)."""
    return model.objects.published().in_year(year)


@dataclasses.dataclass(frozen=True)
class Metric:
    code: str  # THE's number: "3.3.1"
    title: Promise  # French source string
    source_title: str  # the metric's name as THE writes it (English)
    description: Promise  # the rule in plain words, and what it cannot say
    rules: Mapping[type[Model], Condition]  # kind of activity → condition on its rows
    approximate: bool = False  # the data only approximates what THE asks

    @property
    def anchor(self) -> str:
        return "indicateur-" + self.code.replace(".", "-")

    def queryset(self, model: type[Model], year: int):
        """This metric's evidence among the entries of one kind, for a year."""
        return published_in(model, year).filter(self.rules[model]())


METRICS = (
    Metric(
        code="3.1",
        title=gettext_lazy("Recherche sur la santé et le bien-être"),
        source_title="Research on health and well-being",
        description=gettext_lazy(
            "Les publications de l'année. THE calcule cet indicateur lui-même à partir de "
            "Scopus (articles liés à l'ODD 3 sur cinq ans, leurs consultations, leurs "
            "citations dans des recommandations cliniques) : cette liste sert à vérifier que "
            "les travaux de l'école y sont bien rattachés (DOI), pas à les déclarer."
        ),
        rules={Publication: every_entry},
        approximate=True,
    ),
    Metric(
        code="3.2",
        title=gettext_lazy("Proportion de diplômés dans les métiers de la santé"),
        source_title="Proportion of health graduates",
        description=gettext_lazy(
            "Les formations en cours pendant l'année, avec leurs chiffres clés de l'année "
            "(ou sans année). THE demande la part des diplômés de l'année qui préparent un "
            "métier de la santé parmi tous les diplômés de l'établissement : le portail ne "
            "tient pas le nombre de diplômés, qui vient de la scolarité."
        ),
        rules={Programme: every_entry},
        approximate=True,
    ),
    Metric(
        code="3.3.1",
        title=gettext_lazy(
            "Collaborations avec des établissements de santé locaux, nationaux ou internationaux"
        ),
        source_title="Current collaborations with health institutions",
        description=gettext_lazy(
            "Les formations, projets, thèses et initiatives de campus en cours pendant "
            "l'année qui ont pour partenaire un établissement de santé : une organisation "
            "du type « établissement de santé » (partenaire, prestataire, ou établissement "
            "d'un·e encadrant·e de thèse), ou le partenaire clinique d'un projet. Un "
            "organisme de recherche en santé (Inserm, EFS…) ne compte que si son type est "
            "« établissement de santé ». Les cibles de l'ODD 3 d'une fiche disent à quoi "
            "elle contribue, pas avec qui : elles ne suffisent pas."
        ),
        rules={
            Programme: lambda: having(Programme, partners__kind=HEALTH),
            ResearchProject: lambda: (
                having(ResearchProject, partnerships__organisation__kind=HEALTH)
                | having(ResearchProject, partnerships__role=ProjectPartner.Role.CLINICAL)
            ),
            Thesis: lambda: (
                having(Thesis, partners__kind=HEALTH)
                | having(Thesis, supervisors__affiliation__kind=HEALTH)
            ),
            CampusInitiative: lambda: (
                having(CampusInitiative, partners__kind=HEALTH)
                | having(CampusInitiative, provider__kind=HEALTH)
            ),
        },
    ),
    Metric(
        code="3.3.2",
        title=gettext_lazy("Actions de santé auprès de la population locale"),
        source_title="Health outreach programmes",
        description=gettext_lazy(
            "THE demande des actions de santé menées auprès de la population locale "
            "(hygiène, nutrition, planning familial, sport, bien vieillir…). Le portail "
            "n'enregistre pas si une initiative s'adresse à des personnes extérieures à "
            "l'école : sont listées, à vérifier une à une, les initiatives de prévention ou "
            "de vie associative qui ne visent pas que les personnels et sont menées avec un "
            "organisme public, une association ou un établissement de santé partenaire."
        ),
        rules={
            CampusInitiative: lambda: (
                Q(category__in=(Category.PREVENTION, Category.COMMUNITY))
                & ~Q(audience=Audience.STAFF)
                & having(CampusInitiative, partners__kind__in=(*COMMUNITY, HEALTH))
            ),
        },
        approximate=True,
    ),
    Metric(
        code="3.3.3",
        title=gettext_lazy("Installations sportives partagées avec la population locale"),
        source_title="Shared sports facilities",
        description=gettext_lazy(
            "THE demande si l'école ouvre ses installations sportives à la population "
            "locale (écoles, clubs, habitants). Le portail n'enregistre pas les "
            "installations : sont listées, à vérifier une à une, les initiatives sportives "
            "menées avec un organisme public ou une association partenaire."
        ),
        rules={
            CampusInitiative: lambda: (
                Q(category=Category.SPORT) & having(CampusInitiative, partners__kind__in=COMMUNITY)
            ),
        },
        approximate=True,
    ),
    Metric(
        code="3.3.4",
        title=gettext_lazy("Services de santé sexuelle et reproductive pour les élèves"),
        source_title="Sexual and reproductive health-care services for students",
        description=gettext_lazy(
            "Les initiatives de campus destinées aux élèves (ou aux élèves et aux "
            "personnels) qui portent la cible 3.7 (santé sexuelle et reproductive, "
            "information et éducation comprises). THE demande aussi si ces services sont "
            "gratuits : la fiche doit le dire."
        ),
        rules={
            CampusInitiative: lambda: (
                Q(audience__in=FOR_STUDENTS) & having(CampusInitiative, targets__code="3.7")
            ),
        },
    ),
    Metric(
        code="3.3.5",
        title=gettext_lazy("Soutien en santé mentale pour les élèves"),
        source_title="Mental health support for students",
        description=gettext_lazy(
            "Les initiatives de campus de la catégorie « santé mentale » destinées aux "
            "élèves (ou aux élèves et aux personnels). La prévention des risques "
            "psychosociaux a sa propre catégorie et n'y figure pas."
        ),
        rules={
            CampusInitiative: lambda: Q(category=Category.MENTAL_HEALTH, audience__in=FOR_STUDENTS),
        },
    ),
    Metric(
        code="3.3.6",
        title=gettext_lazy("Politique sans tabac"),
        source_title="Smoke-free policy",
        description=gettext_lazy(
            "Les initiatives de campus qui portent la cible 3.a (lutte antitabac) : une "
            "politique « campus sans tabac » figure ici une fois saisie comme initiative de "
            "campus avec cette cible."
        ),
        rules={CampusInitiative: lambda: having(CampusInitiative, targets__code="3.a")},
    ),
    Metric(
        code="3.3.7",
        title=gettext_lazy("Soutien en santé mentale pour les personnels"),
        source_title="Mental health support for staff",
        description=gettext_lazy(
            "Les initiatives de campus de la catégorie « santé mentale » destinées aux "
            "personnels (ou aux élèves et aux personnels). La prévention des risques "
            "psychosociaux a sa propre catégorie et n'y figure pas."
        ),
        rules={
            CampusInitiative: lambda: Q(category=Category.MENTAL_HEALTH, audience__in=FOR_STAFF),
        },
    ),
)


# Years ---------------------------------------------------------------------------------


def years_with_data() -> list[int]:
    """Every year with at least one published entry, newest first (one query a kind)."""
    years = set()
    for model in MODELS:
        years.update(model.objects.published().years())
    return sorted(years, reverse=True)


def default_year(years: list[int]) -> int:
    """The last complete year with data; last year when there is none."""
    this_year = timezone.localdate().year
    return next((year for year in years if year < this_year), this_year - 1)


# What a row shows ----------------------------------------------------------------------


@dataclasses.dataclass
class Entry:
    """One published entry as evidence: what the page and the export show of it."""

    obj: Model
    kind: str
    title: str
    period: str
    structures: list[str]
    targets: list[str]
    details: list[tuple[str, str]]  # (label, text)
    health_institutions: list[str]

    @property
    def detail_lines(self) -> list[str]:
        """The details as "label : text" lines."""
        return [
            _("%(label)s : %(text)s") % {"label": label, "text": text}
            for label, text in self.details
        ]

    @property
    def url(self) -> str:
        return self.obj.get_absolute_url()

    @property
    def admin_url(self) -> str:
        meta = self.obj._meta
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[self.obj.pk])


def _figures_of(year):
    """A key figure of the year, or one that gives no year."""
    return Q(year__isnull=True) | Q(year=year)


# Per kind: the relations a row shows, prefetched once for all the rows of the kind.
DISPLAY = {
    Programme: lambda qs, year: qs.prefetch_related(
        "structures",
        "targets",
        Prefetch("partnerships", ProgrammePartner.objects.select_related("organisation")),
        Prefetch("figures", ProgrammeFigure.objects.filter(_figures_of(year))),
    ),
    ResearchProject: lambda qs, year: qs.prefetch_related(
        "structures",
        "targets",
        Prefetch("partnerships", ProjectPartner.objects.select_related("organisation")),
    ),
    Thesis: lambda qs, year: qs.select_related("candidate").prefetch_related(
        "structures",
        "targets",
        "partners",
        Prefetch("supervisions", ThesisSupervisor.objects.select_related("person__affiliation")),
    ),
    Publication: lambda qs, year: qs.prefetch_related("structures", "targets", "authorships"),
    CampusInitiative: lambda qs, year: qs.select_related("provider").prefetch_related(
        "structures",
        "targets",
        "partners",
        Prefetch("figures", InitiativeFigure.objects.filter(_figures_of(year))),
    ),
}


def _joined(values) -> str:
    return ", ".join(str(value) for value in values)


def _details(obj) -> list[tuple[str, str]]:
    """(label, text) pairs: what tells a reader why the entry is evidence."""
    pairs = []
    if isinstance(obj, Programme):
        pairs.append((_("Type"), obj.get_kind_display()))
        partners = dict.fromkeys(str(p.organisation) for p in obj.partnerships.all())
        pairs.append((_("Partenaires"), _joined(partners)))
        pairs.append((_("Chiffres clés"), _joined(obj.figures.all())))
    elif isinstance(obj, ResearchProject):
        pairs.append((_("Financement"), obj.funding_display))
        pairs.append((_("Partenaires"), _joined(obj.partnerships.all())))
    elif isinstance(obj, Thesis):
        pairs.append((_("Doctorant·e"), obj.candidate.full_name))
        pairs.append((_("Statut"), obj.get_status_display()))
        pairs.append((_("Encadrement"), _joined(s.person for s in obj.supervisions.all())))
        pairs.append((_("Partenaires"), _joined(obj.partners.all())))
    elif isinstance(obj, Publication):
        authors = [authorship.name for authorship in obj.authorships.all()]
        if obj.more_authors:
            authors.append(_("et al."))
        pairs.append((_("Auteurs"), _joined(authors)))
        pairs.append((_("Revue ou congrès"), obj.venue))
        pairs.append((_("DOI"), obj.doi))
    elif isinstance(obj, CampusInitiative):
        pairs.append((_("Catégorie"), obj.get_category_display()))
        pairs.append((_("Public"), obj.get_audience_display()))
        pairs.append((_("Prestataire ou porteur"), str(obj.provider or "")))
        pairs.append((_("Partenaires"), _joined(obj.partners.all())))
        pairs.append((_("Chiffres clés"), _joined(obj.figures.all())))
    return [(label, str(text)) for label, text in pairs if text]


def _health_institutions(obj) -> list[str]:
    """The health establishments the entry works with (metric 3.3.1's reason)."""
    found = []
    if isinstance(obj, Programme):
        found += [p.organisation for p in obj.partnerships.all() if p.organisation.kind == HEALTH]
    elif isinstance(obj, ResearchProject):
        found += [
            p.organisation
            for p in obj.partnerships.all()
            if p.organisation.kind == HEALTH or p.role == ProjectPartner.Role.CLINICAL
        ]
    elif isinstance(obj, Thesis):
        found += [org for org in obj.partners.all() if org.kind == HEALTH]
        found += [
            s.person.affiliation
            for s in obj.supervisions.all()
            if s.person.affiliation is not None and s.person.affiliation.kind == HEALTH
        ]
    elif isinstance(obj, CampusInitiative):
        found += [org for org in obj.partners.all() if org.kind == HEALTH]
        if obj.provider is not None and obj.provider.kind == HEALTH:
            found.append(obj.provider)
    return list(dict.fromkeys(str(org) for org in found))


def _entry(obj) -> Entry:
    period = obj.date_display if isinstance(obj, Publication) else obj.years_display
    return Entry(
        obj=obj,
        kind=capfirst(obj._meta.verbose_name),
        title=getattr(obj, "display_title", obj.title),
        period=str(period),
        structures=[s.acronym or s.name for s in obj.structures.all()],
        targets=[target.code for target in obj.targets.all()],
        details=_details(obj),
        health_institutions=_health_institutions(obj),
    )


# Collecting ----------------------------------------------------------------------------


@dataclasses.dataclass
class MetricEvidence:
    metric: Metric
    entries: list[Entry]

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def has_evidence(self) -> bool:
        return bool(self.entries)


@dataclasses.dataclass
class Evidence:
    year: int
    metrics: list[MetricEvidence]

    @property
    def missing(self) -> list[MetricEvidence]:
        """The metrics with no evidence for the year."""
        return [item for item in self.metrics if not item.has_evidence]


def collect(year: int, metrics=METRICS) -> Evidence:
    """Every metric's evidence for the year, in a fixed number of queries: per kind of
    activity, one query for the entries that are evidence of any metric (each metric's
    condition annotated as a flag), and one per relation a row shows."""
    found = {metric.code: [] for metric in metrics}
    for model in MODELS:
        concerned = [metric for metric in metrics if model in metric.rules]
        if not concerned:
            continue
        flags = {
            f"evidence_{index}": ExpressionWrapper(
                metric.rules[model](), output_field=BooleanField()
            )
            for index, metric in enumerate(concerned)
        }
        queryset = (
            published_in(model, year)
            .annotate(**flags)
            .filter(reduce(or_, (Q(**{flag: True}) for flag in flags)))
        )
        for obj in DISPLAY[model](queryset, year):
            entry = _entry(obj)
            for index, metric in enumerate(concerned):
                if getattr(obj, f"evidence_{index}"):
                    found[metric.code].append(entry)
    return Evidence(
        year=year,
        metrics=[MetricEvidence(metric, found[metric.code]) for metric in metrics],
    )
