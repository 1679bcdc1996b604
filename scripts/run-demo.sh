#!/usr/bin/env bash
# Open the app on a ready demo ledger: installs what is missing (system libraries for Qt, the venv),
# builds the demo ledger in the user's data folder on first use, then starts the window.
# Extra arguments go to the app (e.g. `bash scripts/run-demo.sh --db /path/to/ledger.sqlite`).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

bash scripts/setup-system.sh
bash scripts/bootstrap.sh

exec .venv/bin/xinfang-desk-gui --demo "$@"
