#!/usr/bin/env bash
# Installs what building and testing need, skipping what is already there.
# Usage: scripts/setup.sh build   — Rust target, cargo-leptos, wasm-bindgen CLI, wasm-opt (npm)
#        scripts/setup.sh test    — the above plus Chromium, PostgreSQL and Playwright
# Offline facts: see docs/ARCHITECTURE.md §Build (GitHub downloads are unreachable here).
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT="${1:-build}"
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

need_apt=()

if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  log "adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.10'; then
  log "installing cargo-leptos 0.3.10 (about 20 minutes the first time)"
  cargo install cargo-leptos --version 0.3.10 --locked
fi

WBG_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WBG_VERSION"; then
  log "installing wasm-bindgen-cli $WBG_VERSION (matches Cargo.lock)"
  # Without --locked: its lockfile pins a webpki-roots the registry no longer has.
  cargo install wasm-bindgen-cli --version "$WBG_VERSION" --force
fi

if [ ! -x node_modules/.bin/wasm-opt ]; then
  log "installing wasm-opt (npm binaryen; Debian's binaryen breaks hydration)"
  npm install --no-audit --no-fund
fi

if [ "$WHAT" = "test" ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium chromium-driver)
  [ -x /usr/lib/postgresql/15/bin/pg_ctl ] || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_apt+=(postgresql)
  if [ ${#need_apt[@]} -gt 0 ]; then
    log "installing ${need_apt[*]} from Debian"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_apt[@]}"
  fi
  if [ ! -d end2end/node_modules/@playwright/test ] || [ ! -d end2end/node_modules/better-sqlite3 ]; then
    log "installing Playwright (driving Debian's Chromium; no browser download)"
    (cd end2end && npm install --no-audit --no-fund)
  fi
fi
log "tools ready"
