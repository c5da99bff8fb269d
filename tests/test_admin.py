"""The admin: who gets in, what every form saves, the publish actions, ensure_admin."""

import html
import re
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import models

from .admin_factories import (
    AuthorshipFactory,
    GroupFactory,
    SuperUserFactory,
    edition_with_rows,
    initiative_with_rows,
    programme_with_rows,
    project_with_rows,
    publication_with_rows,
    structure_with_parent,
    thesis_with_rows,
)
from .factories import (
    CampusInitiativeFactory,
    OrganisationFactory,
    PersonFactory,
    ProgrammeFactory,
    PublicationFactory,
    ResearchProjectFactory,
    StructureFactory,
    ThesisFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The production hasher takes half a second a user; these tests log in hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def tagged():
    """Structures and SDG targets for an activity, so forms and lists show some."""
    return {
        "structures": [StructureFactory(), StructureFactory()],
        "targets": list(models.SDGTarget.objects.filter(code__in=["3.4", "3.9"])),
    }


def person_with_links():
    return PersonFactory(structure=StructureFactory(), affiliation=OrganisationFactory())


# One small object per registered model, with a row in each of its inlines.
BUILDERS = {
    "activities.Structure": structure_with_parent,
    "activities.Organisation": OrganisationFactory,
    "activities.Person": person_with_links,
    "activities.SDGTarget": lambda: models.SDGTarget.objects.get(code="3.4"),
    "activities.Programme": lambda: programme_with_rows(**tagged()),
    "activities.ResearchProject": lambda: project_with_rows(**tagged()),
    "activities.Thesis": lambda: thesis_with_rows(**tagged()),
    "activities.Publication": lambda: publication_with_rows(**tagged()),
    "activities.CampusInitiative": lambda: initiative_with_rows(**tagged()),
    "activities.ReportEdition": edition_with_rows,
    "auth.Group": GroupFactory,
    "auth.User": SuperUserFactory,
}

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
PAGES = ("changelist", "add", "change")
CASES = [(model, page) for model in REGISTERED for page in PAGES]
CASE_IDS = [f"{model._meta.label}-{page}" for model, page in CASES]

# Admins that refuse a page to everyone, superusers included.
REFUSED = {("activities.SDGTarget", "add"): 403}  # the 13 targets are fixed

ACTIVITY_FACTORIES = {
    models.Programme: ProgrammeFactory,
    models.ResearchProject: ResearchProjectFactory,
    models.Thesis: ThesisFactory,
    models.Publication: PublicationFactory,
    models.CampusInitiative: CampusInitiativeFactory,
}


def admin_url(model, page, obj=None):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}"
    return reverse(name, args=[obj.pk] if page == "change" else [])


def snapshot(model):
    """Every row of the model's table, to prove a refused request changed nothing."""
    return list(model._base_manager.order_by("pk").values())


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


