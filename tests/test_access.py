"""Who may do what in the admin: every admin URL and action, for every role.

The rules are the tables at the top of this file. Every test reads its expectation from
them, makes the request a browser would make (the form as the page shows it, one field
edited), and checks both the answer and the database afterwards: a refused request leaves
every row, relation, history record and admin log entry as it was.

The world: lab A with team A1 below it, lab B, a spare campus service; in each of the five
kinds of activity a draft, a submitted, a published and an unpublished entry of team A1
and a draft of lab B; a person of A1, one of B and one from outside the school; an
organisation, an SDG target, a user without a role, a group and a draft edition of the
yearly report. The Rédacteur "same"
edits lab A (so team A1's entries are theirs), the Rédacteur "other" edits lab B. The
world is built once; each test runs in a savepoint rolled back after it, so every test
starts from the same world (see ``built_world``).
"""

import csv
import datetime
import io
import json
import re

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from activities import models
from activities.models import State
from activities.roles import ADMINISTRATEUR, EDITEUR, REDACTEUR
from activities.workflow import TRANSITIONS

from .admin_factories import GroupFactory
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
from .test_admin import form_data, form_errors

pytestmark = pytest.mark.django_db

User = get_user_model()

# == The rules ==========================================================================

ANONYMOUS = "anonymous"
STAFF = ("redacteur_same", "redacteur_other", "editeur", "administrateur")
ROLES = (ANONYMOUS, *STAFF)
LOGIN = "login"  # anonymous visitors: every admin URL sends them to the login page

# What each staff role may do with each object of the world: v = view, c = change,
# d = delete (the change form, its history and revert form, the delete page).
#                 redacteur_same  redacteur_other  editeur  administrateur
RIGHTS = {
    # Activities, the same for the five kinds. A Rédacteur edits the entries of their
    # structures and of the structures below them; a published entry is read-only for
    # them (an edit would go live unreviewed); an entry that was ever public is not theirs
    # to delete.
    "draft_a": ("vcd", "", "vcd", "vcd"),
    "submitted_a": ("vcd", "", "vcd", "vcd"),
    "published_a": ("v", "", "vcd", "vcd"),
    "unpublished_a": ("vc", "", "vcd", "vcd"),
    "draft_b": ("", "vcd", "vcd", "vcd"),
    # People: a Rédacteur sees everyone, changes the people of their structures and the
    # people from outside the school (no structure); only publishers delete.
    "person_a": ("vc", "v", "vcd", "vcd"),
    "person_b": ("v", "vc", "vcd", "vcd"),
    "person_ext": ("vc", "vc", "vcd", "vcd"),
    # Partners: Rédacteurs see and add them; publishers change them.
    "organisation": ("v", "v", "vcd", "vcd"),
    # Reference data and accounts: Administrateurs (the 13 targets are never deleted).
    "structure": ("v", "v", "v", "vcd"),
    "target": ("v", "v", "v", "vc"),
    "user": ("", "", "", "vcd"),
    "group": ("", "", "", "vcd"),
    # The yearly report's editions: publishers write them.
    "edition": ("", "", "vcd", "vcd"),
}

# Who may add an entry of each kind (the add form), and import a file of them.
#                 redacteur_same  redacteur_other  editeur  administrateur
ADDS = {
    "activity": (True, True, True, True),
    "person": (True, True, True, True),
    "organisation": (True, True, True, True),
    "structure": (False, False, False, True),
    "target": (False, False, False, False),  # the 13 targets come from a migration
    "user": (False, False, False, True),
    "group": (False, False, False, True),
    "edition": (False, False, True, True),
}
IMPORTS = {
    "activity": (False, False, True, True),  # an import may change published entries
    "person": (True, True, True, True),
    "organisation": (True, True, True, True),
}

# Where a new (or changed) entry may be attached: team A1, lab B, or (people) no structure.
# A Rédacteur's activity stays attached to one of their structures; a person they add or
# change belongs to one of their structures or comes from outside the school.
ATTACHABLE = {
    "activity": {
        "redacteur_same": {"team_a"},
        "redacteur_other": {"lab_b"},
        "editeur": {"team_a", "lab_b"},
        "administrateur": {"team_a", "lab_b"},
    },
    "person": {
        "redacteur_same": {"team_a", "none"},
        "redacteur_other": {"lab_b", "none"},
        "editeur": {"team_a", "lab_b", "none"},
        "administrateur": {"team_a", "lab_b", "none"},
    },
}

