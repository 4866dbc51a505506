SHELL := /bin/bash
# Two entry points: `make demo` (Dagster UI with the demo pipelines, and the lineage explorer)
# and `make test`. `make demo PORT=3001 EXPLORER_PORT=3101` moves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: demo test lint bench install

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

PORT ?= 3000
EXPLORER_PORT ?= 3100

demo: $(STAMP)
	PORT=$(PORT) EXPLORER_PORT=$(EXPLORER_PORT) BIN=$(BIN) scripts/demo.sh

test: $(STAMP)
	. scripts/ensure-postgres.sh && $(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/traversal.py --quick
