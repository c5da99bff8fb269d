import pytest
from django.core.management import call_command
from django.utils import translation


@pytest.fixture(autouse=True)
def _french():
    """Tests read the site as its first audience does: in French."""
    with translation.override("fr"):
        yield


@pytest.fixture
def report_2023(db):
    """The 2023 report, loaded as `make run` loads it, inside the test's transaction."""
    call_command("load_report", "2023", verbosity=0)


@pytest.fixture
def fast_passwords(settings):
    """The production hasher takes half a second a user; tests log in many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db, fast_passwords):
    """make_user("Rédacteur", structures=[lab]) → a staff user with that role."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from activities.models import Editorship

    counter = iter(range(1, 10_000))

    def make(role=None, *, structures=(), **fields):
        user = get_user_model().objects.create_user(
            username=f"user{next(counter)}", password="Un-mot-de-passe-de-test", is_staff=True
        )
        for field, value in fields.items():
            setattr(user, field, value)
        user.save()
        if role:
            user.groups.add(Group.objects.get(name=role))
        for structure in structures:
            Editorship.objects.create(user=user, structure=structure)
        return user

    return make
