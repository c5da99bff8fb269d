"""Writes that span several models.

``report_load`` loads a yearly report's data file, ``activities/data/report-<year>.yaml``,
into the database, in one transaction. The file's format is described at its top; the
``SECTIONS`` below say which fields and relations of each model it covers.

Records are matched by slug. A plain load creates what is missing and leaves every
existing record as it is, so that ``make run`` (which loads the report each time) never
overwrites an editor's change, and loading twice writes nothing. ``update=True`` brings
existing records back in line with the file: the fields and relations it covers, nothing
else (ORCID, DOI, URLs… belong to editors and importers). Every record written is
validated first (``full_clean``); bad data stops the load with a message naming the
record, and nothing is written. The file's ``report`` entry, the year's edition of the
report (its commitment, introductions and order of part B), follows the same rules, matched
by year rather than slug; what the load did to it is ``LoadSummary.edition``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import translation

from activities import search
from activities.models import (
    Authorship,
    CampusInitiative,
    InitiativeFigure,
    Organisation,
    Person,
    Programme,
    ProgrammeFigure,
    ProgrammePartner,
    ProgrammeSpeciality,
    ProjectMember,
    ProjectPartner,
    Publication,
    ReportEdition,
    ReportStructure,
    ResearchProject,
    SDGTarget,
    Structure,
    Thesis,
    ThesisSupervisor,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
_DATA_FILE = re.compile(r"^report-(\d{4})\.yaml$")


class ReportDataError(Exception):
    """A data file that cannot be loaded; the message names the file and the record."""


class ReportNotFoundError(ReportDataError):
    """No data file for the year asked."""


@dataclasses.dataclass(frozen=True)
class Rows:
    """An ordered list of rows belonging to a record (authors, partners, figures…).

    The rows are the record's as a whole: ``update`` replaces them all when they differ.
    """

    key: str  # in the data file
    related_name: str  # from the record to its rows
    model: type[models.Model]
    parent: str  # the row's foreign key to the record
    fields: tuple[str, ...] = ()
    refs: Mapping[str, type[models.Model]] = dataclasses.field(default_factory=dict)

    @property
    def keys(self) -> frozenset[str]:
        return frozenset({*self.fields, *self.refs})

    @property
    def unchecked(self) -> list[str]:
        """Fields that validation skips: the record and the references, which exist (the
        database still refuses duplicates), and what the file does not write."""
        return _fields_except(self.model, {*self.fields, "order"})


@dataclasses.dataclass(frozen=True)
class Section:
    key: str  # in the data file, and in the counts
    model: type[models.Model]
    fields: tuple[str, ...]  # plain fields, copied as written
    refs: Mapping[str, type[models.Model]] = dataclasses.field(default_factory=dict)  # FKs
    many: Mapping[str, type[models.Model]] = dataclasses.field(default_factory=dict)  # M2M
    rows: tuple[Rows, ...] = ()

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(
            {"slug", *self.fields, *self.refs, *self.many, *(r.key for r in self.rows)}
        )

    @property
    def unchecked(self) -> list[str]:
        """Fields that validation skips: those the file does not write, which hold either
        their default (new record) or what an editor saved through validated forms."""
        return _fields_except(self.model, {"slug", *self.fields, *self.refs})


def _fields_except(model: type[models.Model], names: set[str]) -> list[str]:
    return [field.name for field in model._meta.concrete_fields if field.name not in names]


ACTIVITY_FIELDS = ("title_fr", "title_en", "summary_fr", "summary_en", "state")
PERIOD_FIELDS = ("start_year", "end_year")
FIGURE_FIELDS = (
    "qualifier",
    "value",
    "value_max",
    "unit_fr",
    "unit_en",
    "label_fr",
    "label_en",
    "year",
)
TAGS = {"structures": Structure, "targets": SDGTarget}

# What the data file covers, section by section, in the order the sections are loaded:
# a record can refer to records of the sections before its own.

SECTIONS = (
    Section("organisations", Organisation, ("acronym", "name", "kind")),
    Section(
        "structures",
        Structure,
        ("acronym", "name_fr", "name_en", "description_fr", "description_en", "kind"),
        refs={"parent": Structure},
        many={"partners": Organisation},
    ),
    Section(
        "people",
        Person,
        ("first_name", "last_name"),
        refs={"structure": Structure, "affiliation": Organisation},
    ),
    Section(
        "programmes",
        Programme,
        (*ACTIVITY_FIELDS, *PERIOD_FIELDS, "kind", "duration_months"),
        many=TAGS,
        rows=(
            Rows(
                "partners",
                "partnerships",
                ProgrammePartner,
                "programme",
                ("role",),
                {"organisation": Organisation},
            ),
            Rows(
                "specialities",
                "specialities",
                ProgrammeSpeciality,
                "programme",
                ("name_fr", "name_en"),
            ),
            Rows("figures", "figures", ProgrammeFigure, "programme", FIGURE_FIELDS),
        ),
    ),
    Section(
        "projects",
        ResearchProject,
        (
            *ACTIVITY_FIELDS,
            *PERIOD_FIELDS,
            "acronym",
            "kind",
            "funding_scheme",
            "status",
            "coordinated_by_school",
            "outcomes_fr",
            "outcomes_en",
        ),
        many=TAGS,
        rows=(
            Rows(
                "partners",
                "partnerships",
                ProjectPartner,
                "project",
                ("role",),
                {"organisation": Organisation},
            ),
            Rows("members", "team", ProjectMember, "project", ("role",), {"person": Person}),
        ),
    ),
    Section(
        "theses",
        Thesis,
        (*ACTIVITY_FIELDS, *PERIOD_FIELDS, "status"),
        refs={"candidate": Person, "doctoral_school": Organisation, "project": ResearchProject},
        many={**TAGS, "partners": Organisation},
        rows=(
            Rows(
                "supervisors",
                "supervisions",
                ThesisSupervisor,
                "thesis",
                ("role",),
                {"person": Person},
            ),
        ),
    ),
    Section(
        "publications",
        Publication,
        (*ACTIVITY_FIELDS, "kind", "venue", "place", "year", "month", "pages", "more_authors"),
        many={**TAGS, "projects": ResearchProject, "theses": Thesis},
        rows=(
            Rows(
                "authors", "authorships", Authorship, "publication", ("name",), {"person": Person}
            ),
        ),
    ),
    Section(
        "initiatives",
        CampusInitiative,
        (*ACTIVITY_FIELDS, *PERIOD_FIELDS, "audience", "category"),
        refs={"provider": Organisation},
        many={**TAGS, "partners": Organisation},
        rows=(Rows("figures", "figures", InitiativeFigure, "initiative", FIGURE_FIELDS),),
    ),
)


@dataclasses.dataclass
class SectionCounts:
    """What a load did to the records of one section.

    ``unchanged``: the database already matched the file. ``kept``: the record differs from
    the file (an editor changed it) and a plain load left it as it is.
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0


