#!/usr/bin/env bash
# How many nodes one instance drives in parallel: 500 power-on requests against fake BMCs that each
# take ESI_BENCH_BMC_DELAY_MS (default 500) per call. Prints one "power-ops:" line with the figures.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/bin/jdk.sh"
cd "$ROOT"
mvn -B -q install -DskipTests -pl esi-server -am >/dev/null
if ! mvn -B -q test -pl esi-server -Dtest=PowerOperationsBench -Dsurefire.failIfNoSpecifiedTests=false >/dev/null 2>&1; then
  echo "power-ops: benchmark failed; see esi-server/target/surefire-reports/org.esi.bench.PowerOperationsBench.txt" >&2
  exit 1
fi
grep -h "^power-ops:" esi-server/target/surefire-reports/org.esi.bench.PowerOperationsBench-output.txt
