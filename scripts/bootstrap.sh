#!/usr/bin/env bash
# Create the project venv at "$REPO/.venv" (if missing) and install into it the exact versions of the lock
# file, then the project itself (editable):
#   bootstrap.sh run   requirements/run.txt: what running the app needs (the default);
#   bootstrap.sh test  requirements/test.txt: that and the test tools.
# Quick no-op when the venv is up to date: .venv/.stamp-KIND is touched after a successful install and the
# install is redone only when the lock file or pyproject.toml is newer than it.
# Set PYTHON to choose the interpreter (default: python3).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"
PYTHON="${PYTHON:-python3}"
KIND="${1:-run}"
case "$KIND" in
    run | test) ;;
    *) echo "bootstrap.sh: usage: bootstrap.sh [run|test]" >&2; exit 2 ;;
esac
LOCK="$REPO/requirements/$KIND.txt"
STAMP="$VENV/.stamp-$KIND"
export PIP_DISABLE_PIP_VERSION_CHECK=1

check_python() {
    # $1: interpreter; fails with a clear message unless it is Python >= 3.11.
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "bootstrap.sh: '$1' not found; install Python 3.11 or newer (or set PYTHON=/path/to/python3.11)" >&2
        exit 1
    fi
    if ! "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
        echo "bootstrap.sh: Python >= 3.11 is required, but $1 is $("$1" -c 'import sys; print(sys.version.split()[0])');" \
             "install a newer Python or set PYTHON=/path/to/python3.11" >&2
        exit 1
    fi
}

# A venv whose interpreter no longer runs (e.g. its base Python was removed) is rebuilt.
if [ -d "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "bootstrap.sh: $VENV is broken, recreating it"
    rm -rf "$VENV"
fi

if [ ! -x "$VENV/bin/python" ]; then
    check_python "$PYTHON"
    echo "bootstrap.sh: creating $VENV with $(command -v "$PYTHON")"
    if ! "$PYTHON" -m venv "$VENV"; then
        echo "bootstrap.sh: '$PYTHON -m venv' failed; on Debian/Ubuntu install python3-venv" >&2
        exit 1
    fi
fi
check_python "$VENV/bin/python"

if [ -f "$STAMP" ] && [ "$STAMP" -nt "$LOCK" ] && [ "$STAMP" -nt "$REPO/pyproject.toml" ]; then
    echo "bootstrap.sh: $VENV is up to date ($KIND)"
    exit 0
fi

cd "$REPO"
echo "bootstrap.sh: installing the locked libraries (requirements/$KIND.txt)"
"$VENV/bin/python" -m pip install -q --require-hashes -r "$LOCK"
echo "bootstrap.sh: installing xinfang-desk (editable)"
"$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e .
touch "$STAMP"
echo "bootstrap.sh: ready ($KIND) in $VENV"
