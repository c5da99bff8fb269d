# The project's verbs. `make run` and `make test` work on a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
REPORT_YEAR ?= 2023

.PHONY: help install system-deps messages update-messages run serve test lint format check clean

help:
	@echo "make run     - install, migrate, load the $(REPORT_YEAR) report, serve on http://$(HOST):$(PORT)"
	@echo "make test    - run the whole test suite (PostgreSQL when DATABASE_URL is set)"
	@echo "make lint    - ruff check and format check"
	@echo "make format  - ruff format and autofix"
	@echo "make messages - compile the translations (locale/*.po → .mo; needs GNU gettext)"
	@echo "make system-deps - install the Debian/Ubuntu packages: gettext, WeasyPrint's libraries, Chromium"
	@echo "make update-messages - collect new interface strings into locale/en/…/django.po"

# The virtual environment is rebuilt when the pinned requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# The system packages (Debian/Ubuntu; as root, or through sudo): GNU gettext (translations),
# Pango, HarfBuzz, fontconfig and the DejaVu fonts (WeasyPrint, the report's PDF), Chromium
# (browser tests). `make run` works without them: the PDF link then answers 503 and says so.
SYSTEM_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 \
	fonts-dejavu-core chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

system-deps:
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(SYSTEM_PACKAGES)

# Compiled translations are not in git: each .mo is rebuilt when its .po changes.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
messages: $(PO_FILES:.po=.mo)

locale/%.mo: locale/%.po | $(VENV)/.installed
	@command -v msgfmt >/dev/null || { echo "msgfmt not found: install GNU gettext (Debian/Ubuntu: apt-get install gettext) to compile the translations." >&2; exit 1; }
	$(PY) manage.py compilemessages --ignore=$(VENV)

# After adding or changing interface strings: collect them into the .po, then translate the
# new entries (tests/test_i18n.py fails until every one is translated).
update-messages: install
	$(PY) manage.py makemessages --locale=en --no-obsolete --ignore=$(VENV) --ignore=tests --ignore=staticfiles

run: install messages
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_report $(REPORT_YEAR)
	$(PY) manage.py ensure_admin
	$(PY) manage.py ensure_demo_accounts
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install messages
	$(PY) manage.py check
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
	rm -f $(PO_FILES:.po=.mo)
