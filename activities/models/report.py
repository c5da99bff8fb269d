"""The yearly ODD 3 report: what the school writes around the data of a year.

The report itself is built from the published activities of the year (activities.reports);
an edition adds the school's commitment, optional introductions of the three parts and the
order of the laboratories in part B, and says whether these texts are public.

An edition is written by publishers only (Éditeurs, Administrateurs): there is no review
step for it, so it is simply published or not (``is_published``) rather than going through
the activities' workflow, whose submit-for-review step and structure scopes have no use
here. The report of a year exists without an edition; the edition only adds its texts.
"""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import MAX_YEAR, MIN_YEAR, Ordered, TimeStampedModel, year_validators
from .reference import Structure


class ReportEditionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class ReportEdition(TimeStampedModel):
    year = models.PositiveSmallIntegerField(_("année"), unique=True, validators=year_validators)
    commitment = models.TextField(
        _("engagement de l'école"),
        help_text=_("Le texte qui ouvre le rapport. Séparez les paragraphes par une ligne vide."),
    )
    training_intro = models.TextField(_("introduction de la partie A (formation)"), blank=True)
    research_intro = models.TextField(_("introduction de la partie B (recherche)"), blank=True)
    campus_intro = models.TextField(
        _("introduction de la partie C (vie sur le campus)"), blank=True
    )
    is_published = models.BooleanField(
        _("publiée"),
        default=False,
        help_text=_(
            "Tant que l'édition n'est pas publiée, le rapport public de l'année est affiché "
            "sans ses textes ; l'équipe éditoriale les voit en aperçu."
        ),
    )
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True, editable=False)

    objects = ReportEditionQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("édition du rapport ODD 3")
        verbose_name_plural = _("éditions du rapport ODD 3")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=MIN_YEAR, year__lte=MAX_YEAR),
                name="reportedition_plausible_year",
            ),
        ]

    def __str__(self):
        return str(_("Rapport ODD 3 %(year)s") % {"year": self.year})

    def get_absolute_url(self):
        return reverse("activities:report-detail", kwargs={"year": self.year})

    def save(self, *args, **kwargs):
        # Public since when: set when the edition goes public, cleared when it is withdrawn.
        if self.is_published and self.published_at is None:
            self.published_at = timezone.now()
        elif not self.is_published:
            self.published_at = None
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "published_at"}
        super().save(*args, **kwargs)


class ReportStructure(Ordered):
    """The place of a structure in part B of an edition (the 2023 report: CERIS, C2MA,
    CREER). Structures not listed follow, in alphabetical order."""

    edition = models.ForeignKey(
        ReportEdition, on_delete=models.CASCADE, related_name="structure_order"
    )
    structure = models.ForeignKey(
        Structure,
        verbose_name=_("structure"),
        on_delete=models.CASCADE,
        related_name="report_positions",
    )

    class Meta(Ordered.Meta):
        verbose_name = _("structure de la partie B")
        verbose_name_plural = _("ordre des laboratoires et équipes dans la partie B")
        constraints = [
            models.UniqueConstraint(fields=["edition", "structure"], name="reportstructure_unique")
        ]

    def __str__(self):
        return f"{self.order}. {self.structure}"
