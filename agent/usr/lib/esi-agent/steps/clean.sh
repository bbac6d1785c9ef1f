# clean.* commands and the erase steps (IPA's GenericHardwareManager: erase_devices_metadata 99,
# erase_devices 10, erase_devices_express 0). Sourced by run-command; $1 of each command is the
# params file. Failures end with "Type: message" on stderr.

step_list() { # interface-less steps with their priorities, as get_clean_steps returns them
  jq -cn --arg m "$HW_MANAGER_NAME" --argjson v "$HW_MANAGER_VERSION" '
    def s(n; p): {step: n, priority: p, interface: "deploy", reboot_requested: false, abortable: true};
    {clean_steps: {($m): [s("erase_devices"; 10), s("erase_devices_metadata"; 99), s("erase_devices_express"; 0),
                          s("erase_pstore"; 0)]},
     hardware_manager_version: $v}'
}

clean_get_clean_steps() { step_list; }

# A knob from the node's driver_internal_info, as the service sets it before cleaning (§6.1).
dii() { jq -r --arg k "$2" --arg d "$3" '.node.driver_internal_info[$k] // $d | tostring' "$1"; }

clean_execute_clean_step() {
  local p="$1" step version result
  step="$(jq -r '.step.step // empty' "$p")"
  version="$(jq -c '.clean_version // empty' "$p")"
  if [ -n "$version" ] && [ "$version" != null ] && [ "$(echo "$version" | jq -cS .)" != "$(echo "$HW_MANAGER_VERSION" | jq -cS .)" ]; then
    echo "VersionMismatch: Hardware managers version mismatch, reported: $version, actual: $HW_MANAGER_VERSION" >&2
    return 3
  fi
  case "$step" in
    erase_devices_metadata) erase_metadata_all "$p" || return 1; result=null ;;
    erase_devices) result="$(erase_devices_all "$p")" || return 1 ;;
    erase_devices_express) result="$(erase_express_all "$p")" || return 1 ;;
    erase_pstore) rm -f /sys/fs/pstore/* 2>/dev/null; result=null ;;
    *) echo "InvalidCommandParamsError: Unknown clean step: ${step:-none}" >&2; return 1 ;;
  esac
  jq -cn --argjson r "$result" --argjson s "$(jq -c .step "$p")" '{clean_result: $r, clean_step: $s}'
}

# Disks to erase: whole disks, without the boot medium and properties.skip_block_devices names.
erase_targets() {
  local p="$1" d skip
  skip="$(jq -r '.node.properties.skip_block_devices // [] | .[] | .name // empty' "$p" 2>/dev/null)"
  for d in $(list_disks); do
    is_boot_media "$d" && continue
    echo "$skip" | grep -qx "$d" && continue
    echo "$d"
  done
}

read_only() { [ "$(cat "/sys/block/${1#/dev/}/ro" 2>/dev/null)" = 1 ]; }

# Partition tables and file system / RAID signatures at both ends of a device.
wipe_metadata() {
  local d="$1" size ss n
  size="$(blockdev --getsize64 "$d")"
  ss="$(blockdev --getss "$d")"
  if [ "$ss" -ge 4096 ]; then n=5; else n=33; fi
  wipefs --force --all "$d" >/dev/null 2>&1
  dd if=/dev/zero of="$d" bs="$ss" count="$n" conv=notrunc,fsync 2>/dev/null || return 1
  if [ "$size" -gt $((ss * n)) ]; then
    dd if=/dev/zero of="$d" bs="$ss" seek=$(( size / ss - n )) count="$n" conv=notrunc,fsync 2>/dev/null || return 1
  fi
}

erase_metadata_all() {
  local p="$1" d part
  for d in $(erase_targets "$p"); do
    if read_only "$d"; then continue; fi
    # Partitions first (highest name first, as IPA), then the disk itself.
    for part in $(ls -d /sys/block/"${d#/dev/}"/"${d#/dev/}"* 2>/dev/null | sort -r); do
      wipe_metadata "/dev/${part##*/}" || { echo "BlockDeviceEraseError: Error erasing block device: metadata erase of /dev/${part##*/} failed" >&2; return 1; }
    done
    wipe_metadata "$d" || { echo "BlockDeviceEraseError: Error erasing block device: metadata erase of $d failed" >&2; return 1; }
    blockdev --rereadpt "$d" 2>/dev/null
  done
  return 0
}

