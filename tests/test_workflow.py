"""The editorial workflow: roles, transitions, who and when, preview, review list."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from activities import workflow
from activities.models import Editorship, ResearchProject, State
from activities.roles import ADMINISTRATEUR, EDITEUR, REDACTEUR, ROLES

from .factories import ResearchProjectFactory, StructureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab():
    return StructureFactory(acronym="CERIS", slug="ceris")


@pytest.fixture
def team(lab):
    return StructureFactory(acronym="I3A", slug="i3a", parent=lab)


@pytest.fixture
def other_lab():
    return StructureFactory(acronym="C2MA", slug="c2ma")


def draft(structure, **fields):
    return ResearchProjectFactory(state=State.DRAFT, structures=[structure], **fields)


def test_the_migration_creates_the_three_roles_with_their_permissions():
    groups = {group.name: group for group in Group.objects.prefetch_related("permissions")}
    assert set(groups) >= {REDACTEUR, EDITEUR, ADMINISTRATEUR}
    for role, labels in ROLES.items():
        codenames = {p.codename for p in groups[role].permissions.all()}
        assert codenames == {label.split(".")[1] for label in labels}, role
    redacteur = {p.codename for p in groups[REDACTEUR].permissions.all()}
    assert "change_researchproject" in redacteur
    assert "publish_researchproject" not in redacteur
    assert "edit_all_structures" not in redacteur
    assert "change_organisation" not in redacteur
    editeur = {p.codename for p in groups[EDITEUR].permissions.all()}
    assert {"publish_researchproject", "edit_all_structures"} <= editeur
    assert "change_user" not in editeur
    assert "change_user" in {p.codename for p in groups[ADMINISTRATEUR].permissions.all()}


def test_a_redacteur_submits_and_an_editeur_publishes(make_user, team, lab):
    redacteur = make_user(REDACTEUR, structures=[lab])  # a lab's editor edits its teams
    editeur = make_user(EDITEUR)
    project = draft(team)

    workflow.activity_transition(activity=project, name="submit", user=redacteur)
    project.refresh_from_db()
    assert project.state == State.SUBMITTED
    assert project.submitted_by == redacteur and project.submitted_at is not None
    assert list(ResearchProject.objects.to_review()) == [project]

    with pytest.raises(workflow.TransitionRefused, match="Seul un éditeur peut publier"):
        workflow.activity_transition(activity=project, name="publish", user=redacteur)
    project.refresh_from_db()
    assert project.state == State.SUBMITTED

    workflow.activity_transition(activity=project, name="publish", user=editeur)
    project.refresh_from_db()
    assert project.state == State.PUBLISHED
    assert project.published_by == editeur and project.published_at is not None
    assert list(ResearchProject.objects.published()) == [project]

    workflow.activity_transition(activity=project, name="unpublish", user=editeur)
    project.refresh_from_db()
    assert project.state == State.UNPUBLISHED
    assert not ResearchProject.objects.published().exists()

    workflow.activity_transition(activity=project, name="return_to_draft", user=redacteur)
    project.refresh_from_db()
    assert project.state == State.DRAFT


def test_transitions_that_do_not_exist_from_the_state_are_refused(make_user, team):
    editeur = make_user(EDITEUR)
    project = draft(team)
    with pytest.raises(workflow.TransitionRefused, match="impossible de le dépublier"):
        workflow.activity_transition(activity=project, name="unpublish", user=editeur)
    with pytest.raises(workflow.TransitionRefused, match="inconnue"):
        workflow.activity_transition(activity=project, name="delete", user=editeur)
    project.refresh_from_db()
    assert project.state == State.DRAFT


def test_a_redacteur_of_another_structure_cannot_touch_the_entry(make_user, team, other_lab):
    outsider = make_user(REDACTEUR, structures=[other_lab])
    project = draft(team)
    with pytest.raises(workflow.TransitionRefused, match="Vous ne pouvez pas modifier"):
        workflow.activity_transition(activity=project, name="submit", user=outsider)
    project.refresh_from_db()
    assert project.state == State.DRAFT and project.submitted_by is None


def test_allowed_transitions_follow_state_and_role(make_user, team, lab):
    redacteur = make_user(REDACTEUR, structures=[lab])
    editeur = make_user(EDITEUR)
    project = draft(team)
    assert [t.name for t in workflow.allowed_transitions(user=redacteur, activity=project)] == [
        "submit"
    ]
    assert [t.name for t in workflow.allowed_transitions(user=editeur, activity=project)] == [
        "submit",
        "publish",
    ]


def test_each_transition_is_recorded_in_the_history_with_its_user(make_user, team, lab):
    redacteur = make_user(REDACTEUR, structures=[lab])
    editeur = make_user(EDITEUR)
    project = draft(team)
    workflow.activity_transition(activity=project, name="submit", user=redacteur)
    workflow.activity_transition(activity=project, name="publish", user=editeur)
    records = list(project.history.order_by("history_date"))
    assert [(r.state, r.history_user) for r in records[-2:]] == [
        (State.SUBMITTED, redacteur),
        (State.PUBLISHED, editeur),
    ]
    assert records[-1].history_change_reason == "Publier"


@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED, State.UNPUBLISHED])
def test_the_public_sees_only_published_entries(client, team, state):
    project = draft(team, title_fr="Pas encore public")
    ResearchProject.objects.filter(pk=project.pk).update(state=state)
    assert client.get(project.get_absolute_url()).status_code == 404
    assert "Pas encore public" not in client.get("/fr/projets/").content.decode()
    assert "Pas encore public" not in client.get("/fr/recherche/?q=public").content.decode()


def test_staff_preview_a_draft_as_the_public_page_will_show_it(client, make_user, team, lab):
    redacteur = make_user(REDACTEUR, structures=[lab])
    project = draft(team, title_fr="Projet en préparation")
    url = f"/fr/apercu/researchproject/{project.pk}/"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous.headers["Location"]
    client.force_login(redacteur)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Projet en préparation" in html
    assert "Aperçu réservé à l'équipe éditoriale" in html.replace("&#x27;", "'")
    assert response.headers["X-Robots-Tag"] == "noindex"
    # The same template as the public page: the public one, once published.
    assert "detail-facts" in html


def test_preview_is_refused_outside_the_editors_structures(client, make_user, team, other_lab):
    client.force_login(make_user(REDACTEUR, structures=[other_lab]))
    project = draft(team)
    assert client.get(f"/fr/apercu/researchproject/{project.pk}/").status_code == 404
    assert client.get(f"/fr/apercu/nosuchmodel/{project.pk}/").status_code == 404


def test_publishers_have_a_to_review_list(client, make_user, team, lab):
    redacteur = make_user(REDACTEUR, structures=[lab])
    editeur = make_user(EDITEUR)
    submitted = draft(team, title_fr="À relire vite")
    still_draft = draft(team, title_fr="Encore en brouillon")
    workflow.activity_transition(activity=submitted, name="submit", user=redacteur)

    client.force_login(redacteur)
    assert client.get("/admin/a-relire/").status_code == 403
    client.force_login(editeur)
    response = client.get("/admin/a-relire/")
    assert response.status_code == 200
    html = response.content.decode()
    change_url = "/admin/activities/researchproject/{}/change/"
    assert change_url.format(submitted.pk) in html
    assert change_url.format(still_draft.pk) not in html
    assert redacteur.username in html
    assert "1 fiche à relire" in client.get("/admin/").content.decode()


def test_the_change_form_offers_the_allowed_transitions_as_buttons(client, make_user, team, lab):
    project = draft(team)
    url = f"/admin/activities/researchproject/{project.pk}/change/"
    client.force_login(make_user(REDACTEUR, structures=[lab]))
    html = client.get(url).content.decode()
    assert 'form="transition-submit"' in html and 'form="transition-publish"' not in html
    client.force_login(make_user(EDITEUR))
    html = client.get(url).content.decode()
    assert 'form="transition-publish"' in html
    response = client.post(f"/admin/activities/researchproject/{project.pk}/transition/publish/")
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.state == State.PUBLISHED


def test_demo_accounts_one_per_role(report_2023, capsys, fast_passwords):
    call_command("ensure_demo_accounts")
    out = capsys.readouterr().out
    from django.contrib.auth import authenticate

    for username, role in (
        ("redacteur-ceris", REDACTEUR),
        ("editeur", EDITEUR),
        ("administrateur", ADMINISTRATEUR),
    ):
        line = next(line for line in out.splitlines() if f"— {username} / " in line)
        password = line.rsplit(" / ", 1)[1]
        user = authenticate(username=username, password=password)
        assert user is not None and user.is_staff and not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [role]
    assert Editorship.objects.get(user__username="redacteur-ceris").structure.slug == "ceris"
    call_command("ensure_demo_accounts")  # a second run gives new passwords, same accounts
    assert Editorship.objects.filter(user__username="redacteur-ceris").count() == 1
