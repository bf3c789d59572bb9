#!/usr/bin/env bash
# Serves the app for the Playwright tests: a fresh SQLite database with deterministic demo data.
# Usage: scripts/e2e-server.sh PORT   (run from end2end/ or the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-3100}"
BIN="${IOC_BIN:-target/debug/ioc}"
DIR="target/e2e"
mkdir -p "$DIR"
rm -f "$DIR"/ioc.db "$DIR"/ioc.db-wal "$DIR"/ioc.db-shm
export DATABASE_URL="sqlite://$DIR/ioc.db"
export IOC_GEO_DIR="${IOC_GEO_DIR:-../shared/data/geo}"
"$BIN" migrate
"$BIN" seed --days 30 --per-day 400 --seed 7
exec "$BIN" serve --addr "127.0.0.1:$PORT" --site-root target/site
