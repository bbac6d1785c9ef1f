#!/usr/bin/env bash
# Agent image throughput against dd on the same virtual disk in the same run: erase_devices vs
# `dd if=/dev/zero`, write_image of a 1 GiB image vs `wget | dd` of it (bench/agent-erase.py).
# BENCH_ACCEL=kvm where KVM runs guests (default tcg), BENCH_DISK_MB, BENCH_IMAGE_MB.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${ESI_AGENT_IMAGE_DIR:-$root/target/agent-image}"
"$root/bin/agent-image" --out "$out" >&2
exec python3 "$root/bench/agent-erase.py" "$out"
