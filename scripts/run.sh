#!/usr/bin/env bash
# `make run`: the demo community with a real Celery worker and beat, in one foreground command.
# Embedded by default (SQLite, kombu's filesystem broker, email on the console); DATABASE_URL and
# REDIS_URL switch to PostgreSQL and Redis. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

# The demo runs as a deployment would (styled error pages, hashed static files served by whitenoise),
# only over plain HTTP on this machine. `DEBUG=true make run` gives Django's debug pages instead.
export DEBUG=${DEBUG:-false} HTTPS=${HTTPS:-false}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
if [ -z "${SECRET_KEY:-}" ]; then
  mkdir -p var
  [ -s var/secret_key ] || python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key
  SECRET_KEY=$(cat var/secret_key)
  export SECRET_KEY
fi

scripts/venv.sh
scripts/prepare.sh
py=.venv/bin/python
$py manage.py seed_demo >/dev/null

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping web, worker and beat ..."
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/celery -A community worker --loglevel=INFO --concurrency=2 --hostname="worker@%h" &
pids+=($!)
.venv/bin/celery -A community beat --loglevel=INFO --pidfile= &
pids+=($!)
$py manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}" --noreload &
pids+=($!)

cat <<INFO

  The community is at http://${HOST:-127.0.0.1}:${PORT:-8000}/   (admin: /admin/)
  Emails (sign-up verification, password reset) are printed below.
  Ctrl-C stops the web server, the worker and beat.
INFO
$py manage.py seed_demo --logins
echo
# Exit as soon as any of the three stops, so a crash is not hidden behind the others.
wait -n "${pids[@]}"