# The workflow, by bulk action on the five entries (all selected) or by the change form's
# buttons on each: the entries each role moves. Publishing and unpublishing are for
# publishers; nobody moves an entry they cannot change; a transition moves only the
# entries in one of its source states (activities.workflow).
ENTRIES = ("draft_a", "submitted_a", "published_a", "unpublished_a", "draft_b")
MOVES = {
    "submit": {
        "redacteur_same": {"draft_a", "unpublished_a"},
        "redacteur_other": {"draft_b"},
        "editeur": {"draft_a", "unpublished_a", "draft_b"},
        "administrateur": {"draft_a", "unpublished_a", "draft_b"},
    },
    "publish": {
        "redacteur_same": set(),
        "redacteur_other": set(),
        "editeur": {"draft_a", "submitted_a", "unpublished_a", "draft_b"},
        "administrateur": {"draft_a", "submitted_a", "unpublished_a", "draft_b"},
    },
    "unpublish": {
        "redacteur_same": set(),
        "redacteur_other": set(),
        "editeur": {"published_a"},
        "administrateur": {"published_a"},
    },
    "return_to_draft": {
        "redacteur_same": {"submitted_a", "unpublished_a"},
        "redacteur_other": set(),
        "editeur": {"submitted_a", "unpublished_a"},
        "administrateur": {"submitted_a", "unpublished_a"},
    },
}
# The actions each role is offered in an activity list.
OFFERED_ACTIONS = {
    "redacteur_same": {"delete_selected", "submit", "return_to_draft"},
    "redacteur_other": {"delete_selected", "submit", "return_to_draft"},
    "editeur": {"delete_selected", "submit", "publish", "unpublish", "return_to_draft"},
    "administrateur": {"delete_selected", "submit", "publish", "unpublish", "return_to_draft"},
}
# Deleting in bulk: the never-published entries of both labs, or all five. A selection
# holding an entry the user may not delete is refused as a whole (403).
SELECTIONS = {"drafts": ("draft_a", "submitted_a", "draft_b"), "all": ENTRIES}
DELETED_IN_BULK = {
    "drafts": {
        "redacteur_same": {"draft_a", "submitted_a"},  # draft_b is not in their list
        "redacteur_other": {"draft_b"},
        "editeur": {"draft_a", "submitted_a", "draft_b"},
        "administrateur": {"draft_a", "submitted_a", "draft_b"},
    },
    "all": {
        "redacteur_same": set(),  # published_a and unpublished_a: refused
        "redacteur_other": {"draft_b"},
        "editeur": set(ENTRIES),
        "administrateur": set(ENTRIES),
    },
}

# The admin's other pages, and the publishers' list of entries to review.
#                                     anonymous  r_same  r_other  editeur  administrateur
OTHER_PAGES = {
    "index": (LOGIN, 200, 200, 200, 200),
    "app_list-activities": (LOGIN, 200, 200, 200, 200),
    "app_list-auth": (LOGIN, 404, 404, 404, 200),  # users and groups: Administrateurs
    "jsi18n": (LOGIN, 200, 200, 200, 200),
    "password_change": (LOGIN, 200, 200, 200, 200),
    "password_change_done": (LOGIN, 200, 200, 200, 200),
    "login": (200, 302, 302, 302, 302),  # already logged in: on to the index
    "logout-get": (302, 405, 405, 405, 405),  # logging out is a POST
    "view_on_site": (LOGIN, 302, 302, 302, 302),  # a published entry's public page
    "object-redirect": (LOGIN, 302, 302, 302, 302),  # …/<pk>/ → …/<pk>/change/
    "unknown-page": (LOGIN, 404, 404, 404, 404),
}
REVIEW_LIST = (LOGIN, 403, 403, 200, 200)  # /admin/a-relire/: publishers
IMPORTER = (LOGIN, 403, 403, 200, 200)  # /admin/importer/ (HAL, theses.fr, BibTeX): publishers
EVIDENCE = (LOGIN, 403, 403, 200, 200)  # /admin/preuves/ and its download: publishers


def rights(role, key):
    return "" if role == ANONYMOUS else RIGHTS[key][STAFF.index(role)]


def allowed(rule, role, family):
    """Whether the role may do what the rule (ADDS, IMPORTS) says for this family."""
    return role != ANONYMOUS and rule[family][STAFF.index(role)]


# == The world ==========================================================================

ACTIVITY_FACTORIES = {
    models.Programme: ProgrammeFactory,
    models.ResearchProject: ResearchProjectFactory,
    models.Thesis: ThesisFactory,
    models.Publication: PublicationFactory,
    models.CampusInitiative: CampusInitiativeFactory,
}
ACTIVITIES = tuple(ACTIVITY_FACTORIES)

# The objects of each model in the world, by their key in RIGHTS.
OBJECTS = {
    **dict.fromkeys(ACTIVITIES, ENTRIES),
    models.Person: ("person_a", "person_b", "person_ext"),
    models.Organisation: ("organisation",),
    models.Structure: ("structure",),
    models.SDGTarget: ("target",),
    User: ("user",),
    Group: ("group",),
    models.ReportEdition: ("edition",),
}
MODELS = tuple(OBJECTS)
FAMILY = {
    **dict.fromkeys(ACTIVITIES, "activity"),
    models.Person: "person",
    models.Organisation: "organisation",
    models.Structure: "structure",
    models.SDGTarget: "target",
    User: "user",
    Group: "group",
    models.ReportEdition: "edition",
}
HISTORY_MODELS = tuple(
    model for model in MODELS if getattr(model._meta, "simple_history_manager_attribute", None)
)
# The admins with CSV/XLSX import and export (activities.admin.importexport).
IMPORT_EXPORT_MODELS = tuple(
    model for model in MODELS if hasattr(admin.site._registry[model], "has_import_permission")
)


