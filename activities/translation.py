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
    ReportEdition,
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


@register(ReportEdition)
class ReportEditionTranslation(TranslationOptions):
    fields = ("commitment", "training_intro", "research_intro", "campus_intro")
    required_languages = ("fr",)
    empty_values = ""


# History (django-simple-history) is registered here, after modeltranslation, so that each
# historical model copies the ``_fr`` / ``_en`` columns too. Through models (authors,
# supervisors, partners…) keep their own history; plain many-to-many relations are
# recorded with their model.
def _register_history():
    from simple_history import register

    from .models import (
        Authorship,
        Editorship,
        Organisation,
        Person,
        ProgrammePartner,
        ProjectMember,
        ProjectPartner,
        ReportStructure,
        ThesisSupervisor,
    )

    tagged = ["structures", "targets"]
    histories = {
        Structure: ["partners"],
        Organisation: [],
        Person: [],
        Programme: tagged,
        ResearchProject: tagged,
        Thesis: [*tagged, "partners"],
        Publication: [*tagged, "projects", "theses"],
        CampusInitiative: [*tagged, "partners"],
        ProgrammePartner: [],
        ProgrammeSpeciality: [],
        ProgrammeFigure: [],
        ProjectPartner: [],
        ProjectMember: [],
        ThesisSupervisor: [],
        Authorship: [],
        InitiativeFigure: [],
        Editorship: [],
        ReportEdition: [],
        ReportStructure: [],
    }
    for model, m2m_fields in histories.items():
        # The search documents are derived data (activities.search), rebuilt on every
        # change: history keeps what editors wrote, not copies of them.
        excluded = [f for f in ("search_title", "search_text") if hasattr(model, f)]
        register(model, m2m_fields=m2m_fields, app="activities", excluded_fields=excluded)


_register_history()
