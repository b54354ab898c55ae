#!/usr/bin/env bash
# Create .venv and install the locked dependencies (requirements.lock, made by `make lock` from
# pyproject.toml). Skips the install when neither file changed since the last one.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 or newer is needed (found: $("$python" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv

stamp=.venv/.installed
if [ -f "$stamp" ] && [ "$stamp" -nt requirements.lock ] && [ "$stamp" -nt pyproject.toml ]; then
  exit 0
fi
echo "Installing the locked dependencies into .venv ..."
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock
touch "$stamp"
