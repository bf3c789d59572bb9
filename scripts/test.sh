#!/usr/bin/env bash
# Every test: unit, store contract and HTTP on SQLite and PostgreSQL, end-to-end in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1;32m[test]\033[0m %s\n' "$*"; }
scripts/setup.sh test

log "unit tests: app (domain, index, heat, serde) with the server features"
cargo test -p app --features ssr

log "starting a throwaway PostgreSQL"
TEST_POSTGRES_URL="$(scripts/pg.sh start)"
export TEST_POSTGRES_URL
trap 'scripts/pg.sh stop' EXIT

log "server tests: store contract and HTTP on SQLite and PostgreSQL ($TEST_POSTGRES_URL)"
cargo test -p server

log "end-to-end: building the app and running Playwright in Chromium"
cargo leptos build
(cd end2end && npx playwright test)
log "all tests passed"
