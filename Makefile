# giamngheo — the two commands: `make demo` (try it) and `make test` (check everything).
#
#   make demo       virtual environment in .venv, install, migrate ./var/giamngheo.sqlite3, load the demo
#                   once, serve on http://127.0.0.1:8000 with the task worker beside it (make demo PORT=8080)
#   make test       install the dev tools, ruff, mypy, the suite on SQLite and on a throwaway PostgreSQL
#   make lint       ruff + mypy only
#   make messages   refresh and compile the English catalogue (msgids are Vietnamese)
#   make clean      remove the virtual environment and caches (./var, with your demo data, is kept)

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Installs are redone only when pyproject.toml changes: the stamps are newer than it otherwise.
STAMP_RUN := $(VENV)/.giamngheo-installed
STAMP_DEV := $(VENV)/.giamngheo-installed-dev

.PHONY: help demo serve test lint messages clean

# Debug is off unless asked for (docs/security.md). The demo and `make serve` run Django's development server
# on this machine with the development key, so they ask for it; so does `make messages` (it only reads the
# code). Production never runs these targets: it sets GIAMNGHEO_SECRET_KEY and leaves debug off.
demo serve messages: export GIAMNGHEO_DEBUG = 1

# Prefix for the web server's command line: starts a background-task worker beside it (docs/adr/0007), and a
# trap stops the worker however the server ends (Ctrl-C, an error, a normal exit), so none is left behind.
# set -m gives the worker its own process group, so Ctrl-C reaches only the server; the trap's single SIGTERM
# then lets the worker finish a running task before it exits (a second signal would cut the task short).
WITH_WORKER = set -m; $(BIN)/giamngheo worker & worker=$$!; set +m; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	echo "The background task worker runs beside the server (pid $$worker) and stops with it.";

# Exit status 0 when the database was built by `giamngheo demo` (it holds the demo marker row).
export IS_DEMO_DATABASE := import sys; from giamngheo.demo.marker import is_demo_database; sys.exit(0 if is_demo_database() else 1)

help:
	@sed -n '3,9p' Makefile | sed 's/^# \{0,1\}//'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "giamngheo needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." >&2; \
		echo "Run again with PYTHON=/path/to/python3.11 (or newer)." >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "" >&2; \
		echo "Could not create a virtual environment with '$(PYTHON) -m venv'." >&2; \
		echo "On Debian/Ubuntu install the venv module first:  sudo apt-get install python3-venv" >&2; \
		exit 1; }
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --editable .
	@touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --editable '.[dev]'
	@touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	@mkdir -p var
	$(BIN)/giamngheo migrate --no-input
	@if $(BIN)/giamngheo shell --no-imports -c "$$IS_DEMO_DATABASE" >/dev/null 2>&1; then \
		echo "var/giamngheo.sqlite3 already holds the demo (delete var/ to start again)."; \
	else \
		echo "GIAMNGHEO_DEMO=1 $(BIN)/giamngheo demo"; GIAMNGHEO_DEMO=1 $(BIN)/giamngheo demo; \
	fi
	@echo ""
	@echo "giamngheo is at http://127.0.0.1:$(PORT)/  (demo users: tinh, xa, xa_duyet, thon, xa2, quantri; password: demo). Ctrl-C stops it."
	@export GIAMNGHEO_DEMO=1; $(WITH_WORKER) $(BIN)/giamngheo serve 127.0.0.1:$(PORT) --noreload

serve: $(STAMP_RUN)
	@$(WITH_WORKER) $(BIN)/giamngheo serve 127.0.0.1:$(PORT) --noreload

test: $(STAMP_DEV)
	VENV=$(VENV) bash scripts/test-all

lint: $(STAMP_DEV)
	$(BIN)/ruff check giamngheo tests
	$(BIN)/mypy giamngheo

# Both steps run inside giamngheo/: compilemessages then compiles the source catalogue only, never a stale
# copy under build/lib/ or a virtual environment.
messages: $(STAMP_DEV)
	cd giamngheo && $(abspath $(BIN))/giamngheo makemessages --locale en --no-obsolete --add-location file
	cd giamngheo && $(abspath $(BIN))/giamngheo compilemessages --locale en

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
