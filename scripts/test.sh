#!/usr/bin/env bash
# The whole test suite, from a fresh machine: system components, Python environment, lint, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
bash scripts/setup.sh
export XXGK_REQUIRE_APPS=1   # tests that drive LibreOffice/Chromium fail instead of skipping
.venv/bin/ruff check src tests scripts benchmarks
.venv/bin/xxgk schema --check
.venv/bin/python -m pytest -q "$@"
