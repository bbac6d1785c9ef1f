# deploy.* and standby.* commands: whole-disk image write with checksum, the config drive at the
# end of the disk, partition UUIDs, power off / reboot. Sourced by run-command.

deploy_get_deploy_steps() {
  jq -cn --arg m "$HW_MANAGER_NAME" --argjson v "$HW_MANAGER_VERSION" '
    def s(n): {step: n, priority: 0, interface: "deploy", reboot_requested: false};
    {deploy_steps: {($m): [s("erase_devices_metadata"), s("write_image")]}, hardware_manager_version: $v}'
}

# --- parameter checks (400 before anything starts, as IPA's validators) ---------------------------------
md5_allowed() { [ "$(jq -r '.agent_md5_checksum_enable // false' "$STATE/config.json" 2>/dev/null)" = true ]; }

# image_info JSON on stdin -> "algo expected" (expected may be a URL), or an error and status 1.
checksum_of() {
  jq -r '[.os_hash_algo // "", .os_hash_value // "", .checksum // ""] | @tsv' | {
    IFS="$(printf '\t')" read -r algo value sum
    if [ -n "$algo" ] && [ -n "$value" ]; then
      case "$algo" in sha256|sha512) echo "$algo $value"; return 0 ;;
        md5) md5_allowed && { echo "md5 $value"; return 0; } ;; esac
    fi
    case "$sum" in
      sha256:*) echo "sha256 ${sum#sha256:}"; return 0 ;;
      sha512:*) echo "sha512 ${sum#sha512:}"; return 0 ;;
      http://*|https://*) echo "url $sum"; return 0 ;;
    esac
    case "${#sum}" in
      64) echo "sha256 $sum"; return 0 ;;
      128) echo "sha512 $sum"; return 0 ;;
      32) md5_allowed && { echo "md5 $sum"; return 0; } ;;
    esac
    echo "Image checksum is missing or not usable: give os_hash_algo (sha256 or sha512) with os_hash_value, or a sha256/sha512 checksum"
    return 1
  }
}

validate_image_info() { # image_info JSON on stdin
  local info; info="$(cat)"
  [ "$(echo "$info" | jq -r 'type')" = object ] || { echo "Image information is missing (image_info)"; return 1; }
  missing="$(echo "$info" | jq -r '[("id", "urls") as $k | select(has($k) | not) | $k] | join(", ")')"
  [ -z "$missing" ] || { echo "Image is missing the following fields: $missing"; return 1; }
  echo "$info" | jq -e '(.urls | type == "array") and (.urls | length > 0)' >/dev/null \
    || { echo "Image 'urls' must be a list with at least one element."; return 1; }
  echo "$info" | checksum_of >/dev/null || { echo "$info" | checksum_of; return 1; }
  return 0
}
validate_standby_prepare_image() { jq -c '.image_info' | validate_image_info; }
validate_deploy_execute_deploy_step() {
  local p; p="$(cat)"
  [ "$(echo "$p" | jq -r '.step.step // empty')" = write_image ] || return 0
  echo "$p" | jq -c '.step.args.image_info' | validate_image_info
}

# --- the target disk -------------------------------------------------------------------------------------
node_json() { # the node from the command's params, else the one lookup returned
  if jq -e '.node | type == "object"' "$1" >/dev/null 2>&1; then jq -c .node "$1"; else cat "$STATE/node.json" 2>/dev/null || echo '{}'; fi
}
disk_attr() { cat "/sys/block/${1#/dev/}/$2" 2>/dev/null | sed 's/[[:space:]]*$//'; }

