#!/usr/bin/env bash
# Run the checks, in stages:
#   lint      ruff check and ruff format --check; node --check on the demo page's modules
#   model     rasa data validate, then rasa train (skipped by Rasa when nothing changed)
#   stories   rasa test core on tests/test_stories.yml, failing on any prediction error
#   unit      the tests that run in this process (registry, actions, NLU, channels, tools)
#   e2e       conversations, security and Telegram against the whole stack as processes
#   browser   the demo page in Debian's Chromium against the stack (with e2e: in its session)
#
#   bash scripts/test.sh                  # every stage, in that order (what CI runs)
#   bash scripts/test.sh --fast           # lint and the quick unit tests (under 2 minutes)
#   bash scripts/test.sh --stage unit e2e # some stages
#   bash scripts/test.sh tests/test_registry_api.py -x   # pytest arguments after the options
set -euo pipefail
cd "$(dirname "$0")/.."

stages=(lint model stories unit e2e browser)
fast=0
if [ "${1:-}" = "--fast" ]; then
  fast=1; stages=(lint unit); shift
elif [ "${1:-}" = "--stage" ]; then
  shift; stages=()
  while [ $# -gt 0 ] && [[ "$1" != -* ]] && [[ "$1" != tests/* ]]; do stages+=("$1"); shift; done
fi
pytest_args=("$@")

bash scripts/setup.sh
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore SQLALCHEMY_SILENCE_UBER_WARNING=1
export RASA_TELEMETRY_ENABLED=false
rasa=.venv/bin/rasa
python=.venv/bin/python

run_pytest() {  # a marker expression, then pytest arguments
  local markers=$1; shift
  if [ ${#pytest_args[@]} -gt 0 ]; then
    "$python" -m pytest -m "$markers" "$@" "${pytest_args[@]}"
  else
    "$python" -m pytest -m "$markers" "$@"
  fi
}

for stage in "${stages[@]}"; do
  echo "== $stage"
  case "$stage" in
    lint)
      .venv/bin/ruff check .
      .venv/bin/ruff format --check .
      # The demo page's modules: a syntax error would only show in a browser otherwise.
      if command -v node >/dev/null; then
        for module in demo/static/js/*.js; do node --check "$module"; done
      fi
      ;;
    model)
      "$rasa" data validate --domain domain --quiet
      "$rasa" train --domain domain --out models --quiet
      ;;
    stories)
      "$rasa" test core --stories tests/test_stories.yml --model models \
        --fail-on-prediction-errors --out var/results/stories --quiet
      ;;
    unit)
      if [ "$fast" -eq 1 ]; then
        run_pytest "not e2e and not browser and not slow"
      else
        run_pytest "not e2e and not browser"
      fi
      ;;
    e2e)
      if [[ " ${stages[*]} " == *" browser "* ]]; then
        # Both suites in one session: they share one stack (tests/e2e/conftest.py).
        bash scripts/install_browser.sh
        run_pytest "e2e or browser"
      else
        run_pytest "e2e and not browser"
      fi
      ;;
    browser)
      if [[ " ${stages[*]} " != *" e2e "* ]]; then
        bash scripts/install_browser.sh
        run_pytest "browser"
      fi
      ;;
    *)
      echo "unknown stage: $stage (lint, model, stories, unit, e2e, browser)" >&2
      exit 2
      ;;
  esac
done