class FormData(HTMLParser):
    """What a browser would submit from the admin form of a page, nothing edited."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.data, self.inside, self.select, self.textarea = {}, False, None, None
        self.feed(html)

    def add(self, name, value):
        if name and "__prefix__" not in name:  # the template row the JavaScript copies
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            # The admin's own form posts to the page itself; skip the logout form.
            self.inside = attrs.get("id", "").endswith("_form")
        if not self.inside or "disabled" in attrs:
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.add(attrs.get("name"), attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self.select = {"name": attrs.get("name"), "multiple": "multiple" in attrs}
            self.select.update(first=None, chosen=False)
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in attrs:
                self.select["chosen"] = True
                self.add(self.select["name"], value)
        elif tag == "textarea":
            self.textarea = [attrs.get("name"), ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            select = self.select
            if not select["chosen"] and not select["multiple"] and select["first"] is not None:
                self.add(select["name"], select["first"])
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.add(name, text.removeprefix("\n"))  # as a browser reads the textarea
            self.textarea = None


def form_data(response):
    assert response.status_code == 200
    return {
        name: values if len(values) > 1 else values[0]
        for name, values in FormData(response.content.decode()).data.items()
    }


def form_errors(response):
    """The errors an admin page shows, to make a failed save readable."""
    context = response.context
    errors = [context["adminform"].form.errors] if "adminform" in context else []
    for inline in context.get("inline_admin_formsets", []):
        errors += [inline.formset.non_form_errors(), *inline.formset.errors]
    return [error for error in errors if error]


# -- Who gets in ----------------------------------------------------------------------


def test_every_registered_model_has_a_builder():
    assert {model._meta.label for model in REGISTERED} == set(BUILDERS)


@pytest.mark.parametrize(("model", "page"), CASES, ids=CASE_IDS)
def test_anonymous_is_sent_to_login_and_changes_nothing(model, page):
    obj = BUILDERS[model._meta.label]()
    url = admin_url(model, page, obj)
    # The request an administrator would make: the form as shown, or a confirmed deletion.
    if page == "changelist":
        data = {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    elif REFUSED.get((model._meta.label, page)):
        data = {"code": "3.z"}
    else:
        data = form_data(logged_in(SuperUserFactory()).get(url))
    before = snapshot(model)
    anonymous = Client()

    for response in (anonymous.get(url), anonymous.post(url, data)):
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login") + "?next=")
    assert snapshot(model) == before


@pytest.mark.parametrize(("model", "page"), CASES, ids=CASE_IDS)
def test_staff_without_permission_is_refused(model, page):
    obj = BUILDERS[model._meta.label]()
    url = admin_url(model, page, obj)
    client = logged_in(get_user_model().objects.create_user("sans-droits", is_staff=True))
    before = snapshot(model)

    assert client.get(url).status_code == 403
    assert client.post(url, {"title_fr": "Modifié", "name": "Modifié"}).status_code == 403
    assert snapshot(model) == before


@pytest.mark.parametrize(("model", "page"), CASES, ids=CASE_IDS)
def test_superuser_opens_every_page(model, page):
    obj = BUILDERS[model._meta.label]()
    response = logged_in(SuperUserFactory()).get(admin_url(model, page, obj))

    assert response.status_code == REFUSED.get((model._meta.label, page), 200)
    if response.status_code == 200:
        assert "Portail ODD 3 — IMT Mines Alès" in response.content.decode()


@pytest.mark.parametrize("model", REGISTERED, ids=[m._meta.label for m in REGISTERED])
def test_superuser_saves_every_change_form_as_shown(model):
    """Each form, its inlines included, validates and saves back what it displays."""
    obj = BUILDERS[model._meta.label]()
    client = logged_in(SuperUserFactory())
    url = admin_url(model, "change", obj)

    response = client.post(url, form_data(client.get(url)))

    assert response.status_code == 302, form_errors(response)
    assert response.url == admin_url(model, "changelist")


def test_anonymous_post_does_not_change_a_publication_that_an_admin_can_change():
    publication = publication_with_rows(title_fr="Titre d'origine")
    url = admin_url(models.Publication, "change", publication)
    superuser = logged_in(SuperUserFactory())
    data = form_data(superuser.get(url)) | {"title_fr": "Titre modifié"}

    assert Client().post(url, data).status_code == 302
    publication.refresh_from_db()
    assert publication.title_fr == "Titre d'origine"

    # The same request, from an administrator, does change it: the data was valid.
    assert superuser.post(url, data).status_code == 302
    publication.refresh_from_db()
    assert publication.title_fr == "Titre modifié"


def test_index_is_in_french_with_the_portal_name():
    response = logged_in(SuperUserFactory()).get(reverse("admin:index"))

    content = response.content.decode()
    assert "Portail ODD 3 — IMT Mines Alès" in content
    assert "Administration du portail" in content
    assert "Projets de recherche" in content
    assert 'href="/fr/"' in content


# -- Publish and unpublish ------------------------------------------------------------


@pytest.mark.parametrize(
    "model", ACTIVITY_FACTORIES, ids=[m._meta.label for m in ACTIVITY_FACTORIES]
)
def test_publish_and_unpublish_actions_change_state_and_report_the_count(model):
    factory = ACTIVITY_FACTORIES[model]
    drafts = factory.create_batch(2, state=models.State.DRAFT)
    published = factory(state=models.State.PUBLISHED)
    untouched = factory(state=models.State.DRAFT)
    selected = [obj.pk for obj in [*drafts, published]]
    client = logged_in(SuperUserFactory())
    url = admin_url(model, "changelist")

    response = client.post(url, {"action": "publish", "_selected_action": selected}, follow=True)

    page = html.unescape(response.content.decode())
    assert "Publier : 2 fiches traitées." in page
    assert "est à l'état « publié » : impossible de le publier." in page
    assert set(model.objects.published().values_list("pk", flat=True)) == set(selected)
    assert all(obj.published_at for obj in model.objects.filter(pk__in=selected))
    untouched.refresh_from_db()
    assert untouched.state == models.State.DRAFT

    response = client.post(url, {"action": "unpublish", "_selected_action": selected}, follow=True)

    assert "Dépublier : 3 fiches traitées." in response.content.decode()
    assert not model.objects.published().exists()
    assert model.objects.filter(state=models.State.UNPUBLISHED).count() == 3


# -- Publications: authors in order, a constant number of queries ---------------------


def test_adding_a_publication_stores_its_authors_in_order():
    client = logged_in(SuperUserFactory())
    url = admin_url(models.Publication, "add")
    person = PersonFactory(first_name="Anne", last_name="Durand")
    structure = StructureFactory()
    data = form_data(client.get(url))
    data.update(
        {
            "title_fr": "Capteurs de la qualité de l'air intérieur",
            "slug": "capteurs-qai",
            "kind": models.Publication.Kind.JOURNAL_ARTICLE,
            "year": "2023",
            "structures": [structure.pk],
            "targets": [models.SDGTarget.objects.get(code="3.9").pk],
            "authorships-TOTAL_FORMS": "2",
            # Typed in the second row but first in the list, as an editor may do.
            "authorships-0-order": "2",
            "authorships-0-name": "Zoé Martin",
            "authorships-1-order": "1",
            "authorships-1-name": "A. Durand",
            "authorships-1-person": person.pk,
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    publication = models.Publication.objects.get(slug="capteurs-qai")
    assert [(a.order, a.name, a.person) for a in publication.authorships.all()] == [
        (1, "A. Durand", person),
        (2, "Zoé Martin", None),
    ]
    assert list(publication.structures.all()) == [structure]
    assert publication.state == models.State.DRAFT


def test_two_new_authors_are_numbered_one_after_the_other():
    publication = publication_with_rows(authors=2)
    client = logged_in(SuperUserFactory())
    url = admin_url(models.Publication, "change", publication)
    data = form_data(client.get(url))

    assert data["authorships-2-order"] == "3"  # the blank row follows the existing ones


def test_two_authors_at_the_same_position_are_refused():
    client = logged_in(SuperUserFactory())
    url = admin_url(models.Publication, "add")
    data = form_data(client.get(url)) | {
        "title_fr": "Doublon",
        "slug": "doublon",
        "kind": models.Publication.Kind.POSTER,
        "year": "2023",
        "authorships-TOTAL_FORMS": "2",
        "authorships-0-order": "1",
        "authorships-0-name": "Un",
        "authorships-1-order": "1",
        "authorships-1-name": "Deux",
    }

    response = client.post(url, data)

    assert response.status_code == 200
    assert form_errors(response)
    assert not models.Publication.objects.filter(slug="doublon").exists()


def changelist_queries(client, model, rows):
    while model.objects.count() < rows:
        BUILDERS[model._meta.label]()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows
    return len(queries)


@pytest.mark.parametrize(
    "model", ACTIVITY_FACTORIES, ids=[m._meta.label for m in ACTIVITY_FACTORIES]
)
def test_activity_changelist_queries_do_not_grow_with_rows(model):
    # Publications (10): session, user, the filters' choices (years, structures,
    # targets), the two counts (filtered and total), the page, then one prefetch for
    # the page's structures and one for its authors. Each row has two structures and
    # two authors: one query per row would show at once. Theses add one for the years
    # of the defence-date hierarchy; the other lists have no authors to prefetch.
    client = logged_in(SuperUserFactory())

    few = changelist_queries(client, model, 3)
    many = changelist_queries(client, model, 30)

    assert few == many, (few, many)
    assert few <= 11


def test_changelist_search_finds_a_publication_by_author_and_doi():
    wanted = publication_with_rows(authors=1, doi="10.1000/odd3")
    AuthorshipFactory(publication=wanted, person=None, name="Ibrahim Kéita", order=2)
    publication_with_rows(authors=1)
    client = logged_in(SuperUserFactory())
    url = admin_url(models.Publication, "changelist")

    for query in ("Kéita", "10.1000/odd3"):
        result = client.get(url, {"q": query}).context["cl"].result_list
        assert list(result) == [wanted]


# -- ensure_admin ---------------------------------------------------------------------

PRINTED = re.compile(r"Identifiant : (?P<username>\S+) / Mot de passe : (?P<password>\S+)")


def ensure_admin(*args):
    out = StringIO()
    call_command("ensure_admin", *args, stdout=out)
    return out.getvalue()


def test_ensure_admin_creates_then_resets_the_superuser():
    output = ensure_admin()

    first = PRINTED.search(output)
    assert first["username"] == "admin"
    assert "http://127.0.0.1:8000/admin/" in output
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.check_password(first["password"])

    second = PRINTED.search(ensure_admin())

    user.refresh_from_db()
    assert second["password"] != first["password"]
    assert user.check_password(second["password"])
    assert not user.check_password(first["password"])
    assert get_user_model().objects.count() == 1


def test_ensure_admin_logs_in_with_the_printed_password():
    password = PRINTED.search(ensure_admin("--username", "editrice"))["password"]

    client = Client()
    assert client.login(username="editrice", password=password)
    assert client.get(reverse("admin:index")).status_code == 200


def test_ensure_admin_takes_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("ODD3_ADMIN_PASSWORD", "Correct-Horse-Battery-42")

    output = ensure_admin("--password-env", "ODD3_ADMIN_PASSWORD")

    assert "Correct-Horse-Battery-42" not in output
    user = get_user_model().objects.get(username="admin")
    assert user.check_password("Correct-Horse-Battery-42")


@pytest.mark.parametrize("value", ["", "court", "123456789012345"])
def test_ensure_admin_refuses_a_weak_or_missing_password(monkeypatch, value):
    monkeypatch.setenv("ODD3_ADMIN_PASSWORD", value)

    with pytest.raises(CommandError):
        ensure_admin("--password-env", "ODD3_ADMIN_PASSWORD")
    assert not get_user_model().objects.exists()
