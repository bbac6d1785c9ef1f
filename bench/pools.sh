#!/usr/bin/env bash
# Pools at scale on fake hardware (PoolScaleBench): a scale-up of ESI_BENCH_SCALE members, time from the request to
# each member ready and claims per second against single claims; then the reconciler's cost per member per minute
# at ESI_BENCH_MEMBERS members against the same at the scale-up's size.
#   bench/pools.sh                                   (defaults: 50, 1000, a 60 s window per size)
#   ESI_BENCH_SCALE=50 ESI_BENCH_MEMBERS=1000 ESI_BENCH_WINDOW=60 bench/pools.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$ROOT/bin/jdk.sh"
cd "$ROOT"
log="$(mktemp /tmp/esi-pools-bench.XXXXXX)"
trap 'rm -f "$log"' EXIT
echo "pools  $(date -u +%FT%TZ)  nproc=$(nproc)  scale=${ESI_BENCH_SCALE:-50}  members=${ESI_BENCH_MEMBERS:-1000}  load avg: $(cut -d' ' -f1-3 /proc/loadavg)"
mvn -B -q -pl esi-server -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=PoolScaleBench >"$log" 2>&1 \
  || { tail -40 "$log"; echo "pools: the benchmark failed (output above)"; exit 1; }
grep -h "^pools:" esi-server/target/surefire-reports/*PoolScaleBench-output.txt
