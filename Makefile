# careerpath: `make run` to serve, `make test` for the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=
# apt-get needs root: as another user, sudo does it.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Development defaults; the environment overrides them (see README "Configuration").
export DEBUG ?= 1
export DJANGO_SETTINGS_MODULE := careerpath.settings

.PHONY: run install lock test lint migrations-check e2e-deps clean

# Python packages come from requirements.lock (exact versions; `make lock` renews it from
# pyproject.toml), front-end packages from package-lock.json.
$(STAMP): pyproject.toml requirements.lock package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	npm ci --no-audit --no-fund --silent
	touch $(STAMP)

lock: install
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url \
		--no-emit-find-links -o requirements.lock pyproject.toml

# The browser tests drive Debian's Chromium; install it when this machine lacks it.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "Installing Debian's Chromium for the browser tests (needs root or sudo)"
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core

e2e-deps: $(CHROMIUM)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_catalogue
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Tests run with DEBUG off, as production does; the key below is for tests only.
test: install e2e-deps
	DEBUG=0 SECRET_KEY=test-only-secret-key ALLOWED_HOSTS=testserver,localhost,127.0.0.1 \
		$(BIN)/pytest $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache .hypothesis
