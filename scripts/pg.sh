#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: `scripts/pg.sh start` prints the URL, `scripts/pg.sh stop` removes it.
# As root, the cluster runs as the `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail
# One cluster folder per checkout, so two checkouts (or CI and a developer) never stop each other's.
REPO="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${PG_STATE_DIR:-/tmp/ioc-pg-$(printf '%s' "$REPO" | md5sum | cut -c1-10)}"
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

case "${1:-}" in
  start)
    "$0" stop >/dev/null 2>&1 || true
    mkdir -p "$STATE"
    PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    [ "$(id -u)" -eq 0 ] && chown postgres "$STATE"
    as_pg "'$BIN/initdb' -D '$STATE/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >"$STATE/initdb.log" 2>&1 \
      || as_pg "'$BIN/initdb' -D '$STATE/data' -U postgres --auth=trust -E UTF8" >"$STATE/initdb.log" 2>&1
    as_pg "'$BIN/pg_ctl' -D '$STATE/data' -l '$STATE/server.log' -w -o \"-p $PORT -k '$STATE' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start" >/dev/null
    echo "$PORT" > "$STATE/port"
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    if [ -d "$STATE/data" ]; then
      as_pg "'$BIN/pg_ctl' -D '$STATE/data' -m immediate stop" >/dev/null 2>&1 || true
    fi
    rm -rf "$STATE"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