# Root device hints (instance_info.root_device > properties.root_device), else the smallest disk of
# at least 4 GiB, as IPA chooses.
root_device() {
  local node="$1" hints d ok best="" best_size=0 size v
  hints="$(echo "$node" | jq -c '.instance_info.root_device // .properties.root_device // empty | select(type == "object")')"
  for d in $(list_disks); do
    is_boot_media "$d" && continue
    size="$(disk_size "$d")"
    if [ -n "$hints" ]; then
      ok=true
      for k in $(echo "$hints" | jq -r 'keys[]'); do
        v="$(echo "$hints" | jq -r --arg k "$k" '.[$k] | tostring' | sed 's/^s== //;s/^== //')"
        case "$k" in
          name) [ "$d" = "$v" ] || [ "/dev/$v" = "$d" ] || ok=false ;;
          serial) [ "$(disk_attr "$d" serial || disk_attr "$d" device/serial)" = "$v" ] || ok=false ;;
          model) [ "$(disk_attr "$d" device/model)" = "$v" ] || ok=false ;;
          vendor) [ "$(disk_attr "$d" device/vendor)" = "$v" ] || ok=false ;;
          wwn) [ "$(disk_attr "$d" device/wwid)" = "$v" ] || [ "$(disk_attr "$d" wwid)" = "$v" ] || ok=false ;;
          size) [ "$(( size / 1073741824 ))" = "$(echo "$v" | tr -dc 0-9)" ] || ok=false ;;
          rotational) case "$v:$(disk_attr "$d" queue/rotational)" in true:1|false:0|1:1|0:0) ;; *) ok=false ;; esac ;;
          *) ok=false ;;
        esac
      done
      $ok && { echo "$d"; return 0; }
      continue
    fi
    if [ "$size" -ge 4294967296 ] && { [ -z "$best" ] || [ "$size" -lt "$best_size" ]; }; then best="$d"; best_size="$size"; fi
  done
  if [ -n "$hints" ]; then echo "DeviceNotFound: No suitable device was found for deployment using these hints $hints"; return 1; fi
  [ -n "$best" ] || { echo "DeviceNotFound: No suitable device was found for deployment - root device hints were not provided and all found block devices are smaller than 4294967296B."; return 1; }
  echo "$best"
}

is_gpt() { [ "$(dd if="$1" bs=1 skip=512 count=8 2>/dev/null)" = "EFI PART" ]; }
# The disk identifier the service keeps as root_uuid_or_disk_id (blkid's PTUUID).
disk_id() {
  if is_gpt "$1"; then sfdisk --disk-id "$1" 2>/dev/null | tr 'A-F' 'a-f'
  else dd if="$1" bs=1 skip=440 count=4 2>/dev/null | od -An -tx1 | awk '{print $4 $3 $2 $1}'; fi
}

hash_cmd() { case "$1" in sha256) echo "openssl dgst -sha256 -r" ;; sha512) echo "openssl dgst -sha512 -r" ;; md5) echo "md5sum" ;; esac; }

