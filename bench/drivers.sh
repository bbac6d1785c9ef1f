#!/usr/bin/env bash
# Driver timings against real protocol peers on this machine, printed one line per figure:
#   ipmi     ipmitool -I lanplus against pyghmi's fakebmc: median power status / on / off
#   redfish  the redfish driver against the replay server of each vendor capture in ../shared/redfish
#   linux-bridge  attach/detach p50 through the driver, and 100 ports back to idle (one switch, serial)
# The figures come from the timing tests in esi-drivers (they also assert the operations worked); this
# script runs only those, with the JDK bin/esi would pick, and greps their printed lines.
# Needs what .ci/run installs (ipmitool, python3-pyghmi, iproute2); the bridge test needs root.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$ROOT/bin/jdk.sh"
cd "$ROOT"
log="$(mktemp /tmp/esi-drivers-bench.XXXXXX)"
trap 'rm -f "$log"' EXIT
echo "driver timings  $(date -u +%FT%TZ)  nproc=$(nproc)  $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
mvn -B -q -pl esi-drivers -am test -Dsurefire.failIfNoSpecifiedTests=false \
    -Dtest='IpmiDriverFakeBmcTest#medianTimings,RedfishMockupTest#medianPowerOperationTime,LinuxBridgeIsolationTest' >"$log" 2>&1 \
  || { tail -40 "$log"; echo "drivers bench: the timing tests failed (output above)"; exit 1; }
grep -hE "^ipmi driver vs fakebmc|^MEDIAN power op|^linux-bridge:" "$log" esi-drivers/target/surefire-reports/*-output.txt 2>/dev/null | sort -u
