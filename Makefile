# Marketplace: `make run` serves the three portals, `make test` runs the whole suite.
# Needs only Python 3.11+ and make; everything else is installed into .venv.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
# Tests run on every core (pytest-xdist); each worker has its own databases.
PYTEST_ARGS ?= -n auto

.PHONY: run test lint fmt check-python relay-once clean-db help backup restore

help:
	@echo "make run     start PostgreSQL, migrate, load demo data, serve :8001 :8002 :8003 (Ctrl-C stops)"
	@echo "make test    lint and the whole test suite against real PostgreSQL"
	@echo "make fmt     format and auto-fix lint"
	@echo "make backup  pg_dump the three databases into var/backups/<timestamp>/"
	@echo "make restore BACKUP=var/backups/<timestamp>   restore them (asks first; YES=1 does not)"

check-python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11+ on PATH)"; exit 1; }

$(BIN)/.base-installed: requirements/base.txt | check-python
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/base.txt
	touch $@

$(BIN)/.dev-installed: requirements/dev.txt $(BIN)/.base-installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

run: $(BIN)/.base-installed
	$(BIN)/python -m common_core.launcher

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

fmt: $(BIN)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Backups of the databases the apps use (*_DATABASE_URL, else the embedded server); see docs/operations.md.
backup: $(BIN)/.base-installed
	$(BIN)/python -m common_core.backup backup

restore: $(BIN)/.base-installed
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/<timestamp>"; exit 2; }
	$(BIN)/python -m common_core.backup restore "$(BACKUP)" $(if $(filter 1,$(YES)),--yes)
