# Wengu: `make run` sets everything up and serves on http://127.0.0.1:5000; `make test` runs the suite,
# `make test-fast` all of it but the end-to-end tests (marked slow).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run serve test test-fast lint init-db clean-venv translations bench corpus

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

# Creates or upgrades the database in place (never deleting data), loads the demo deck into an empty one.
init-db: $(VENV)/.installed
	$(BIN)/flask init-db

run: init-db
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# The production server: gunicorn with gunicorn.conf.py (WENGU_BIND=127.0.0.1:8000, WEB_CONCURRENCY=2 workers).
serve: init-db
	$(BIN)/gunicorn -c gunicorn.conf.py 'app:create_app()'

test: $(VENV)/.installed-dev
	./tools/ensure-chromium.sh
	$(BIN)/python -m pytest -q

# Everything but the tests marked slow (the browser, other processes, the Anki library): a few minutes
# on two cores, for the edit-test loop.  `make test` before a merge still runs them all.
test-fast: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -m "not slow"

# Benchmarks (about 8 minutes): app code beside bare baselines, SQLite and PostgreSQL; writes bench/RESULTS.md.
# Targets are reported as met or missed, never failing the build.
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run.py --pg

# The extractor scored on real notes (tests/corpus): recall, precision and front match per note; ARGS=--verbose lists misses.
corpus: $(VENV)/.installed
	$(BIN)/python tools/corpus.py $(ARGS)

# ruff, then vulture for unused code: over the app's code alone (pyproject.toml's [tool.vulture] paths),
# where code that only tests use shows as unused, then with tests/ added, for dead test helpers.
VULTURE_PATHS := app.py quiz tools bench migrations/env.py
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/vulture
	$(BIN)/vulture $(VULTURE_PATHS) tests

clean-venv:
	rm -rf $(VENV)

# Extract the interface text, merge it into the Chinese catalogue, fill it from tools/zh_messages.py, compile.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location -o translations/messages.pot . 2>/dev/null
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l zh --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python tools/zh_messages.py translations/zh/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile -d translations -l zh
