# Warroom: `make run` starts everything, `make test` runs the suite. Only Python 3.11+ and make needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run serve test lint install install-dev setup messages translations e2e-browser clean format

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Warroom needs Python 3.11 or newer; set PYTHON=python3.x") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Compile the translation catalogues (locale/*/LC_MESSAGES/*.po to .mo; pure Python, no GNU gettext).
messages: install
	$(BIN)/python manage.py compile_translations

# For translators: extract new and changed strings into every catalogue (needs GNU gettext's xgettext).
translations: install
	$(BIN)/python manage.py update_translations

# Migrate, load the runbook defaults (in WARROOM_LANGUAGE) and demo data, make sure an admin login exists.
setup: install messages
	@mkdir -p var/static var/media var/broker/queue var/broker/processed var/broker/control
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py ensure_admin

run: setup
	@echo "Warroom on http://127.0.0.1:8000/admin/ (web, worker, clock worker and beat; Ctrl-C stops them all)"
	$(BIN)/honcho start

# The production stack on this machine: preflight (names what is missing), migrate, collectstatic, then
# gunicorn (production settings, whitenoise), worker, clock worker and beat under honcho.
serve: export DJANGO_SETTINGS_MODULE := config.settings.production
serve: install messages
	$(BIN)/python -m config.serve

test: install-dev messages
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/mypy .
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
