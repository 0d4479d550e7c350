#!/usr/bin/env bash
# Create .venv from requirements.lock, or bring it up to date when the lock changed.
# Run by start.sh and test.sh; safe to run again (does nothing when up to date).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
stamp=.venv/.requirements.lock.sha256
wanted=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
  exit 0
fi
echo "Installing the environment into .venv (about 3 GB, a few minutes the first time)..."
[ -x .venv/bin/python ] || python3 -m venv .venv
# Every version is pinned, so no resolution happens: --no-deps keeps pip from second-guessing
# the pins, and --ignore-requires-python lets Rasa 3.6 (declared <3.11) install on 3.11.
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
  --no-deps --ignore-requires-python -r requirements.lock
echo "$wanted" > "$stamp"
echo "Environment ready."