# --- config drive ----------------------------------------------------------------------------------------
# The ISO (gzip+base64 text, a URL, or raw bytes) into a partition in the last 64 MiB of the disk:
# a new GPT or MBR entry, or the partition already labelled config-2.
write_configdrive() {
  local disk="$1" cd="$2" iso=/tmp/configdrive.iso total start size existing primaries
  case "$cd" in
    http://*|https://*) wget -q -O /tmp/configdrive.raw "$cd" || { echo "ConfigDriveError: could not download the config drive"; return 1; } ;;
    *) printf '%s' "$cd" | base64 -d >/tmp/configdrive.raw 2>/dev/null || printf '%s' "$cd" >/tmp/configdrive.raw ;;
  esac
  if gunzip -c /tmp/configdrive.raw >"$iso" 2>/dev/null; then :; else mv /tmp/configdrive.raw "$iso"; fi
  rm -f /tmp/configdrive.raw
  size="$(wc -c <"$iso")"
  [ "$size" -le 67108864 ] || { echo "ConfigDriveTooLargeError: the config drive is larger than 64 MiB"; return 1; }
  blockdev --rereadpt "$disk" 2>/dev/null
  existing="$(findfs LABEL=config-2 2>/dev/null)"
  case "$existing" in "$disk"[0-9]*|"${disk}p"[0-9]*) dd if="$iso" of="$existing" bs=1M conv=fsync 2>/dev/null; rm -f "$iso"; return 0 ;; esac
  total=$(( $(blockdev --getsize64 "$disk") / 512 ))
  if is_gpt "$disk"; then
    # An image smaller than the disk leaves its backup GPT in the middle; move it to the end first.
    sfdisk --relocate gpt-bak-std "$disk" >/dev/null 2>&1
    start=$(( (total - 34 - 131072) / 2048 * 2048 ))
    size=$(( total - 34 - start ))
    echo "start=$start, size=$size, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4" \
      | sfdisk --append --no-reread --no-tell-kernel "$disk" >/dev/null 2>&1 || { echo "ConfigDriveError: could not add the config drive partition (GPT)"; return 1; }
  else
    [ "$(dd if="$disk" bs=1 skip=510 count=2 2>/dev/null | od -An -tx1 | tr -d ' ')" = 55aa ] \
      || { echo "ConfigDriveError: the image written to $disk has no partition table"; return 1; }
    primaries="$(sfdisk -d "$disk" 2>/dev/null | grep -c '^/dev/')"
    [ "$primaries" -le 3 ] || { echo "ConfigDriveError: no free primary partition for the config drive on $disk"; return 1; }
    # An MBR cannot address past 2 TiB: keep the partition below it.
    [ "$total" -le 4294967295 ] || total=4294967295
    start=$(( (total - 131072) / 2048 * 2048 ))
    size=$(( total - start ))
    echo "start=$start, size=$size, type=c" \
      | sfdisk --append --no-reread --no-tell-kernel "$disk" >/dev/null 2>&1 || { echo "ConfigDriveError: could not add the config drive partition (MBR)"; return 1; }
  fi
  dd if="$iso" of="$disk" bs=512 seek="$start" conv=notrunc,fsync 2>/dev/null || { echo "ConfigDriveError: writing the config drive failed"; return 1; }
  rm -f "$iso"
  blockdev --rereadpt "$disk" 2>/dev/null
  return 0
}