class World:
    """The structures, users and objects every test starts from (see the module docstring)."""

    def __init__(self):
        self.lab_a = StructureFactory(acronym="LABA", slug="lab-a")
        self.team_a = StructureFactory(
            acronym="EQA1", slug="team-a1", parent=self.lab_a, kind=models.Structure.Kind.TEAM
        )
        self.lab_b = StructureFactory(acronym="LABB", slug="lab-b")
        self.structures = {"team_a": self.team_a, "lab_b": self.lab_b, "none": None}
        self.users = {
            "redacteur_same": staff_user("redacteur-a", REDACTEUR, self.lab_a),
            "redacteur_other": staff_user("redacteur-b", REDACTEUR, self.lab_b),
            "editeur": staff_user("editeur", EDITEUR),
            "administrateur": staff_user("administrateur", ADMINISTRATEUR),
        }
        now = timezone.now()
        entries = {
            "draft_a": ({"state": State.DRAFT}, self.team_a),
            "submitted_a": ({"state": State.SUBMITTED, "submitted_at": now}, self.team_a),
            "published_a": ({"state": State.PUBLISHED}, self.team_a),
            "unpublished_a": ({"state": State.UNPUBLISHED, "published_at": now}, self.team_a),
            "draft_b": ({"state": State.DRAFT}, self.lab_b),
        }
        self.objects = {
            (model, key): factory(
                title_fr=f"{model_id(model)} {key}",
                slug=f"{model_id(model)}-{key}".replace("_", "-"),
                structures=[structure],
                **fields,
            )
            for model, factory in ACTIVITY_FACTORIES.items()
            for key, (fields, structure) in entries.items()
        }
        self.objects |= {
            (models.Person, "person_a"): PersonFactory(structure=self.team_a),
            (models.Person, "person_b"): PersonFactory(structure=self.lab_b),
            (models.Person, "person_ext"): PersonFactory(structure=None),
            (models.Organisation, "organisation"): OrganisationFactory(),
            (models.Structure, "structure"): StructureFactory(
                acronym="SCE", slug="service", kind=models.Structure.Kind.SERVICE
            ),
            (models.SDGTarget, "target"): models.SDGTarget.objects.get(code="3.4"),
            (User, "user"): staff_user("sans-role"),
            (Group, "group"): GroupFactory(name="Invités"),
            (models.ReportEdition, "edition"): ReportEditionFactory(year=2019, is_published=False),
        }
        self._sessions = {role: logged_in_session(user) for role, user in self.users.items()}
        self._forms = {}

    def __getitem__(self, model_and_key):
        """The object as the database holds it now (no test sees another's changes)."""
        obj = self.objects[model_and_key]
        return type(obj)._base_manager.get(pk=obj.pk)

    def pk(self, model, key):
        return self.objects[model, key].pk

    def client(self, role):
        """A browser of the test's own, logged in already (the session was opened with the
        world: logging in writes nothing during a test)."""
        client = Client()
        if role != ANONYMOUS:
            client.cookies[settings.SESSION_COOKIE_NAME] = self._sessions[role]
        return client

    def reference_form(self, url):
        """The form as an Administrateur sees it (they see every object): what a request
        crafted by anyone else would send. Every test starts from the same world, so the
        form read once serves them all."""
        if url not in self._forms:
            self._forms[url] = form_data(self.client("administrateur").get(url))
        return dict(self._forms[url])


def staff_user(username, role=None, *structures):
    user = User.objects.create_user(username, is_staff=True)  # no password: force_login
    if role:
        user.groups.add(Group.objects.get(name=role))
    for structure in structures:
        models.Editorship.objects.create(user=user, structure=structure)
    return user


def logged_in_session(user):
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    """The world, built once for the module inside a transaction rolled back at its end.

    Each test runs in a savepoint of that transaction (pytest-django's ``db``), rolled
    back after it: every test starts from this same world whatever the previous one did,
    without paying half a second to build it again (there are a thousand tests).
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield World()
        transaction.set_rollback(True)


@pytest.fixture
def world(built_world, db, fast_passwords):
    return built_world


# == Helpers ============================================================================


def model_id(model):
    return model._meta.model_name


def admin_url(model, page, *args):
    return reverse(f"admin:{model._meta.app_label}_{model_id(model)}_{page}", args=args)


def case_id(*parts):
    return "-".join(model_id(part) if isinstance(part, type) else str(part) for part in parts)


def cases(*lists):
    """Every combination of the lists' values, each with a readable id."""
    combos = [()]
    for values in lists:
        combos = [(*combo, value) for combo in combos for value in values]
    return [pytest.param(*combo, id=case_id(*combo)) for combo in combos]


def object_cases(keys):
    """(role, model, key) for every model holding one of these keys."""
    return [
        pytest.param(role, model, key, id=case_id(role, model, key))
        for model in MODELS
        for key in OBJECTS[model]
        if key in keys
        for role in ROLES
    ]


def is_login_redirect(response):
    return response.status_code == 302 and response.url.startswith(
        reverse("admin:login") + "?next="
    )


def expect_status(response, status):
    if status == LOGIN:
        assert is_login_redirect(response), (response.status_code, response.get("Location"))
    else:
        assert response.status_code == status, (response.status_code, response.get("Location"))


def table(model):
    """Every column of every row, read in SQL: modeltranslation's values() would show the
    columns of one language only."""
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {meta.db_table} ORDER BY {meta.pk.column}")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def db_state(model):
    """All that a request about this model could write: its rows, its many-to-many rows
    (structures, groups, permissions…), its history and the admin's log."""
    state = {"rows": table(model), "log": table(LogEntry)}
    for field in model._meta.many_to_many:
        state[field.name] = table(field.remote_field.through)
    if model in HISTORY_MODELS:
        state["history"] = table(model.history.model)
    return state


