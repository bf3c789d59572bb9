#!/usr/bin/env bash
# Benchmarks that print figures (recorded in docs/PERFORMANCE.md). Nothing here asserts a threshold.
#   1. `ioc seed` bulk rate into SQLite: 1M tickets (250 days × 4,000), beside a bare rusqlite baseline;
#   2. dashboard server-side render time, HTML size and memory with those 1M tickets;
#   3. release wasm size, raw and gzip.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
cargo leptos build --release
BIN=target/release/ioc
DIR=target/bench
mkdir -p "$DIR"
rm -f "$DIR"/ioc.db*
export DATABASE_URL="sqlite://$PWD/$DIR/ioc.db"
export IOC_GEO_DIR="${IOC_GEO_DIR:-../shared/data/geo}"
DAYS="${BENCH_DAYS:-250}"
echo "== seed: $DAYS days × 4,000 contacts into SQLite"
$BIN migrate
/usr/bin/time -f "seed wall %e s, peak RSS %M KiB" $BIN seed --days "$DAYS" --per-day 4000 --seed 1022
ls -l "$DIR"/ioc.db | awk '{printf "database file: %.0f MiB\n", $5/1048576}'
echo "== dashboard render with the seeded database"
IOC_BENCH_DB="$DATABASE_URL" cargo bench -p server --bench dashboard
echo "== release wasm"
WASM=$(ls target/site/pkg/*.wasm)
RAW=$(stat -c %s "$WASM"); GZ=$(gzip -9 -c "$WASM" | wc -c)
echo "wasm: $RAW bytes raw, $GZ bytes gzip -9 ($(( GZ / 1024 )) KiB)"
JS=$(ls target/site/pkg/*.js); echo "js glue: $(gzip -9 -c "$JS" | wc -c) bytes gzip"
