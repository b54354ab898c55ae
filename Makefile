# The two commands: `make run` (the demo community) and `make test` (everything CI checks).
SHELL := /bin/bash
PY := .venv/bin/python
# Load the test services' settings (written by scripts/test_services.sh) into the environment.
TESTENV := set -a && source var/test.env && set +a
PYTEST_ARGS ?= -n 2

.PHONY: run test venv lint pytest services services-stop messages lock clean bench

run:
	@scripts/run.sh

venv:
	@scripts/venv.sh

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

services:
	@scripts/test_services.sh

test: venv lint services
	@$(TESTENV) && $(PY) manage.py compile_translations && $(PY) manage.py collectstatic --noinput -v 0
	@$(TESTENV) && $(PY) manage.py check --fail-level WARNING
	@$(TESTENV) && $(PY) manage.py makemigrations --check --dry-run
	@$(TESTENV) && $(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks (bench/README.md): BENCH_SCALE=tiny|small|large make bench, in its own database `bench`.
bench: venv services
	@$(TESTENV) && $(PY) -m bench.run

# 30 simulated days of a busy community through the real delivery engine (bench/README.md, "Simulation"):
# SIM_MEMBERS=10000 SIM_DAYS=30 make simulate, in its own database `bench_sim` and Redis database 14.
# In pieces: SIM_PAUSE_AFTER_MINUTES=150 make simulate pauses at a step boundary (exit 3; SIGTERM or
# Ctrl-C too), and SIM_RESUME=1 make simulate (same other SIM_* variables) goes on from the checkpoint.
.PHONY: simulate
simulate: venv services
	@$(TESTENV) && $(PY) -m bench.simulate

# Load test (bench/README.md, "Load test"): 50 simulated members for 5 minutes against gunicorn and one
# Celery worker, in its own database `bench_load` and Redis database 11. LOAD_SECONDS=60 for a try,
# LOAD_REUSE=1 to reuse an already seeded database. Writes bench/results/load.json.
.PHONY: load
load: venv services
	@$(TESTENV) && $(PY) -m bench.load

# The long-running tests (marker `soak`, skipped without SOAK=1): R1 and R2 of issue 9 at 5,000 members,
# about 8 minutes on a busy 2-core machine. One at a time: they start their own workers and Redis.
.PHONY: soak
soak: venv services
	@$(TESTENV) && $(PY) manage.py compile_translations && $(PY) manage.py collectstatic --noinput -v 0
	@$(TESTENV) && SOAK=1 $(PY) -m pytest -p no:xdist -m soak $(ARGS)

# One test or a folder, without the lint step: make pytest ARGS="tests/members -k signup"
pytest: venv services
	@$(TESTENV) && $(PY) manage.py compile_translations && $(PY) manage.py collectstatic --noinput -v 0
	@$(TESTENV) && $(PY) -m pytest $(ARGS)

services-stop:
	-@redis-cli -p $${TEST_REDIS_PORT:-6390} shutdown nosave 2>/dev/null
	-@if [ -f var/services/pg/data/PG_VERSION ]; then \
	  (cd / && runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D $(CURDIR)/var/services/pg/data -m fast stop) \
	  || /usr/lib/postgresql/15/bin/pg_ctl -D var/services/pg/data -m fast stop; fi

# Extract the translatable strings into locale/zh_Hans/LC_MESSAGES/django.po (needs GNU gettext), then
# fill what locale/zh_Hans/pending/*.json translates.
messages: venv
	$(PY) manage.py makemessages -l zh_Hans --no-location --no-obsolete \
	  --ignore='.venv/*' --ignore='var/*' --ignore='tests/*' --ignore='node_modules/*'
	$(PY) scripts/merge_translations.py

# Re-resolve requirements.lock from pyproject.toml in a scratch venv.
lock:
	rm -rf var/lockenv && python3 -m venv var/lockenv
	var/lockenv/bin/pip install -q -e '.[dev]'
	var/lockenv/bin/pip freeze --exclude-editable | grep -v '^#' > requirements.lock
	rm -rf var/lockenv

clean: services-stop
	rm -rf var .venv
