"""What every importer shares: source-neutral records, reconciliation, the report, writes.

An importer (hal.py, thesesfr.py, bibtex.py) only reads its source and turns each entry
into a ``PublicationRecord`` or a ``ThesisRecord``; ``import_records`` does the rest:

- reconciliation: an existing publication is found by HAL id, then DOI, then normalised
  title and year; a thesis by NNT, then normalised title and candidate; a person by
  idHAL, then ORCID, then accent- and case-insensitive name; structures by acronym;
  projects by grant reference (ANR-…) or acronym;
- writes: each record in its own savepoint, so a bad record writes nothing of itself and
  the others go on; re-running an import updates, never duplicates; what the source
  leaves empty never erases what an editor wrote; new entries arrive as drafts unless
  told otherwise; an existing entry keeps its workflow state;
- dry run: the same work, rolled back at the end, so the report says exactly what would
  be created, updated and left unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify

from activities import search
from activities.models import (
    Authorship,
    Organisation,
    Person,
    Publication,
    ResearchProject,
    State,
    Structure,
    Thesis,
    ThesisSupervisor,
)
from activities.models.reference import person_name_key
from activities.text import normalised, normalised_doi

# Records ------------------------------------------------------------------------------


class RecordError(Exception):
    """A source entry that cannot be imported; the message says why, for the report."""


@dataclasses.dataclass
class PersonRecord:
    first_name: str
    last_name: str
    idhal: str = ""
    orcid: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def identified(self) -> bool:
        """Known to a research infrastructure: worth a Person of its own."""
        return bool(self.idhal or self.orcid)


@dataclasses.dataclass
class OrganisationRecord:
    name: str
    acronym: str = ""
    kind: str = Organisation.Kind.UNIVERSITY


@dataclasses.dataclass
class PublicationRecord:
    key: str  # how the report names the entry: "hal-02498602", a BibTeX key…
    title_fr: str
    kind: str
    year: int
    title_en: str = ""
    summary_fr: str = ""
    summary_en: str = ""
    month: int | None = None
    venue: str = ""
    place: str = ""
    pages: str = ""
    doi: str = ""
    hal_id: str = ""
    url: str = ""
    authors: list[PersonRecord] = dataclasses.field(default_factory=list)
    more_authors: bool = False
    structure_acronyms: list[str] = dataclasses.field(default_factory=list)
    project_references: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ThesisRecord:
    key: str
    title_fr: str
    candidate: PersonRecord
    start_year: int
    status: str = Thesis.Status.ONGOING
    nnt: str = ""
    title_en: str = ""
    summary_fr: str = ""
    summary_en: str = ""
    end_year: int | None = None
    defence_date: date | None = None
    supervisors: list[tuple[PersonRecord, str]] = dataclasses.field(default_factory=list)
    doctoral_school: OrganisationRecord | None = None
    partners: list[OrganisationRecord] = dataclasses.field(default_factory=list)
    structure_acronyms: list[str] = dataclasses.field(default_factory=list)


# The report ---------------------------------------------------------------------------


@dataclasses.dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do), record by record."""

    dry_run: bool = False
    created: list[str] = dataclasses.field(default_factory=list)
    updated: list[str] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged) + len(self.errors)

    def error(self, key: str, message: str) -> None:
        self.errors.append((key, message))

    def summary(self) -> str:
        text = (
            f"{len(self.created)} créé(s), {len(self.updated)} mis à jour, "
            f"{len(self.unchanged)} inchangé(s), {len(self.errors)} refusé(s) "
            f"sur {self.total} enregistrement(s)"
        )
        return f"Simulation : {text} ; rien n'a été écrit." if self.dry_run else f"{text}."


# Reconciliation -----------------------------------------------------------------------


def find_person(record: PersonRecord) -> Person | None:
    """By idHAL, then ORCID, then the name without accents or capitals (one match only)."""
    if record.idhal:
        person = Person.objects.filter(idhal__iexact=record.idhal).first()
        if person:
            return person
    if record.orcid:
        person = Person.objects.filter(orcid=record.orcid).first()
        if person:
            return person
    key = person_name_key(record.first_name, record.last_name)
    if not key:
        return None
    matches = list(Person.objects.filter(name_key=key)[:2])
    return matches[0] if len(matches) == 1 else None


def find_publication(record: PublicationRecord) -> Publication | None:
    if record.hal_id:
        found = Publication.objects.filter(hal_id__iexact=record.hal_id).first()
        if found:
            return found
    doi = normalised_doi(record.doi)
    if doi:
        found = Publication.objects.filter(doi__iexact=doi).first()
        if found:
            return found
    title = normalised(record.title_fr)
    for candidate in Publication.objects.filter(year=record.year).only("pk", "title_fr"):
        if normalised(candidate.title_fr) == title:
            return candidate
    return None


