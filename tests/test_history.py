"""History of every change (who, when, what), revert, and no lost updates."""

import html

import pytest

from activities.models import Person, ResearchProject, SDGTarget, State
from activities.roles import EDITEUR, REDACTEUR

from .factories import PersonFactory, ResearchProjectFactory, StructureFactory
from .test_admin import form_data, form_errors

pytestmark = pytest.mark.django_db

CHANGE = "/admin/activities/researchproject/{}/change/"
HISTORY = "/admin/activities/researchproject/{}/history/"


@pytest.fixture
def lab():
    return StructureFactory(acronym="CERIS", slug="ceris")


@pytest.fixture
def project(lab):
    return ResearchProjectFactory(
        state=State.DRAFT,
        acronym="QAI",
        title_fr="Qualité de l'air",
        structures=[lab],
        targets=[SDGTarget.objects.get(code="3.9")],
    )


def edit(client, url, **changes):
    """Open the admin form, change some fields, save it (as a browser would)."""
    data = form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


def test_every_admin_change_is_recorded_with_who_and_what(client, make_user, project, lab):
    editeur = make_user(EDITEUR)
    client.force_login(editeur)
    response = edit(client, CHANGE.format(project.pk), title_fr="Qualité de l'air intérieur")
    assert response.status_code == 302, form_errors(response)

    last, before = project.history.order_by("-history_date")[:2]
    assert last.history_user == editeur
    assert last.title_fr == "Qualité de l'air intérieur"
    changed = {change.field for change in last.diff_against(before).changes}
    assert "title_fr" in changed

    page = html.unescape(client.get(HISTORY.format(project.pk)).content.decode())
    assert editeur.username in page
    assert "Qualité de l'air intérieur" in page or "title" in page.lower()


def test_changes_to_relations_and_rows_are_recorded_too(client, make_user, project):
    client.force_login(make_user(EDITEUR))
    other = StructureFactory(acronym="RIME", slug="rime")
    response = edit(client, CHANGE.format(project.pk), structures=[str(other.pk)])
    assert response.status_code == 302, form_errors(response)
    last = project.history.order_by("-history_date").first()
    assert [row.structure_id for row in last.structures.all()] == [other.pk]
    person = PersonFactory()
    project.team.create(person=person, role="lead")
    assert project.team.first().history.count() == 1


def test_a_previous_version_can_be_restored_from_the_history(client, make_user, project):
    client.force_login(make_user(EDITEUR))
    original = project.history.order_by("history_date").last()
    edit(client, CHANGE.format(project.pk), title_fr="Titre erroné")
    before_revert = project.history.count()
    project.refresh_from_db()
    assert project.title_fr == "Titre erroné"

    revert_url = f"{HISTORY.format(project.pk)}{original.history_id}/"
    page = client.get(revert_url)
    assert page.status_code == 200
    response = client.post(revert_url, form_data(page))
    assert response.status_code == 302, form_errors(response)
    project.refresh_from_db()
    assert project.title_fr == "Qualité de l'air"
    assert project.history.count() == before_revert + 1  # the revert is a change too
    assert project.history.order_by("-history_date").first().title_fr == "Qualité de l'air"


def test_reverting_never_changes_the_workflow_state(client, make_user, project):
    """A version saved while published does not republish the entry when restored."""
    editeur = make_user(EDITEUR)
    from activities.workflow import activity_transition

    activity_transition(activity=project, name="publish", user=editeur)
    published_version = project.history.order_by("-history_date").first()
    activity_transition(activity=project, name="unpublish", user=editeur)

    client.force_login(editeur)
    revert_url = f"{HISTORY.format(project.pk)}{published_version.history_id}/"
    response = client.post(revert_url, form_data(client.get(revert_url)))
    assert response.status_code == 302, form_errors(response)
    project.refresh_from_db()
    assert project.state == State.UNPUBLISHED


def test_the_second_of_two_simultaneous_edits_is_refused(make_user, project, django_db_blocker):
    from django.test import Client

    first, second = Client(), Client()
    alice, bob = make_user(EDITEUR), make_user(EDITEUR)
    first.force_login(alice)
    second.force_login(bob)
    url = CHANGE.format(project.pk)
    alice_form = form_data(first.get(url))
    bob_form = form_data(second.get(url))  # both opened the same version

    alice_form["title_fr"] = "Version d'Alice"
    assert first.post(url, alice_form).status_code == 302

    bob_form["title_fr"] = "Version de Bob"
    response = second.post(url, bob_form)
    assert response.status_code == 200  # the form again, with the refusal
    page = html.unescape(response.content.decode())
    assert "Cette fiche a été modifiée par" in page
    assert alice.username in page
    project.refresh_from_db()
    assert project.title_fr == "Version d'Alice"

    # Reopened, Bob's form carries the new version and saves.
    bob_form = form_data(second.get(url))
    bob_form["title_fr"] = "Version de Bob"
    assert second.post(url, bob_form).status_code == 302
    project.refresh_from_db()
    assert project.title_fr == "Version de Bob"


def test_a_post_without_the_version_is_refused(client, make_user, project):
    client.force_login(make_user(EDITEUR))
    data = form_data(client.get(CHANGE.format(project.pk)))
    data.pop("loaded_version")
    data["title_fr"] = "Sans version"
    assert client.post(CHANGE.format(project.pk), data).status_code == 200
    project.refresh_from_db()
    assert project.title_fr == "Qualité de l'air"


def test_reference_entities_are_versioned_and_recorded_too(client, make_user, lab):
    person = PersonFactory(first_name="Anne", last_name="Durand", structure=lab)
    client.force_login(make_user(REDACTEUR, structures=[lab]))
    url = f"/admin/activities/person/{person.pk}/change/"
    stale = form_data(client.get(url))
    assert edit(client, url, first_name="Annie").status_code == 302
    stale["first_name"] = "Anna"
    assert client.post(url, stale).status_code == 200
    person.refresh_from_db()
    assert person.first_name == "Annie"
    assert person.history.count() == 2
    assert Person.history.filter(id=person.pk).first().history_user is not None


def test_the_report_loader_leaves_a_history_too(report_2023):
    tele_mouv = ResearchProject.objects.get(slug="tele-mouv")
    created = tele_mouv.history.earliest("history_date")
    assert created.history_type == "+"
    assert created.title_fr == tele_mouv.title_fr
