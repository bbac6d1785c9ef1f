#!/usr/bin/env bash
# Leasing benchmark: starts a real `bin/esi serve` (fresh data dir under /tmp, free port), seeds 10,000 nodes
# (HTTP), 10,000 offers and 100,000 leases (SQL, row for row what the service writes), then measures over HTTP
#   (a) GET /lease/v1/offers?available_start_time=..&available_end_time=..&limit=100   (wrk)
#   (b) GET /lease/v1/leases?limit=100 as owner-project users and as lessee-project users   (wrk)
#   (c) claims/s: 8 closed-loop clients claiming distinct, non-overlapping windows (wrk), 201 vs 409
#   (d) lifecycle lag: 10,000 leases starting over the next 60 s; fulfill_time - start_time from the DB
# prints p50/p99 and rates with nproc, stops the server and cleans up. See bench/README.md.
#
# Knobs (environment):
#   NODES=10000 OWNERS=25 LESSEES=25 LEASES_PER_OFFER=10 ACTIVE_EVERY=10   data set (offers = nodes)
#   CONNS=16 WARMUP=10 DURATION=30 LIMIT=100   list phases (connections, seconds, page size)
#   CLAIM_CLIENTS=8 CLAIM_DURATION=30           claim phase
#   LAG_LEASES=10000 LAG_DELAY=10 LAG_SPREAD=60 LAG_GRACE=60   lag phase (seconds)
#   PHASES="offers leases claims lag"           which phases to run
#   EXPLAIN=1          EXPLAIN ANALYZE the two list queries after the list phases (0 = skip)
#   WHATIF_SQL="create index ..."   extra SQL run after seeding (what-if experiments; shown in the report)
#   PROFILE=none|jstack  jstack: 3 thread dumps in the middle of every measured phase
#   RESULTS_DIR=bench/results/leasing-<timestamp>   ESI_JAVA_OPTS   BUILD=1 (as bench/node-list.sh)
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

NODES="${NODES:-10000}"; OWNERS="${OWNERS:-25}"; LESSEES="${LESSEES:-25}"
LEASES_PER_OFFER="${LEASES_PER_OFFER:-10}"; ACTIVE_EVERY="${ACTIVE_EVERY:-10}"
CONNS="${CONNS:-16}"; WARMUP="${WARMUP:-10}"; DURATION="${DURATION:-30}"; LIMIT="${LIMIT:-100}"
CLAIM_CLIENTS="${CLAIM_CLIENTS:-8}"; CLAIM_DURATION="${CLAIM_DURATION:-30}"
LAG_LEASES="${LAG_LEASES:-10000}"; LAG_DELAY="${LAG_DELAY:-10}"; LAG_SPREAD="${LAG_SPREAD:-60}"; LAG_GRACE="${LAG_GRACE:-60}"
PHASES="${PHASES:-offers leases claims lag}"
EXPLAIN="${EXPLAIN:-1}"; PROFILE="${PROFILE:-none}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-180}"
RESULTS_DIR="${RESULTS_DIR:-$HERE/results/leasing-$(date +%Y%m%d-%H%M%S)}"

log() { printf '[leasing %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
has_phase() { case " $PHASES " in *" $1 "*) return 0;; *) return 1;; esac; }

# --- tools ---------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (Debian package)"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; } || die "cannot install wrk"
  else
    sudo apt-get install -y wrk >/dev/null || die "wrk is missing; apt-get install wrk"
  fi
fi
for t in curl python3 psql; do command -v "$t" >/dev/null || die "$t is missing"; done

# --- build (same rule as bench/node-list.sh) -------------------------------------------------------
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
    if ! (cd "$ROOT" && mvn -q -B -DskipTests package -pl esi-app -am >"${TMPDIR:-/tmp}/esi-leasing-build.log" 2>&1); then
      grep -E '^\[ERROR\] /' "${TMPDIR:-/tmp}/esi-leasing-build.log" | head -n 5 >&2 || true
      [ -f "$JAR" ] || die "build failed and there is no earlier build (log: ${TMPDIR:-/tmp}/esi-leasing-build.log)"
      BUILD_NOTE="WORKING TREE DOES NOT COMPILE - using the previous build"
      log "WARNING: build failed; benchmarking the previous build of $(date -r "$JAR" '+%F %T')"
    fi
  else
    BUILD_NOTE="BUILD=0: previous build, sources are newer"
  fi
