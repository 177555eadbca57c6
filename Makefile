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

.PHONY: run install lock test lint migrations-check e2e-deps clean worker bench serve

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

# Production: DEBUG off whatever the environment says; SECRET_KEY, ALLOWED_HOSTS and the
# rest come from the environment (docs/operations.md), and manage.py stops without them.
# collectstatic builds STATIC_ROOT (hashed, compressed; Bootstrap from node_modules), so
# gunicorn needs no node_modules. gunicorn.conf.py reads GUNICORN_BIND, _WORKERS, _TIMEOUT.
serve: export DEBUG := 0
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	exec $(BIN)/gunicorn -c gunicorn.conf.py careerpath.wsgi

# The task queue's worker (mail, report PDFs), with production settings: it needs a broker
# (CELERY_BROKER_URL or REDIS_URL) and the app's SECRET_KEY, DATABASE_URL, EMAIL_* and so on.
worker: install
	@test -n "$$CELERY_BROKER_URL$$REDIS_URL" || \
		{ echo "make worker: set CELERY_BROKER_URL or REDIS_URL (without one, tasks run in the app)"; exit 1; }
	DEBUG=0 $(BIN)/celery -A careerpath worker --loglevel=INFO

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

# Load test as production serves (gunicorn, PostgreSQL, Redis) on its own seeded database,
# careerpath_bench (bench/run.py): writes bench-results.json and prints a table. It needs
# PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379; wrk is installed if missing.
bench: install
	command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }
	$(BIN)/python bench/run.py
