#!/usr/bin/env bash
# What slow clients cost everyone else: p50/p99 answer time of ordinary requests with no other traffic,
# then with ESI_BENCH_SLOW (default 1000) connections sending a login body one byte per second, in the
# same run. Prints one "slow-clients:" line with both and their ratio.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/bin/jdk.sh"
cd "$ROOT"
# Two sockets per slow connection live in one JVM (client and server side).
ulimit -n "$(( $(ulimit -Hn) < 8192 ? $(ulimit -Hn) : 8192 ))" 2>/dev/null || true
mvn -B -q install -DskipTests -pl esi-server -am >/dev/null
if ! mvn -B -q test -pl esi-server -Dtest=SlowClientsBench -Dsurefire.failIfNoSpecifiedTests=false >/dev/null 2>&1; then
  echo "slow-clients: benchmark failed; see esi-server/target/surefire-reports/org.esi.bench.SlowClientsBench.txt" >&2
  exit 1
fi
grep -h "^slow-clients:" esi-server/target/surefire-reports/org.esi.bench.SlowClientsBench-output.txt