def find_thesis(record: ThesisRecord) -> Thesis | None:
    if record.nnt:
        found = Thesis.objects.filter(nnt__iexact=record.nnt).first()
        if found:
            return found
    candidate = find_person(record.candidate)
    if candidate is None:
        return None
    title = normalised(record.title_fr)
    for thesis in Thesis.objects.filter(candidate=candidate).only("pk", "title_fr"):
        if normalised(thesis.title_fr) == title:
            return thesis
    return None


def find_structures(acronyms: Iterable[str]) -> list[Structure]:
    query = _any_iexact("acronym", acronyms)
    return list(Structure.objects.filter(query)) if query else []


def find_projects(references: Iterable[str]) -> list[ResearchProject]:
    """Projects named by grant reference (ANR-19-CE45-0015) or acronym (IMPETUS)."""
    references = list(references)
    query = _any_iexact("reference", references) | _any_iexact("acronym", references)
    return list(ResearchProject.objects.filter(query)) if query else []  # Q() would match all


def _any_iexact(field: str, values: Iterable[str]) -> Q:
    query = Q()
    for value in values:
        if value and value.strip():
            query |= Q(**{f"{field}__iexact": value.strip()})
    return query


# Writes -------------------------------------------------------------------------------


def unique_slug(model, text: str, *, max_length: int = 120) -> str:
    base = slugify(text)[:max_length].strip("-") or model._meta.model_name
    slug, n = base, 2
    while model._base_manager.filter(slug=slug).exists():
        suffix = f"-{n}"
        slug, n = f"{base[: max_length - len(suffix)]}{suffix}", n + 1
    return slug


def person_for(record: PersonRecord, *, create: bool) -> Person | None:
    """The matching person, completed with the identifiers the source gives; a new one
    when asked and the record is identified (idHAL or ORCID) or ``create`` is forced."""
    person = find_person(record)
    if person is not None:
        changed = False
        for field in ("idhal", "orcid"):
            value = getattr(record, field)
            if value and not getattr(person, field):
                setattr(person, field, value)
                changed = True
        if changed:
            person.full_clean(validate_unique=False)
            person.save()
        return person
    if not create or not (record.first_name or record.last_name):
        return None
    person = Person(
        first_name=record.first_name,
        last_name=record.last_name,
        idhal=record.idhal,
        orcid=record.orcid,
        slug=unique_slug(Person, record.full_name),
    )
    person.full_clean()
    person.save()
    return person


def organisation_for(record: OrganisationRecord) -> Organisation:
    """The organisation of that name or acronym (any case), or a new one."""
    query = Q(name__iexact=record.name.strip())
    if record.acronym.strip():
        query |= Q(acronym__iexact=record.acronym.strip())
    organisation = Organisation.objects.filter(query).first()
    if organisation is not None:
        return organisation
    organisation = Organisation(
        name=record.name.strip(),
        acronym=record.acronym.strip(),
        kind=record.kind,
        slug=unique_slug(Organisation, record.acronym or record.name, max_length=80),
    )
    organisation.full_clean()
    organisation.save()
    return organisation


def _assign(instance, values: dict) -> bool:
    """Set the given non-empty values; True when something changed. Empty values from a
    source never erase what an editor wrote."""
    changed = False
    for field, value in values.items():
        if value in (None, "", []):
            continue
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed = True
    return changed


def publication_save(record: PublicationRecord, *, state: str = State.DRAFT) -> str:
    """Create or update one publication from a record; returns "created", "updated" or
    "unchanged". Raises RecordError (the caller's savepoint undoes any partial write)."""
    publication = find_publication(record)
    created = publication is None
    if created:
        publication = Publication(state=state, slug=unique_slug(Publication, record.title_fr))
    changed = _assign(
        publication,
        {
            "title_fr": record.title_fr,
            "title_en": record.title_en,
            "summary_fr": record.summary_fr,
            "summary_en": record.summary_en,
            "kind": record.kind,
            "year": record.year,
            "month": record.month,
            "venue": record.venue,
            "place": record.place,
            "pages": record.pages,
            "doi": normalised_doi(record.doi),
            "hal_id": record.hal_id,
            "url": record.url,
        },
    )
    if record.more_authors and not publication.more_authors:
        publication.more_authors, changed = True, True
    if created or changed:
        _validated_save(publication)

    authors = [
        (index, author.full_name, person_for(author, create=author.identified))
        for index, author in enumerate(record.authors, start=1)
    ]
    current = [(a.order, a.name, a.person) for a in publication.authorships.order_by("order")]
    # Same names and people in the same order is the same list, however it is numbered
    # (load_report numbers from 0, importers from 1).
    if authors and [(n, p and p.pk) for _o, n, p in authors] != [
        (n, p and p.pk) for _o, n, p in current
    ]:
        publication.authorships.all().delete()
        Authorship.objects.bulk_create(
            Authorship(publication=publication, order=o, name=n, person=p) for o, n, p in authors
        )
        search.schedule(Publication, [publication.pk])  # bulk_create sends no signal
        changed = True
    changed |= _add_missing(publication.structures, find_structures(record.structure_acronyms))
    changed |= _add_missing(publication.projects, find_projects(record.project_references))
    return "created" if created else "updated" if changed else "unchanged"


