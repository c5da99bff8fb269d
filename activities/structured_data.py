"""What each public page is about, in schema.org terms (JSON-LD), for search engines and
scholarly aggregators.

``describe(obj, request)`` gives the description of a detail page's object as a dict
ready for JSON, or None for an object it does not describe. The functions read only what
the detail views already fetch (``with_detail_data()``, ``select_related``), so they add
no query to a page.

Conventions, the same for every type:
- ``url`` is the page of this portal about the thing (absolute, in the current language);
  ``sameAs`` lists the thing's pages elsewhere (ORCID, HAL, DOI, its own website).
- The page itself is described by ``mainEntityOfPage`` (a ``WebPage`` with ``inLanguage``):
  the language of the page is known, while that of a publication, a thesis or a programme
  is not recorded, so it is not claimed.
- Empty values are left out rather than sent as "" or [].
"""

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import (
    CampusInitiative,
    Organisation,
    Person,
    Programme,
    Publication,
    ResearchProject,
    SDGTarget,
    Structure,
    Thesis,
)

CONTEXT = "https://schema.org"

# The school, which every programme and structure of the portal belongs to.
SCHOOL = {
    "@type": "CollegeOrUniversity",
    "name": "IMT Mines Alès",
    "url": "https://www.imt-mines-ales.fr/",
}

ORGANISATION_TYPES = {
    Organisation.Kind.UNIVERSITY: "CollegeOrUniversity",
    Organisation.Kind.HOSPITAL: "Hospital",
    Organisation.Kind.RESEARCH_BODY: "ResearchOrganization",
    Organisation.Kind.DOCTORAL_SCHOOL: "EducationalOrganization",
    Organisation.Kind.COMPANY: "Corporation",
    Organisation.Kind.PUBLIC_BODY: "GovernmentOrganization",
    Organisation.Kind.ASSOCIATION: "NGO",
    # Funding agencies and programmes (ANR, H2020) and clusters: no closer type.
    Organisation.Kind.FUNDER: "Organization",
    Organisation.Kind.CLUSTER: "Organization",
}

STRUCTURE_TYPES = {
    Structure.Kind.SCHOOL: "CollegeOrUniversity",
    Structure.Kind.LAB: "ResearchOrganization",
    Structure.Kind.JOINT_UNIT: "ResearchOrganization",
    Structure.Kind.TEAM: "ResearchOrganization",
    Structure.Kind.SERVICE: "Organization",
}

# Chapters, books and reports have their own schema.org types; "other" is only known to
# be a work.
PUBLICATION_TYPES = {
    Publication.Kind.JOURNAL_ARTICLE: "ScholarlyArticle",
    Publication.Kind.CONFERENCE_PAPER: "ScholarlyArticle",
    Publication.Kind.POSTER: "ScholarlyArticle",
    Publication.Kind.BOOK_CHAPTER: "Chapter",
    Publication.Kind.BOOK: "Book",
    Publication.Kind.REPORT: "Report",
    Publication.Kind.OTHER: "CreativeWork",
}


def describe(obj, request):
    """The JSON-LD description of a detail page's object, or None."""
    describer = DESCRIBERS.get(type(obj))
    if describer is None:
        return None
    data = {"@context": CONTEXT, **describer(obj, request)}
    return _compact(data)


# Activities ----------------------------------------------------------------------------


def describe_publication(publication, request):
    kind = publication.kind
    data = {
        "@type": PUBLICATION_TYPES.get(kind, "CreativeWork"),
        "name": publication.title,
        "headline": publication.title,
        "description": publication.summary,
        "url": _url(request, publication),
        "author": [_author(authorship, request) for authorship in publication.authorships.all()],
        "datePublished": (
            f"{publication.year:04d}-{publication.month:02d}"
            if publication.month
            else f"{publication.year:04d}"
        ),
        "pagination": publication.pages,
        "identifier": [
            _property("DOI", publication.doi),
            _property("HAL", publication.hal_id),
        ],
        "sameAs": [
            f"https://doi.org/{publication.doi}" if publication.doi else "",
            f"https://hal.science/{publication.hal_id}" if publication.hal_id else "",
            publication.url,
        ],
        "sourceOrganization": _structures(publication, request),
        "about": _targets(publication, request),
        "mainEntityOfPage": _web_page(request, publication),
    }
    if publication.venue:
        if kind == Publication.Kind.JOURNAL_ARTICLE:
            data["isPartOf"] = {"@type": "Periodical", "name": publication.venue}
        elif kind == Publication.Kind.BOOK_CHAPTER:
            data["isPartOf"] = {"@type": "Book", "name": publication.venue}
        else:
            # A congress, a meeting: schema.org has no "presented at" for a work; the
            # event at which it was made public is its publication event.
            data["publication"] = {
                "@type": "PublicationEvent",
                "name": publication.venue,
                "location": {"@type": "Place", "name": publication.place},
            }
    elif publication.place:
        data["locationCreated"] = {"@type": "Place", "name": publication.place}
    return data