# The field each change test edits, and its new value.
EDITS = {
    **dict.fromkeys(ACTIVITIES, ("title_fr", "Titre modifié")),
    models.Person: ("last_name", "Nom-Modifié"),
    models.Organisation: ("name", "Nom modifié"),
    models.Structure: ("name_fr", "Nom modifié"),
    models.SDGTarget: ("short_title_fr", "Intitulé modifié"),
    User: ("first_name", "Prénom-modifié"),
    Group: ("name", "Groupe modifié"),
    models.ReportEdition: ("commitment_fr", "Engagement modifié."),
}


def edited(model, data):
    field, value = EDITS[model]
    data = data | {field: value}
    if model in ACTIVITIES:
        data["state"] = State.PUBLISHED  # read-only: nobody publishes through a form
    return data


def as_a_form_leaves_it(value):
    """A value as a form's round trip leaves it: an empty text saved as "" rather than
    NULL, a date and time to the second (SQLite returns them as text)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0, tzinfo=None).isoformat(sep=" ")
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+", value):
        return value.partition(".")[0]
    return value


# Columns that the model's save() keeps up to date, besides the edited field: the
# untranslated column of a translated field, and the non-editable ones (version,
# updated_at, a person's name key) except the workflow's, which a form never changes.
WORKFLOW_COLUMNS = {"state", "submitted_at", "submitted_by_id", "published_at", "published_by_id"}


def derived_columns(model, field):
    derived = {f.column for f in model._meta.concrete_fields if not f.editable}
    return {field, field.removesuffix("_fr"), *derived} - WORKFLOW_COLUMNS - {"created_at"}


def assert_only_edited(model, before, obj):
    """The object's row changed in the edited field only (and the columns derived from it);
    every other row is as it was."""
    field, value = EDITS[model]
    after = table(model)
    assert [row for row in after if row["id"] != obj.pk] == [
        row for row in before if row["id"] != obj.pk
    ]
    (old,) = [row for row in before if row["id"] == obj.pk]
    (new,) = [row for row in after if row["id"] == obj.pk]
    assert new[field] == value
    changed = {
        name for name in new if as_a_form_leaves_it(new[name]) != as_a_form_leaves_it(old[name])
    }
    assert changed <= derived_columns(model, field), changed


def has_save_button(response):
    return 'name="_save"' in response.content.decode()


def linked_pks(response, model):
    """The objects a change list links to (each row's link to its change form)."""
    prefix = admin_url(model, "changelist")
    return {
        int(pk) for pk in re.findall(rf'href="{prefix}(\d+)/change/', response.content.decode())
    }


# == Change lists =======================================================================


@pytest.mark.parametrize(("role", "model"), cases(ROLES, MODELS))
def test_changelist_lists_what_the_role_may_see(world, role, model):
    """The list links to the objects the role may see and, for activities, offers the
    role's actions only."""
    response = world.client(role).get(admin_url(model, "changelist"))

    visible = {key for key in OBJECTS[model] if "v" in rights(role, key)}
    if role == ANONYMOUS:
        assert is_login_redirect(response)
    elif not visible:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        listed = linked_pks(response, model)
        assert {key for key in OBJECTS[model] if world.pk(model, key) in listed} == visible
        if model in ACTIVITIES:
            offered = set(re.findall(r'<option value="(\w+)"', response.content.decode()))
            assert offered & {"delete_selected", *TRANSITIONS} == OFFERED_ACTIONS[role]


# == Add ================================================================================

NEW = {
    models.Programme: {"kind": "master_track", "start_year": "2024"},
    models.ResearchProject: {"kind": "anr", "status": "ongoing", "start_year": "2024"},
    models.Thesis: {"status": "ongoing", "start_year": "2024"},
    models.Publication: {"kind": "article", "year": "2024"},
    models.CampusInitiative: {"audience": "staff", "category": "sport", "start_year": "2024"},
    models.Person: {"first_name": "Nouvelle", "last_name": "Personne"},
    models.Organisation: {"name": "Nouvelle organisation", "kind": "company"},
    models.Structure: {"acronym": "NEW", "name_fr": "Nouvelle structure", "kind": "team"},
    models.SDGTarget: {"code": "3.z", "short_title_fr": "Nouvelle", "title_fr": "Nouvelle."},
    User: {
        "username": "nouvelle-recrue",
        "usable_password": "true",
        "password1": "Un-mot-de-passe-solide-42",
        "password2": "Un-mot-de-passe-solide-42",
    },
    Group: {"name": "Nouveau groupe"},
    models.ReportEdition: {"year": "2031", "commitment_fr": "Un nouvel engagement."},
}
for _model in ACTIVITIES:
    NEW[_model] |= {"title_fr": "Nouvelle fiche"}
for _model in (*ACTIVITIES, models.Person, models.Organisation, models.Structure):
    NEW[_model]["slug"] = "nouvelle-fiche"
# How to find what the add form created.
NEW_LOOKUP = {
    User: {"username": "nouvelle-recrue"},
    Group: {"name": "Nouveau groupe"},
    models.SDGTarget: {"code": "3.z"},
    models.ReportEdition: {"year": 2031},
}


def new_object(model):
    lookup = NEW_LOOKUP.get(model, {"slug": "nouvelle-fiche"})
    return model._base_manager.filter(**lookup).first()


def structure_field(model):
    return "structures" if model in ACTIVITIES else "structure"


@pytest.mark.parametrize(("role", "model"), cases(ROLES, MODELS))
def test_add_page(world, role, model):
    response = world.client(role).get(admin_url(model, "add"))

    if role == ANONYMOUS:
        assert is_login_redirect(response)
    else:
        assert response.status_code == (200 if allowed(ADDS, role, FAMILY[model]) else 403)


# Attached to team A1 or to lab B; people also with no structure (from outside the school).
WHERE = {"activity": ("team_a", "lab_b"), "person": ("team_a", "lab_b", "none")}


ADD_CASES = [
    pytest.param(role, model, where, id=case_id(role, model, where))
    for model in MODELS
    for where in WHERE.get(FAMILY[model], ("-",))
    for role in ROLES
]


@pytest.mark.parametrize(("role", "model", "where"), ADD_CASES)
def test_add(world, role, model, where):
    """The add form, filled in and posted."""
    url = admin_url(model, "add")
    family = FAMILY[model]
    data = world.reference_form(url) if allowed(ADDS, "administrateur", family) else {}
    data |= NEW[model]
    if model is models.Thesis:
        data["candidate"] = world.pk(models.Person, "person_ext")
    if where != "-":
        structure = world.structures[where]
        data[structure_field(model)] = [structure.pk] if structure else []
    before = db_state(model)

    response = world.client(role).post(url, data)

    if role == ANONYMOUS:
        assert is_login_redirect(response)
    elif not allowed(ADDS, role, family):
        assert response.status_code == 403
    elif where != "-" and where not in ATTACHABLE[family][role]:
        assert response.status_code == 200  # the form again, with the error
        assert structure_field(model) in response.context["adminform"].form.errors
    else:
        assert response.status_code == 302, form_errors(response)
        created = new_object(model)
        assert created is not None
        if model in ACTIVITIES:
            assert created.state == State.DRAFT
            assert list(created.structures.all()) == [world.structures[where]]
        return
    assert new_object(model) is None
    assert db_state(model) == before


# == Change =============================================================================

CHANGE_KEYS = {
    "draft_a",
    "published_a",
    "draft_b",
    *OBJECTS[models.Person],
    "organisation",
    "structure",
    "target",
    "user",
    "group",
    "edition",
}


@pytest.mark.parametrize(("role", "model", "key"), object_cases(CHANGE_KEYS))
def test_change(world, role, model, key):
    obj = world[model, key]
    url = admin_url(model, "change", obj.pk)
    data = edited(model, world.reference_form(url))
    client = world.client(role)
    before = db_state(model)

    page = client.get(url)
    response = client.post(url, data)

    if role == ANONYMOUS:
        assert is_login_redirect(page) and is_login_redirect(response)
    elif "v" not in rights(role, key):
        assert page.status_code == 403 and response.status_code == 403
    elif "c" not in rights(role, key):
        assert page.status_code == 200
        assert not has_save_button(page)  # read-only
        assert response.status_code == 403
    else:
        assert page.status_code == 200
        assert has_save_button(page)
        assert response.status_code == 302, form_errors(response)
        assert_only_edited(model, before["rows"], obj)
        return
    assert db_state(model) == before


@pytest.mark.parametrize(
    ("model", "key"),
    [
        *[pytest.param(model, "draft_a", id=model_id(model)) for model in ACTIVITIES],
        pytest.param(models.Person, "person_a", id="person"),
    ],
)
def test_a_redacteur_cannot_move_an_entry_out_of_their_structures(world, model, key):
    obj = world[model, key]
    url = admin_url(model, "change", obj.pk)
    data = world.reference_form(url) | {structure_field(model): [world.lab_b.pk]}
    client = world.client("redacteur_same")
    before = db_state(model)

    response = client.post(url, data)

    assert response.status_code == 200  # the form again, with the error
    assert structure_field(model) in response.context["adminform"].form.errors
    assert db_state(model) == before


# A field that links an entry to another entry, and the model it links to.
LINKS = {
    (models.Thesis, "project"): models.ResearchProject,
    (models.Publication, "projects"): models.ResearchProject,
    (models.Publication, "theses"): models.Thesis,
}


@pytest.mark.parametrize(
    ("model", "field"),
    [pytest.param(model, field, id=case_id(model, field)) for model, field in LINKS],
)
def test_a_redacteur_cannot_link_their_entry_to_another_structure_s_draft(world, model, field):
    """Their autocomplete offers only their structures' entries; a crafted POST naming
    another structure's draft must be refused too (their form would then show its name)."""
    obj = world[model, "draft_a"]
    other = world[LINKS[model, field], "draft_b"]
    url = admin_url(model, "change", obj.pk)
    many = model._meta.get_field(field).many_to_many
    data = world.reference_form(url) | {field: [other.pk] if many else other.pk}
    before = db_state(model)

    response = world.client("redacteur_same").post(url, data)

    assert response.status_code == 200  # the form again, with the error
    assert field in response.context["adminform"].form.errors
    assert db_state(model) == before


def test_a_redacteur_cannot_give_themselves_a_role(world):
    """Users and groups are the Administrateurs': a Rédacteur's own page is refused too."""
    redacteur = world.users["redacteur_same"]
    url = admin_url(User, "change", redacteur.pk)
    data = world.reference_form(url) | {
        "groups": [str(group.pk) for group in Group.objects.filter(name=EDITEUR)],
        "is_superuser": "on",
    }
    client = world.client("redacteur_same")
    before = db_state(User)

    response = client.post(url, data)

    assert response.status_code == 403
    assert db_state(User) == before


# == Delete =============================================================================


# A submitted entry is deleted as a draft is (never published): see the bulk deletion.
DELETE_KEYS = set(RIGHTS) - {"submitted_a"}


@pytest.mark.parametrize(("role", "model", "key"), object_cases(DELETE_KEYS))
def test_delete(world, role, model, key):
    obj = world[model, key]
    url = admin_url(model, "delete", obj.pk)
    client = world.client(role)
    before = db_state(model)

    page = client.get(url)
    response = client.post(url, {"post": "yes"})

    if role == ANONYMOUS:
        assert is_login_redirect(page) and is_login_redirect(response)
    elif "d" in rights(role, key):
        assert page.status_code == 200
        assert response.status_code == 302
        assert response.url == admin_url(model, "changelist")
        assert table(model) == [row for row in before["rows"] if row["id"] != obj.pk]
        return
    else:
        assert page.status_code == 403 and response.status_code == 403
    assert db_state(model) == before


# == History and revert =================================================================


@pytest.mark.parametrize(("role", "model", "key"), object_cases(CHANGE_KEYS))
def test_history(world, role, model, key):
    obj = world[model, key]

    response = world.client(role).get(admin_url(model, "history", obj.pk))

    if role == ANONYMOUS:
        assert is_login_redirect(response)
    else:
        assert response.status_code == (200 if "v" in rights(role, key) else 403)


REVERT_CASES = [case for case in object_cases(CHANGE_KEYS) if case.values[1] in HISTORY_MODELS]


@pytest.mark.parametrize(("role", "model", "key"), REVERT_CASES)
def test_history_revert_form(world, role, model, key):
    """/admin/…/<pk>/history/<history_id>/: a past version, saved back by its form."""
    obj = world[model, key]
    version = obj.history.earliest("history_date")
    url = admin_url(model, "simple_history", obj.pk, version.history_id)
    data = edited(model, world.reference_form(url))
    client = world.client(role)
    before = db_state(model)

    page = client.get(url)
    response = client.post(url, data)

    if role == ANONYMOUS:
        assert is_login_redirect(page) and is_login_redirect(response)
    elif "v" not in rights(role, key):
        assert page.status_code == 403 and response.status_code == 403
    elif "c" not in rights(role, key):
        assert page.status_code == 200
        assert not has_save_button(page)  # no "Revert" button
        assert response.status_code == 403
    else:
        assert page.status_code == 200
        assert has_save_button(page)
        assert response.status_code == 302, form_errors(response)
        assert_only_edited(model, before["rows"], obj)
        return
    assert db_state(model) == before


# == Workflow: bulk actions and the change form's buttons ================================


def entry_rows(world, model):
    """The five entries' rows, by key."""
    rows = {row["id"]: row for row in table(model)}
    return {key: rows.get(world.pk(model, key)) for key in ENTRIES}


def assert_moved(world, model, role, name, before):
    """The entries the role may move are in the transition's target state; every other
    entry's row is exactly as it was."""
    after = entry_rows(world, model)
    moved = MOVES[name].get(role, set())
    assert {key for key in ENTRIES if after[key] != before[key]} == moved
    assert all(after[key]["state"] == TRANSITIONS[name].target for key in moved)


@pytest.mark.parametrize(("role", "model", "name"), cases(ROLES, ACTIVITIES, TRANSITIONS))
def test_workflow_action(world, role, model, name):
    before = entry_rows(world, model)
    selected = [world.pk(model, key) for key in ENTRIES]

    response = world.client(role).post(
        admin_url(model, "changelist"), {"action": name, "_selected_action": selected}
    )

    if role == ANONYMOUS:
        assert is_login_redirect(response)
    else:
        assert response.status_code == 302
        assert response.url == admin_url(model, "changelist")
    assert_moved(world, model, role, name, before)


@pytest.mark.parametrize(("role", "model", "name"), cases(ROLES, ACTIVITIES, TRANSITIONS))
def test_workflow_button(world, role, model, name):
    """POST …/<pk>/transition/<name>/ (GET: 405) on each of the five entries."""
    before = entry_rows(world, model)
    client = world.client(role)

    get = client.get(admin_url(model, "transition", world.pk(model, "draft_a"), name))
    expect_status(get, LOGIN if role == ANONYMOUS else 405)
    for key in ENTRIES:
        pk = world.pk(model, key)
        response = client.post(admin_url(model, "transition", pk, name))
        if role == ANONYMOUS:
            assert is_login_redirect(response), key
        elif "v" not in rights(role, key):
            assert response.status_code == 403, key
        else:  # back to the form, which says what was done or refused
            assert response.status_code == 302, key
            assert response.url == admin_url(model, "change", pk)
    assert_moved(world, model, role, name, before)


def test_an_unknown_transition_is_not_found(world):
    obj = world[models.ResearchProject, "draft_a"]
    url = admin_url(models.ResearchProject, "transition", obj.pk, "explode")
    before = db_state(models.ResearchProject)

    assert world.client("editeur").post(url).status_code == 404
    assert db_state(models.ResearchProject) == before


@pytest.mark.parametrize(("role", "model", "selection"), cases(ROLES, ACTIVITIES, SELECTIONS))
def test_delete_selected_action(world, role, model, selection):
    selected = [world.pk(model, key) for key in SELECTIONS[selection]]
    data = {"action": "delete_selected", "_selected_action": selected, "post": "yes"}
    before = db_state(model)

    response = world.client(role).post(admin_url(model, "changelist"), data)

    deleted = DELETED_IN_BULK[selection].get(role, set())
    if role == ANONYMOUS:
        assert is_login_redirect(response)
    else:
        assert response.status_code == (302 if deleted else 403)
    if deleted:
        gone = {world.pk(model, key) for key in deleted}
        assert table(model) == [row for row in before["rows"] if row["id"] not in gone]
    else:
        assert db_state(model) == before


# == Preview and the review list =========================================================


@pytest.mark.parametrize(("role", "model", "key"), cases(ROLES, ACTIVITIES, ("draft_a", "draft_b")))
def test_preview(world, role, model, key):
    """/fr/apercu/<model>/<pk>/: an entry as its public page will show it."""
    obj = world[model, key]

    response = world.client(role).get(reverse("activities:preview", args=[model_id(model), obj.pk]))

    if role == ANONYMOUS:
        assert is_login_redirect(response)
    elif "v" in rights(role, key):
        assert response.status_code == 200
        assert obj.title_fr in response.content.decode()
        assert response["X-Robots-Tag"] == "noindex"
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_review_list(world, role):
    response = world.client(role).get(reverse("admin-review"))

    expect_status(response, REVIEW_LIST[ROLES.index(role)])
    if response.status_code == 200:
        links = set(re.findall(r'href="([^"]+)"', response.content.decode()))
        for model in ACTIVITIES:
            assert admin_url(model, "change", world.pk(model, "submitted_a")) in links
            assert admin_url(model, "change", world.pk(model, "draft_a")) not in links


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["admin-evidence", "admin-evidence-export"])
def test_evidence_view_and_download(world, role, name):
    """The evidence for THE Impact Rankings: publishers; only published entries."""
    response = world.client(role).get(reverse(name), {"year": "2023"})

    expect_status(response, EVIDENCE[ROLES.index(role)])
    if response.status_code == 200 and name == "admin-evidence":
        links = set(re.findall(r'href="([^"]+)"', response.content.decode()))
        publication = models.Publication
        assert admin_url(publication, "change", world.pk(publication, "published_a")) in links
        for key in ("draft_a", "submitted_a", "unpublished_a", "draft_b"):
            assert admin_url(publication, "change", world.pk(publication, key)) not in links


