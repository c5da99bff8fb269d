"""Reference entities: structures, organisations, people and the SDG 3 targets."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..text import normalised
from .base import State, TimeStampedModel


class Structure(TimeStampedModel):
    """A lab, a team, a joint research unit or a campus service, in a tree."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("école")
        LAB = "lab", _("laboratoire")
        JOINT_UNIT = "joint_unit", _("unité mixte de recherche")
        TEAM = "team", _("équipe de recherche")
        SERVICE = "service", _("service")

    acronym = models.CharField(_("sigle"), max_length=40, blank=True)
    name = models.CharField(_("nom"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("structure parente"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    partners = models.ManyToManyField(
        "Organisation",
        verbose_name=_("tutelles et partenaires"),
        blank=True,
        related_name="structures",
    )
    website = models.URLField(_("site web"), blank=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)

    class Meta:
        ordering = ["acronym", "name"]
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        permissions = [
            # Éditeurs and Administrateurs; a Rédacteur edits only their structures' entries.
            ("edit_all_structures", "Peut modifier les fiches de toutes les structures"),
        ]

    def __str__(self):
        return self.acronym or self.name

    def get_absolute_url(self):
        return reverse("activities:structure-detail", kwargs={"slug": self.slug})

    @property
    def full_name(self):
        return f"{self.acronym} — {self.name}" if self.acronym else self.name

    def descendant_ids(self):
        """This structure's id and those of every structure below it, in one query."""
        return Structure.tree_ids([self.pk])

    @staticmethod
    def tree_ids(root_ids):
        """The given structures' ids and those of every structure below them (one query)."""
        children = {}
        for pk, parent_id in Structure.objects.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        found, todo = [], list(root_ids)
        while todo:
            pk = todo.pop()
            if pk in found:  # a cycle entered by hand must not loop forever
                continue
            found.append(pk)
            todo.extend(children.get(pk, []))
        return found

    def ancestors(self):
        """From the root down to this structure's parent."""
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class OrganisationQuerySet(models.QuerySet):
    def with_public_activity(self):
        """Organisations linked to a structure or to at least one published activity."""
        from .campus import CampusInitiative
        from .research import ProjectPartner, Thesis
        from .training import ProgrammePartner

        published = State.PUBLISHED
        org = OuterRef("pk")
        return self.filter(
            Exists(Structure.partners.through.objects.filter(organisation=org))
            | Exists(ProgrammePartner.objects.filter(organisation=org, programme__state=published))
            | Exists(ProjectPartner.objects.filter(organisation=org, project__state=published))
            | Exists(
                Thesis.objects.filter(Q(partners=org) | Q(doctoral_school=org), state=published)
            )
            | Exists(
                CampusInitiative.objects.filter(Q(partners=org) | Q(provider=org), state=published)
            )
        )


class Organisation(TimeStampedModel):
    """A partner or funder: university, hospital, research body, company, agency…"""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("université ou école")
        HOSPITAL = "hospital", _("établissement de santé")
        RESEARCH_BODY = "research_body", _("organisme de recherche")
        DOCTORAL_SCHOOL = "doctoral_school", _("école doctorale")
        COMPANY = "company", _("entreprise")
        FUNDER = "funder", _("agence ou programme de financement")
        PUBLIC_BODY = "public_body", _("organisme public")
        CLUSTER = "cluster", _("pôle ou réseau")
        ASSOCIATION = "association", _("association")

    acronym = models.CharField(_("sigle"), max_length=40, blank=True)
    name = models.CharField(_("nom"), max_length=250)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    website = models.URLField(_("site web"), blank=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation partenaire")
        verbose_name_plural = _("organisations partenaires")

    def __str__(self):
        if self.acronym and self.acronym.lower() != self.name.lower():
            return f"{self.name} ({self.acronym})"
        return self.name

    def get_absolute_url(self):
        return reverse("activities:partner-detail", kwargs={"slug": self.slug})


orcid_validator = RegexValidator(
    r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$",
    _("Un ORCID s'écrit 0000-0002-1825-0097 (16 caractères en 4 groupes)."),
)


def person_name_key(first_name, last_name):
    return normalised(f"{first_name} {last_name}")


class PersonQuerySet(models.QuerySet):
    def with_public_activity(self):
        """People named in at least one published activity: the only ones shown publicly."""
        from .research import Authorship, ProjectMember, Thesis, ThesisSupervisor

        published = State.PUBLISHED
        return self.filter(
            Exists(ProjectMember.objects.filter(person=OuterRef("pk"), project__state=published))
            | Exists(Thesis.objects.filter(candidate=OuterRef("pk"), state=published))
            | Exists(
                ThesisSupervisor.objects.filter(person=OuterRef("pk"), thesis__state=published)
            )
            | Exists(Authorship.objects.filter(person=OuterRef("pk"), publication__state=published))
        )


class Person(TimeStampedModel):
    """Staff, PhD students, external co-authors and supervisors: one person, many roles."""

    first_name = models.CharField(_("prénom"), max_length=120)
    last_name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(_("identifiant d'URL"), max_length=120, unique=True)
    orcid = models.CharField(_("ORCID"), max_length=19, blank=True, validators=[orcid_validator])
    idhal = models.CharField(_("idHAL"), max_length=100, blank=True)
    # "stephane raffard" for Stéphane Raffard: how importers recognise a name written
    # with or without accents and capitals. Kept up to date by save().
    name_key = models.CharField(max_length=250, editable=False, db_index=True, default="")
    structure = models.ForeignKey(
        Structure,
        verbose_name=_("structure"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
    )
    affiliation = models.ForeignKey(
        Organisation,
        verbose_name=_("établissement extérieur"),
        help_text=_("Pour une personne extérieure à l'école (ex. : CHU de Montpellier)."),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("personne")
        verbose_name_plural = _("personnes")
        constraints = [
            # Importers match people by ORCID and idHAL first: each must name one person.
            models.UniqueConstraint(
                fields=["orcid"], condition=~Q(orcid=""), name="person_unique_orcid"
            ),
            models.UniqueConstraint(
                fields=["idhal"], condition=~Q(idhal=""), name="person_unique_idhal"
            ),
        ]
        indexes = [
            # Name look-ups by the importers and the admin's autocomplete.
            models.Index(fields=["last_name", "first_name"], name="person_name_idx"),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.name_key = person_name_key(self.first_name, self.last_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self):
        return reverse("activities:person-detail", kwargs={"slug": self.slug})


class SDGTarget(models.Model):
    """One of the 13 targets of SDG 3 (3.1 … 3.9, 3.a … 3.d), loaded by a migration."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    short_title = models.CharField(_("intitulé court"), max_length=120)
    title = models.TextField(_("texte officiel"))
    order = models.PositiveSmallIntegerField(_("ordre"), unique=True)

    class Meta:
        ordering = ["order"]
        verbose_name = _("cible de l'ODD 3")
        verbose_name_plural = _("cibles de l'ODD 3")

    def __str__(self):
        return f"{self.code} — {self.short_title}"

    def get_absolute_url(self):
        return reverse("activities:target-detail", kwargs={"code": self.code})


class Editorship(models.Model):
    """A Rédacteur attached to a structure edits its entries and those of the structures
    below it (a lab's editor edits its teams' entries too)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur"),
        on_delete=models.CASCADE,
        related_name="editorships",
    )
    structure = models.ForeignKey(
        Structure,
        verbose_name=_("structure"),
        on_delete=models.CASCADE,
        related_name="editorships",
    )

    class Meta:
        ordering = ["structure__acronym", "structure__name"]
        verbose_name = _("structure rédigée")
        verbose_name_plural = _("structures rédigées")
        constraints = [
            models.UniqueConstraint(fields=["user", "structure"], name="editorship_unique")
        ]

    def __str__(self):
        return f"{self.user} → {self.structure}"
