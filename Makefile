# Two entry points: `make demo` and `make test`. Both create .venv with pip and install into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HASH := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
RUN_STAMP := $(VENV)/.installed-run-$(HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(HASH)

.PHONY: demo test check lint typecheck imports pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The demo needs only what the product needs; the tests add the dev extras (linters, Playwright...).
$(RUN_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	rm -f $(VENV)/.installed-run-*
	touch $(RUN_STAMP)

$(DEV_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(RUN_STAMP) $(DEV_STAMP)

demo: $(RUN_STAMP)
	$(BIN)/codestream demo

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

imports: $(DEV_STAMP)
	$(BIN)/lint-imports

pytest: $(DEV_STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck imports pytest

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache
