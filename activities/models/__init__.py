"""The portal's domain, one module per topic (see DESIGN.md)."""

from .base import Activity, KeyFigure, State, TimeStampedModel
from .campus import CampusInitiative, InitiativeFigure
from .reference import Editorship, Organisation, Person, SDGTarget, Structure
from .report import ReportEdition, ReportStructure
from .research import (
    Authorship,
    ProjectMember,
    ProjectPartner,
    Publication,
    ResearchProject,
    Thesis,
    ThesisSupervisor,
)
from .training import Programme, ProgrammeFigure, ProgrammePartner, ProgrammeSpeciality

__all__ = [
    "Activity",
    "Authorship",
    "CampusInitiative",
    "Editorship",
    "InitiativeFigure",
    "KeyFigure",
    "Organisation",
    "Person",
    "Programme",
    "ProgrammeFigure",
    "ProgrammePartner",
    "ProgrammeSpeciality",
    "ProjectMember",
    "ProjectPartner",
    "Publication",
    "ReportEdition",
    "ReportStructure",
    "ResearchProject",
    "SDGTarget",
    "State",
    "Structure",
    "Thesis",
    "ThesisSupervisor",
    "TimeStampedModel",
]
