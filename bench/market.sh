#!/usr/bin/env bash
# The bid matcher at scale (BidMatchBench): one matching round over ESI_BENCH_BIDS open bids against ESI_BENCH_OFFERS
# free offer windows (leases and holds included), against the same round over a tenth as many bids in the same run.
#   bench/market.sh                                   (defaults: 1000 bids, 10000 offers)
#   ESI_BENCH_BIDS=1000 ESI_BENCH_OFFERS=10000 bench/market.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$ROOT/bin/jdk.sh"
cd "$ROOT"
log="$(mktemp /tmp/esi-market-bench.XXXXXX)"
trap 'rm -f "$log"' EXIT
echo "market  $(date -u +%FT%TZ)  nproc=$(nproc)  bids=${ESI_BENCH_BIDS:-1000}  offers=${ESI_BENCH_OFFERS:-10000}  load avg: $(cut -d' ' -f1-3 /proc/loadavg)"
mvn -B -q -pl esi-server -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=BidMatchBench >"$log" 2>&1 \
  || { tail -40 "$log"; echo "market: the benchmark failed (output above)"; exit 1; }
grep -h "^market:" esi-server/target/surefire-reports/*BidMatchBench-output.txt