@dataclasses.dataclass(frozen=True)
class LoadSummary:
    year: int
    path: Path
    update: bool
    counts: dict[str, SectionCounts]  # by section, in loading order
    # What the load did to the year's edition: one of SectionCounts' outcomes, or "" when
    # the file has no ``report`` entry. Not in the counts, which are records by slug.
    edition: str = ""

    def total(self, outcome: str) -> int:
        return sum(getattr(counts, outcome) for counts in self.counts.values())

    @property
    def changed(self) -> bool:
        edition_changed = self.edition in ("created", "updated")
        return bool(self.total("created") or self.total("updated") or edition_changed)


def report_path(*, year: int) -> Path:
    return DATA_DIR / f"report-{year}.yaml"


def report_years() -> list[int]:
    """The years that have a data file, oldest first."""
    found = (_DATA_FILE.match(path.name) for path in DATA_DIR.glob("report-*.yaml"))
    return sorted(int(match.group(1)) for match in found if match)


def report_load(*, year: int, update: bool = False, path: Path | None = None) -> LoadSummary:
    """Load the data file of a year's report (by default ``data/report-<year>.yaml``)."""
    if path is None:
        path = report_path(year=year)
        if not path.is_file():
            available = ", ".join(str(y) for y in report_years()) or "none"
            raise ReportNotFoundError(
                f"No report data for {year} ({path.name} is not in {DATA_DIR}). "
                f"Available years: {available}."
            )
    data = _read(path)
    if data.get("year") != year:
        raise ReportDataError(
            f"{path.name}: the file is for year {data.get('year')!r}, not {year}."
        )
    known = {"year", "report", *(section.key for section in SECTIONS)}
    if unknown := sorted(set(data) - known):
        raise ReportDataError(
            f"{path.name}: unknown section(s) {', '.join(map(str, unknown))}; "
            f"the sections are {', '.join(sorted(known))}."
        )
    loader = _Loader(source=path.name, update=update)
    # Translated fields keep a copy of the current language's text in their base column:
    # always French, the default language, whatever language the caller runs in. The
    # search documents of what the load wrote are refreshed once, at its end.
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic(), search.deferred():
        for section in SECTIONS:
            loader.load_section(section, data.get(section.key))
        edition = loader.load_edition(year, data.get("report"))
    return LoadSummary(year=year, path=path, update=update, counts=loader.counts, edition=edition)


