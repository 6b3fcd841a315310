# Haven's command surface: CI calls these same targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
STAFF ?= admin
# Extra arguments for pytest, e.g. make test PYTEST_ARGS="-k queue"
PYTEST_ARGS ?=

.PHONY: run test lint format messages lock bench bench-intake bench-placement bench-staff-run bench-acknowledge bench-surge chromium clean code

$(BIN)/.installed: requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.lock
	touch $@

## run: serve Haven on SQLite with demo data at http://$(HOST):$(PORT)/
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --verbosity 0
	$(BIN)/python manage.py load_demo --url http://$(HOST):$(PORT)
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## code: development only, the current second-factor code of a demo user (make code STAFF=reviewer)
code: $(BIN)/.installed
	@$(BIN)/python manage.py demo_code $(STAFF)

## test: the whole test suite (unit, views, browser) on SQLite, or on DATABASE_URL if set
test: $(BIN)/.installed chromium
	$(BIN)/python manage.py makemigrations --check --dry-run --verbosity 0
	HAVEN_CHROMIUM=$(CHROMIUM) $(BIN)/pytest $(PYTEST_ARGS)

## lint: ruff (lint + format check) and mypy
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy haven tests bench

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

BENCH_ARGS ?=
## bench: every benchmark; each prints ratios against a baseline measured in the same run
bench: bench-placement bench-staff-run bench-intake bench-acknowledge bench-surge

## bench-acknowledge: one acknowledgement at a time, in-process: the public form and the API
##   against the bare view, CPU and wall time and statements, in a test database of their own
##   on DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); about a minute
bench-acknowledge: $(BIN)/.installed
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/python -m bench.acknowledge $(BENCH_ARGS)

## bench-intake: load 1,000,000 invented applications into PostgreSQL (DATABASE_URL, default
##   postgres://postgres@127.0.0.1:5432/haven_bench) and time the review queue against plain
##   SQL; e.g. make bench-intake BENCH_ARGS="--count 20000" or BENCH_ARGS="--reuse"
bench-intake: $(BIN)/.installed
	$(BIN)/python -m bench.intake $(BENCH_ARGS)

## bench-placement: Haven's allocation engine against OR-Tools on 200,000 and 1,000,000
##   applicants (median of 5, same run), the 12-week surge simulation, and room packing with
##   households against the LP bound; BENCH_ARGS="--quick"
bench-placement: $(BIN)/.installed
	$(BIN)/python -m bench.placement $(BENCH_ARGS)

## bench-staff-run: a staff placement run's engine at surge size (waitlists of 2,000 to 100,000,
##   families as households), the whole waitlist against the pruned one; BENCH_ARGS="--quick"
bench-staff-run: $(BIN)/.installed
	$(BIN)/python -m bench.staff_run $(BENCH_ARGS)

## bench-surge: Haven under gunicorn on a PostgreSQL cluster of its own (needs Debian's
##   postgresql package), public form and API against a bare view, then the fault runs
##   (app server killed, PostgreSQL crashed, placement run killed); BENCH_ARGS="--quick"
bench-surge: $(BIN)/.installed
	$(BIN)/python -m bench.surge $(BENCH_ARGS)

## messages: refresh and compile translations (needs gettext)
messages: $(BIN)/.installed
	$(BIN)/python manage.py makemessages --locale ru --no-obsolete --no-location --ignore '.venv/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

## lock: re-pin dependencies after editing pyproject.toml
lock: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet -o requirements/base.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes --quiet -o requirements/dev.lock

## chromium: the browser tests drive Debian's Chromium; install it when missing and allowed
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium at $(CHROMIUM): install it (e.g. sudo apt-get install chromium) or set CHROMIUM=/path/to/chromium" >&2; exit 1; \
	  fi; }

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
