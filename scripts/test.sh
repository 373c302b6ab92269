#!/usr/bin/env bash
# The pack's whole test run: lint, format, then every test (real model, real sandbox).
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check .
ruff format --check .
python3 -m pytest -q -p no:cacheprovider
