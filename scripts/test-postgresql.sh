#!/usr/bin/env bash
# The second test pass: the tests that reach the ledger through its database engine, run against a real
# PostgreSQL server (extra arguments go to pytest). The server is a throw-away one: Debian's postgresql is
# installed when missing, a cluster is made in a temporary folder (in memory where /dev/shm is there),
# it runs as the unprivileged `postgres` user, listens on a free loopback port and a private socket,
# and is stopped and removed afterwards, also when the tests fail.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
PYTHON="${PYTHON:-.venv/bin/python}"

# The ledger (with its operations) and exchange suites, and the window on a server ledger (its password, others'
# changes arriving): every test whose ledger is made by the `ledger`,
# `office`, `ledger_location` or `empty_location` fixtures runs on the server, except those marked
# `sqlite_only` (a file ledger's own machinery); the others (no database, or a ledger file of their own) are
# left to the SQLite pass (tests/conftest.py deselects them).
FILES=(
    tests/ledger
    tests/exchange
    tests/ui/test_server_ledger.py
    tests/ui/test_others_changes.py
)

base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
folder="$(mktemp -d "$base/xinfang-pg-XXXXXX")"
trap 'bash scripts/postgres.sh stop "$folder"' EXIT
port="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="$(bash scripts/postgres.sh start "$folder" "$port")"
echo "test-postgresql.sh: PostgreSQL $(bash scripts/postgres.sh version) at $url"

XINFANG_TEST_ENGINE=postgresql XINFANG_TEST_PG_URL="$url" QT_QPA_PLATFORM=offscreen \
    "$PYTHON" -m pytest "${FILES[@]}" "$@"
