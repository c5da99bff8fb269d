# The project's verbs. `make run` and `make test` work on a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
REPORT_YEAR ?= 2023

.PHONY: help install run serve test lint format check clean

help:
	@echo "make run     - install, migrate, load the $(REPORT_YEAR) report, serve on http://$(HOST):$(PORT)"
	@echo "make test    - run the whole test suite (PostgreSQL when DATABASE_URL is set)"
	@echo "make lint    - ruff check and format check"
	@echo "make format  - ruff format and autofix"

# The virtual environment is rebuilt when the pinned requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_report $(REPORT_YEAR)
	$(PY) manage.py ensure_admin
	$(PY) manage.py ensure_demo_accounts
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
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
