# Shared by the agent's scripts (sourced). State lives in /run/esi-agent, one small file per fact,
# so the API handler (a process per connection) and the heartbeat loop see the same values.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
STATE=/run/esi-agent
CMDS=$STATE/commands
AGENT_VERSION=12.0.1
# What IPA's generic hardware manager reports; the service compares it on every step.
HW_MANAGER_NAME=GenericHardwareManager
HW_MANAGER_VERSION='{"generic_hardware_manager":"1.2"}'

log() { echo "esi-agent: $*" >&2; }

# Kernel command line (and, for virtual media, parameters.txt) as k=v; later sources win.
param() {
  local key="$1" default="${2:-}" v
  v="$(sed -n "s/^$key=//p" "$STATE/params" 2>/dev/null | tail -1)"
  if [ -n "$v" ]; then echo "$v"; else echo "$default"; fi
}

state_get() { cat "$STATE/$1" 2>/dev/null; }
state_put() { printf '%s' "$2" >"$STATE/$1.tmp" && mv -f "$STATE/$1.tmp" "$STATE/$1"; }

# "1.68" -> 68 (the service's major is always 1).
minor() { echo "${1#*.}" | sed 's/[^0-9].*//'; }

# The API version to send: the smaller of what the service offers and what a call needs.
api_version_for() {
  local want="$1" max
  max="$(state_get api_max)"; [ -n "$max" ] || max=1.31
  if [ "$(minor "$max")" -lt "$(minor "$want")" ]; then echo "$max"; else echo "$want"; fi
}

# HTTP to the service with busybox wget. Prints the body on success; on failure prints nothing and
# leaves the HTTP status (or 0 when no answer came) in $STATE/last_status.
http_call() {
  local method="$1" url="$2" body="${3:-}" version="${4:-}" err out rc
  set -- -q -O - --header 'Accept: application/json' --header 'Content-Type: application/json'
  [ -n "$version" ] && set -- "$@" --header "X-OpenStack-Ironic-API-Version: $version"
  local rid; rid="$(param ipa-global-request-id)"
  [ -n "$rid" ] && set -- "$@" --header "X-OpenStack-Request-ID: $rid"
  case "$(param ipa-insecure false)" in 1|true|True|yes) set -- "$@" --no-check-certificate ;; esac
  [ "$method" = POST ] && set -- "$@" --post-data "$body"
  err="$STATE/wget.err.$$"
  out="$(timeout "$(param ipa-http-request-timeout 30)" wget "$@" "$url" 2>"$err")"; rc=$?
  if [ $rc -eq 0 ]; then
    state_put last_status 200
    rm -f "$err"
    printf '%s' "$out"
    return 0
  fi
  state_put last_status "$(sed -n 's/.*HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$err" | head -1 | grep . || echo 0)"
  rm -f "$err"
  return 1
}

# JSON string escaping for values built in shell (jq does the rest).
json_str() { jq -Rn --arg s "$1" '$s'; }

# Whole disks, as IPA lists them: no partitions, loops, RAM disks, optical drives or device mapper.
list_disks() {
  local d
  for d in /sys/block/*; do
    d="${d##*/}"
    case "$d" in loop*|ram*|sr*|fd*|dm-*|md*|zram*|nbd*) continue ;; esac
    [ -e "/sys/block/$d/device" ] || case "$d" in nvme*) ;; *) continue ;; esac
    [ "$(cat "/sys/block/$d/size" 2>/dev/null || echo 0)" -gt 0 ] || continue
    echo "/dev/$d"
  done
}

disk_size() { echo $(( $(cat "/sys/block/${1#/dev/}/size") * 512 )); }

# The device the agent itself booted from (virtual media) is never erased or written.
is_boot_media() {
  local d="${1#/dev/}" label
  for label in ir-vfd-dev ESI_AGENT; do
    case "$(findfs "LABEL=$label" 2>/dev/null)" in "/dev/$d"|"/dev/$d"[0-9]*|"/dev/${d}p"[0-9]*) return 0 ;; esac
  done
  return 1
}
