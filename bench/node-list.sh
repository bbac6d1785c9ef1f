#!/usr/bin/env bash
# Node-list benchmark: starts a real `bin/esi serve` on a free port with a fresh data dir under /tmp,
# seeds projects/users/nodes through the HTTP API, then drives authenticated
# GET /baremetal/v1/nodes?limit=50 with wrk (tokens rotating over the project users, plus some
# admin requests), prints throughput/latency/errors and stops everything. See bench/README.md.
#
# Knobs (environment):
#   CONCURRENCY="16 64 256"  open connections; one measured phase per value (warm-up uses the first)
#   THREADS=$(nproc)     wrk threads (capped at the connection count)
#   WARMUP=20  DURATION=30   seconds of warm-up (not reported) and of each measured phase
#   PROJECTS=50  NODES=1000  LESSEE_EVERY=5  ADMIN_EVERY=10   data set and request mix
#   LIMIT=50             page size of the listed request
#   COUNT_STATUS=1       check every status in Lua (exact non-2xx count); 0 = wrk's own >=400 count
#   PROFILE=none|jstack|jfr   jstack: 5 thread dumps during the measured phase; jfr: a JFR recording
#   RESULTS_DIR=bench/results/<timestamp>   where the report (and profiles) are kept
#   ESI_JAVA_OPTS        passed to the server JVM (bin/esi honours it)
#   BUILD=1              build first when sources are newer than the jar (0 = use the existing build)
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

CONCURRENCY="${CONCURRENCY:-16 64 256}"
THREADS="${THREADS:-$(nproc)}"
WARMUP="${WARMUP:-20}"
DURATION="${DURATION:-30}"
PROJECTS="${PROJECTS:-50}"
NODES="${NODES:-1000}"
LESSEE_EVERY="${LESSEE_EVERY:-5}"
ADMIN_EVERY="${ADMIN_EVERY:-10}"
LIMIT="${LIMIT:-50}"
COUNT_STATUS="${COUNT_STATUS:-1}"
PROFILE="${PROFILE:-none}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-180}"
RESULTS_DIR="${RESULTS_DIR:-$HERE/results/$(date +%Y%m%d-%H%M%S)}"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- tools -------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (Debian package)"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; } \
      || die "cannot install wrk"
  else
    sudo apt-get install -y wrk >/dev/null || die "wrk is missing; apt-get install wrk"
  fi
fi
command -v curl >/dev/null || die "curl is missing"
command -v python3 >/dev/null || die "python3 is missing"