# Sampled 4 KiB blocks (offsets in KiB): both ends, 62 spread evenly, used before and after an erase.
sample_offsets() {
  local size_k=$(( $(blockdev --getsize64 "$1") / 1024 )) i
  echo 0
  i=1; while [ $i -lt 63 ]; do echo $(( (size_k - 4) * i / 63 / 4 * 4 )); i=$((i + 1)); done
  echo $(( (size_k - 4) / 4 * 4 ))
}
sample_hashes() { # device -> "offset hash zero|data" per line
  local d="$1" off zero_hash
  zero_hash="$(dd if=/dev/zero bs=4096 count=1 2>/dev/null | sha256sum | cut -d' ' -f1)"
  for off in $(sample_offsets "$d"); do
    h="$(dd if="$d" bs=1024 skip="$off" count=4 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
    if [ "$h" = "$zero_hash" ]; then echo "$off $h zero"; else echo "$off $h data"; fi
  done
}

# Overwrite: N random passes, then zeros when zeroize is on (IPA's shred --iterations N [--zero]).
overwrite() {
  local d="$1" iterations="$2" zeroize="$3" size i
  size="$(blockdev --getsize64 "$d")"
  i=0
  while [ $i -lt "$iterations" ]; do
    dd if=/dev/urandom of="$d" bs=4M count="$size" iflag=count_bytes,fullblock oflag=direct conv=notrunc,fsync 2>/dev/null \
      || { echo "random pass $((i + 1)) failed"; return 1; }
    i=$((i + 1))
  done
  if [ "$zeroize" = true ] || [ "$iterations" -eq 0 ]; then
    dd if=/dev/zero of="$d" bs=4M count="$size" iflag=count_bytes,fullblock oflag=direct conv=notrunc,fsync 2>/dev/null \
      || { echo "zero pass failed"; return 1; }
  fi
}

nvme_erase() {
  local d="$1" ctrl oacs fna
  ctrl="$(nvme id-ctrl "$d" -o json 2>/dev/null)" || { echo "nvme id-ctrl failed"; return 2; }
  oacs="$(echo "$ctrl" | jq -r '.oacs // 0')"; fna="$(echo "$ctrl" | jq -r '.fna // 0')"
  [ $((oacs & 2)) -ne 0 ] || { echo "NVMe format not supported"; return 2; }
  if [ $((fna & 4)) -ne 0 ]; then
    nvme format "$d" -s 2 -f >/dev/null 2>&1 && { echo nvme-crypto-erase; return 0; }
  fi
  nvme format "$d" -s 1 -f >/dev/null 2>&1 && { echo nvme-user-data-erase; return 0; }
  echo "nvme format failed"; return 1
}

ata_erase() {
  local d="$1" info
  info="$(hdparm -I "$d" 2>/dev/null | sed -n '/^Security:/,/^[^ \t]/p')"
  echo "$info" | grep -q 'supported' || { echo "ATA security not supported"; return 2; }
  echo "$info" | grep -qE '^[[:space:]]+frozen' && ! echo "$info" | grep -qE 'not[[:space:]]+frozen' \
    && { echo "ATA security is frozen"; return 1; }
  if echo "$info" | grep -qE '^[[:space:]]+enabled'; then
    hdparm --user-master u --security-unlock NULL "$d" >/dev/null 2>&1 || hdparm --user-master u --security-unlock "" "$d" >/dev/null 2>&1
  fi
  hdparm --user-master u --security-set-pass NULL "$d" >/dev/null 2>&1 || { echo "ATA security-set-pass failed"; return 1; }
  if echo "$info" | grep -q 'supported: enhanced erase'; then
    hdparm --user-master u --security-erase-enhanced NULL "$d" >/dev/null 2>&1 || { echo "ATA enhanced security erase failed"; return 1; }
  else
    hdparm --user-master u --security-erase NULL "$d" >/dev/null 2>&1 || { echo "ATA security erase failed"; return 1; }
  fi
  hdparm -I "$d" 2>/dev/null | sed -n '/^Security:/,/^[^ \t]/p' | grep -qE 'not[[:space:]]+enabled' \
    || { echo "ATA security still enabled after erase"; return 1; }
  echo ata-secure-erase
}

