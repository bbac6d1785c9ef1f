#!/usr/bin/env bash
# Time to detach N nodes at lease end, end to end through the service and the linux-bridge driver:
# N nodes cabled to dummy ports of a bridge in a network namespace, leased and attached through the API,
# then all N leases end at the same instant; prints attach latency and how long until every port is idle.
#   NODES=100 bench/lease-end-detach.sh        (needs root for network namespaces)
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$ROOT/bin/jdk.sh"
cd "$ROOT"
NODES="${NODES:-100}"
log="$(mktemp /tmp/esi-detach-bench.XXXXXX)"
trap 'rm -f "$log"' EXIT
echo "lease-end-detach  $(date -u +%FT%TZ)  nproc=$(nproc)  nodes=$NODES  load avg: $(cut -d' ' -f1-3 /proc/loadavg)"
mvn -B -q -pl esi-server -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=LeaseEndDetachBench \
    -DargLine="-Desi.bench.nodes=$NODES" >"$log" 2>&1 \
  || { tail -40 "$log"; echo "lease-end-detach: the benchmark failed (output above)"; exit 1; }
grep -h "^lease-end-detach:" esi-server/target/surefire-reports/*LeaseEndDetachBench-output.txt
