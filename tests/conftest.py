import pytest
from django.core.management import call_command
from django.utils import translation


@pytest.fixture(autouse=True)
def _french():
    """Tests read the site as its first audience does: in French."""
    with translation.override("fr"):
        yield


@pytest.fixture(scope="session")
def report_2023(django_db_setup, django_db_blocker):
    """The 2023 report loaded once for the whole session (read-only tests use it)."""
    with django_db_blocker.unblock():
        call_command("load_report", "2023", verbosity=0)
    yield
    # Nothing to undo: tests that write use their own transactions on top.