discard_erase() {
  local d="$1"
  [ "$(cat "/sys/block/${d#/dev/}/queue/discard_max_bytes" 2>/dev/null || echo 0)" -gt 0 ] || { echo "discard not supported"; return 2; }
  blkdiscard --secure "$d" >/dev/null 2>&1 && { echo blkdiscard-secure; return 0; }
  blkdiscard "$d" >/dev/null 2>&1 && { echo blkdiscard; return 0; }
  echo "blkdiscard failed"; return 2
}

# After the erase: every sampled block must have changed (unless it was zero before), and must be
# zero when the method writes zeros. Prints the failing offset if any.
verify_erase() {
  local d="$1" before="$2" expect_zero="$3" off h kind now_h now_kind
  sample_hashes "$d" >"$before.after"
  while read -r off h kind; do
    read -r _ now_h now_kind <&3
    if [ "$expect_zero" = true ] && [ "$now_kind" != zero ]; then echo "block at $((off * 1024)) is not zero"; return 1; fi
    if [ "$kind" = data ] && [ "$now_h" = "$h" ]; then echo "block at $((off * 1024)) still holds its old content"; return 1; fi
  done <"$before" 3<"$before.after"
  return 0
}

# One disk, strongest method first. Prints "method" on success, else the reason; exit 1 on failure.
erase_one() {
  local d="$1" p="$2" before method rc iterations zeroize cont expect_zero
  iterations="$(dii "$p" agent_erase_devices_iterations 1)"
  zeroize="$(dii "$p" agent_erase_devices_zeroize true)"
  cont="$(dii "$p" agent_continue_if_secure_erase_failed "$(dii "$p" agent_continue_if_ata_erase_failed false)")"
  before="/tmp/erase.$(echo "$d" | tr / _)"
  sample_hashes "$d" >"$before"
  method=""; expect_zero=false
  case "$d" in
    /dev/nvme*)
      if [ "$(dii "$p" agent_enable_nvme_secure_erase true)" = true ]; then
        method="$(nvme_erase "$d")"; rc=$?
        if [ $rc -eq 1 ] && [ "$cont" != true ]; then echo "$method"; return 1; fi
        [ $rc -eq 0 ] || method=""
      fi ;;
    *)
      if [ "$(dii "$p" agent_enable_ata_secure_erase true)" = true ]; then
        method="$(ata_erase "$d")"; rc=$?
        if [ $rc -eq 1 ] && [ "$cont" != true ]; then echo "$method"; return 1; fi
        [ $rc -eq 0 ] || method=""
      fi ;;
  esac
  if [ -z "$method" ]; then
    # A discard counts only when the device then reads back zeros (checked on the samples); a device
    # that accepts discards and keeps the data falls through to the overwrite.
    method="$(discard_erase "$d")" && expect_zero=true || method=""
    if [ -n "$method" ] && ! verify_erase "$d" "$before" true >/dev/null; then method=""; fi
  fi
  if [ -z "$method" ]; then
    why="$(overwrite "$d" "$iterations" "$zeroize")" || { echo "$why"; return 1; }
    method=overwrite
    { [ "$zeroize" = true ] || [ "$iterations" -eq 0 ]; } && expect_zero=true
  fi
  why="$(verify_erase "$d" "$before" "$expect_zero")" || { echo "verification after $method failed: $why"; return 1; }
  echo "$method"
}

erase_devices_all() {
  local p="$1" d n=0 conc failed="" out
  conc="$(dii "$p" disk_erasure_concurrency 4)"; [ "$conc" -ge 1 ] 2>/dev/null || conc=1
  rm -f /tmp/erase.*
  for d in $(erase_targets "$p"); do
    if read_only "$d"; then
      if [ "$(dii "$p" agent_erase_skip_read_only false)" = true ]; then continue; fi
      echo "BlockDeviceEraseError: Error erasing block device: Failed to erase $d: the device is read-only" >&2; return 1
    fi
    ( if m="$(erase_one "$d" "$p")"; then echo "ok $m" >"/tmp/erase.$(echo "$d" | tr / _).result";
      else echo "fail $m" >"/tmp/erase.$(echo "$d" | tr / _).result"; fi ) &
    n=$((n + 1))
    [ $((n % conc)) -eq 0 ] && wait
  done
  wait
  out="{}"
  for d in $(erase_targets "$p"); do
    f="/tmp/erase.$(echo "$d" | tr / _).result"
    [ -f "$f" ] || continue
    read -r status how <"$f"
    log "erase $d: $status $how"
    if [ "$status" = fail ]; then failed="$failed${failed:+; }$d: $how"; fi
    out="$(echo "$out" | jq -c --arg d "$d" '. + {($d): null}')"
  done
  [ -z "$failed" ] || { echo "BlockDeviceEraseError: Error erasing block device: Failed to erase $failed" >&2; return 1; }
  echo "$out"
}

# Express: NVMe format where possible, else metadata only (IPA's erase_devices_express).
erase_express_all() {
  local p="$1" d out="{}"
  for d in $(erase_targets "$p"); do
    case "$d" in /dev/nvme*) nvme_erase "$d" >/dev/null && { out="$(echo "$out" | jq -c --arg d "$d" '. + {($d): null}')"; continue; } ;; esac
  done
  erase_metadata_all "$p" || return 1
  echo "$out"
}
