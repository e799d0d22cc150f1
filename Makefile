# clinicbill: the two commands a new machine needs are `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TESTSTAMP := $(VENV)/.installed-test

.PHONY: demo test lint format bench soak schema clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TESTSTAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

demo: $(STAMP)
	$(BIN)/clinicbill demo --dir demo-output

# The suite runs on SQLite, then the tests that reach a database run again on a throwaway
# PostgreSQL cluster (scripts/ci/test-pg.sh).
# Without PostgreSQL the second pass is skipped with the reason (a failure when CI=true).
# worksteal: an idle worker takes queued tests from a busy one (the slow files end together)
PYTEST_ARGS ?= -n 2 --dist worksteal
test: $(TESTSTAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@echo "== SQLite pass"; \
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS); sqlite=$$?; \
	scripts/ci/test-pg.sh $(BIN)/python -p no:cacheprovider $(PYTEST_ARGS); pg=$$?; \
	test $$sqlite -eq 0 && test $$pg -eq 0

lint: $(TESTSTAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TESTSTAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(TESTSTAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/visit_keystrokes.py

soak: $(TESTSTAMP)
	CLINICBILL_SOAK=1 $(BIN)/python -m pytest -p no:cacheprovider -m slow

# Regenerate the initial migration from the models (allowed until the first release).
schema: $(STAMP)
	$(BIN)/python -m clinicbill.store.schema_gen

clean:
	rm -rf $(VENV) demo-output .pytest_cache