def describe_thesis(thesis, request):
    source = _structures(thesis, request)
    if thesis.doctoral_school is not None:
        source.append(_organisation(thesis.doctoral_school, request))
    return {
        "@type": "Thesis",
        "name": thesis.title,
        "description": thesis.summary,
        "url": _url(request, thesis),
        "author": _person(thesis.candidate, request),
        # schema.org has no "advisor": supervisors contributed, in the order of the page.
        "contributor": [
            _person(supervision.person, request) for supervision in thesis.supervisions.all()
        ],
        "inSupportOf": _("Doctorat"),
        "sourceOrganization": source,
        "datePublished": thesis.defence_date.isoformat() if thesis.defence_date else None,
        "identifier": _property("NNT", thesis.nnt),
        "sameAs": f"https://theses.fr/{thesis.nnt}" if thesis.nnt else None,
        "about": _targets(thesis, request),
        "mainEntityOfPage": _web_page(request, thesis),
    }


def describe_project(project, request):
    partnerships = list(project.partnerships.all())
    funders = [
        _organisation(p.organisation, request) for p in partnerships if p.role == p.Role.FUNDER
    ]
    partners = [
        _organisation(p.organisation, request) for p in partnerships if p.role != p.Role.FUNDER
    ]
    funding = None
    if project.reference or project.funding_scheme:
        funding = {
            "@type": "Grant",
            "identifier": project.reference,
            "name": project.funding_scheme,
            "funder": funders,
        }
    # ResearchProject is an Organization in schema.org: it has no startDate / endDate, its
    # years are those of its founding and dissolution.
    return {
        "@type": "ResearchProject",
        "name": project.title,
        "alternateName": project.acronym,
        "description": project.summary,
        "url": _url(request, project),
        "sameAs": project.url,
        "identifier": project.reference,
        "foundingDate": str(project.start_year),
        "dissolutionDate": str(project.end_year) if project.end_year else None,
        "funder": funders,
        "funding": funding,
        "member": [
            *(_person(member.person, request) for member in project.team.all()),
            *partners,
        ],
        "parentOrganization": _structures(project, request),
        "knowsAbout": _targets(project, request),
        "mainEntityOfPage": _web_page(request, project),
    }


def describe_programme(programme, request):
    co_accrediting = [
        _organisation(p.organisation, request)
        for p in programme.partnerships.all()
        if p.role == p.Role.CO_ACCREDITATION
    ]
    duration = programme.duration_months
    return {
        "@type": "EducationalOccupationalProgram",
        "name": programme.title,
        "description": programme.summary,
        "url": _url(request, programme),
        "sameAs": programme.url,
        "programType": str(programme.get_kind_display()),
        "timeToComplete": f"P{duration}M" if duration else None,
        "provider": [SCHOOL, *co_accrediting],
        "about": _targets(programme, request),
        "mainEntityOfPage": _web_page(request, programme),
    }


def describe_initiative(initiative, request):
    """A campus initiative is the page itself (a ``WebPage``) about what the school does.

    No schema.org type fits them all: a social worker's office hours and a restaurant are
    services, a staff policy is not, the Cartel 2023 is a sports result, and none is a
    project in schema.org's sense (an organisation). Claiming one type for all would
    mislead; the page, its subject and its audience are true of every one.
    """
    url = _url(request, initiative)
    about = [
        _organisation(initiative.provider, request) if initiative.provider else SCHOOL,
        *_targets(initiative, request),
    ]
    return {
        "@type": "WebPage",
        "@id": url,
        "url": url,
        "name": initiative.title,
        "description": initiative.summary,
        "inLanguage": get_language(),
        "about": about,
        "audience": {
            "@type": "Audience",
            "audienceType": str(initiative.get_audience_display()),
        },
        "sourceOrganization": _structures(initiative, request),
        "sameAs": initiative.url,
        "isPartOf": _web_site(request),
    }


# People, structures, partners, targets ----------------------------------------------------