# --- image write -----------------------------------------------------------------------------------------
prepare_image() { # image_info-json configdrive node-json -> result text
  local info="$1" cd="$2" node="$3" id disk fmt stream algo expected actual url ok tmp magic
  id="$(echo "$info" | jq -r .id)"
  [ "$(echo "$info" | jq -r '.image_type // "whole-disk-image"')" != partition ] \
    || { echo "ImageWriteError: partition images are not supported by this agent image (use a whole-disk image)" >&2; return 1; }
  disk="$(root_device "$node")" || { echo "$disk" >&2; return 1; }
  set -- $(echo "$info" | checksum_of) ; algo="$1"; expected="$2"
  if [ "$algo" = url ]; then
    # A checksum file: the line naming the image's file (or its only line).
    sums="$(wget -q -O - "$expected" 2>/dev/null)" || { echo "ImageDownloadError: could not download the checksum file for image $id" >&2; return 1; }
    expected="$(echo "$sums" | awk -v f="$(basename "$(echo "$info" | jq -r '.urls[0]' | sed 's/?.*//')")" 'NF==1{one=$1} $2==f||$2=="*"f{print $1; exit} END{if(one)print one}' | head -1)"
    case "${#expected}" in 64) algo=sha256 ;; 128) algo=sha512 ;; *) echo "ImageChecksumError: no usable checksum for image $id in the checksum file" >&2; return 1 ;; esac
  fi
  expected="$(echo "$expected" | tr 'A-F' 'a-f')"
  fmt="$(echo "$info" | jq -r '.disk_format // "raw"')"
  stream="$(echo "$info" | jq -r '.stream_raw_images // true')"
  retries="$(param ipa-image-download-connection-retries 9)"; pause="$(param ipa-image-download-connection-retry-interval 10)"
  ok=false
  for url in $(echo "$info" | jq -r '.urls[]'); do
    attempt=0
    while [ $attempt -le "$retries" ]; do
      if [ "$fmt" = raw ] && [ "$stream" = true ]; then
        # Straight to the disk in large blocks, then the checksum over what the disk now holds
        # (read back with O_DIRECT, Content-Length bytes): it proves the bytes on the device, and
        # is cheaper than hashing the stream through tee. No Content-Length: hash through tee.
        length="$(wget -q -S --spider "$url" 2>&1 | sed -n 's/^ *[Cc]ontent-[Ll]ength: *\([0-9]*\).*/\1/p' | tail -1)"
        if [ -n "$length" ]; then
          if wget -q -O - "$url" 2>/tmp/image.err | dd of="$disk" bs=4M iflag=fullblock oflag=direct conv=fsync 2>/dev/null \
             && ! [ -s /tmp/image.err ]; then
            dd if="$disk" bs=4M count="$length" iflag=count_bytes,fullblock,direct 2>/dev/null | $(hash_cmd "$algo") | cut -d' ' -f1 >/tmp/image.hash
            ok=true
          fi
        else
          rm -f /tmp/image.fifo; mkfifo /tmp/image.fifo
          $(hash_cmd "$algo") </tmp/image.fifo | cut -d' ' -f1 >/tmp/image.hash &
          hasher=$!
          wget -q -O - "$url" 2>/tmp/image.err | tee /tmp/image.fifo | dd of="$disk" bs=4M iflag=fullblock oflag=direct conv=fsync 2>/dev/null
          wait $hasher
          rm -f /tmp/image.fifo
          [ -s /tmp/image.err ] || ok=true
        fi
      else
        tmp="/tmp/$(basename "$id")"
        if wget -q -O "$tmp" "$url" 2>/tmp/image.err; then
          $(hash_cmd "$algo") <"$tmp" | cut -d' ' -f1 >/tmp/image.hash; ok=true
        fi
      fi
      $ok && break
      attempt=$((attempt + 1)); [ $attempt -le "$retries" ] && sleep "$pause"
    done
    $ok && break
  done
  $ok || { echo "ImageDownloadError: Failed to download image $id: $(sed 's/http[^ ]*//g' /tmp/image.err 2>/dev/null | head -1)" >&2; return 1; }
  actual="$(cat /tmp/image.hash)"
  if [ "$actual" != "$expected" ]; then
    # A streamed image is already on the disk: wipe its partition tables so nothing of it boots.
    [ "$stream" = true ] && [ "$fmt" = raw ] && wipe_metadata "$disk"
    rm -f "/tmp/$(basename "$id")"
    echo "ImageChecksumError: Image failed to verify against checksum. image ID: $id; image checksum: $actual; verification checksum: $expected" >&2
    return 1
  fi
  if ! { [ "$fmt" = raw ] && [ "$stream" = true ]; }; then
    tmp="/tmp/$(basename "$id")"
    magic="$(dd if="$tmp" bs=4 count=1 2>/dev/null | od -An -tx1 | tr -d ' ')"
    if [ "$magic" = 514649fb ]; then real=qcow2; else real=raw; fi
    case "$fmt" in raw|gpt|qcow2) ;; *) rm -f "$tmp"; echo "InvalidImage: image format $fmt is not permitted (raw, gpt, qcow2)" >&2; return 1 ;; esac
    if [ "$real" != "$fmt" ] && ! { [ "$real" = raw ] && [ "$fmt" = gpt ]; }; then
      rm -f "$tmp"; echo "InvalidImage: image $id is $real but disk_format says $fmt" >&2; return 1
    fi
    wipe_metadata "$disk"
    if [ "$real" = qcow2 ]; then
      command -v qemu-img >/dev/null || { rm -f "$tmp"; echo "ImageWriteError: qcow2 not supported by this agent image" >&2; return 1; }
      qemu-img convert -t directsync -O host_device "$tmp" "$disk" 2>/tmp/image.err \
        || { rm -f "$tmp"; echo "ImageWriteError: qemu-img convert failed: $(head -1 /tmp/image.err)" >&2; return 1; }
    else
      dd if="$tmp" of="$disk" bs=4M oflag=direct conv=fsync 2>/dev/null || { rm -f "$tmp"; echo "ImageWriteError: writing image $id to $disk failed" >&2; return 1; }
    fi
    rm -f "$tmp"
  fi
  blockdev --rereadpt "$disk" 2>/dev/null
  if is_gpt "$disk"; then sfdisk --relocate gpt-bak-std "$disk" >/dev/null 2>&1; fi
  if [ -n "$cd" ] && [ "$cd" != null ]; then
    why="$(write_configdrive "$disk" "$cd")" || { echo "$why" >&2; return 1; }
  fi
  sync
  echo "$disk" >"$STATE/root_disk"
  echo "image ($id) written to device $disk root_uuid=$(disk_id "$disk")"
}

