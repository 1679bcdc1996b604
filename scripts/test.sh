#!/usr/bin/env bash
# Full check: system packages, venv, ruff, then pytest (extra arguments go to
# pytest, e.g. `bash scripts/test.sh tests/test_fonts.py -x`). Exits non-zero
# on the first failing step.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

bash scripts/setup-system.sh
bash scripts/bootstrap.sh

export QT_QPA_PLATFORM=offscreen

echo "== ruff check"
.venv/bin/python -m ruff check .

echo "== pytest"
.venv/bin/python -m pytest "$@"
