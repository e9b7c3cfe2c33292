# Casebook's front door. `make run` and `make test` are the whole set-up on a fresh machine
# that has Python 3.11: each creates .venv and installs the locked dependencies it needs.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

# Demo mode and a development secret unless the caller configured a real deployment.
export DJANGO_DEBUG ?= 1

.PHONY: run test lint bench load api-bulk lock worker beat clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Casebook needs $(PYTHON) on the PATH."; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a lock file changes, so a second `make run` starts in seconds.
$(VENV)/.base-installed: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.dev-installed: requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/dev.txt
	@touch $@ $(VENV)/.base-installed

run: $(VENV)/.base-installed
	PORT=$(PORT) BIN=$(BIN) sh scripts/run.sh

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# bandit: any security finding not in bandit-baseline.json fails. Each baselined finding was
# reviewed and carries its reason beside it in the code (ruff's matching S-rule noqa).
# pip-audit: any known vulnerability in the lock files not reviewed in
# requirements/audit-reviewed.txt fails (scripts/audit_deps.py says when it cannot reach
# an advisory service; CASEBOOK_REQUIRE_AUDIT=1 makes that fail too).
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/bandit -q -r accounts analytics complaints config portfolio -x '*/migrations/*' \
		-b bandit-baseline.json
	$(BIN)/python scripts/audit_deps.py

# Benchmarks against PostgreSQL (BENCH_DATABASE_URL, default the local server); results go
# into docs/benchmarks.md by hand, with the machine and the command.
bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench.bench_log_page
	$(BIN)/python -m bench.bench_import
	$(BIN)/python -m bench.bench_analytics
	$(BIN)/python -m bench.bench_grouping
	$(BIN)/python -m bench.bench_detection_quality
	$(BIN)/python -m bench.bench_dashboard
	$(BIN)/python -m bench.bench_pdf

# Issue 8's load scenario: 50 users for 2 minutes against gunicorn, a Celery worker, and the
# local PostgreSQL (a scratch database casebook_load, made afresh and dropped) and Redis;
# exits non-zero on any failed request or lost problem. LOAD_ARGS passes options
# (`python -m bench.load.run --help`); figures go into docs/benchmarks.md by hand.
load: $(VENV)/.dev-installed
	$(BIN)/python -m bench.load.run $(LOAD_ARGS)

# Fault scripts (issue 8, item 5): each breaks the job machinery on purpose (a worker
# SIGKILLed mid-job, Redis restarted with jobs queued, PostgreSQL cut off for 5 s) on a
# scratch database and a redis-server of its own (port 6390), prints its figures and fails
# if a row is lost or duplicated, a job does not finish or a page gives a 500. Figures go
# into docs/benchmarks.md by hand.
.PHONY: faults faults-worker faults-redis faults-postgres
faults: faults-worker faults-redis faults-postgres

faults-worker: $(VENV)/.dev-installed
	$(BIN)/python -m bench.faults.worker_kill

faults-redis: $(VENV)/.dev-installed
	$(BIN)/python -m bench.faults.broker_restart

faults-postgres: $(VENV)/.dev-installed
	$(BIN)/python -m bench.faults.database_cut

# The API's retry check at scale (issue 9): 10,000 problems posted in batches, half the batches
# sent twice, exactly 10,000 found. Its own gunicorn on a scratch PostgreSQL database
# (BENCH_API_DATABASE_URL, dropped and recreated), or API_BULK_URL and API_BULK_TOKEN.
api-bulk: $(VENV)/.dev-installed
	$(BIN)/python -m bench.api_bulk

worker: $(VENV)/.base-installed
	$(BIN)/celery -A config worker -l info

beat: $(VENV)/.base-installed
	$(BIN)/celery -A config beat -l info --schedule var/celerybeat-schedule

# Recompile the lock files from pyproject.toml (needs the network to PyPI).
lock: $(VENV)/.dev-installed
	$(BIN)/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements/base.txt pyproject.toml
	$(BIN)/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links \
		--extra dev --output-file requirements/dev.txt pyproject.toml

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