fi
GIT_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
if [ -n "$(git -C "$ROOT" --no-optional-locks status --porcelain 2>/dev/null | head -n1)" ]; then GIT_REV="$GIT_REV+local changes"; fi
BUILD_NOTE="$BUILD_NOTE (jar of $(date -r "$JAR" '+%F %T'), git $GIT_REV)"

# --- fresh server from a private copy of the built jars (see bench/node-list.sh) -------------------
WORK="$(mktemp -d /tmp/esi-leasing.XXXXXX)"
chmod 0755 "$WORK"                      # embedded PostgreSQL runs as an unprivileged user when we are root
DATA="$WORK/data"; mkdir -m 0755 "$DATA"
mkdir -p "$RESULTS_DIR"
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

# psql to the server's embedded PostgreSQL (127.0.0.1 only; role esi, password in the data dir)
export PGHOST=127.0.0.1 PGPORT="$(cat "$DATA/postgres.port")" PGUSER=esi PGDATABASE=esi PGCONNECT_TIMEOUT=10
PGPASSWORD="$(cat "$DATA/postgres.password")"; export PGPASSWORD
export PGOPTIONS="-c statement_timeout=300000"      # every SQL step is bounded too
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# --- seed ------------------------------------------------------------------------------------------
t0=$SECONDS
python3 "$HERE/leasing-seed.py" --url "$URL" --admin-password "$ADMIN_PASSWORD" --owners "$OWNERS" --lessees "$LESSEES" \
  --nodes "$NODES" --owner-tokens "$WORK/owner-tokens" --lessee-tokens "$WORK/lessee-tokens" --admin-token "$WORK/admin-token" \
  2>&1 | sed -u 's/^/[leasing] /' >&2 || die "HTTP seeding failed"
[ -s "$WORK/lessee-tokens" ] || die "HTTP seeding failed"
log "HTTP seed done in $((SECONDS - t0))s; bulk SQL seed of offers, leases and bookings"
t1=$SECONDS
SEED_COUNTS="$(sql -v leases_per_offer="$LEASES_PER_OFFER" -v active_every="$ACTIVE_EVERY" -P footer=off -f "$HERE/leasing-seed.sql")"
echo "$SEED_COUNTS" >&2
log "SQL seed done in $((SECONDS - t1))s (total seed $((SECONDS - t0))s)"
sql -At -c "select uuid from offer where name like 'bench-offer-%' order by name" >"$WORK/offers"
if [ -n "${WHATIF_SQL:-}" ]; then
  log "WHATIF_SQL: $WHATIF_SQL"
  sql -c "$WHATIF_SQL" -c "analyze" >&2
fi

