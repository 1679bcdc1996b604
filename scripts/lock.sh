#!/usr/bin/env bash
# Pin every dependency to an exact version with its hashes, for Linux, Windows and macOS alike:
#   requirements/run.txt     what running the app needs (pyproject's dependencies)
#   requirements/test.txt    run.txt + the test extras and the PostgreSQL driver (tests/engines.py)
#   requirements/bundle.txt  run.txt + PyInstaller (scripts/build-bundle.sh, installer/build-installer.ps1)
# All three come from one resolution, so a library has the same version in each; each also pins
# setuptools and wheel, which build the project itself (`pip install --no-build-isolation`).
# Run after changing pyproject.toml's dependencies; commit the result.  Needs uv (`pip install uv`).
# uv resolves against PyPI, its default index (the lock files name no index; tests/test_packaging.py checks).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
UV="${UV:-uv}"
if ! command -v "$UV" >/dev/null 2>&1; then
    echo "lock.sh: uv not found; install it with 'python3 -m pip install uv' (or set UV=/path/to/uv)" >&2
    exit 1
fi

COMMON=(--universal --python-version 3.11 --quiet --no-header)
# The joint resolution, as constraints for the three files (build/ is not committed; a fixed name keeps
# the files' "via" notes unchanged from one run to the next).
everything=build/lock-constraints.txt
mkdir -p build

echo "lock.sh: resolving all extras together"
"$UV" pip compile pyproject.toml requirements/build.in --all-extras "${COMMON[@]}" -o "$everything"

lock() {
    # $1: output file; the rest: extra arguments (which extras).
    local out="$1"
    shift
    echo "lock.sh: writing $out"
    "$UV" pip compile pyproject.toml requirements/build.in "$@" -c "$everything" --generate-hashes \
        "${COMMON[@]}" -o "$out"
}

lock requirements/run.txt
lock requirements/test.txt --extra test --extra postgresql
lock requirements/bundle.txt --extra bundle
