#!/usr/bin/env bash
# Install the Debian packages the app needs (`setup-system.sh run`, the default) or the tests need as well
# (`setup-system.sh test`):
#   run:  the X/xcb/EGL/GL/fontconfig/dbus/glib libraries that Qt's xcb and offscreen platform plugins
#         load at run time (a desktop Linux usually has them all);
#   test: also poppler-utils (pdftoppm, exported PDFs to PNGs), libreoffice-calc-nogui (a real
#         spreadsheet program the exchange tests re-save, sort and convert exports with), xvfb, xauth
#         (a virtual X display for real-window screenshots), openbox and imagemagick (a window manager
#         and ``import`` for scripts/qt_dialog_screenshots.py).
# Fast no-op when everything is already installed (no apt-get update, no root needed then).
set -euo pipefail

KIND="${1:-run}"
case "$KIND" in
    run | test) ;;
    *) echo "setup-system.sh: usage: setup-system.sh [run|test]" >&2; exit 2 ;;
esac

PACKAGES=(
    libxcb-cursor0
    libxkbcommon-x11-0
    libxcb-icccm4
    libxcb-image0
    libxcb-keysyms1
    libxcb-randr0
    libxcb-render-util0
    libxcb-shape0
    libxcb-xinerama0
    libxkbcommon0
    libegl1
    libgl1
    libfontconfig1
    libdbus-1-3
    libglib2.0-0
)
if [ "$KIND" = test ]; then
    PACKAGES+=(poppler-utils libreoffice-calc-nogui xvfb xauth openbox imagemagick)
fi

is_installed() {
    # Newer Debian releases renamed some libraries with a t64 suffix
    # (e.g. libglib2.0-0t64); either name counts.
    local name
    for name in "$1" "${1}t64"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$name" 2>/dev/null || true)" = "installed" ]; then
            return 0
        fi
    done
    return 1
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-system.sh: not a Debian-like system (no dpkg-query/apt-get); install these yourself:" >&2
    echo "  ${PACKAGES[*]}" >&2
    exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "setup-system.sh: all ${#PACKAGES[@]} system packages already installed"
    exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "setup-system.sh: need root (or sudo) to install: ${missing[*]}" >&2
        exit 1
    fi
fi

echo "setup-system.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"

still_missing=()
for pkg in "${missing[@]}"; do
    is_installed "$pkg" || still_missing+=("$pkg")
done
if [ "${#still_missing[@]}" -ne 0 ]; then
    echo "setup-system.sh: still not installed after apt-get: ${still_missing[*]}" >&2
    exit 1
fi
