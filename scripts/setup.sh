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
command -v python3 >/dev/null || { echo "error: python3 (3.11) is needed; see the README" >&2; exit 1; }
total=$(grep -c '==' requirements.lock)
echo "Installing the environment into .venv: $total packages, about 3 GB (a few minutes the first time)..."
[ -x .venv/bin/python ] || python3 -m venv .venv ||
  { echo "error: python3 -m venv failed (on Debian or Ubuntu: apt install python3-venv)" >&2; exit 1; }
# Every version is pinned, so no resolution happens: --no-deps keeps pip from second-guessing
# the pins, and --ignore-requires-python lets Rasa 3.6 (declared <3.11) install on 3.11.
# pip's own lines are reduced to a count of the packages it has fetched.
.venv/bin/python -m pip install --disable-pip-version-check --progress-bar off \
  --no-deps --ignore-requires-python -r requirements.lock |
  awk -v total="$total" '/^(Collecting|Processing|Requirement already)/ { n++; printf "\r  %d/%d packages", n, total; fflush() }
                         /^Successfully installed/ { print "" }'
echo "$wanted" > "$stamp"
echo "Environment ready."