# The edition's fields the file writes (``report`` entry), besides its year; its
# ``structures`` list the order of part B.
EDITION_FIELDS = (
    "commitment_fr",
    "commitment_en",
    "training_intro_fr",
    "training_intro_en",
    "research_intro_fr",
    "research_intro_en",
    "campus_intro_fr",
    "campus_intro_en",
    "is_published",
)


def _read(path: Path) -> dict[str, Any]:
    try:
        stat = path.stat()
        data = _parse(str(path), stat.st_mtime_ns, stat.st_size)
    except OSError as error:
        raise ReportDataError(f"Cannot read {path}: {error.strerror}.") from error
    except yaml.YAMLError as error:
        raise ReportDataError(f"{path.name} is not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise ReportDataError(f"{path.name}: expected a mapping of sections at the top level.")
    return data


@functools.lru_cache(maxsize=4)
def _parse(path: str, mtime_ns: int, size: int) -> Any:
    """The file's data, parsed once per version of the file (the tests load it often).

    The loader only reads the data it returns.
    """
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def _natural_key(model: type[models.Model]) -> str:
    return "code" if model is SDGTarget else "slug"


def _describe(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(
        " ".join(messages) if field == NON_FIELD_ERRORS else f"{field}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )


def _same(field: models.Field, current: Any, wanted: Any) -> bool:
    """Whether a stored value is the one the file asks for (text: NULL is empty)."""
    if isinstance(field, models.CharField | models.TextField):
        return (current or "") == (wanted or "")
    return current == wanted


class _Loader:
    def __init__(self, *, source: str, update: bool):
        self.source = source
        self.update = update
        self.counts: dict[str, SectionCounts] = {}
        self._index: dict[type[models.Model], dict[str, models.Model]] = {}

    def index(self, model: type[models.Model]) -> dict[str, models.Model]:
        """Every record of a model by slug (SDG targets by code), read once."""
        if model not in self._index:
            key = _natural_key(model)
            self._index[model] = {getattr(obj, key): obj for obj in model._default_manager.all()}
        return self._index[model]

    def load_section(self, section: Section, records: Any) -> None:
        counts = self.counts.setdefault(section.key, SectionCounts())
        if records is None:
            return
        if not isinstance(records, list):
            raise ReportDataError(f"{self.source}: {section.key} must be a list of records.")
        seen: set[str] = set()
        for position, record in enumerate(records, start=1):
            where = f"{self.source}, {section.key} #{position}"
            if not isinstance(record, dict):
                raise ReportDataError(f"{where}: expected a record (a mapping of fields).")
            slug = record.get("slug")
            if not isinstance(slug, str) or not slug:
                raise ReportDataError(f"{where}: every record needs a slug.")
            where = f'{self.source}, {section.key} "{slug}"'
            if slug in seen:
                raise ReportDataError(f"{where}: the slug is used twice in {section.key}.")
            seen.add(slug)
            outcome = self._load_record(section, slug, record, where)
            setattr(counts, outcome, getattr(counts, outcome) + 1)

    def _load_record(self, section: Section, slug: str, record: dict, where: str) -> str:
        if unknown := sorted(set(record) - section.keys):
            raise ReportDataError(
                f"{where}: unknown field(s) {', '.join(map(str, unknown))}; "
                f"the fields are {', '.join(sorted(section.keys))}."
            )
        values = self._values(section.model, section.fields, section.refs, record, where)
        many = {
            name: self._refs(model, record.get(name), f"{where}: {name}")
            for name, model in section.many.items()
        }
        rows = {spec.key: self._rows(spec, record.get(spec.key), where) for spec in section.rows}

        obj = self.index(section.model).get(slug)
        if obj is None:
            obj = section.model(slug=slug, **values)
            self._save(obj, where, section.unchecked)
            self.index(section.model)[slug] = obj
            self._write_relations(section, obj, many, rows, where)
            return "created"
        if not self._differs(section, obj, values, many, rows):
            return "unchanged"
        if not self.update:
            # Left as the editor made it, but the file's version must still be valid.
            candidate = section.model(pk=obj.pk, slug=slug, **values)
            candidate._state.adding = False  # the record itself is no duplicate of it
            self._validate(candidate, where, section.unchecked)
            return "kept"
        for name, value in values.items():
            setattr(obj, name, value)
        self._save(obj, where, section.unchecked)
        self._write_relations(section, obj, many, rows, where, replace=True)
        return "updated"

    def load_edition(self, year: int, record: Any) -> str:
        """The file's ``report`` entry: the year's edition, matched by year, with the same
        rules as the records (created, unchanged, kept as an editor left it, or updated)."""
        if record is None:
            return ""
        where = f"{self.source}, report"
        if not isinstance(record, dict):
            raise ReportDataError(f"{where}: expected a mapping of fields.")
        keys = {*EDITION_FIELDS, "structures"}
        if unknown := sorted(set(record) - keys):
            raise ReportDataError(
                f"{where}: unknown field(s) {', '.join(map(str, unknown))}; "
                f"the fields are {', '.join(sorted(keys))}."
            )
        values = self._values(ReportEdition, EDITION_FIELDS, {}, record, where)
        order = self._refs(Structure, record.get("structures"), f"{where}: structures")
        if len({structure.pk for structure in order}) != len(order):
            raise ReportDataError(f"{where}: structures: a structure is listed twice.")
        unchecked = _fields_except(ReportEdition, {"year", *EDITION_FIELDS})

        edition = ReportEdition.objects.filter(year=year).first()
        if edition is None:
            edition = ReportEdition(year=year, **values)
            self._save(edition, where, unchecked)
            self._write_order(edition, order, where)
            return "created"
        current = list(
            edition.structure_order.order_by("order", "pk").values_list("structure_id", flat=True)
        )
        differs = current != [structure.pk for structure in order] or any(
            not _same(edition._meta.get_field(name), getattr(edition, name), value)
            for name, value in values.items()
        )
        if not differs:
            return "unchanged"
        if not self.update:
            candidate = ReportEdition(pk=edition.pk, year=year, **values)
            candidate._state.adding = False
            self._validate(candidate, where, unchecked)
            return "kept"
        for name, value in values.items():
            setattr(edition, name, value)
        self._save(edition, where, unchecked)
        edition.structure_order.all().delete()
        self._write_order(edition, order, where)
        return "updated"

    def _write_order(self, edition, structures, where: str) -> None:
        for position, structure in enumerate(structures):
            row = ReportStructure(edition=edition, structure=structure, order=position)
            self._save(row, f"{where}: structures #{position + 1}", ["edition", "structure"])

    # Reading the file's values

    def _values(self, model, fields, refs, record: dict, where: str) -> dict[str, Any]:
        values = {}
        for name in fields:
            field = model._meta.get_field(name)
            if name not in record:
                values[name] = field.get_default()
                continue
            try:
                values[name] = field.to_python(record[name])
            except ValidationError as error:
                raise ReportDataError(f"{where}: {name}: {_describe(error)}") from error
        for name, related in refs.items():
            values[name] = self._ref(related, record.get(name), f"{where}: {name}")
        return values

    def _ref(self, model: type[models.Model], key: Any, where: str) -> models.Model | None:
        if key is None or key == "":
            return None
        natural_key = _natural_key(model)
        if not isinstance(key, str):
            raise ReportDataError(f"{where}: expected a {natural_key} in quotes, not {key!r}.")
        try:
            return self.index(model)[key]
        except KeyError:
            if model is SDGTarget:
                codes = ", ".join(self.index(SDGTarget))
                raise ReportDataError(
                    f'{where}: no SDG 3 target "{key}" (codes: {codes}).'
                ) from None
            raise ReportDataError(
                f'{where}: no {model.__name__} with {natural_key} "{key}" in the file '
                "(above this record) or in the database."
            ) from None

    def _refs(self, model: type[models.Model], keys: Any, where: str) -> list[models.Model]:
        if keys is None:
            return []
        if not isinstance(keys, list):
            raise ReportDataError(f"{where}: expected a list, not {keys!r}.")
        return [self._ref(model, key, where) for key in keys if key is not None]

    def _rows(self, spec: Rows, items: Any, where: str) -> list[dict[str, Any]]:
        if items is None:
            return []
        if not isinstance(items, list):
            raise ReportDataError(f"{where}: {spec.key}: expected a list, not {items!r}.")
        rows = []
        for position, item in enumerate(items, start=1):
            here = f"{where}: {spec.key} #{position}"
            if not isinstance(item, dict):
                raise ReportDataError(f"{here}: expected a mapping of fields, not {item!r}.")
            if unknown := sorted(set(item) - spec.keys):
                raise ReportDataError(
                    f"{here}: unknown field(s) {', '.join(map(str, unknown))}; "
                    f"the fields are {', '.join(sorted(spec.keys))}."
                )
            rows.append(self._values(spec.model, spec.fields, spec.refs, item, here))
        return rows

    # Comparing with the database

    def _differs(self, section: Section, obj, values, many, rows) -> bool:
        for name, value in values.items():
            field = obj._meta.get_field(name)
            wanted = value.pk if field.is_relation and value is not None else value
            if not _same(field, getattr(obj, field.attname), wanted):
                return True
        for name, related in many.items():
            current = set(getattr(obj, name).values_list("pk", flat=True))
            if current != {each.pk for each in related}:
                return True
        for spec in section.rows:
            current = [
                self._row_signature(spec, order=row.order, values=row)
                for row in getattr(obj, spec.related_name).order_by("order", "pk")
            ]
            wanted = [
                self._row_signature(spec, order=order, values=values)
                for order, values in enumerate(rows[spec.key])
            ]
            if current != wanted:
                return True
        return False

    @staticmethod
    def _row_signature(spec: Rows, *, order: int, values) -> tuple:
        """A row as comparable values, from a saved row or from the file's values."""

        saved = isinstance(values, models.Model)
        signature = [order]
        for name in spec.fields:
            value = getattr(values, name) if saved else values[name]
            if isinstance(spec.model._meta.get_field(name), models.CharField | models.TextField):
                value = value or ""
            signature.append(value)
        for name in spec.refs:
            if saved:
                signature.append(getattr(values, f"{name}_id"))
            else:
                signature.append(values[name].pk if values[name] is not None else None)
        return tuple(signature)

    # Writing

    def _write_relations(self, section, obj, many, rows, where, *, replace=False) -> None:
        for name, related in many.items():
            getattr(obj, name).set(related)
        for spec in section.rows:
            if replace:
                getattr(obj, spec.related_name).all().delete()
            for order, values in enumerate(rows[spec.key]):
                row = spec.model(**{spec.parent: obj}, order=order, **values)
                self._save(row, f"{where}: {spec.key} #{order + 1}", spec.unchecked)

    def _validate(self, obj: models.Model, where: str, unchecked: list[str]) -> None:
        try:
            obj.full_clean(exclude=unchecked)
        except ValidationError as error:
            raise ReportDataError(f"{where}: {_describe(error)}") from error

    def _save(self, obj: models.Model, where: str, unchecked: list[str]) -> None:
        self._validate(obj, where, unchecked)
        try:
            obj.save()
        except IntegrityError as error:  # what validation skipped: a duplicate row
            raise ReportDataError(f"{where}: {error}") from error
