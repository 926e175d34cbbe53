# Two commands a new user needs (see README):
#   make demo   installs the package into .venv and runs the demo deal end to end
#   make test   installs the package with its dev extras into .venv and runs the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint venv

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

venv: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'

demo: venv
	$(BIN)/abs-model demo --out out/demo

test: venv
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check abs_model tranches tests benchmarks tools
	$(BIN)/mypy
