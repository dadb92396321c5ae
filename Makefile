# The two commands: `make run` (set up and run the console) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# make test runs the suite in this many processes (pytest-xdist); 0: one process.
PYTEST_WORKERS ?= 2
# Development defaults; production sets DEBUG=false and the variables in .env.example.
export DEBUG ?= true
export PORT

.PHONY: install install-test run test lint format bench demo clean

# What the console needs to run (make run), then what the suite needs on top (make test).
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

# The suite needs the test tools and the third-party clients of tests/clients/ on top.
$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[dev,clients]"
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install
	$(PY) manage.py migrate --noinput -v0
	@if $(PY) -c "import os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','console.settings');import django;django.setup();from django.conf import settings;raise SystemExit(0 if settings.SANDBOX_ENABLED else 1)"; then \
		$(PY) manage.py migrate --database sandbox --noinput -v0 && $(PY) manage.py load_demo; fi

run: demo
	@# Commands typed in another terminal (manage.py sandbox_credentials, …) read these too.
	@printf '# Written by `make run`: development defaults for manage.py commands.\nDEBUG=true\nPORT=%s\n' "$(PORT)" > .data/make-run.env
	@echo ""
	@echo "  OpenRouter Console: http://127.0.0.1:$(PORT)/"
	@echo "  Sign in with owner@demo.test, admin@demo.test, finance@demo.test or member@demo.test (password: demo)."
	@echo "  Sandbox API: http://127.0.0.1:$(PORT)/sandbox/api/v1/  (key: $(PY) manage.py sandbox_credentials)"
	@echo "  Ctrl-C stops the web server, the Celery worker and beat."
	@echo ""
	exec $(VENV)/bin/honcho -f Procfile.dev start

test: install-test
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadgroup) $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install-test
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf .data staticfiles
