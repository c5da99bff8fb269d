"""Research: projects, PhD theses and publications (section B of the report)."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import (
    Activity,
    ActivityQuerySet,
    Ordered,
    Period,
    PeriodQuerySet,
    publish_permission,
    year_validators,
)
from .reference import Organisation, Person, SDGTarget, Structure


class ResearchProjectQuerySet(PeriodQuerySet):
    def with_list_data(self):
        """What a result card shows: structures, targets and partners."""
        return self.prefetch_related(
            "structures",
            "targets",
            Prefetch(
                "partnerships", queryset=ProjectPartner.objects.select_related("organisation")
            ),
        )

    def with_detail_data(self):
        """The project with its partners, team, and its published theses and publications."""
        return self.with_list_data().prefetch_related(
            Prefetch("team", queryset=ProjectMember.objects.select_related("person")),
            Prefetch(
                "theses",
                queryset=Thesis.objects.published().select_related("candidate"),
            ),
            Prefetch(
                "publications",
                queryset=Publication.objects.published().prefetch_related("authorships"),
            ),
        )


class ResearchProject(Activity, Period):
    class Kind(models.TextChoices):
        """How the project is funded."""

        ANR = "anr", _("Agence nationale de la recherche (ANR)")
        EUROPE = "europe", _("programme européen")
        AGENCY = "agency", _("agence nationale (ADEME, ANSES…)")
        REGION = "region", _("financement régional")
        INDUSTRY = "industry", _("partenariat industriel")
        OTHER = "other", _("autre")

    class Status(models.TextChoices):
        PLANNED = "planned", _("à venir")
        ONGOING = "ongoing", _("en cours")
        COMPLETED = "completed", _("terminé")

    acronym = models.CharField(_("acronyme"), max_length=40, blank=True)
    kind = models.CharField(_("financement"), max_length=10, choices=Kind.choices)
    funding_scheme = models.CharField(
        _("dispositif de financement"),
        max_length=200,
        blank=True,
        help_text=_("Ex. : ANR, H2020, Stratégie régionale de l'innovation."),
    )
    reference = models.CharField(
        _("référence du financement"),
        max_length=60,
        blank=True,
        help_text=_(
            "Ex. : ANR-19-CE45-0015. Les importeurs s'en servent pour rattacher les "
            "publications au projet."
        ),
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.ONGOING
    )
    coordinated_by_school = models.BooleanField(_("coordonné par IMT Mines Alès"), default=False)
    outcomes = models.TextField(_("résultats"), blank=True)
    url = models.URLField(_("page du projet"), blank=True)
    structures = models.ManyToManyField(
        Structure, verbose_name=_("structures"), blank=True, related_name="projects"
    )
    targets = models.ManyToManyField(
        SDGTarget, verbose_name=_("cibles de l'ODD 3"), blank=True, related_name="projects"
    )
    partners = models.ManyToManyField(
        Organisation,
        through="ProjectPartner",
        verbose_name=_("partenaires"),
        blank=True,
        related_name="projects",
    )
    members = models.ManyToManyField(
        Person,
        through="ProjectMember",
        verbose_name=_("membres"),
        blank=True,
        related_name="projects",
    )

    objects = ResearchProjectQuerySet.as_manager()
    search_title_fields = ("acronym", *Activity.search_title_fields)
    search_fields = (
        *Activity.search_fields,
        "outcomes_fr",
        "outcomes_en",
        "funding_scheme",
        "reference",
    )
    search_people = ("members",)
    search_organisations = ("partners",)

    class Meta:
        ordering = ["acronym", "title"]
        verbose_name = _("projet de recherche")
        verbose_name_plural = _("projets de recherche")
        permissions = [publish_permission("researchproject", "projets de recherche")]
        constraints = Period.period_constraints("researchproject")
        indexes = [
            # Public list: published() filtered by year, kind and status.
            models.Index(fields=["state", "start_year", "end_year"], name="project_list_idx"),
            models.Index(fields=["kind", "status"], name="project_kind_status_idx"),
        ]

    def __str__(self):
        return self.acronym or self.title

    @property
    def display_title(self):
        if self.acronym and self.acronym.lower() not in self.title.lower():
            return f"{self.acronym} — {self.title}"
        return self.title

    @property
    def funding_display(self):
        """The kind of funding and its scheme, once: "Agence nationale de la recherche
        (ANR)", "agence nationale (ANSES)", "programme européen (Horizon 2020)"."""
        label = str(self.get_kind_display())
        scheme = self.funding_scheme.strip()
        if not scheme:
            return label
        base, _sep, examples = label.partition(" (")
        if scheme == examples.rstrip(")") or scheme == label:
            return label  # the label already names it
        return f"{base} ({scheme})"

    def get_absolute_url(self):
        return reverse("activities:project-detail", kwargs={"slug": self.slug})


