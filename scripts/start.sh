#!/usr/bin/env bash
# Set up what is missing, train a model if there is none, start the whole stack and chat.
# Options are passed to bot/stack.py: --no-chat, --train.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m bot.stack "$@"
