#!/usr/bin/env bash
# Priced claims against free claims (LedgerClaimBench): ESI_BENCH_CLAIMANTS lessee projects claim at once, each its own
# offer, ESI_BENCH_CLAIMS one-hour windows each, over HTTP; rounds alternate free, priced, free, priced. Prints claims/s
# of each, their ratio, and ledger postings (entries) per second of the priced rounds.
#   bench/ledger.sh                                   (defaults: 16 claimants, 300 claims each)
#   ESI_BENCH_CLAIMANTS=16 ESI_BENCH_CLAIMS=300 bench/ledger.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$ROOT/bin/jdk.sh"
cd "$ROOT"
log="$(mktemp /tmp/esi-ledger-bench.XXXXXX)"
trap 'rm -f "$log"' EXIT
echo "ledger  $(date -u +%FT%TZ)  nproc=$(nproc)  claimants=${ESI_BENCH_CLAIMANTS:-16}  claims=${ESI_BENCH_CLAIMS:-300}  load avg: $(cut -d' ' -f1-3 /proc/loadavg)"
mvn -B -q -pl esi-server -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=LedgerClaimBench >"$log" 2>&1 \
  || { tail -40 "$log"; echo "ledger: the benchmark failed (output above)"; exit 1; }
grep -h "^ledger:" esi-server/target/surefire-reports/*LedgerClaimBench-output.txt
echo "ledger  done  load avg: $(cut -d' ' -f1-3 /proc/loadavg)"