class ProjectPartner(Ordered):
    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("coordinateur")
        PARTNER = "partner", _("partenaire")
        CLINICAL = "clinical", _("partenaire clinique")
        INDUSTRIAL = "industrial", _("partenaire industriel")
        FUNDER = "funder", _("financeur")
        TRANSFER = "transfer", _("valorisation et transfert")

    project = models.ForeignKey(
        ResearchProject, on_delete=models.CASCADE, related_name="partnerships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="project_partnerships",
    )
    role = models.CharField(_("rôle"), max_length=12, choices=Role.choices)

    class Meta(Ordered.Meta):
        verbose_name = _("partenaire du projet")
        verbose_name_plural = _("partenaires du projet")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation", "role"], name="project_partner_unique"
            )
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_role_display()})"


class ProjectMember(Ordered):
    class Role(models.TextChoices):
        LEAD = "lead", _("responsable scientifique")
        MEMBER = "member", _("membre")
        PHD_STUDENT = "phd_student", _("doctorant·e")

    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE, related_name="team")
    person = models.ForeignKey(
        Person,
        verbose_name=_("personne"),
        on_delete=models.PROTECT,
        related_name="project_memberships",
    )
    role = models.CharField(_("rôle"), max_length=12, choices=Role.choices, default=Role.MEMBER)

    class Meta(Ordered.Meta):
        verbose_name = _("membre du projet")
        verbose_name_plural = _("membres du projet")
        constraints = [
            models.UniqueConstraint(fields=["project", "person"], name="project_member_unique")
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()})"


nnt_validator = RegexValidator(
    r"^\d{4}[A-Z0-9]{4}[A-Z0-9]{4}$",
    _(
        "Un NNT s'écrit sur 12 caractères : l'année, le code de l'établissement, un numéro "
        "(ex. : 2023IMTA0012)."
    ),
)


class ThesisQuerySet(PeriodQuerySet):
    def with_list_data(self):
        """What a result card shows: candidate, supervisors, structures, targets."""
        return self.select_related("candidate").prefetch_related(
            "structures",
            "targets",
            Prefetch("supervisions", queryset=ThesisSupervisor.objects.select_related("person")),
        )

    def with_detail_data(self):
        return self.select_related("candidate", "doctoral_school", "project").prefetch_related(
            "structures",
            "targets",
            "partners",
            Prefetch(
                "supervisions",
                queryset=ThesisSupervisor.objects.select_related("person__affiliation"),
            ),
            Prefetch(
                "publications",
                queryset=Publication.objects.published().prefetch_related("authorships"),
            ),
        )


class Thesis(Activity, Period):
    class Status(models.TextChoices):
        ONGOING = "ongoing", _("en cours")
        DEFENDED = "defended", _("soutenue")
        ABANDONED = "abandoned", _("abandonnée")

    candidate = models.ForeignKey(
        Person,
        verbose_name=_("doctorant·e"),
        on_delete=models.PROTECT,
        related_name="theses_as_candidate",
    )
    supervisors = models.ManyToManyField(
        Person,
        through="ThesisSupervisor",
        verbose_name=_("encadrement"),
        blank=True,
        related_name="supervised_theses",
    )
    doctoral_school = models.ForeignKey(
        Organisation,
        verbose_name=_("école doctorale"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"kind": Organisation.Kind.DOCTORAL_SCHOOL},
        related_name="doctoral_theses",
    )
    project = models.ForeignKey(
        ResearchProject,
        verbose_name=_("projet"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="theses",
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.ONGOING
    )
    defence_date = models.DateField(_("date de soutenance"), null=True, blank=True)
    nnt = models.CharField(
        _("NNT"),
        max_length=12,
        blank=True,
        validators=[nnt_validator],
        help_text=_("Numéro national de thèse, attribué à la soutenance."),
    )
    structures = models.ManyToManyField(
        Structure, verbose_name=_("structures"), blank=True, related_name="theses"
    )
    targets = models.ManyToManyField(
        SDGTarget, verbose_name=_("cibles de l'ODD 3"), blank=True, related_name="theses"
    )
    partners = models.ManyToManyField(
        Organisation,
        verbose_name=_("établissements partenaires"),
        blank=True,
        related_name="theses",
    )

    objects = ThesisQuerySet.as_manager()
    search_fields = (*Activity.search_fields, "nnt")
    search_people = ("candidate", "supervisors")
    search_organisations = ("doctoral_school", "partners")

    class Meta:
        ordering = ["-start_year", "title"]
        verbose_name = _("thèse")
        verbose_name_plural = _("thèses")
        permissions = [publish_permission("thesis", "thèses")]
        constraints = [
            *Period.period_constraints("thesis"),
            models.UniqueConstraint(fields=["nnt"], condition=~Q(nnt=""), name="thesis_unique_nnt"),
            models.CheckConstraint(
                condition=Q(defence_date__isnull=True) | Q(status="defended"),
                name="thesis_defence_date_only_when_defended",
                violation_error_message=_("Seule une thèse soutenue a une date de soutenance."),
            ),
        ]
        indexes = [
            # Public list: published() filtered by year and status.
            models.Index(fields=["state", "start_year", "end_year"], name="thesis_list_idx"),
        ]

    def get_absolute_url(self):
        return reverse("activities:thesis-detail", kwargs={"slug": self.slug})


class ThesisSupervisor(Ordered):
    class Role(models.TextChoices):
        DIRECTOR = "director", _("direction")
        CO_DIRECTOR = "co_director", _("co-direction")
        SUPERVISOR = "supervisor", _("co-encadrement")

    thesis = models.ForeignKey(Thesis, on_delete=models.CASCADE, related_name="supervisions")
    person = models.ForeignKey(
        Person,
        verbose_name=_("personne"),
        on_delete=models.PROTECT,
        related_name="supervisions",
    )
    role = models.CharField(_("rôle"), max_length=12, choices=Role.choices, default=Role.DIRECTOR)

    class Meta(Ordered.Meta):
        verbose_name = _("encadrant·e")
        verbose_name_plural = _("encadrement")
        constraints = [
            models.UniqueConstraint(fields=["thesis", "person"], name="thesis_supervisor_unique")
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()})"