def describe_person(person, request):
    """Names, identifiers and affiliations; never an e-mail or a telephone number."""
    affiliation = []
    if person.structure is not None:
        affiliation.append(_structure(person.structure, request))
    if person.affiliation is not None:
        affiliation.append(_organisation(person.affiliation, request, linked=False))
    return {
        **_person(person, request),
        "affiliation": affiliation,
        "mainEntityOfPage": _web_page(request, person),
    }


def describe_organisation(organisation, request):
    return {
        **_organisation(organisation, request),
        "mainEntityOfPage": _web_page(request, organisation),
    }


def describe_structure(structure, request):
    """A lab, team or service: part of its parent structure, or of the school at the top."""
    if structure.parent is not None:
        parent = _structure(structure.parent, request)
    else:
        parent = None if structure.kind == Structure.Kind.SCHOOL else SCHOOL
    return {
        **_structure(structure, request),
        "description": structure.description,
        "parentOrganization": parent,
        "subOrganization": [_structure(child, request) for child in structure.children.all()],
        "mainEntityOfPage": _web_page(request, structure),
    }


def describe_target(target, request):
    return {
        **_target(target, request),
        "description": target.title,
        "mainEntityOfPage": _web_page(request, target),
    }


DESCRIBERS = {
    Programme: describe_programme,
    ResearchProject: describe_project,
    Thesis: describe_thesis,
    Publication: describe_publication,
    CampusInitiative: describe_initiative,
    Person: describe_person,
    Organisation: describe_organisation,
    Structure: describe_structure,
    SDGTarget: describe_target,
}


# Parts ---------------------------------------------------------------------------------


def _url(request, obj):
    return request.build_absolute_uri(obj.get_absolute_url())


def _web_page(request, obj):
    return {"@type": "WebPage", "@id": _url(request, obj), "inLanguage": get_language()}


def _web_site(request):
    return {
        "@type": "WebSite",
        "name": _("ODD 3 — IMT Mines Alès"),
        "url": request.build_absolute_uri("/"),
    }


def _property(name, value):
    """An identifier from a known scheme (DOI, HAL, NNT, ORCID…)."""
    if not value:
        return None
    return {"@type": "PropertyValue", "propertyID": name, "value": value}


def _person(person, request):
    """A person, linked to this portal's page about them and to their ORCID and HAL pages."""
    return {
        "@type": "Person",
        "name": person.full_name,
        "givenName": person.first_name,
        "familyName": person.last_name,
        "url": _url(request, person),
        "identifier": [_property("ORCID", person.orcid), _property("idHAL", person.idhal)],
        "sameAs": [
            f"https://orcid.org/{person.orcid}" if person.orcid else "",
            f"https://cv.hal.science/{person.idhal}" if person.idhal else "",
        ],
    }


def _author(authorship, request):
    """An author as the publication writes the name; linked to the person when known."""
    if authorship.person is None:
        return {"@type": "Person", "name": authorship.name}
    return {**_person(authorship.person, request), "name": authorship.name}


def _organisation(organisation, request, *, linked=True):
    """A partner or funder. ``linked=False`` for one that may have no page on the portal
    (a person's outside employer is not necessarily a partner of anything published)."""
    return {
        "@type": ORGANISATION_TYPES.get(organisation.kind, "Organization"),
        "name": organisation.name,
        "alternateName": organisation.acronym
        if organisation.acronym.lower() != organisation.name.lower()
        else "",
        "url": _url(request, organisation) if linked else None,
        "sameAs": organisation.website,
    }


def _structure(structure, request):
    return {
        "@type": STRUCTURE_TYPES.get(structure.kind, "Organization"),
        "name": structure.name,
        "alternateName": structure.acronym,
        "url": _url(request, structure),
        "sameAs": structure.website,
    }


def _structures(activity, request):
    return [_structure(structure, request) for structure in activity.structures.all()]


def _target(target, request):
    return {
        "@type": "DefinedTerm",
        "termCode": target.code,
        "name": target.short_title,
        "url": _url(request, target),
        "inDefinedTermSet": {
            "@type": "DefinedTermSet",
            "name": _("Objectif de développement durable n° 3 : bonne santé et bien-être"),
            "url": "https://sdgs.un.org/goals/goal3",
        },
    }


def _targets(activity, request):
    return [_target(target, request) for target in activity.targets.all()]


def _compact(value):
    """The value without its empty parts: None, "", [] and {} are dropped, recursively."""
    if isinstance(value, dict):
        compacted = {key: _compact(item) for key, item in value.items()}
        return {key: item for key, item in compacted.items() if item not in (None, "", [], {})}
    if isinstance(value, list | tuple):
        compacted = [_compact(item) for item in value]
        return [item for item in compacted if item not in (None, "", [], {})]
    return value
