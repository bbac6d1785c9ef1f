#!/usr/bin/env bash
# How many nodes one instance drives in parallel: 500 power-on requests against fake BMCs that each
# take ESI_BENCH_BMC_DELAY_MS (default 500) per call. Prints one "power-ops:" line with the figures.
set -euo pipefail
. "$(dirname "$0")/junit-bench.sh"
run_junit_bench PowerOperationsBench power-ops