class PublicationQuerySet(ActivityQuerySet):
    def in_year(self, year):
        return self.filter(year=year)

    def years(self):
        return list(self.order_by("-year").values_list("year", flat=True).distinct())

    def with_list_data(self):
        """What a result card shows: authors in order, structures, targets."""
        return self.prefetch_related(
            Prefetch("authorships", queryset=Authorship.objects.select_related("person")),
            "structures",
            "targets",
        )

    def with_detail_data(self):
        return self.with_list_data().prefetch_related(
            Prefetch("projects", queryset=ResearchProject.objects.published()),
            Prefetch("theses", queryset=Thesis.objects.published().select_related("candidate")),
        )


class Publication(Activity):
    class Kind(models.TextChoices):
        JOURNAL_ARTICLE = "article", _("article de revue")
        CONFERENCE_PAPER = "conference", _("communication dans un congrès")
        POSTER = "poster", _("poster")
        BOOK_CHAPTER = "chapter", _("chapitre d'ouvrage")
        BOOK = "book", _("ouvrage")
        REPORT = "report", _("rapport")
        OTHER = "other", _("autre publication")

    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    venue = models.CharField(_("revue ou congrès"), max_length=400, blank=True)
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("année"), validators=year_validators)
    month = models.PositiveSmallIntegerField(_("mois"), null=True, blank=True)
    pages = models.CharField(_("pages"), max_length=40, blank=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    hal_id = models.CharField(_("identifiant HAL"), max_length=40, blank=True)
    url = models.URLField(_("lien"), blank=True)
    more_authors = models.BooleanField(
        _("autres auteurs non listés"),
        default=False,
        help_text=_("Cocher quand la liste des auteurs est abrégée (« et al. »)."),
    )
    projects = models.ManyToManyField(
        ResearchProject, verbose_name=_("projets"), blank=True, related_name="publications"
    )
    theses = models.ManyToManyField(
        Thesis, verbose_name=_("thèses"), blank=True, related_name="publications"
    )
    structures = models.ManyToManyField(
        Structure, verbose_name=_("structures"), blank=True, related_name="publications"
    )
    targets = models.ManyToManyField(
        SDGTarget, verbose_name=_("cibles de l'ODD 3"), blank=True, related_name="publications"
    )
    people = models.ManyToManyField(
        Person,
        through="Authorship",
        verbose_name=_("auteurs"),
        blank=True,
        related_name="publications",
    )

    objects = PublicationQuerySet.as_manager()
    # Authors as written, and the people they are linked to (renamed since, perhaps).
    search_fields = (*Activity.search_fields, "venue", "doi", "hal_id", "authorships__name")
    search_people = ("authorships__person",)

    class Meta:
        ordering = ["-year", "-month", "title"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        permissions = [publish_permission("publication", "publications")]
        constraints = [
            # Importers reconcile on DOI and HAL id: each names one publication.
            models.UniqueConstraint(fields=["doi"], condition=~Q(doi=""), name="publication_doi"),
            models.UniqueConstraint(
                fields=["hal_id"], condition=~Q(hal_id=""), name="publication_hal_id"
            ),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12),
                name="publication_month_valid",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1900, year__lte=2100), name="publication_plausible_year"
            ),
        ]
        indexes = [
            # Public list: published() by year, newest first; kind filter.
            models.Index(fields=["state", "year"], name="publication_list_idx"),
            models.Index(fields=["kind", "year"], name="publication_kind_idx"),
        ]

    def get_absolute_url(self):
        return reverse("activities:publication-detail", kwargs={"slug": self.slug})

    @property
    def date_display(self):
        if self.month:
            from django.utils.dates import MONTHS

            return f"{MONTHS[self.month]} {self.year}"
        return str(self.year)


class Authorship(Ordered):
    """One author of a publication, in order; linked to a Person when known."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="authorships"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("personne"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authorships",
    )
    name = models.CharField(
        _("nom tel qu'écrit"),
        max_length=200,
        help_text=_("Le nom tel qu'il figure sur la publication."),
    )

    class Meta(Ordered.Meta):
        verbose_name = _("auteur")
        verbose_name_plural = _("auteurs")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "order"], name="authorship_unique_position"
            )
        ]

    def __str__(self):
        return self.name