BIBTEX = b"""@article{durand2023,
  title = {Capteurs de la qualit{\\'e} de l'air},
  author = {Durand, Anne},
  journal = {Sensors},
  year = {2023},
}
"""


@pytest.mark.parametrize("role", ROLES)
def test_importer_is_for_publishers_and_previews_without_writing(world, role):
    """/admin/importer/: a file sent is a dry run; its confirmation, the only step that
    writes, is refused to non-publishers too."""
    url = reverse("admin-import")
    upload = SimpleUploadedFile("refs.bib", BIBTEX)
    client = world.client(role)
    before = db_state(models.Publication)

    page = client.get(url)
    preview = client.post(url, {"source": "bibtex", "file": upload})
    confirmation = client.post(url, {"step": "confirm", "source": "bibtex", "token": "x"})

    status = IMPORTER[ROLES.index(role)]
    for response in (page, preview):
        expect_status(response, status)
    if status == 200:
        assert preview.context["report"] is not None  # the dry run's report
        expect_status(confirmation, 302)  # "the file is gone: start again"
    else:
        expect_status(confirmation, status)
    assert db_state(models.Publication) == before


# == Autocomplete =======================================================================

# A form's autocompleted field → the model whose objects it offers (the user's editorships
# are edited on the user's page, by Administrateurs).
AUTOCOMPLETE = {
    (models.ResearchProject, "structures"): models.Structure,
    (models.Thesis, "candidate"): models.Person,
    (models.Thesis, "project"): models.ResearchProject,
    (models.Publication, "theses"): models.Thesis,
    (models.CampusInitiative, "provider"): models.Organisation,
    (models.ReportStructure, "structure"): models.Structure,
    (models.Editorship, "user"): User,
}


