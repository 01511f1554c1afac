#!/usr/bin/env bash
# The office's web page in one command: install (first time only), then `xxgk serve` on this computer.
#   bash scripts/serve.sh                      # workspace folder ./xxgk-工作区
#   bash scripts/serve.sh --data 2024年报收集   # any `xxgk serve` option
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/xxgk serve "$@"
