#!/usr/bin/env python3
"""Agent image throughput against dd, same virtual disk, same run (bench/agent-erase.sh runs this).

1. baseline: the agent's kernel and initramfs plus a one-file cpio appended (Linux unpacks
   concatenated archives) booted with rdinit=/bench-dd.sh, which runs
     dd if=/dev/zero of=/dev/vda bs=4M oflag=direct          (erase baseline)
     wget -O- IMAGE | dd of=/dev/vda bs=4M oflag=direct      (write baseline)
   and prints the times on the serial console;
2. the agent itself, booted normally, driven over its command API as the service would:
   clean.execute_clean_step erase_devices (one zero pass: iterations 0, zeroize) and
   deploy.execute_deploy_step write_image of the same image (sha256 checked), timed from the host.
Prints "agent-bench: ..." lines with MB/s and the ratios.
"""
import hashlib, http.server, json, os, socket, subprocess, sys, tempfile, threading, time, urllib.request

DISK = int(os.environ.get("BENCH_DISK_MB", "4608")) << 20
IMAGE = int(os.environ.get("BENCH_IMAGE_MB", "1024")) << 20
TOKEN = "b" * 43
UUID = "11111111-2222-3333-4444-555555555555"


def newc(entries):
    """A newc cpio archive of (name, mode, data)."""
    out = bytearray()
    for ino, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")], 1):
        n = name.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(n), 0))
        out += hdr.encode() + n
        out += b"\0" * ((4 - len(out) % 4) % 4) + data
        out += b"\0" * ((4 - len(out) % 4) % 4)
    return bytes(out)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    agent_dir, work = sys.argv[1], tempfile.mkdtemp(prefix="agent-bench-")
    image = os.urandom(1 << 20) * (IMAGE >> 20)
    image_sha = hashlib.sha256(image).hexdigest()
    beats = []

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def send(self, code, body=b"", ctype="application/json"):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/image.raw":
                return self.send(200, image, "application/octet-stream")
            if self.path == "/baremetal/":
                return self.send(200, b'{"default_version":{"version":"1.68"}}')
            if self.path.startswith("/baremetal/v1/lookup"):
                return self.send(200, json.dumps({"node": {"uuid": UUID, "properties": {}, "instance_info": {},
                    "driver_internal_info": {}}, "config": {"heartbeat_timeout": 300, "agent_token": TOKEN,
                    "agent_token_required": True}}).encode())
            self.send(404)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            beats.append(self.path)
            self.send(202)

    port = free_port()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    disk = os.path.join(work, "disk.raw")
    with open(disk, "wb") as f:
        f.truncate(DISK)
    kvm = os.environ.get("BENCH_ACCEL", "tcg") == "kvm"
    accel = ["-enable-kvm", "-cpu", "host"] if kvm else ["-accel", "tcg,thread=multi"]

    def qemu(initrd, append, agent_port=None, console="console.log"):
        net = "user,id=n0" + (",hostfwd=tcp:127.0.0.1:%d-:9999" % agent_port if agent_port else "")
        return subprocess.Popen(["qemu-system-x86_64", "-nodefaults", "-nographic", "-no-reboot", "-m", "1536", "-smp", "2"]
            + accel + ["-serial", "file:" + os.path.join(work, console), "-monitor", "none",
            "-kernel", os.path.join(agent_dir, "esi-agent.kernel"), "-initrd", initrd, "-append", "console=ttyS0 panic=-1 " + append,
            "-netdev", net, "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:be:4c:01",
            "-drive", "file=%s,format=raw,if=none,cache=none,aio=threads,id=d0" % disk,
            "-device", "virtio-blk-pci,drive=d0,discard=off"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    # 1. dd baseline
    script = ("#!/bin/sh\nexport PATH=/usr/sbin:/usr/bin:/sbin:/bin\nmount -t proc p /proc; mount -t sysfs s /sys; mount -t devtmpfs d /dev\n"
              "while read -r m; do modprobe $m 2>/dev/null; done </etc/esi-agent/modules\nsleep 2\n"
              "ip link set lo up; for n in /sys/class/net/e*; do udhcpc -i ${n##*/} -s /usr/lib/esi-agent/udhcpc.script -n -q >/dev/null 2>&1; done\n"
              "cs() { tr -d . </proc/uptime | cut -d' ' -f1; }\n"
              "s=$(cat /sys/block/vda/size); t0=$(cs)\n"
              "dd if=/dev/zero of=/dev/vda bs=4M count=$((s*512)) iflag=count_bytes,fullblock oflag=direct conv=fsync 2>/dev/null\n"
              "t1=$(cs)\n"
              "wget -q -O - http://10.0.2.2:%d/image.raw | dd of=/dev/vda bs=4M iflag=fullblock oflag=direct conv=fsync 2>/dev/null\n"
              "t2=$(cs)\necho BENCH dd-erase-cs $((t1-t0)) dd-write-cs $((t2-t1))\npoweroff -f\n") % port
    initrd = os.path.join(work, "bench.initramfs")
    with open(initrd, "wb") as f, open(os.path.join(agent_dir, "esi-agent.initramfs"), "rb") as base:
        f.write(base.read())
        f.write(__import__("gzip").compress(newc([("bench-dd.sh", 0o100755, script.encode())])))
    p = qemu(initrd, "rdinit=/bench-dd.sh", console="dd.log")
    p.wait(timeout=3600)
    line = [l[l.index("BENCH "):] for l in open(os.path.join(work, "dd.log"), errors="replace") if "BENCH dd-" in l]
    if not line:
        sys.exit("agent-bench: the dd baseline printed nothing; see " + work + "/dd.log")
    f = line[0].split()
    dd_erase, dd_write = int(f[2]) / 100, int(f[4]) / 100

    # 2. the agent over its command API
    agent_port = free_port()
    p = qemu(os.path.join(agent_dir, "esi-agent.initramfs"),
             "ipa-api-url=http://10.0.2.2:%d/baremetal BOOTIF=52:54:00:be:4c:01" % port, agent_port)
    deadline = time.time() + 600
    while not beats and time.time() < deadline:
        time.sleep(0.5)
    base = "http://127.0.0.1:%d/v1/commands/?agent_token=%s" % (agent_port, TOKEN)

    def run(name, params):
        req = urllib.request.Request(base + "&wait=false", json.dumps({"name": name, "params": params}).encode(),
                                     {"Content-Type": "application/json"})
        t0 = time.time()
        cid = json.load(urllib.request.urlopen(req, timeout=60))["id"]
        while True:
            for c in json.load(urllib.request.urlopen(base, timeout=60))["commands"]:
                if c["id"] == cid and c["command_status"] != "RUNNING":
                    if c["command_status"] != "SUCCEEDED":
                        sys.exit("agent-bench: %s failed: %s" % (name, c["command_error"]))
                    return time.time() - t0
            # Ironic polls every 6 s; a tight poll would steal the guest's CPU from the erase.
            time.sleep(2)

    node = {"uuid": UUID, "properties": {}, "instance_info": {},
            "driver_internal_info": {"agent_erase_devices_iterations": 0, "agent_erase_devices_zeroize": True}}
    erase = run("clean.execute_clean_step", {"step": {"interface": "deploy", "step": "erase_devices", "priority": 10,
                "args": {}}, "node": node, "ports": [], "clean_version": {"generic_hardware_manager": "1.2"}})
    write = run("deploy.execute_deploy_step", {"step": {"interface": "deploy", "step": "write_image", "args": {
                "image_info": {"id": "image.raw", "urls": ["http://10.0.2.2:%d/image.raw" % port], "disk_format": "raw",
                               "stream_raw_images": True, "os_hash_algo": "sha256", "os_hash_value": image_sha},
                "configdrive": None}}, "node": node, "ports": [], "deploy_version": {"generic_hardware_manager": "1.2"}})
    p.kill()
    mb = lambda n, s: n / s / 1e6
    print("agent-bench: accelerator %s, disk %d MiB, image %d MiB" % ("kvm" if kvm else "tcg", DISK >> 20, IMAGE >> 20))
    print("agent-bench: erase  dd %.0f MB/s, agent erase_devices %.0f MB/s, ratio %.2f" % (mb(DISK, dd_erase), mb(DISK, erase), dd_erase / erase))
    print("agent-bench: write  dd %.0f MB/s, agent write_image %.0f MB/s, ratio %.2f" % (mb(IMAGE, dd_write), mb(IMAGE, write), dd_write / write))
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