def thesis_save(record: ThesisRecord, *, state: str = State.DRAFT) -> str:
    thesis = find_thesis(record)
    created = thesis is None
    candidate = person_for(record.candidate, create=True)
    if candidate is None:
        raise RecordError("la thèse n'a pas de doctorant·e")
    if created:
        thesis = Thesis(
            state=state, slug=unique_slug(Thesis, f"these {record.candidate.full_name}")
        )
    changed = _assign(
        thesis,
        {
            "title_fr": record.title_fr,
            "title_en": record.title_en,
            "summary_fr": record.summary_fr,
            "summary_en": record.summary_en,
            "nnt": record.nnt,
            "status": record.status,
            "start_year": record.start_year,
            "end_year": record.end_year,
            "defence_date": record.defence_date,
        },
    )
    if thesis.candidate_id != candidate.pk:
        thesis.candidate, changed = candidate, True
    if record.doctoral_school is not None:
        school = organisation_for(record.doctoral_school)
        if thesis.doctoral_school_id != school.pk:
            thesis.doctoral_school, changed = school, True
    if created or changed:
        _validated_save(thesis)

    # Supervisors the source names and the thesis lacks are added after the others; the
    # ones an editor entered, and their roles, stay (theses.fr gives no roles).
    present = set(thesis.supervisions.values_list("person_id", flat=True))
    last = max(thesis.supervisions.values_list("order", flat=True), default=0)
    missing = []
    for person_record, role in record.supervisors:
        person = person_for(person_record, create=True)
        if person is not None and person.pk not in present:
            present.add(person.pk)
            last += 1
            missing.append(ThesisSupervisor(thesis=thesis, order=last, person=person, role=role))
    if missing:
        ThesisSupervisor.objects.bulk_create(missing)
        search.schedule(Thesis, [thesis.pk])  # bulk_create sends no signal
        changed = True
    changed |= _add_missing(thesis.partners, [organisation_for(o) for o in record.partners])
    changed |= _add_missing(thesis.structures, find_structures(record.structure_acronyms))
    return "created" if created else "updated" if changed else "unchanged"


def _add_missing(relation, objects) -> bool:
    """Add to a many-to-many what it lacks; never remove what an editor attached."""
    present = set(relation.values_list("pk", flat=True))
    missing = [obj for obj in objects if obj.pk not in present]
    if missing:
        relation.add(*missing)
    return bool(missing)


def _validated_save(instance) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise RecordError("; ".join(_messages(error))) from None
    instance.save()


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items()]
    return list(error.messages)


# The loop -----------------------------------------------------------------------------

Saver = Callable[..., str]


def import_records(
    records: Iterable[PublicationRecord | ThesisRecord | RecordError],
    *,
    dry_run: bool = False,
    publish: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Save each record in its own savepoint; a dry run rolls everything back at the end.

    ``records`` may yield RecordError for entries the importer could not read: they are
    reported with the others.
    """
    report = ImportReport(dry_run=dry_run)
    state = State.PUBLISHED if publish else State.DRAFT
    # The search documents of what the import wrote are refreshed once, at its end.
    with transaction.atomic(), search.deferred():
        for index, record in enumerate(records, start=1):
            if isinstance(record, RecordError):
                key, _sep, message = str(record).partition(": ")
                report.error(key, message or str(record))
                continue
            saver: Saver = (
                publication_save if isinstance(record, PublicationRecord) else thesis_save
            )
            try:
                with transaction.atomic():
                    outcome = saver(record, state=state)
            except RecordError as error:
                report.error(record.key, str(error))
            except ValidationError as error:  # a person or organisation the record names
                report.error(record.key, "; ".join(_messages(error)))
            except (IntegrityError, DataError) as error:
                report.error(record.key, f"refusé par la base de données ({error})")
            else:
                getattr(report, outcome).append(record.key)
            if progress is not None:
                progress(index)
        if dry_run:
            transaction.set_rollback(True)
    return report
