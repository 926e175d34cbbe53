# Two commands a new user needs (see README):
#   make demo   installs the package into .venv and runs the demo deal end to end
#   make test   installs the package with its dev extras into .venv and runs the whole test suite
# The install runs only when pyproject.toml or the lock changed since the last one (the stamp
# .venv/.installed), so a second `make demo` starts the demo at once. Versions come from the pip
# constraints file requirements/lock.txt (`make lock` refreshes it; see the README).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements/lock.txt
EXTRAS := dev,dask
STAMP := $(VENV)/.installed

.PHONY: demo test lint venv lock lock-check

$(BIN)/python:
	$(PY) -m venv $(VENV)

# pip, setuptools and wheel first (pinned), then the package built with them (no build isolation:
# the build uses the pinned setuptools instead of whatever the registry has that day)
$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install -q -c $(LOCK) --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -c $(LOCK) --no-build-isolation -e '.[$(EXTRAS)]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/abs-model demo --out out/demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check abs_model tranches tests benchmarks tools
	$(BIN)/mypy

# the installed set equals the lock (nothing unpinned, nothing at another version) and is consistent
lock-check: $(STAMP)
	$(BIN)/python -m tools.lock check $(LOCK)
	$(BIN)/python -m pip check

# refresh the lock: an unconstrained install of every extra into a scratch venv, frozen
lock:
	rm -rf .venv-lock
	$(PY) -m venv .venv-lock
	.venv-lock/bin/python -m pip install -q --upgrade pip setuptools wheel
	.venv-lock/bin/python -m pip install -q --no-build-isolation '.[$(EXTRAS)]'
	.venv-lock/bin/python -m tools.lock freeze > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .venv-lock build
	@echo "wrote $(LOCK); now run 'make test' and commit it"
