# xstocks_site: `make run` serves the site on the embedded default; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test install assets lint migrate registry browser-deps bench-deps bench clean gettext-deps translations makemessages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Python dependencies, pinned in requirements.lock (regenerate: uv pip compile pyproject.toml --extra dev -o requirements.lock).
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

# npm assets (htmx, plotly.js) copied into static/vendor; anvil and solc for the local chains.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static/vendor/.installed: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/plotly.js-dist-min/plotly.min.js static/vendor/plotly.min.js
	touch $@

# Debian's GNU gettext: msgfmt compiles the translations, xgettext and msgmerge extract and
# merge strings (makemessages and the translation test); apt-get (root, as on CI) when missing.
gettext-deps:
	@command -v msgfmt >/dev/null && command -v xgettext >/dev/null && command -v msgmerge >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext)

# The translations (locale/<lang>/LC_MESSAGES/django.po), compiled to .mo files that are never
# committed; compiled again whenever a .po file changes.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
translations: $(MO_FILES)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | gettext-deps $(VENV)/.installed
	$(BIN)/python manage.py compilemessages --locale $* $(MESSAGES_IGNORE)

# Strings marked for translation: everything the site shows, not the tests, benchmarks and
# dependencies. `make makemessages` refreshes every .po file (then translate what is new).
MESSAGES_IGNORE := --ignore .venv --ignore node_modules --ignore static --ignore var \
	--ignore tests --ignore bench --ignore contracts --ignore build
makemessages: install gettext-deps
	$(BIN)/python manage.py makemessages --all --no-obsolete $(MESSAGES_IGNORE)

install: $(VENV)/.installed static/vendor/.installed translations

assets: static/vendor/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

registry: migrate
	$(BIN)/python manage.py load_registry data/registry.json

# The demo world: local EVM chains (anvil) and Solana chain, Celery worker with beat,
# the simulator and runserver; Ctrl-C stops every process it started.
run: registry
	$(BIN)/python manage.py demo_world --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (root, as on CI); skipped when already there.
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)

# Debian's wrk (the load generator) and redis-server (the bench's own cache) for bench/http.py.
bench-deps:
	@command -v wrk >/dev/null && command -v redis-server >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk redis-server)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: install browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install bench-deps
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules static/vendor var