# Sanity through HTTP: the seeded rows read back through the service, and the bookings really block:
# a claim over a seeded created lease is 409, a claim in free time is 201 (then cancelled again).
ADMIN_TOKEN="$(head -n1 "$WORK/admin-token")"; LTOKEN="$(head -n1 "$WORK/lessee-tokens")"
OFFER0="$(head -n1 "$WORK/offers")"
api() { curl -s --max-time 30 -o "$WORK/resp" -w '%{http_code}' -H "X-Auth-Token: $1" -H 'Content-Type: application/json' "${@:2}"; }
busy="$(sql -At -c "select to_char(start_time at time zone 'UTC','YYYY-MM-DD\"T\"HH24:MI:SS') || ' ' || to_char((start_time + interval '1 hour') at time zone 'UTC','YYYY-MM-DD\"T\"HH24:MI:SS') from lease where offer_uuid = '$OFFER0' and status = 'created' limit 1")"
code="$(api "$LTOKEN" -X POST "$URL/lease/v1/offers/$OFFER0/claim" -d "{\"start_time\":\"${busy% *}\",\"end_time\":\"${busy#* }\"}")"
[ "$code" = 409 ] || die "claim over a seeded lease answered $code, wanted 409: $(head -c 300 "$WORK/resp")"
code="$(api "$LTOKEN" -X POST "$URL/lease/v1/offers/$OFFER0/claim" -d '{"start_time":"'"$(date -u -d '+100 days' +%Y-%m-%dT00:00:00)"'","end_time":"'"$(date -u -d '+100 days' +%Y-%m-%dT01:00:00)"'"}')"
[ "$code" = 201 ] || die "claim in free time answered $code: $(head -c 300 "$WORK/resp")"
probe="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["uuid"])' "$WORK/resp")"
code="$(api "$LTOKEN" -X DELETE "$URL/lease/v1/leases/$probe")"; [ "$code" = 200 ] || die "cancelling the probe lease answered $code"
code="$(api "$ADMIN_TOKEN" "$URL/lease/v1/offers/$OFFER0")"; [ "$code" = 200 ] || die "GET offer answered $code"
navail="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["availabilities"]))' "$WORK/resp")"
code="$(api "$(head -n1 "$WORK/owner-tokens")" "$URL/lease/v1/leases?limit=1000")"; [ "$code" = 200 ] || die "GET leases answered $code"
nl="$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["leases"]), "next" in d)' "$WORK/resp")"
log "sanity ok: seeded booking blocks a claim (409), free claim 201 + cancel 200, offer 0 has $navail availabilities, owner 0 lists $nl (count, more)"

# --- measuring helpers -----------------------------------------------------------------------------
proc_cpu() { local t=0 p v; for p in "$@"; do v=$(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0); t=$((t + ${v:-0})); done; echo "$t"; }
pg_pids() { local pm; pm="$(head -n1 "$DATA/pgdata/postmaster.pid" 2>/dev/null)"; [ -n "$pm" ] && echo "$pm $(pgrep -P "$pm" 2>/dev/null | tr '\n' ' ')"; }
total_cpu() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat; }
TICKS=$(getconf CLK_TCK)
cpu_begin() { PGP="$(pg_pids)"; jvm0=$(proc_cpu "$SERVER_PID"); pg0=$(proc_cpu $PGP); read -r all0 idle0 < <(total_cpu); }
cpu_end() { # seconds -> "jvm/pg/rest-of-machine cores"
  local jvm1 pg1 all1 idle1; jvm1=$(proc_cpu "$SERVER_PID"); pg1=$(proc_cpu $PGP); read -r all1 idle1 < <(total_cpu)
  awk -v j=$((jvm1 - jvm0)) -v p=$((pg1 - pg0)) -v b=$(( (all1 - all0) - (idle1 - idle0) )) -v t="$TICKS" -v d="$1" \
    'BEGIN{o=b-j-p; if (o<0) o=0; printf "%.2f/%.2f/%.2f", j/t/d, p/t/d, o/t/d}'
}
jstacks() { # tag seconds
  JSTACK_PID=""
  [ "$PROFILE" = jstack ] || return 0
  ( sleep $(($2 / 3)); for i in 1 2 3; do "$JAVA_HOME/bin/jstack" "$SERVER_PID" >"$RESULTS_DIR/jstack-$1-$i.txt" 2>&1; sleep 2; done ) &
  JSTACK_PID=$!
}
wait_jstacks() { if [ -n "${JSTACK_PID:-}" ]; then wait "$JSTACK_PID" 2>/dev/null || true; fi; }
r() { sed -n "s/^RESULT $1=//p" "$2"; }

REPORT="$RESULTS_DIR/report.txt"
counts="$(sql -At -F' ' -c "select (select count(*) from node), (select count(*) from offer), (select count(*) from lease),
  (select count(*) from lease where status='expired'), (select count(*) from lease where status='active'), (select count(*) from lease where status='created')")"
