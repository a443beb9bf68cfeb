# One command to run itsm, one to test it; each creates .venv and installs itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
RUN_STAMP := $(VENV)/.run-stamp
PYTEST_WORKERS ?= 2

.PHONY: run test lint typecheck pytest bench bench-smoke clean

# The tests need everything: the server and PostgreSQL extras and the dev tools.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src  # as pip does for an installed package
	touch $(STAMP) $(RUN_STAMP)

# The quick start runs the CLI and the web app on SQLite: the core and the server extra.
$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[server]'
	$(BIN)/python -m compileall -q src
	touch $(RUN_STAMP)

## Load the demo help desk into the embedded SQLite database if empty, show queue and
## stats, then serve the web app on 127.0.0.1:8000 (with the notifications worker) until Ctrl+C.
run: $(RUN_STAMP)
	$(BIN)/itsm demo --if-empty
	$(BIN)/itsm overview
	@echo "Web app: http://127.0.0.1:8000/  (log in with a demo login above; Ctrl+C stops it)"
	$(BIN)/itsm serve --host 127.0.0.1 --port 8000 --with-worker

## Lint, type-check and run the whole test suite (SQLite and PostgreSQL) with coverage.
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

## The suite with line coverage of src/ (subprocesses included); fails under
## [tool.coverage.report] fail_under in pyproject.toml.
pytest: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --cov=itsm --cov-report=term-missing:skip-covered $(PYTEST_ARGS)

## Benchmarks at full size (slow); bench-smoke runs them small.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

bench-smoke: $(STAMP)
	$(BIN)/python -m benchmarks --smoke

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache
