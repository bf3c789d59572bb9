#!/usr/bin/env bash
# Builds the app (release) and serves it on SQLite, seeding 30 days of demo data on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
cargo leptos build --release
export DATABASE_URL="${DATABASE_URL:-sqlite://data/ioc.db}"
export IOC_GEO_DIR="${IOC_GEO_DIR:-../shared/data/geo}"
exec target/release/ioc serve --site-root target/site --demo-days "${IOC_DEMO_DAYS:-30}" "$@"
