#!/usr/bin/env bash
# What a PostgreSQL fast restart costs clients: claims from ESI_BENCH_THREADS (default 8) threads while
# PostgreSQL is fast-restarted ESI_BENCH_RESTARTS (default 3) times. Prints "pg-restart:" lines: per
# restart the failed requests and the recovery time (restart -> first successful claim), then totals.
set -euo pipefail
. "$(dirname "$0")/junit-bench.sh"
run_junit_bench PgRestartBench pg-restart
