"""factory_boy factories for the data a test builds itself."""

import factory
from factory.django import DjangoModelFactory

from activities import models


class StructureFactory(DjangoModelFactory):
    class Meta:
        model = models.Structure

    acronym = factory.Sequence(lambda n: f"LAB{n}")
    name_fr = factory.Sequence(lambda n: f"Laboratoire {n}")
    kind = models.Structure.Kind.LAB
    slug = factory.Sequence(lambda n: f"lab-{n}")


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = models.Organisation

    acronym = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = models.Organisation.Kind.UNIVERSITY
    slug = factory.Sequence(lambda n: f"org-{n}")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = models.Person

    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    slug = factory.Sequence(lambda n: f"personne-{n}")


class ActivityFactory(DjangoModelFactory):
    class Meta:
        abstract = True
        skip_postgeneration_save = True

    title_fr = factory.Sequence(lambda n: f"Activité {n}")
    summary_fr = "Un résumé."
    state = models.State.PUBLISHED

    @factory.post_generation
    def structures(self, create, extracted, **kwargs):
        if create and extracted:
            self.structures.set(extracted)

    @factory.post_generation
    def targets(self, create, extracted, **kwargs):
        if create and extracted:
            self.targets.set(extracted)


class ProgrammeFactory(ActivityFactory):
    class Meta:
        model = models.Programme

    slug = factory.Sequence(lambda n: f"formation-{n}")
    kind = models.Programme.Kind.MASTER_TRACK
    start_year = 2023


class ResearchProjectFactory(ActivityFactory):
    class Meta:
        model = models.ResearchProject

    slug = factory.Sequence(lambda n: f"projet-{n}")
    acronym = factory.Sequence(lambda n: f"PRJ{n}")
    kind = models.ResearchProject.Kind.ANR
    start_year = 2023


class ThesisFactory(ActivityFactory):
    class Meta:
        model = models.Thesis

    slug = factory.Sequence(lambda n: f"these-{n}")
    candidate = factory.SubFactory(PersonFactory)
    start_year = 2023


class PublicationFactory(ActivityFactory):
    class Meta:
        model = models.Publication

    slug = factory.Sequence(lambda n: f"publication-{n}")
    kind = models.Publication.Kind.CONFERENCE_PAPER
    year = 2023


class CampusInitiativeFactory(ActivityFactory):
    class Meta:
        model = models.CampusInitiative

    slug = factory.Sequence(lambda n: f"initiative-{n}")
    audience = models.CampusInitiative.Audience.STUDENTS
    category = models.CampusInitiative.Category.SPORT
    start_year = 2023


class ReportEditionFactory(DjangoModelFactory):
    class Meta:
        model = models.ReportEdition

    year = factory.Sequence(lambda n: 1950 + n % 150)
    commitment_fr = "Notre engagement pour la santé et le bien-être de tous."
    is_published = True
