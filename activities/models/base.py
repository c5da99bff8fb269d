"""What every model of the portal shares: timestamps, the publication state, years."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Plausible years for an activity of the school (founded in 1843; reports from 2023 on).
MIN_YEAR = 1900
MAX_YEAR = 2100
year_validators = [MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]


class TimeStampedModel(models.Model):
    """Timestamps, and a version number that refuses lost updates.

    ``version`` goes up by one at every save; a form that was opened at version N can
    only save while the row is still at version N (see ``activities.admin.mixins``).
    """

    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            self.version = (self.version or 0) + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)


class State(models.TextChoices):
    """Where an entry stands in the editorial workflow (activities.workflow).

    draft → submitted for review → published (→ unpublished). The public sees only
    PUBLISHED entries.
    """

    DRAFT = "draft", _("brouillon")
    SUBMITTED = "submitted", _("soumis pour relecture")
    PUBLISHED = "published", _("publié")
    UNPUBLISHED = "unpublished", _("dépublié")


class ActivityQuerySet(models.QuerySet):
    """Reads shared by every kind of activity; every public query starts from published()."""

    def published(self):
        return self.filter(state=State.PUBLISHED)

    def having(self, *conditions, **lookups):
        """Rows matching conditions across to-many relations, without duplicates or DISTINCT."""
        matching = self.model._base_manager.filter(*conditions, **lookups)
        return self.filter(pk__in=matching.values("pk"))

    def for_structures(self, structure_ids):
        return self.having(structures__in=structure_ids)

    def for_structure(self, structure):
        """Entries of a structure and of every structure below it (a lab and its teams)."""
        return self.for_structures(structure.descendant_ids())

    def for_target(self, target):
        return self.having(targets=target)

    def search(self, text):
        """Entries matching every word of ``text``, best first (see activities.search):
        full text on PostgreSQL, words in the stored search document elsewhere."""
        from ..search import search_queryset

        return search_queryset(self, text)

    def to_review(self):
        return self.filter(state=State.SUBMITTED).order_by("submitted_at")


def years_running(start, end, this_year):
    """The years an activity from ``start`` to ``end`` ran. Without an end it is still
    running: up to this year, or its start year when that is later."""
    return range(start, (end if end is not None else max(this_year, start)) + 1)


class PeriodQuerySet(ActivityQuerySet):
    """Activities that run over a span of years (end_year empty: still running)."""

    def in_year(self, year):
        return self.filter(start_year__lte=year).filter(
            Q(end_year__gte=year) | Q(end_year__isnull=True)
        )

    def years(self):
        """Every year in which at least one of these activities ran, newest first."""
        this_year = timezone.now().year
        years = set()
        for start, end in self.values_list("start_year", "end_year").distinct():
            years.update(years_running(start, end, this_year))
        return sorted(years, reverse=True)


def publish_permission(model_name, plural):
    """The custom permission that lets a publisher publish and unpublish entries.

    Permission names are stored as written (Django does not translate them).
    """
    return (f"publish_{model_name}", f"Peut publier et dépublier des {plural}")


class Activity(TimeStampedModel):
    """Fields common to programmes, projects, theses, publications and campus initiatives.

    Each concrete model declares its own ``structures`` and ``targets`` relations so
    that their reverse names read well (``structure.theses``), and says what its search
    document holds (activities.search): ``search_title_fields``, ranked first;
    ``search_fields``, its other texts (a path may cross a relation); and the relations
    to the people, organisations and structures whose names it holds.
    """

    State = State

    title = models.CharField(_("titre"), max_length=400)
    summary = models.TextField(_("résumé"), blank=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=140, unique=True)
    state = models.CharField(_("état"), max_length=12, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(
        _("soumis pour relecture le"), null=True, blank=True, editable=False
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("soumis par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("publié par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    # The search document, normalised (lowercase, no accents, no punctuation) and kept up
    # to date by activities.search: titles and acronym, then everything else it holds.
    search_title = models.TextField(_("titre pour la recherche"), default="", editable=False)
    search_text = models.TextField(_("texte pour la recherche"), default="", editable=False)

    search_title_fields = ("title_fr", "title_en")
    search_fields = ("summary_fr", "summary_en")
    search_people = ()
    search_organisations = ()
    search_structures = ("structures",)

    class Meta:
        abstract = True

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.state == State.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def is_published(self):
        return self.state == State.PUBLISHED


class Period(models.Model):
    """The years an activity covers; an empty end year means it is still running."""

    start_year = models.PositiveSmallIntegerField(_("année de début"), validators=year_validators)
    end_year = models.PositiveSmallIntegerField(
        _("année de fin"),
        null=True,
        blank=True,
        validators=year_validators,
        help_text=_("Laisser vide si l'activité est en cours."),
    )

    class Meta:
        abstract = True

    @classmethod
    def period_constraints(cls, name):
        """End after start, and both plausible: the database refuses anything else."""
        return [
            models.CheckConstraint(
                condition=Q(end_year__isnull=True) | Q(end_year__gte=models.F("start_year")),
                name=f"{name}_end_after_start",
                violation_error_message=_("L'année de fin précède l'année de début."),
            ),
            models.CheckConstraint(
                condition=Q(start_year__gte=MIN_YEAR, start_year__lte=MAX_YEAR),
                name=f"{name}_plausible_start_year",
            ),
        ]

    @property
    def years_display(self):
        if self.end_year is None:
            return _("depuis %(year)s") % {"year": self.start_year}
        if self.end_year == self.start_year:
            return str(self.start_year)
        return f"{self.start_year}–{self.end_year}"


class Ordered(models.Model):
    """A row of an ordered list (authors, supervisors, partners…)."""

    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]


class KeyFigure(Ordered):
    """A figure with its unit, as the report gives it: "environ 65 000 € par an"."""

    class Qualifier(models.TextChoices):
        EXACT = "exact", _("exactement")
        ABOUT = "about", _("environ")
        MORE_THAN = "more_than", _("plus de")

    qualifier = models.CharField(
        _("précision"), max_length=10, choices=Qualifier.choices, default=Qualifier.EXACT
    )
    value = models.DecimalField(_("valeur"), max_digits=14, decimal_places=2)
    value_max = models.DecimalField(
        _("valeur haute"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Pour une fourchette (« de 1 à 3 entraînements par semaine »)."),
    )
    unit = models.CharField(_("unité"), max_length=60, blank=True)
    label = models.CharField(_("libellé"), max_length=250)
    year = models.PositiveSmallIntegerField(
        _("année"), null=True, blank=True, validators=year_validators
    )

    class Meta(Ordered.Meta):
        abstract = True

    def __str__(self):
        return f"{self.value_display} {self.unit} — {self.label}".replace("  ", " ")

    @classmethod
    def figure_constraints(cls, name):
        return [
            models.CheckConstraint(
                condition=Q(value_max__isnull=True) | Q(value_max__gte=models.F("value")),
                name=f"{name}_range_ordered",
            )
        ]

    @property
    def value_display(self):
        from django.contrib.humanize.templatetags.humanize import intcomma
        from django.utils.formats import number_format

        def fmt(number):
            number = Decimal(str(number))
            if number == number.to_integral():
                return intcomma(int(number))
            return number_format(number.normalize())

        text = fmt(self.value)
        if self.value_max is not None:
            text = _("%(low)s à %(high)s") % {"low": text, "high": fmt(self.value_max)}
        if self.qualifier != self.Qualifier.EXACT:
            text = f"{self.get_qualifier_display()} {text}"
        return text
