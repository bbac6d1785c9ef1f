package org.esi.app;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A QEMU virtual machine that boots ESI's agent image the way a server does: its NIC's iPXE ROM
 * (Debian's ipxe-qemu) gets an address and a boot file URL from QEMU's user-mode DHCP and chains to
 * an HTTP endpoint on the host (10.0.2.2 from the guest is the host's 127.0.0.1). Raw disk files the
 * test reads afterwards, an optional swtpm TPM 2.0, and the agent's port 9999 forwarded to a local
 * port. KVM when it can run a kernel here, else QEMU's TCG (some nested hosts hang KVM guests).
 */
final class AgentVirtualMachine implements AutoCloseable {
    static final String MAC = "52:54:00:a9:e6:01";
    private static Boolean kvmWorks;

    record Disk(Path file, boolean discard) {}

    private final Path dir;
    private final Process qemu;
    private final Process swtpm;
    private final int agentPort;

    private AgentVirtualMachine(Path dir, Process qemu, Process swtpm, int agentPort) {
        this.dir = dir;
        this.qemu = qemu;
        this.swtpm = swtpm;
        this.agentPort = agentPort;
    }

    /** Boots a VM whose DHCP boot file is {@code bootUrl} (an iPXE script). */
    static AgentVirtualMachine boot(Path dir, String bootUrl, List<Disk> disks, boolean tpm) throws Exception {
        requireTools(tpm);
        int agentPort = freeTcpPort();
        Process swtpm = null;
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-nodefaults", "-nographic", "-no-reboot",
                "-m", "768", "-smp", "2", "-machine", "pc"));
        cmd.addAll(accelerator(dir));
        cmd.addAll(List.of("-serial", "file:" + dir.resolve("console.log"), "-monitor", "none",
                "-netdev", "user,id=n0,bootfile=" + bootUrl + ",hostfwd=tcp:127.0.0.1:" + agentPort + "-:9999",
                "-device", "virtio-net-pci,netdev=n0,mac=" + MAC + ",bootindex=1"));
        int i = 0;
        for (Disk d : disks) {
            cmd.addAll(List.of("-drive", "file=" + d.file() + ",format=raw,if=none,cache=unsafe,id=d" + i
                            + (d.discard() ? ",discard=unmap" : ""),
                    "-device", "virtio-blk-pci,drive=d" + i + ",serial=esi-disk-" + i + ",discard=" + (d.discard() ? "on" : "off")));
            i++;
        }
        if (tpm) {
            Path state = Files.createDirectories(dir.resolve("tpm"));
            Path sock = state.resolve("swtpm.sock");
            swtpm = new ProcessBuilder("swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state,
                    "--ctrl", "type=unixio,path=" + sock)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("swtpm.log").toFile()).start();
            waitFor(() -> Files.exists(sock), Duration.ofSeconds(10), "swtpm socket");
            cmd.addAll(List.of("-chardev", "socket,id=chrtpm,path=" + sock, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
                    "-device", "tpm-tis,tpmdev=tpm0"));
        }
        Process qemu = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
        return new AgentVirtualMachine(dir, qemu, swtpm, agentPort);
    }

    /** 127.0.0.1:port where the guest's :9999 (the agent's command API) answers. */
    String agentUrl() {
        return "http://127.0.0.1:" + agentPort;
    }

    boolean running() {
        return qemu.isAlive();
    }

    String console() {
        try {
            return Files.exists(dir.resolve("console.log"))
                    ? new String(Files.readAllBytes(dir.resolve("console.log")), StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "(console unreadable: " + e.getMessage() + ")";
        }
    }

    String diagnostics() {
        String console = console();
        String qemuLog = "";
        try {
            qemuLog = Files.readString(dir.resolve("qemu.log"));
        } catch (IOException ignored) {
            // only for the failure message
        }
        return "qemu: " + qemuLog + "\nconsole (last 4000 chars):\n" + console.substring(Math.max(0, console.length() - 4000));
    }

    /** Waits for the machine to stop by itself (the agent powered it off). */
    boolean waitForExit(Duration d) throws InterruptedException {
        return qemu.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        for (Process p : new Process[] {qemu, swtpm}) {
            if (p != null && p.isAlive()) {
                p.destroy();
                try {
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * KVM if a kernel actually starts under it (checked once, by booting the agent kernel for a few
     * seconds), else multi-threaded TCG: on some nested hosts /dev/kvm opens but guests never run.
     */
    private static synchronized List<String> accelerator(Path dir) throws Exception {
        if (kvmWorks == null) {
            kvmWorks = false;
            if (Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm"))) {
                Path log = dir.resolve("kvm-probe.log");
                Path kernel = AgentImage.directory().resolve("esi-agent.kernel");
                Process p = new ProcessBuilder("qemu-system-x86_64", "-enable-kvm", "-nodefaults", "-nographic", "-m", "256",
                        "-serial", "file:" + log, "-monitor", "none", "-kernel", kernel.toString(),
                        "-append", "console=ttyS0 panic=-1 noapic", "-no-reboot")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                Instant until = Instant.now().plusSeconds(8);
                while (Instant.now().isBefore(until) && p.isAlive()) {
                    if (Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains("Linux version")) {
                        kvmWorks = true;
                        break;
                    }
                    Thread.sleep(200);
                }
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        return kvmWorks ? List.of("-enable-kvm", "-cpu", "host") : List.of("-accel", "tcg,thread=multi");
    }

    static boolean usesKvm() {
        return Boolean.TRUE.equals(kvmWorks);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void waitFor(Check check, Duration timeout, String what) throws Exception {
        Instant until = Instant.now().plus(timeout);
        while (!check.ok()) {
            if (Instant.now().isAfter(until)) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The programs this test needs: missing ones fail it in CI (CI=true), elsewhere they skip it. */
    static void requireTools(boolean tpm) {
        Map<String, Boolean> missing = new LinkedHashMap<>();
        missing.put("qemu-system-x86", onPath("qemu-system-x86_64").isEmpty());
        missing.put("ipxe-qemu", !Files.exists(Path.of("/usr/lib/ipxe/qemu/efi-virtio.rom")));
        missing.put("genisoimage", onPath("genisoimage").isEmpty());
        missing.put("swtpm", tpm && onPath("swtpm").isEmpty());
        missing.put("apt", onPath("apt-get").isEmpty() || onPath("dpkg-deb").isEmpty());
        List<String> packages = missing.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
        if (packages.isEmpty()) {
            return;
        }
        String message = "the agent image test needs " + String.join(", ", packages)
                + "; install with: apt-get install -y --no-install-recommends " + String.join(" ", packages);
        if ("true".equals(System.getenv("CI"))) {
            fail(message + " (CI=true: this test must run in CI; .ci/run installs them)");
        }
        Assumptions.abort(message + " (skipped because CI is not \"true\")");
    }

    static Optional<Path> onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return Optional.of(Path.of(d, program));
            }
        }
        return Optional.empty();
    }
}
