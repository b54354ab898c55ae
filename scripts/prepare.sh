#!/usr/bin/env bash
# Everything a process needs before it starts, idempotent: compiled translations, static files,
# the database schema. Broker folders for the embedded profile.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
var_dir=${VAR_DIR:-var}  # the same folder settings.py uses
mkdir -p "$var_dir/broker/queue" "$var_dir/broker/processed" "$var_dir/media"
$py manage.py compile_translations
$py manage.py collectstatic --noinput -v 0
$py manage.py migrate --noinput -v 0
