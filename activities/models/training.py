"""Training programmes (section A of the report)."""

from django.db import models
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import Activity, KeyFigure, Ordered, Period, PeriodQuerySet, publish_permission
from .reference import Organisation, SDGTarget, Structure


class ProgrammeQuerySet(PeriodQuerySet):
    def with_list_data(self):
        """What a result card shows: structures and targets (2 queries per page)."""
        return self.prefetch_related("structures", "targets")

    def with_detail_data(self):
        return self.prefetch_related(
            "structures",
            "targets",
            "specialities",
            "figures",
            Prefetch(
                "partnerships",
                queryset=ProgrammePartner.objects.select_related("organisation"),
            ),
        )


class Programme(Activity, Period):
    """A master track, a double degree, an engineering option…"""

    class Kind(models.TextChoices):
        MASTER_TRACK = "master_track", _("parcours de master")
        DOUBLE_DEGREE = "double_degree", _("double diplôme")
        ENGINEERING_OPTION = "engineering_option", _("option de la formation d'ingénieur")
        CONTINUING = "continuing", _("formation continue")
        OTHER = "other", _("autre formation")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    duration_months = models.PositiveSmallIntegerField(_("durée (mois)"), null=True, blank=True)
    url = models.URLField(_("page de la formation"), blank=True)
    structures = models.ManyToManyField(
        Structure, verbose_name=_("structures"), blank=True, related_name="programmes"
    )
    targets = models.ManyToManyField(
        SDGTarget, verbose_name=_("cibles de l'ODD 3"), blank=True, related_name="programmes"
    )
    partners = models.ManyToManyField(
        Organisation,
        through="ProgrammePartner",
        verbose_name=_("partenaires"),
        blank=True,
        related_name="programmes",
    )

    objects = ProgrammeQuerySet.as_manager()
    search_fields = (*Activity.search_fields, "specialities__name_fr", "specialities__name_en")
    search_organisations = ("partners",)

    class Meta:
        ordering = ["title"]
        verbose_name = _("formation")
        verbose_name_plural = _("formations")
        permissions = [publish_permission("programme", "formations")]
        constraints = Period.period_constraints("programme")
        indexes = [
            # Public lists: published() filtered by year, newest first.
            models.Index(fields=["state", "start_year", "end_year"], name="programme_list_idx"),
        ]

    def get_absolute_url(self):
        return reverse("activities:programme-detail", kwargs={"slug": self.slug})


class ProgrammePartner(Ordered):
    class Role(models.TextChoices):
        CO_ACCREDITATION = "co_accreditation", _("co-accréditation")
        ACADEMIC = "academic", _("partenaire académique")
        RESEARCH = "research", _("partenaire de recherche")
        INDUSTRY = "industry", _("partenaire industriel")
        LABEL = "label", _("labellisation")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="partnerships")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="programme_partnerships",
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)

    class Meta(Ordered.Meta):
        verbose_name = _("partenaire de la formation")
        verbose_name_plural = _("partenaires de la formation")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "organisation", "role"], name="programme_partner_unique"
            )
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_role_display()})"


class ProgrammeSpeciality(Ordered):
    """A speciality or professional field the programme opens onto."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="specialities")
    name = models.CharField(_("nom"), max_length=200)

    class Meta(Ordered.Meta):
        verbose_name = _("spécialité")
        verbose_name_plural = _("spécialités")

    def __str__(self):
        return self.name


class ProgrammeFigure(KeyFigure):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="figures")

    class Meta(KeyFigure.Meta):
        verbose_name = _("chiffre clé")
        verbose_name_plural = _("chiffres clés")
        constraints = KeyFigure.figure_constraints("programmefigure")
