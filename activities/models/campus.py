"""Campus initiatives for students' and staff's health and well-being (section C)."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import Activity, KeyFigure, Period, PeriodQuerySet, publish_permission
from .reference import Organisation, SDGTarget, Structure


class CampusInitiativeQuerySet(PeriodQuerySet):
    def with_list_data(self):
        """What a result card shows: provider, structures and targets."""
        return self.select_related("provider").prefetch_related("structures", "targets")

    def with_detail_data(self):
        return self.select_related("provider").prefetch_related(
            "structures", "targets", "partners", "figures"
        )


class CampusInitiative(Activity, Period):
    class Audience(models.TextChoices):
        STUDENTS = "students", _("élèves")
        STAFF = "staff", _("personnels")
        EVERYONE = "everyone", _("élèves et personnels")

    class Category(models.TextChoices):
        SOCIAL_SUPPORT = "social_support", _("accompagnement social")
        MENTAL_HEALTH = "mental_health", _("santé mentale")
        PREVENTION = "prevention", _("prévention")
        SPORT = "sport", _("sport")
        CATERING = "catering", _("restauration")
        WORKING_LIFE = "working_life", _("qualité de vie au travail")
        COMMUNITY = "community", _("vie associative")

    audience = models.CharField(_("public"), max_length=10, choices=Audience.choices)
    category = models.CharField(_("catégorie"), max_length=16, choices=Category.choices)
    provider = models.ForeignKey(
        Organisation,
        verbose_name=_("prestataire ou porteur"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provided_initiatives",
    )
    url = models.URLField(_("page web"), blank=True)
    structures = models.ManyToManyField(
        Structure, verbose_name=_("structures"), blank=True, related_name="campus_initiatives"
    )
    targets = models.ManyToManyField(
        SDGTarget,
        verbose_name=_("cibles de l'ODD 3"),
        blank=True,
        related_name="campus_initiatives",
    )
    partners = models.ManyToManyField(
        Organisation,
        verbose_name=_("partenaires"),
        blank=True,
        related_name="campus_initiatives",
    )

    objects = CampusInitiativeQuerySet.as_manager()
    search_organisations = ("provider", "partners")

    class Meta:
        ordering = ["title"]
        verbose_name = _("initiative de campus")
        verbose_name_plural = _("initiatives de campus")
        permissions = [publish_permission("campusinitiative", "initiatives de campus")]
        constraints = Period.period_constraints("campusinitiative")
        indexes = [
            # Public list: published() filtered by year and category.
            models.Index(fields=["state", "start_year", "end_year"], name="campus_list_idx"),
            models.Index(fields=["category", "audience"], name="campus_category_idx"),
        ]

    def get_absolute_url(self):
        return reverse("activities:campus-detail", kwargs={"slug": self.slug})


class InitiativeFigure(KeyFigure):
    initiative = models.ForeignKey(
        CampusInitiative, on_delete=models.CASCADE, related_name="figures"
    )

    class Meta(KeyFigure.Meta):
        verbose_name = _("chiffre clé")
        verbose_name_plural = _("chiffres clés")
        constraints = KeyFigure.figure_constraints("initiativefigure")
