"""Bilingual content fields (django-modeltranslation): French required, English optional.

Each registered field gets ``<field>_fr`` and ``<field>_en`` columns; reading ``title``
gives the current language's text, falling back to French when English is empty.
"""

from modeltranslation.translator import TranslationOptions, register

from .models import (
    CampusInitiative,
    InitiativeFigure,
    Programme,
    ProgrammeFigure,
    ProgrammeSpeciality,
    Publication,
    ResearchProject,
    SDGTarget,
    Structure,
    Thesis,
)


class ActivityTranslation(TranslationOptions):
    fields = ("title", "summary")
    required_languages = ("fr",)
    empty_values = ""


for model in (Programme, Thesis, Publication, CampusInitiative):
    register(model)(ActivityTranslation)


@register(ResearchProject)
class ResearchProjectTranslation(ActivityTranslation):
    fields = ("title", "summary", "outcomes")


@register(Structure)
class StructureTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("fr",)
    empty_values = ""


@register(SDGTarget)
class SDGTargetTranslation(TranslationOptions):
    fields = ("short_title", "title")
    required_languages = ("fr", "en")


@register(ProgrammeSpeciality)
class SpecialityTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("fr",)
    empty_values = ""


@register(ProgrammeFigure)
@register(InitiativeFigure)
class FigureTranslation(TranslationOptions):
    fields = ("label", "unit")
    required_languages = ("fr",)
    empty_values = ""
