#!/usr/bin/env bash
# Build the desktop bundle (PyInstaller, one folder) into dist/xinfang-desk/ and run its self-test.
#   1. a separate venv .venv-bundle with exactly the versions of requirements/bundle.txt (hashes checked);
#   2. the project installed into it as a user would get it (not editable: resources/ becomes
#      xinfang_desk/resources, as in a wheel);
#   3. `pyinstaller build.spec`;
#   4. `dist/xinfang-desk/xinfang-desk --self-test` offscreen.
# Set PYTHON to choose the interpreter (default: python3, 3.11 or newer).  The same steps on Windows are in
# installer/build-installer.ps1.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
VENV="$REPO/.venv-bundle"
STAMP="$VENV/.stamp"
PYTHON="${PYTHON:-python3}"
step() { echo "== build-bundle: $*"; }

if [ -d "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
    step "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$STAMP" ] || [ "$REPO/requirements/bundle.txt" -nt "$STAMP" ]; then
    step "installing the locked libraries (requirements/bundle.txt)"
    "$VENV/bin/python" -m pip install -q --require-hashes -r requirements/bundle.txt
    touch "$STAMP"
else
    step "locked libraries already installed"
fi
step "installing xinfang-desk"
"$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation --force-reinstall .

step "pyinstaller build.spec"
start=$(date +%s)
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN build.spec
echo "== build-bundle: built dist/xinfang-desk in $(( $(date +%s) - start )) s," \
     "$(du -sm dist/xinfang-desk | cut -f1) MB"

step "checking that no unused Qt module came along (WebEngine, QML/Quick, 3D, Multimedia, Network)"
unwanted="$(find dist/xinfang-desk -iname '*Qt6WebEngine*' -o -iname '*Qt6Qml*' -o -iname '*Qt6Quick*' \
    -o -iname '*Qt63D*' -o -iname '*Qt6Multimedia*' -o -iname '*Qt6Network*' -o -iname '*Qt6Pdf*')"
if [ -n "$unwanted" ]; then
    echo "build-bundle: the bundle holds Qt modules the app does not use:" >&2
    echo "$unwanted" >&2
    exit 1
fi

step "self-test of the bundle"
QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" dist/xinfang-desk/xinfang-desk --self-test
