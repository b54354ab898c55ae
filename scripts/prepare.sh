#!/usr/bin/env bash
# Everything a process needs before it starts, idempotent: compiled translations, static files,
# the database schema. Broker folders for the embedded profile.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
mkdir -p var/broker/queue var/broker/processed var/media
$py manage.py compile_translations
$py manage.py collectstatic --noinput -v 0
$py manage.py migrate --noinput -v 0
