"""Factories the admin tests need beyond tests/factories.py: users, groups, ordered rows."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from activities import models

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


class SuperUserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True
    password = factory.django.Password("Un-mot-de-passe-de-test")


class GroupFactory(DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Éditeurs {n}")


class ProgrammePartnerFactory(DjangoModelFactory):
    class Meta:
        model = models.ProgrammePartner

    programme = factory.SubFactory(ProgrammeFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = models.ProgrammePartner.Role.CO_ACCREDITATION
    order = 1


class ProgrammeSpecialityFactory(DjangoModelFactory):
    class Meta:
        model = models.ProgrammeSpeciality

    programme = factory.SubFactory(ProgrammeFactory)
    name_fr = factory.Sequence(lambda n: f"Spécialité {n}")
    order = 1


class ProgrammeFigureFactory(DjangoModelFactory):
    class Meta:
        model = models.ProgrammeFigure

    programme = factory.SubFactory(ProgrammeFactory)
    value = Decimal("25")
    label_fr = "étudiants accueillis"
    order = 1


class ProjectPartnerFactory(DjangoModelFactory):
    class Meta:
        model = models.ProjectPartner

    project = factory.SubFactory(ResearchProjectFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = models.ProjectPartner.Role.PARTNER
    order = 1


class ProjectMemberFactory(DjangoModelFactory):
    class Meta:
        model = models.ProjectMember

    project = factory.SubFactory(ResearchProjectFactory)
    person = factory.SubFactory(PersonFactory)
    role = models.ProjectMember.Role.LEAD
    order = 1


class ThesisSupervisorFactory(DjangoModelFactory):
    class Meta:
        model = models.ThesisSupervisor

    thesis = factory.SubFactory(ThesisFactory)
    person = factory.SubFactory(PersonFactory)
    order = 1


class AuthorshipFactory(DjangoModelFactory):
    class Meta:
        model = models.Authorship

    publication = factory.SubFactory(PublicationFactory)
    person = factory.SubFactory(PersonFactory)
    name = factory.LazyAttribute(lambda o: o.person.full_name if o.person else "Auteur")
    order = factory.Sequence(lambda n: n + 1)


class InitiativeFigureFactory(DjangoModelFactory):
    class Meta:
        model = models.InitiativeFigure

    initiative = factory.SubFactory(CampusInitiativeFactory)
    qualifier = models.InitiativeFigure.Qualifier.ABOUT
    value = Decimal("65000")
    unit_fr = "€ par an"
    label_fr = "d'aides sociales"
    order = 1


def structure_with_parent():
    return StructureFactory(parent=StructureFactory())


def programme_with_rows(**kwargs):
    programme = ProgrammeFactory(**kwargs)
    ProgrammePartnerFactory(programme=programme)
    ProgrammeSpecialityFactory(programme=programme)
    ProgrammeFigureFactory(programme=programme)
    return programme


def project_with_rows(**kwargs):
    project = ResearchProjectFactory(**kwargs)
    ProjectPartnerFactory(project=project)
    ProjectMemberFactory(project=project)
    return project


def thesis_with_rows(**kwargs):
    thesis = ThesisFactory(**kwargs)
    ThesisSupervisorFactory(thesis=thesis)
    return thesis


def publication_with_rows(authors=2, **kwargs):
    publication = PublicationFactory(**kwargs)
    for order in range(1, authors + 1):
        AuthorshipFactory(publication=publication, order=order)
    return publication


def initiative_with_rows(**kwargs):
    initiative = CampusInitiativeFactory(provider=OrganisationFactory(), **kwargs)
    InitiativeFigureFactory(initiative=initiative)
    return initiative


def edition_with_rows(**kwargs):
    """A report edition with one structure in the order of its part B."""
    edition = ReportEditionFactory(**kwargs)
    models.ReportStructure.objects.create(edition=edition, structure=StructureFactory(), order=0)
    return edition


class StaffUserFactory(DjangoModelFactory):
    """A staff user in one of the role groups (created by a migration, see roles.py),
    with the structures they edit: ``StaffUserFactory(role="Rédacteur", structures=[s])``."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"equipe{n}")
    is_staff = True

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def structures(self, create, extracted, **kwargs):
        if create:
            for structure in extracted or ():
                models.Editorship.objects.create(user=self, structure=structure)
