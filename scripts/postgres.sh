#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests, on loopback only, in a temporary data folder.
#   bash scripts/postgres.sh start DIR PORT   → prints the server's URL prefix (postgresql+psycopg://…:PORT)
#   bash scripts/postgres.sh stop DIR
#   bash scripts/postgres.sh version          → the server's version (installing it when missing)
# Installs Debian's postgresql when it is missing. The server runs as the unprivileged `postgres`
# user (PostgreSQL refuses root), trusts local connections only, and keeps nothing after `stop`.
set -euo pipefail

find_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
    done
    return 1
}

ensure_installed() {
    if ! find_bin >/dev/null; then
        local sudo=()
        if [ "$(id -u)" -ne 0 ]; then
            command -v sudo >/dev/null 2>&1 || { echo "postgres.sh: need root (or sudo) to install postgresql" >&2; exit 1; }
            sudo=(sudo)
        fi
        echo "postgres.sh: installing postgresql" >&2
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >&2
        find_bin >/dev/null || { echo "postgres.sh: postgresql is still missing after apt-get" >&2; exit 1; }
    fi
}

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

cmd="${1:-}"
dir="${2:-}"
if [ "$cmd" = version ]; then
    ensure_installed
    "$(find_bin)/postgres" --version | awk '{print $3}'
    exit 0
fi
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: postgres.sh start DIR PORT | stop DIR | version" >&2; exit 2; }

case "$cmd" in
start)
    port="${3:?port}"
    ensure_installed
    bin="$(find_bin)"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
    echo "postgresql+psycopg://postgres@127.0.0.1:$port"
    ;;
stop)
    bin="$(find_bin)"
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: postgres.sh start DIR PORT | stop DIR | version" >&2
    exit 2
    ;;
esac