# --- build (same freshness rule as bin/esi, done up front so start-up timing is not a build) ----
. "$ROOT/bin/jdk.sh"
JAR="$ROOT/esi-app/target/esi.jar"
BUILD_NOTE="fresh build of the working tree"
stale() {
  [ ! -f "$JAR" ] || [ -n "$(find "$ROOT" -path "$ROOT/*/target" -prune -o -path "$ROOT/bench" -prune -o \
      \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) -newer "$JAR" -print -quit)" ]
}
if stale; then
  if [ "${BUILD:-1}" = 1 ]; then
    log "building (mvn -DskipTests package -pl esi-app -am)"
    if ! (cd "$ROOT" && mvn -q -B -DskipTests package -pl esi-app -am >"${TMPDIR:-/tmp}/esi-bench-build.log" 2>&1); then
      grep -E '^\[ERROR\] /' "${TMPDIR:-/tmp}/esi-bench-build.log" | head -n 5 >&2 || true
      [ -f "$JAR" ] || die "build failed and there is no earlier build (log: ${TMPDIR:-/tmp}/esi-bench-build.log)"
      BUILD_NOTE="WORKING TREE DOES NOT COMPILE - using the previous build"
      log "WARNING: build failed (sources being edited?); benchmarking the previous build of $(date -r "$JAR" '+%F %T')"
    fi
  else
    BUILD_NOTE="BUILD=0: previous build, sources are newer"
  fi
fi
GIT_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
if [ -n "$(git -C "$ROOT" --no-optional-locks status --porcelain 2>/dev/null | head -n1)" ]; then GIT_REV="$GIT_REV+local changes"; fi
BUILD_NOTE="$BUILD_NOTE (jar of $(date -r "$JAR" '+%F %T'), git $GIT_REV)"

# --- fresh server --------------------------------------------------------------------------------
WORK="$(mktemp -d /tmp/esi-bench.XXXXXX)"
chmod 0755 "$WORK"                      # embedded PostgreSQL runs as uid 65534 when we are root
DATA="$WORK/data"; mkdir -m 0755 "$DATA"
mkdir -p "$RESULTS_DIR"
# Run bin/esi from a private copy of the built jars: a concurrent `mvn package` in the working tree
# must not swap classes under the running server, and the copy has no sources, so bin/esi never
# rebuilds there. It is still the project's own bin/esi launcher and jars.
INSTALL="$WORK/esi"
mkdir -p "$INSTALL/bin" "$INSTALL/esi-app/target"
cp "$ROOT/bin/esi" "$ROOT/bin/jdk.sh" "$INSTALL/bin/"
cp -r "$ROOT/esi-app/target/lib" "$JAR" "$INSTALL/esi-app/target/"
touch "$INSTALL/esi-app/target/esi.jar"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT"
ADMIN_PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
SERVER_PID=""

cleanup() {
  local rc=$?
  set +e
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    log "stopping server (pid $SERVER_PID)"
    kill -TERM "$SERVER_PID"
    for _ in $(seq 1 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$SERVER_PID" 2>/dev/null && { log "server did not stop in 30 s; killing"; kill -KILL "$SERVER_PID"; }
    wait "$SERVER_PID" 2>/dev/null
  fi
  # The server stops its PostgreSQL on exit; if it could not (kill -9), stop the orphan by its pid file.
  local pgpid
  pgpid="$(head -n1 "$DATA/pgdata/postmaster.pid" 2>/dev/null)"
  if [ -n "$pgpid" ] && kill -0 "$pgpid" 2>/dev/null; then
    log "stopping leftover PostgreSQL (pid $pgpid)"
    kill -INT "$pgpid"
    for _ in $(seq 1 40); do kill -0 "$pgpid" 2>/dev/null || break; sleep 0.25; done
  fi
  [ -f "$WORK/server.log" ] && cp "$WORK/server.log" "$RESULTS_DIR/server.log"
  rm -rf "$WORK"
  log "removed $WORK; report and server log kept in $RESULTS_DIR"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting bin/esi serve on $URL, data dir $DATA"
JFR_FILE=""
if [ "$PROFILE" = jfr ]; then
  JFR_FILE="$RESULTS_DIR/server.jfr"
  export ESI_JAVA_OPTS="${ESI_JAVA_OPTS:-} -XX:StartFlightRecording=filename=$JFR_FILE,settings=profile,dumponexit=true"
fi
ESI_LISTEN_PORT="$PORT" ESI_LISTEN_ADDRESS=127.0.0.1 ESI_DATA_DIR="$DATA" ESI_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  "$INSTALL/bin/esi" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
t0=$SECONDS
until curl -fs -o /dev/null --max-time 2 "$URL/"; do
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$WORK/server.log" >&2; die "server exited during start-up"; }
  [ $((SECONDS - t0)) -lt "$STARTUP_TIMEOUT" ] || { tail -n 30 "$WORK/server.log" >&2; die "server not answering after ${STARTUP_TIMEOUT}s"; }
  sleep 0.5
done
log "server answers after $((SECONDS - t0))s"

# --- seed ----------------------------------------------------------------------------------------
t0=$SECONDS
if ! python3 "$HERE/seed.py" --url "$URL" --admin-password "$ADMIN_PASSWORD" --tokens "$WORK/tokens" \
    --admin-token "$WORK/admin-token" --projects "$PROJECTS" --nodes "$NODES" --lessee-every "$LESSEE_EVERY" \
    2>&1 | sed -u 's/^/[bench] /' >&2; then
  die "seeding failed"
fi
log "seeded in $((SECONDS - t0))s"

# --- load ----------------------------------------------------------------------------------------
export BENCH_PATH="/baremetal/v1/nodes?limit=$LIMIT" BENCH_TOKENS="$WORK/tokens" \
  BENCH_ADMIN_TOKEN="$WORK/admin-token" BENCH_ADMIN_EVERY="$ADMIN_EVERY" BENCH_COUNT_STATUS="$COUNT_STATUS"

# CPU used by the server JVM and by its PostgreSQL (postmaster of our data dir and its children),
# read from /proc so the report can show where the CPU went.
proc_cpu() { # pid... -> total utime+stime in clock ticks
  local t=0 p v
  for p in "$@"; do
    v=$(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0)
    t=$((t + ${v:-0}))
  done
  echo "$t"
}
ticks_of_times() { # file written by the `times` builtin -> children's user+sys in clock ticks
  tail -n1 "$1" | awk -v t="$(getconf CLK_TCK)" '{ s=0; for (i=1;i<=2;i++) { split($i,a,/[ms]/); s+=a[1]*60+a[2] } printf "%d", s*t }'
}
pg_pids() { # the postmaster of our data dir and its children (backends, checkpointer, ...)
  local pm; pm="$(head -n1 "$DATA/pgdata/postmaster.pid" 2>/dev/null)"
  [ -n "$pm" ] || return 0
  echo "$pm $(pgrep -P "$pm" 2>/dev/null | tr '\n' ' ')"
}
total_cpu() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat; }   # all, idle+iowait
others_top() { ps -eo pid,ppid,pcpu,comm --sort=-pcpu | awk -v s="$SERVER_PID" 'NR>1 && $1!=s && $2!=s && $4!="wrk" && $4!="postgres" && $3>5 {printf "%s(%s%%) ", $4, $3}' | head -c 300; }

run_wrk() { # connections seconds outfile
  local c=$1 d=$2 t=$THREADS
  [ "$t" -gt "$c" ] && t=$c
  wrk -t"$t" -c"$c" -d"${d}s" --timeout 10s -s "$HERE/node-list.lua" "$URL$BENCH_PATH" >"$3" 2>&1
}

FIRST_C="${CONCURRENCY%% *}"
log "warm-up: ${WARMUP}s at $FIRST_C connections"
run_wrk "$FIRST_C" "$WARMUP" "$WORK/warmup.txt" || { cat "$WORK/warmup.txt" >&2; die "wrk failed"; }
log "warm-up: $(sed -n 's/^RESULT rps=//p' "$WORK/warmup.txt") req/s"

REPORT="$RESULTS_DIR/report.txt"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "ESI node-list benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "  request     GET $BENCH_PATH, X-Auth-Token rotating over $PROJECTS project-user tokens (role owner)"
  echo "              + 1 admin request after every $ADMIN_EVERY user requests (ADMIN_EVERY=0: none)"
  echo "  data        $PROJECTS projects, $PROJECTS users, $NODES fake-hardware nodes (every ${LESSEE_EVERY}th with a lessee)"
  echo "  machine     nproc=$(nproc), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1), $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "  build       $BUILD_NOTE"
  echo "  java        $("$JAVA_HOME/bin/java" -version 2>&1 | head -n1)   ESI_JAVA_OPTS='${ESI_JAVA_OPTS:-}'"
  echo "  load gen    wrk, $THREADS threads, on the same machine (shares the CPUs with the server)"
  echo "  phases      ${WARMUP}s warm-up (not reported), then ${DURATION}s measured per concurrency"
  echo "  note        other work on the machine is not stopped; load avg before: $LOAD_BEFORE"
  echo
  printf '%-6s %9s %9s %8s %8s %8s %8s %8s %7s %7s  %s\n' conns requests "req/s" "p50 ms" "p90 ms" "p99 ms" \
    "p99.9 ms" "max ms" non2xx sockerr "CPU cores jvm/pg/wrk/other"
} | tee "$REPORT"

TICKS=$(getconf CLK_TCK)
for C in $CONCURRENCY; do
  if [ "$PROFILE" = jstack ]; then
    ( sleep $((DURATION / 3)); for i in 1 2 3 4 5; do
        "$JAVA_HOME/bin/jstack" "$SERVER_PID" >"$RESULTS_DIR/jstack-c$C-$i.txt" 2>&1; sleep 2; done ) &
    JSTACK_PID=$!
  fi
  PGP="$(pg_pids)"
  jvm0=$(proc_cpu "$SERVER_PID"); pg0=$(proc_cpu $PGP); read -r all0 idle0 < <(total_cpu); times >"$WORK/times0"
  run_wrk "$C" "$DURATION" "$WORK/run-$C.txt" || { cat "$WORK/run-$C.txt" >&2; die "wrk failed"; }
  jvm1=$(proc_cpu "$SERVER_PID"); pg1=$(proc_cpu $PGP); read -r all1 idle1 < <(total_cpu); times >"$WORK/times1"   # in this shell: a subshell would not see wrk
  wrk0=$(ticks_of_times "$WORK/times0"); wrk1=$(ticks_of_times "$WORK/times1")
  if [ "$PROFILE" = jstack ]; then wait "$JSTACK_PID" 2>/dev/null || true; fi
  cp "$WORK/run-$C.txt" "$RESULTS_DIR/wrk-c$C.txt"
  r() { sed -n "s/^RESULT $1=//p" "$WORK/run-$C.txt"; }
  if [ "$COUNT_STATUS" = 1 ]; then non2xx=$(r non2xx); else non2xx="$(r status_ge400)*"; fi
  sockerr=$(( $(r err_connect) + $(r err_read) + $(r err_write) + $(r err_timeout) ))
  # CPU in "cores" over the phase: server JVM, its PostgreSQL, wrk, and the rest of the machine
  # (all busy time minus those three = other work running concurrently, e.g. builds).
  cores() { awk -v x="$1" -v t="$TICKS" -v d="$DURATION" 'BEGIN{v=x/t/d; if (v<0) v=0; printf "%.2f", v}'; }
  busy=$(( (all1 - all0) - (idle1 - idle0) ))
  CPU_COL="$(cores $((jvm1 - jvm0)))/$(cores $((pg1 - pg0)))/$(cores $((wrk1 - wrk0)))/$(cores $((busy - (jvm1 - jvm0) - (pg1 - pg0) - (wrk1 - wrk0))))"
  printf '%-6s %9s %9s %8s %8s %8s %8s %8s %7s %7s  %s\n' "$C" "$(r requests)" "$(r rps)" "$(r p50_ms)" \
    "$(r p90_ms)" "$(r p99_ms)" "$(r p99_9_ms)" "$(r max_ms)" "$non2xx" "$sockerr" "$CPU_COL" | tee -a "$REPORT"
  RESP_KB=$(awk -v b="$(r bytes)" -v n="$(r requests)" 'BEGIN{if (n>0) printf "%.1f", b/n/1024}')
done
{
  echo
  echo "  CPU cores = average cores used during the phase by the server JVM / its PostgreSQL / wrk /"
  echo "              everything else on the machine (other builds or tests; not stopped by this script)."
  echo "  response size ${RESP_KB:-?} KiB.  Target: >= 5000 authenticated req/s at limit=$LIMIT on 2 cores."
  if [ "$COUNT_STATUS" != 1 ]; then echo "  * non2xx column is wrk's count of status >= 400 (COUNT_STATUS=0)"; fi
  echo "  load avg after: $(cut -d' ' -f1-3 /proc/loadavg); other busy processes now: $(others_top)"
  if [ "$PROFILE" = jstack ]; then echo "  jstack samples: $RESULTS_DIR/jstack-*.txt"; fi
  if [ "$PROFILE" = jfr ]; then echo "  JFR recording (written when the server stops): $JFR_FILE"; fi
} | tee -a "$REPORT"
