# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check -c requirements/constraints.txt

.PHONY: run test bench bench-scale install dev serve clean lock

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Sigap needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements/constraints.txt
	$(PIP) -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

## make run: migrate the embedded SQLite database, load demo data, start web + worker on :8000
run: install
	SIGAP_DEBUG=1 $(BIN)/sigap migrate --no-input
	SIGAP_DEBUG=1 $(BIN)/sigap demo
	SIGAP_DEBUG=1 $(BIN)/sigap run

## make serve: production mode (SIGAP_DEBUG off) against SIGAP_DATABASE_URL: collects the static files,
## then gunicorn (SIGAP_WEB_WORKERS processes) and SIGAP_WORKERS `sigap worker`s; needs SIGAP_SECRET_KEY
## (or _FILE) and a migrated database (`sigap migrate`). Deploying on a server: docs/deploy/README.md
serve: install
	env -u SIGAP_DEBUG $(BIN)/sigap serve

## make test: the whole suite (SIGAP_DATABASE_URL=postgres://… runs it on PostgreSQL)
test: dev
	$(BIN)/pytest

## make bench: performance and quality figures, as ratios against baselines measured in the same run
bench: dev
	$(BIN)/python bench/run.py

## make bench-scale: Sigap with 1,000,000 complaints, and beside django-helpdesk 2.6.1 (PostgreSQL; many minutes)
bench-scale: dev
	$(BIN)/python bench/scale.py

## make lock: re-resolve the pinned versions (after changing pyproject.toml)
lock:
	rm -rf /tmp/sigap-lock && $(PYTHON) -m venv /tmp/sigap-lock
	/tmp/sigap-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/sigap-lock/bin/pip freeze --exclude-editable | grep -v '^sigap' > requirements/constraints.txt

clean:
	rm -rf $(VENV) build *.egg-info