@pytest.mark.parametrize(
    ("role", "source", "field"),
    [
        pytest.param(role, source, field, id=case_id(role, source, field))
        for source, field in AUTOCOMPLETE
        for role in ROLES
    ],
)
def test_autocomplete_offers_what_the_role_may_see(world, role, source, field):
    """/admin/autocomplete/?app_label=activities&model_name=…&field_name=…&term="""
    target = AUTOCOMPLETE[source, field]
    query = {"app_label": "activities", "model_name": model_id(source), "field_name": field}
    visible = {key for key in OBJECTS[target] if "v" in rights(role, key)}

    response = world.client(role).get(reverse("admin:autocomplete"), {**query, "term": ""})

    if role == ANONYMOUS:
        assert is_login_redirect(response)
    elif not visible:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        offered = {int(result["id"]) for result in json.loads(response.content)["results"]}
        assert {key for key in OBJECTS[target] if world.pk(target, key) in offered} == visible
        if target is models.Structure:  # every structure, to attach an entry to
            assert {world.lab_a.pk, world.team_a.pk, world.lab_b.pk} <= offered


# == Export and import ==================================================================


def import_export_cases():
    return cases(ROLES, IMPORT_EXPORT_MODELS)


@pytest.mark.parametrize(("role", "model"), import_export_cases())
def test_export_holds_what_the_role_may_see(world, role, model):
    url = admin_url(model, "export")
    client = world.client(role)
    visible = {key for key in OBJECTS[model] if "v" in rights(role, key)}
    before = db_state(model)

    page = client.get(url)

    if role == ANONYMOUS:
        assert is_login_redirect(page)
        assert is_login_redirect(client.post(url, {"format": "0"}))
    elif not visible:
        assert page.status_code == 403
    else:
        assert page.status_code == 200
        form = page.context["form"]
        formats = {label: value for value, label in form.fields["format"].choices}
        data = {"resource": "0", "format": formats["csv"]}
        data |= {name: "on" for name, f in form.fields.items() if hasattr(f, "is_selectable_field")}
        response = client.post(url, data)
        assert response.status_code == 200
        rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
        exported = {row["slug"] for row in rows}
        assert {key for key in OBJECTS[model] if world[model, key].slug in exported} == visible
    assert db_state(model) == before