read -r c_nodes c_offers c_leases c_exp c_act c_cre <<<"$counts"
{
  echo "ESI leasing benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "  machine     nproc=$(nproc), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1), $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "  build       $BUILD_NOTE"
  echo "  java        $("$JAVA_HOME/bin/java" -version 2>&1 | head -n1)   ESI_JAVA_OPTS='${ESI_JAVA_OPTS:-}'"
  echo "  data        $c_nodes nodes, $c_offers offers, $c_leases leases ($c_exp expired, $c_act active, $c_cre created);"
  echo "              $OWNERS owner projects (user role owner), $LESSEES lessee projects (user role lessee)"
  echo "  load gen    wrk on the same machine; list phases ${WARMUP}s warm-up + ${DURATION}s at $CONNS connections"
  [ -n "${WHATIF_SQL:-}" ] && echo "  WHAT-IF     not the shipped schema: $WHATIF_SQL"
  echo "  note        other work on the machine is not stopped; load avg before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  printf '%-34s %8s %7s %8s %8s %8s %8s %6s %6s  %s\n' phase requests "req/s" "p50 ms" "p90 ms" "p99 ms" "max ms" non2xx sockerr "CPU jvm/pg/other"
} | tee "$REPORT"

run_list() { # tag tokens-file paths...
  local tag=$1 tokens=$2; shift 2
  printf '%s\n' "$@" >"$WORK/paths-$tag"
  export BENCH_PATHS="$WORK/paths-$tag" BENCH_TOKENS="$tokens"
  local t=$(nproc); [ "$t" -gt "$CONNS" ] && t=$CONNS
  wrk -t"$t" -c"$CONNS" -d"${WARMUP}s" --timeout 10s -s "$HERE/leasing-list.lua" "$URL/" >"$WORK/warm-$tag.txt" 2>&1 || { cat "$WORK/warm-$tag.txt" >&2; die "wrk failed"; }
  jstacks "$tag" "$DURATION"
  cpu_begin
  wrk -t"$t" -c"$CONNS" -d"${DURATION}s" --timeout 10s -s "$HERE/leasing-list.lua" "$URL/" >"$WORK/run-$tag.txt" 2>&1 || { cat "$WORK/run-$tag.txt" >&2; die "wrk failed"; }
  local cpu; cpu=$(cpu_end "$DURATION"); wait_jstacks
  local f="$WORK/run-$tag.txt"; cp "$f" "$RESULTS_DIR/wrk-$tag.txt"
  printf '%-34s %8s %7s %8s %8s %8s %8s %6s %6s  %s\n' "$tag" "$(r requests "$f")" "$(r rps "$f")" "$(r p50_ms "$f")" \
    "$(r p90_ms "$f")" "$(r p99_ms "$f")" "$(r max_ms "$f")" "$(r non2xx "$f")" "$(r sockerr "$f")" "$cpu" | tee -a "$REPORT"
  eval "P99_${tag//[^a-zA-Z0-9]/_}=$(r p99_ms "$f")"
}

# ISO times (UTC, whole seconds) relative to the seed's "now" (the offers start exactly 30 days before it)
SEED_T="$(sql -At -c "select extract(epoch from start_time)::bigint + 30*86400 from offer where name = 'bench-offer-0'")"
iso() { date -u -d "@$((SEED_T + $1))" +%Y-%m-%dT%H:%M:%S; }
H=3600; D=86400
cat "$WORK/owner-tokens" "$WORK/lessee-tokens" >"$WORK/all-tokens"

# (a) offers with a free window: all free / all free (7 days) / half the offers booked / every offer booked
if has_phase offers; then
  W=("$(iso $((D)))|$(iso $((D + 6*H)))" "$(iso $((30*D)))|$(iso $((37*D)))" \
     "$(iso $((4*D + H/2)))|$(iso $((4*D + 3*H/2)))" "$(iso $((3*D)))|$(iso $((3*D + H)))")
  paths=()
  for w in "${W[@]}"; do paths+=("/lease/v1/offers?available_start_time=${w%|*}&available_end_time=${w#*|}&limit=$LIMIT"); done
  for p in "${paths[@]}"; do
    n=$(curl -s --max-time 30 -H "X-Auth-Token: $LTOKEN" "$URL$p" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["offers"]), "next" in d)')
    # One client, one request at a time: what this window costs on its own (no queueing).
    ms=$(for _ in $(seq 1 21); do curl -s -o /dev/null --max-time 30 -w '%{time_total}\n' -H "X-Auth-Token: $LTOKEN" "$URL$p"; done \
         | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]*1000}')
    log "offers window ${p#*available_start_time=} -> $n (page, more), alone p50 ${ms} ms"
    echo "  window ${p#*available_start_time=}: $n (page, more); one client p50 ${ms} ms" >> "$RESULTS_DIR/windows.txt"
  done
  log "(a) offers with availability window, limit=$LIMIT, owner+lessee tokens"
  run_list "offers-available(limit=$LIMIT)" "$WORK/all-tokens" "${paths[@]}"
