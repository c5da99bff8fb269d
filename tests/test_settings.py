"""Settings come from the environment; bad values are refused with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from odd3 import env

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("On", True), ("0", False), ("no", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("ODD3_FLAG", raw)
    assert env.env_bool("ODD3_FLAG", not expected) is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("ODD3_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="ODD3_FLAG='maybe' is not a boolean"):
        env.env_bool("ODD3_FLAG", False)


def test_env_int_refuses_text_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("ODD3_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env.env_int("ODD3_N", 1)
    monkeypatch.setenv("ODD3_N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env.env_int("ODD3_N", 1, minimum=1)


def test_env_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("ODD3_HOSTS", "a.example, ,b.example,")
    assert env.env_list("ODD3_HOSTS", []) == ["a.example", "b.example"]


def test_env_database_reads_urls_and_refuses_unknown_schemes(monkeypatch):
    monkeypatch.setenv("ODD3_DB", "postgres://postgres@127.0.0.1:5432/odd3")
    config = env.env_database("ODD3_DB", "sqlite:///x")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "odd3"
    monkeypatch.setenv("ODD3_DB", "nosuchdb://host/name")
    with pytest.raises(ImproperlyConfigured, match="ODD3_DB"):
        env.env_database("ODD3_DB", "sqlite:///x")


def _check(**variables):
    """Run `manage.py check` in a clean process with the given environment variables."""
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_real_secret_key():
    result = _check(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _check(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="odd3.example")
    assert result.returncode == 0, result.stderr


def test_a_bad_debug_value_is_refused_by_name():
    result = _check(DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG='perhaps' is not a boolean" in result.stderr
