#!/usr/bin/env bash
# What a PostgreSQL fast restart costs clients: claims from ESI_BENCH_THREADS (default 8) threads while
# PostgreSQL is fast-restarted ESI_BENCH_RESTARTS (default 3) times. Prints "pg-restart:" lines: per
# restart the failed requests and the recovery time (restart -> first successful claim), then totals.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/bin/jdk.sh"
cd "$ROOT"
mvn -B -q install -DskipTests -pl esi-server -am >/dev/null
if ! mvn -B -q test -pl esi-server -Dtest=PgRestartBench -Dsurefire.failIfNoSpecifiedTests=false >/dev/null 2>&1; then
  echo "pg-restart: benchmark failed; see esi-server/target/surefire-reports/org.esi.bench.PgRestartBench.txt" >&2
  exit 1
fi
grep -h "^pg-restart:" esi-server/target/surefire-reports/org.esi.bench.PgRestartBench-output.txt
