# sosialpuls — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test unit lint format bench soak browser kcat up down clean schemas

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,noida]'
	touch $(STAMP)

install: $(STAMP)

## Headless Chromium for the dashboard's browser test (Debian packages).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian chromium for the browser test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing and cannot be installed here: the browser test will be skipped"; fi; }

## Debian's kcat (librdkafka 2.0) for the Kafka client compatibility test.
kcat:
	@command -v kcat >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian kcat for the client compatibility test"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat >/dev/null 2>&1 || { \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat >/dev/null; } \
	      || echo "could not install kcat: its test will be skipped"; \
	  else echo "kcat missing and cannot be installed here: its test will be skipped"; fi; }

## The whole suite: starts its own broker and PostgreSQL, stops them afterwards.
test: install browser kcat
	$(BIN)/pytest -q -p no:cacheprovider

unit: install
	$(BIN)/pytest -q tests/unit

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict contracts services

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schemas: install
	$(BIN)/python -m contracts.schemas

## The main job end to end: stack up, a simulated year through the pipeline, compactor, summary.
demo: install
	$(BIN)/sosialpuls demo

up: install
	$(BIN)/sosialpuls up

down: install
	$(BIN)/sosialpuls down

bench: install
	$(BIN)/pip install --quiet -e '.[dev,noida,bench]'
	$(BIN)/python -m bench

soak: install
	$(BIN)/pytest -q -m soak tests

clean:
	-$(BIN)/sosialpuls down
	rm -rf .sosialpuls .pytest_cache .mypy_cache .ruff_cache
