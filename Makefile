# ethicompass: `make demo` and `make test` are all a newcomer needs.
SHELL := /bin/bash
UV := ./scripts/uv.sh
PY := .venv/bin/python
PYTEST_ARGS ?=
# Byte-compiled modules make start-up several times faster (matplotlib, scipy, polars):
# never run with bytecode writing disabled.
unexport PYTHONDONTWRITEBYTECODE
EXTRAS_TEST := --all-extras

.PHONY: demo test lint format bench venv venv-test spark clean help

help:
	@echo "make demo   - set up .venv and run the end-to-end demo on a synthetic study"
	@echo "make test   - set up, start a throwaway PostgreSQL and run every test"
	@echo "make lint   - ruff (lint + format check) and mypy"
	@echo "make bench  - side-by-side benchmarks against the anchor tools"
	@echo "make fuzz   - the reader fuzzers and schemathesis over the API, at length"
	@echo "make spark  - add the Spark extra (PySpark; needs Java 17+) to .venv, for the tour's Spark steps"

venv:
	$(UV) sync --frozen --extra dp --extra pdf

venv-test:
	$(UV) sync --frozen $(EXTRAS_TEST)

# --inexact keeps what else is installed (the test extras, if any)
spark:
	$(UV) sync --frozen --inexact --extra dp --extra pdf --extra spark

demo: venv
	.venv/bin/ethicompass demo

test: venv-test
	./scripts/ensure-chromium.sh
	./tests/review/a11y/ensure-axe.sh
	./scripts/with-postgres.sh $(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: venv-test
	.venv/bin/ruff check src tests benchmarks
	.venv/bin/ruff format --check src tests benchmarks
	.venv/bin/mypy
	.venv/bin/lint-imports

format: venv-test
	.venv/bin/ruff check --fix src tests benchmarks
	.venv/bin/ruff format src tests benchmarks

# The reader fuzzers and schemathesis at length (make test runs them briefly): rounds of FUZZ_EXAMPLES per
# reader and per API operation, each with a fresh seed, until FUZZ_MINUTES have passed.
FUZZ_MINUTES ?= 60
FUZZ_EXAMPLES ?= 200
fuzz: venv-test
	FUZZ_MINUTES=$(FUZZ_MINUTES) FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) ./scripts/fuzz-for.sh

bench: venv-test
	for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf .venv ethicompass-demo .pytest_cache .mypy_cache .ruff_cache