IMPORT_FILES = {
    **dict.fromkeys(ACTIVITIES, "slug,title_fr\nimportee,Fiche importée\n"),
    models.Person: "slug,first_name,last_name\nimportee,Anne,Importée\n",
    models.Organisation: "slug,name,kind\nimportee,Organisation importée,company\n",
}


@pytest.mark.parametrize(("role", "model"), import_export_cases())
def test_import_is_refused_or_previewed_without_writing(world, role, model):
    """The import page, a file sent to it (the preview: nothing written) and a bare
    confirmation (nothing to confirm: nothing written)."""
    url = admin_url(model, "import")
    upload = SimpleUploadedFile("import.csv", IMPORT_FILES[model].encode())
    client = world.client(role)
    before = db_state(model)

    page = client.get(url)
    preview = client.post(url, {"resource": "0", "format": "0", "import_file": upload})
    confirmation = client.post(admin_url(model, "process_import"), {})

    if role == ANONYMOUS:
        assert all(map(is_login_redirect, (page, preview, confirmation)))
    elif allowed(IMPORTS, role, FAMILY[model]):
        assert page.status_code == preview.status_code == confirmation.status_code == 200
    else:
        assert page.status_code == preview.status_code == confirmation.status_code == 403
    assert db_state(model) == before


# == The admin's other pages ============================================================


