from io import StringIO

import pytest
from django.core.management import call_command

from activities.models import SDGTarget


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_the_13_sdg3_targets_are_loaded_in_both_languages():
    targets = list(SDGTarget.objects.order_by("order"))
    assert [t.code for t in targets] == [
        "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.a", "3.b", "3.c", "3.d"
    ]  # fmt: skip
    nine = SDGTarget.objects.get(code="3.9")
    assert "pollution" in nine.title_fr and "pollution" in nine.title_en
    assert all(t.title_fr and t.title_en and t.short_title_en for t in targets)
