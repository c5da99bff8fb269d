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