standby_prepare_image() {
  local p="$1" text
  text="$(prepare_image "$(jq -c .image_info "$p")" "$(jq -r '.configdrive // empty' "$p")" "$(node_json "$p")")" || return 1
  echo "prepare_image: $text"
}

deploy_execute_deploy_step() {
  local p="$1" step version text
  step="$(jq -r '.step.step // empty' "$p")"
  version="$(jq -c '.deploy_version // empty' "$p")"
  if [ -n "$version" ] && [ "$version" != null ] && [ "$(echo "$version" | jq -cS .)" != "$(echo "$HW_MANAGER_VERSION" | jq -cS .)" ]; then
    echo "VersionMismatch: Hardware managers version mismatch, reported: $version, actual: $HW_MANAGER_VERSION" >&2
    return 3
  fi
  case "$step" in
    write_image)
      text="$(prepare_image "$(jq -c .step.args.image_info "$p")" "$(jq -r '.step.args.configdrive // empty' "$p")" "$(node_json "$p")")" || return 1
      jq -cn --arg t "prepare_image: $text" --argjson s "$(jq -c .step "$p")" '{deploy_result: {result: $t}, deploy_step: $s}' ;;
    erase_devices_metadata)
      erase_metadata_all "$p" || return 1
      jq -cn --argjson s "$(jq -c .step "$p")" '{deploy_result: null, deploy_step: $s}' ;;
    *) echo "InvalidCommandParamsError: Unknown deploy step: ${step:-none}" >&2; return 1 ;;
  esac
}

standby_get_partition_uuids() {
  local disk; disk="$(cat "$STATE/root_disk" 2>/dev/null)"
  [ -n "$disk" ] || disk="$(root_device "$(node_json "$1")")" || { echo "$disk" >&2; return 1; }
  jq -cn --arg id "$(disk_id "$disk")" '{"root uuid": $id}'
}

standby_sync() { sync; echo null; }
# The answer goes out before the machine stops (the service polls the BMC after this anyway).
standby_power_off() { sync; ( sleep 2; poweroff -f ) >/dev/null 2>&1 & echo null; }
standby_run_image() { sync; ( sleep 2; reboot -f || echo b >/proc/sysrq-trigger ) >/dev/null 2>&1 & echo null; }

# Whole-disk images carry their own boot loader; UEFI NVRAM entries are left to the firmware's
# removable-media path (this image has no efibootmgr).
image_install_bootloader() { echo null; }

log_collect_system_logs() {
  local d=/tmp/logs
  rm -rf "$d"; mkdir -p "$d"
  cp /var/log/esi-agent.log "$d/" 2>/dev/null
  dmesg >"$d/dmesg" 2>&1
  lsblk -O >"$d/lsblk" 2>&1
  ip addr >"$d/ip-addr" 2>&1
  df >"$d/df" 2>&1
  jq -cn --arg l "$(tar -C "$d" -czf - . | base64 -w0)" '{system_logs: $l}'
}

system_lockdown() {
  kill "$(cat "$STATE/api.pid" 2>/dev/null)" 2>/dev/null; killall socat 2>/dev/null
  for n in /sys/class/net/*; do [ "${n##*/}" = lo ] || ip link set "${n##*/}" down; done
  echo null
}