fi

# (b) leases, default status filter (live leases), as owner users and as lessee users
if has_phase leases; then
  log "(b) leases limit=$LIMIT as owners, then as lessees"
  run_list "leases-owner(limit=$LIMIT)" "$WORK/owner-tokens" "/lease/v1/leases?limit=$LIMIT"
  run_list "leases-lessee(limit=$LIMIT)" "$WORK/lessee-tokens" "/lease/v1/leases?limit=$LIMIT"
fi

if [ "$EXPLAIN" = 1 ] && { has_phase offers || has_phase leases; }; then
  OWNER0="$(sql -At -c "select id from project where name = 'bench-o000'")"
  LESSEE0="$(sql -At -c "select id from project where name = 'bench-l000'")"
  for spec in "owner:$OWNER0" "lessee:$LESSEE0"; do
    sql -v me="${spec#*:}" -v lim=$((LIMIT + 1)) -v as="$(iso $((3*D)))" -v ae="$(iso $((3*D + H)))" \
      -f "$HERE/leasing-explain.sql" >"$RESULTS_DIR/explain-${spec%%:*}.txt" 2>&1 || true
  done
  log "EXPLAIN ANALYZE of the list queries (as the service issues them): $RESULTS_DIR/explain-{owner,lessee}.txt"
  grep -E '^ *(Limit|Sort|Execution Time|-- )|Seq Scan|Index|Bitmap' "$RESULTS_DIR/explain-owner.txt" | head -n 60 >&2 || true
fi

# (c) claims: CLAIM_CLIENTS closed-loop clients, distinct non-overlapping one-hour windows from seed+200 days
if has_phase claims; then
  log "(c) claims: $CLAIM_CLIENTS clients, ${CLAIM_DURATION}s (+5 s warm-up on other windows)"
  export BENCH_OFFERS="$WORK/offers" BENCH_TOKENS="$WORK/lessee-tokens" BENCH_CLIENTS="$CLAIM_CLIENTS"
  BENCH_BASE=$((SEED_T + 300*D)) wrk -t"$CLAIM_CLIENTS" -c"$CLAIM_CLIENTS" -d5s --timeout 10s -s "$HERE/leasing-claim.lua" "$URL/" >"$WORK/claim-warm.txt" 2>&1 \
    || { cat "$WORK/claim-warm.txt" >&2; die "wrk failed"; }
  jstacks claims "$CLAIM_DURATION"
  cpu_begin
  BENCH_BASE=$((SEED_T + 200*D)) wrk -t"$CLAIM_CLIENTS" -c"$CLAIM_CLIENTS" -d"${CLAIM_DURATION}s" --timeout 10s -s "$HERE/leasing-claim.lua" "$URL/" \
    >"$WORK/claim.txt" 2>&1 || { cat "$WORK/claim.txt" >&2; die "wrk failed"; }
  cpu=$(cpu_end "$CLAIM_DURATION"); wait_jstacks
  f="$WORK/claim.txt"; cp "$f" "$RESULTS_DIR/wrk-claims.txt"
  CLAIMS_PER_S=$(r claims_per_s "$f")
  printf '%-34s %8s %7s %8s %8s %8s %8s %6s %6s  %s\n' "claims($CLAIM_CLIENTS clients) 201/s" "$(r requests "$f")" "$CLAIMS_PER_S" \
    "$(r p50_ms "$f")" "-" "$(r p99_ms "$f")" "$(r max_ms "$f")" "$(( $(r conflicts "$f") + $(r other "$f") ))" "$(r sockerr "$f")" "$cpu" | tee -a "$REPORT"
  echo "    claims: $(r created "$f") x 201, $(r conflicts "$f") x 409 (must be 0), $(r other "$f") other" | tee -a "$REPORT"
  grep -E '^(409|HTTP)' "$f" | head -n 3 >&2 || true
