# Quick start: `make demo` (offline crawl of the bundled sample), `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_ARGS := -s REPLAY_DIR=sample/kompas -a dates=2016-02-16,2016-02-23

.PHONY: demo test test-fast lint install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Crawl the recorded Kompas sample through the local replay server; no network needed.
demo: install
	$(BIN)/scrapy crawl kompas $(DEMO_ARGS) -s OUTPUT_DIR=out

# The Debian packages the tests need, found or installed (or named as missing) before anything
# runs; the quality gate's table (every gold page, beside plain trafilatura); then the suite on
# every core in two tiers: the fast one (no crawl, CLI, Redis or Scrapyd), then the end-to-end one
# (README "Tests").
test: install-test
	@bash .ci/debian-packages
	$(BIN)/ruff check .
	$(BIN)/scrapy evaluate
	$(BIN)/pytest -n auto -m "not e2e"
	$(BIN)/pytest -n auto -m e2e

test-fast: install-test
	$(BIN)/pytest -n auto -m "not e2e"

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf out state .pytest_cache .ruff_cache
