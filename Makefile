# Paved. `make run` starts everything embedded; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.paved-installed

.DEFAULT_GOAL := help
.PHONY: help install run test lint migrate

help:
	@echo "make run      install if needed, migrate, load the demo catalog, start web + worker + beat"
	@echo "make test     run the whole test suite (honours DATABASE_URL and CELERY_BROKER_URL)"
	@echo "make lint     ruff check"
	@echo "make migrate  apply database migrations"
	@echo "make install  create .venv and install Paved with its dev dependencies"

install: $(STAMP)

# The stamp makes re-runs instant; editing pyproject.toml reinstalls. --compile-bytecode because
# this machine sets PYTHONDONTWRITEBYTECODE=1, which otherwise makes every import 3x slower.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if { test -x $(VENV)/bin/uv || $(PY) -m pip install -q uv; } && \
	    $(VENV)/bin/uv pip install --python $(PY) --compile-bytecode -e '.[dev]'; then :; else \
	    echo "uv failed; installing with pip instead" >&2; \
	    $(PY) -m pip install -q -e '.[dev]'; \
	fi
	@touch $@

run: install
	bin/run-embedded

migrate: install
	bin/run-embedded migrate

test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