fi

# (d) lifecycle lag
if has_phase lag; then
  log "(d) lifecycle lag: $LAG_LEASES leases starting from now+${LAG_DELAY}s over ${LAG_SPREAD}s"
  sql -v lag_leases="$LAG_LEASES" -v delay_s="$LAG_DELAY" -v spread_s="$LAG_SPREAD" -P footer=off -f "$HERE/leasing-lag.sql" >&2
  jstacks lag $((LAG_DELAY + LAG_SPREAD))
  cpu_begin; lag_t0=$SECONDS
  deadline=$((SECONDS + LAG_DELAY + LAG_SPREAD + LAG_GRACE))
  while :; do
    left="$(sql -At -c "select count(*) from lease where name like 'bench-lag-%' and fulfill_time is null")"
    [ "$left" -eq 0 ] && break
    [ "$SECONDS" -lt "$deadline" ] || { log "WARNING: $left lag leases still not started at the deadline"; break; }
    sleep 2
  done
  cpu=$(cpu_end $((SECONDS - lag_t0 > 0 ? SECONDS - lag_t0 : 1))); wait_jstacks
  LAG="$(sql -At -F' ' -c "
    with x as (select extract(epoch from coalesce(fulfill_time, clock_timestamp()) - start_time) as lag, fulfill_time, status
               from lease where name like 'bench-lag-%')
    select count(*), count(fulfill_time), count(*) filter (where status <> 'active'),
           round((percentile_cont(0.5) within group (order by lag) * 1000)::numeric, 1),
           round((percentile_cont(0.99) within group (order by lag) * 1000)::numeric, 1),
           round((max(lag) * 1000)::numeric, 1), round((min(lag) * 1000)::numeric, 1) from x")"
  read -r n_lag n_ful n_notactive lag50 lag99 lagmax lagmin <<<"$LAG"
  printf '%-34s %8s %7s %8s %8s %8s %8s %6s %6s  %s\n' "lifecycle lag (fulfill - start)" "$n_lag" "-" "$lag50" "-" "$lag99" "$lagmax" \
    "$((n_lag - n_ful))" "-" "$cpu" | tee -a "$REPORT"
  echo "    lag: $n_ful of $n_lag started, $n_notactive not 'active' at the end, min ${lagmin} ms (unstarted count as now - start)" | tee -a "$REPORT"
  sql -At -c "select status, count(*), left(coalesce(max(last_error), ''), 150) from lease where name like 'bench-lag-%' group by status" >&2
fi

# --- verdict ---------------------------------------------------------------------------------------
verdict() { awk -v v="$1" -v lim="$2" -v op="$3" 'BEGIN{ if (v=="") {print "n/a"; exit} ok = (op=="<" ? v+0 < lim+0 : v+0 >= lim+0); print (ok ? "ok  " : "MISS") }'; }
{
  echo
  echo "  CPU = average cores used during the phase by the server JVM / its PostgreSQL / everything else on the machine"
  echo "        (wrk and any other work; not stopped by this script).  nproc=$(nproc)"
  echo "  targets:"
  for v in $(compgen -v | grep '^P99_' || true); do echo "    $(verdict "${!v}" 50 '<') list p99 < 50 ms       ${v#P99_}: ${!v} ms"; done
  [ -n "${CLAIMS_PER_S:-}" ] && echo "    $(verdict "$CLAIMS_PER_S" 500 '>=') claims >= 500/s       $CLAIMS_PER_S/s"
  [ -n "${lag99:-}" ] && echo "    $(verdict "$lag99" 1000 '<') lag p99 < 1 s         ${lag99} ms"
  echo "  load avg after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$REPORT"