def other_page_url(world, page):
    project = world[models.ResearchProject, "published_a"]
    project_type = ContentType.objects.get_for_model(project)
    return {
        "index": reverse("admin:index"),
        "app_list-activities": reverse("admin:app_list", args=["activities"]),
        "app_list-auth": reverse("admin:app_list", args=["auth"]),
        "jsi18n": reverse("admin:jsi18n"),
        "password_change": reverse("admin:password_change"),
        "password_change_done": reverse("admin:password_change_done"),
        "login": reverse("admin:login"),
        "logout-get": reverse("admin:logout"),
        "view_on_site": reverse("admin:view_on_site", args=[project_type.pk, project.pk]),
        "object-redirect": f"{admin_url(models.ResearchProject, 'changelist')}{project.pk}/",
        "unknown-page": "/admin/nothing-here/",
    }[page]


@pytest.mark.parametrize(("role", "page"), cases(ROLES, OTHER_PAGES))
def test_other_admin_pages(world, role, page):
    response = world.client(role).get(other_page_url(world, page))

    expect_status(response, OTHER_PAGES[page][ROLES.index(role)])


@pytest.mark.parametrize("role", ROLES)
def test_setting_another_user_s_password(world, role):
    """/admin/auth/user/<pk>/password/: whoever may change users."""
    user = world[User, "user"]
    url = admin_url(User, "password_change", user.pk)
    password = "Un-autre-mot-de-passe-42"
    data = {"usable_password": "true", "password1": password, "password2": password}
    client = world.client(role)
    before = db_state(User)

    page = client.get(url)
    response = client.post(url, data)

    if role == ANONYMOUS:
        assert is_login_redirect(page) and is_login_redirect(response)
    elif "c" in rights(role, "user"):
        assert page.status_code == 200
        assert response.status_code == 302, form_errors(response)
        user.refresh_from_db()
        assert user.check_password(password)
        return
    else:
        assert page.status_code == 403 and response.status_code == 403
    assert db_state(User) == before


# == Every admin URL is covered =========================================================

# The admin's URLs, by name, that the tests above request.
COVERED = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
    "auth_user_password_change",
    *(
        f"{model._meta.app_label}_{model_id(model)}_{page}"
        for model in MODELS
        for page in ("changelist", "add", "change", "delete", "history")
    ),
    *(f"activities_{model_id(model)}_simple_history" for model in HISTORY_MODELS),
    *(f"activities_{model_id(model)}_transition" for model in ACTIVITIES),
    *(
        f"activities_{model_id(model)}_{page}"
        for model in IMPORT_EXPORT_MODELS
        for page in ("export", "import", "process_import")
    ),
}


def admin_url_names(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from admin_url_names(pattern.url_patterns)
        elif pattern.name:
            yield pattern.name


def test_every_admin_url_and_model_is_covered():
    """A new admin page needs its rows in the tables above."""
    assert set(admin_url_names(admin.site.urls[0])) == COVERED
    # Pages under /admin/ outside the admin site.
    outside = {
        pattern.name
        for pattern in get_resolver().url_patterns
        if str(pattern.pattern).startswith("admin/") and not isinstance(pattern, URLResolver)
    }
    assert outside == {"admin-review", "admin-import", "admin-evidence", "admin-evidence-export"}
    assert set(admin.site._registry) == set(MODELS)
    assert all(FAMILY[model] in IMPORTS for model in IMPORT_EXPORT_MODELS)
