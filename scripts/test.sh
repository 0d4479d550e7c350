#!/usr/bin/env bash
# Run every check: lint, Rasa data validation, training (only if the data changed),
# test stories, then the test suite (registry, actions, end-to-end conversations, the demo
# page in a real browser).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install_browser.sh
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore SQLALCHEMY_SILENCE_UBER_WARNING=1
rasa=.venv/bin/rasa

echo "== lint"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== rasa data validate"
"$rasa" data validate --quiet

echo "== rasa train (skipped by Rasa when nothing changed)"
"$rasa" train --out models --quiet

echo "== test stories"
"$rasa" test core --stories tests/test_stories.yml --model models \
  --fail-on-prediction-errors --out var/results/stories --quiet

echo "== pytest"
.venv/bin/python -m pytest "$@"
