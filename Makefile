# The two commands of the README, plus helpers.
.PHONY: run test bench fmt

run:            ## build (release) and serve with 30 days of demo data on SQLite
	scripts/run.sh

test:           ## every test: unit, SQLite + PostgreSQL integration, end-to-end in Chromium
	scripts/test.sh

bench:          ## benchmarks (figures go to docs/PERFORMANCE.md)
	scripts/bench.sh

fmt:
	cargo fmt --all
