# bookwithme: `make run` serves the app with demo data, `make test` runs every check.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The first Python >= 3.12 found: pyenv's python3 honours .python-version.
PYTHON := $(shell for p in python3.12 python3.13 python3.14 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)

MO := bookwithme/locale/fr/LC_MESSAGES/django.mo

.PHONY: install run test lint browser bench clean

install: $(STAMP) $(MO)

# French: compiled from the committed .po (GNU gettext's msgfmt).
$(MO): bookwithme/locale/fr/LC_MESSAGES/django.po
	@command -v msgfmt >/dev/null || { echo "make: msgfmt not found; install gettext (apt-get install -y gettext)" >&2; exit 1; }
	msgfmt --check-format -o $@ $<

$(STAMP): pyproject.toml requirements/dev.txt
	@if [ -z "$(PYTHON)" ]; then echo "make: no Python >= 3.12 found; install one (e.g. 'pyenv install 3.12') and retry." >&2; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# `make run PORT=8080` serves elsewhere, and the links in pages and emails say so too.
PORT ?= 8000
run: export BOOKWITHME_BASE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(BIN)/bookwithme migrate --no-input
	$(BIN)/bookwithme demo
	$(BIN)/bookwithme serve --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bookwithme makemigrations --check --dry-run
	$(BIN)/mypy

# The browser journeys (tests/e2e) need Debian's chromium; never Playwright's own download.
browser:
	@command -v chromium >/dev/null || { echo "make: installing chromium for the browser tests"; \
		apt-get install -y chromium >/dev/null 2>&1 \
		|| { apt-get update >/dev/null 2>&1 && apt-get install -y chromium >/dev/null 2>&1; } \
		|| echo "make: WARNING: chromium could not be installed; the browser tests will be skipped" >&2; }

# axe-core for the browser tests' accessibility checks (tests/axe.py): from the npm registry,
# pinned with its hash in package-lock.json; nothing of it is served by the site.
AXE := node_modules/axe-core/axe.min.js

$(AXE): package.json package-lock.json
	@command -v npm >/dev/null || { echo "make: npm not found; install Node.js (apt-get install -y npm)" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

test: lint browser $(AXE)
	$(BIN)/pytest -n 2

# Every bench (bench/all.py), each figure beside its target, then one table of all targets; a
# missed target does not fail, a broken bench does. `make bench BENCH_FLAGS=--quick` for
# shorter runs (also --sqlite-only, or names: BENCH_FLAGS="api bookings").
bench: install
	@command -v wrk >/dev/null || apt-get install -y wrk >/dev/null 2>&1 \
		|| { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; } \
		|| echo "make bench: wrk could not be installed; the HTTP benches will say so" >&2
	$(BIN)/python bench/all.py $(BENCH_FLAGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
