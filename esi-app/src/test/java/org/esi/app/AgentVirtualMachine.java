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
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import org.junit.jupiter.api.Assumptions;

/**
 * A QEMU virtual machine that boots ESI's agent image the way a server does, behind an IPMI BMC
 * (pyghmi, {@code e2e/esi_qemubmc.py}) that the service's "ipmi" driver drives with ipmitool: power on
 * starts swtpm and QEMU with the BMC's boot device (network or disk), power off kills them, the
 * machine powering itself off ends QEMU. Its NIC's iPXE ROM (Debian's ipxe-qemu) gets an address and
 * the boot file URL from QEMU's user-mode DHCP and chains to the service on the host (10.0.2.2 from
 * the guest is the host's 127.0.0.1). Raw disk files the test reads afterwards, a swtpm TPM 2.0 whose
 * state outlives power cycles, and the agent's port 9999 forwarded to a local port. KVM when it can
 * run a kernel here, else QEMU's TCG (some nested hosts hang KVM guests).
 */
final class AgentVirtualMachine implements AutoCloseable {
    static final String MAC = "52:54:00:a9:e6:01";
    static final String BMC_USER = "esi";
    static final String BMC_PASSWORD = "Agent-Vm-Bmc-S3cret!";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Boolean kvmWorks;

    record Disk(Path file, boolean discard) {}

    private final Path dir;
    private final Process bmc;
    private final int bmcPort;
    private final int agentPort;
    private final String name;

    private AgentVirtualMachine(Path dir, Process bmc, int bmcPort, int agentPort, String name) {
        this.dir = dir;
        this.bmc = bmc;
        this.bmcPort = bmcPort;
        this.agentPort = agentPort;
        this.name = name;
    }

    /** Defines the machine (powered off) and starts its BMC; the DHCP boot file is {@code bootUrl}. */
    static AgentVirtualMachine define(Path dir, String bootUrl, List<Disk> disks, boolean tpm) throws Exception {
        requireTools(tpm);
        int agentPort = freeTcpPort();
        int bmcPort = freeUdpPort();
        String name = "esi-agent-vm-" + agentPort;
        List<String> cmd = new ArrayList<>(List.of(onPath("qemu-system-x86_64").orElseThrow().toString(), "-name", name,
                "-nodefaults", "-nographic", "-no-reboot", "-m", "768", "-smp", "2", "-machine", "pc"));
        cmd.addAll(accelerator(dir));
        cmd.addAll(List.of("-chardev", "file,id=ser0,append=on,path=" + dir.resolve("console.log"), "-serial", "chardev:ser0",
                "-monitor", "none",
                "-netdev", "user,id=n0,bootfile=" + bootUrl + ",hostfwd=tcp:127.0.0.1:" + agentPort + "-:9999",
                "-device", "virtio-net-pci,netdev=n0,mac=" + MAC));
        int i = 0;
        for (Disk d : disks) {
            cmd.addAll(List.of("-drive", "file=" + d.file() + ",format=raw,if=none,cache=unsafe,id=d" + i
                            + (d.discard() ? ",discard=unmap" : ""),
                    "-device", "virtio-blk-pci,drive=d" + i + ",serial=esi-disk-" + i + ",discard=" + (d.discard() ? "on" : "off")));
            i++;
        }
        ObjectNode machine = JSON.createObjectNode();
        machine.set("qemu", JSON.valueToTree(cmd));
        if (tpm) {
            Path state = Files.createDirectories(dir.resolve("tpm"));
            machine.putObject("tpm").put("state", state.toString()).put("socket", state.resolve("swtpm.sock").toString());
        } else {
            machine.putNull("tpm");
        }
        Files.writeString(dir.resolve("machine.json"), machine.toString());
        Path script = dir.resolve("esi_qemubmc.py");
        try (InputStream in = AgentVirtualMachine.class.getClassLoader().getResourceAsStream("e2e/esi_qemubmc.py")) {
            if (in == null) {
                throw new IllegalStateException("test resource e2e/esi_qemubmc.py is missing");
            }
            Files.copy(in, script);
        }
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", script.toString(), "--address", "127.0.0.1",
                "--port", Integer.toString(bmcPort), "--user", BMC_USER, "--machine", dir.resolve("machine.json").toString(),
                "--log", dir.resolve("bmc.log").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("bmc.log").toFile()));
        pb.environment().put("ESI_QEMUBMC_PASSWORD", BMC_PASSWORD);
        AgentVirtualMachine vm = new AgentVirtualMachine(dir, pb.start(), bmcPort, agentPort, name);
        waitFor(() -> vm.log().contains("listening on") || !vm.bmc.isAlive(), Duration.ofSeconds(20), "the BMC");
        if (!vm.bmc.isAlive()) {
            throw new IllegalStateException("esi_qemubmc exited:\n" + vm.log());
        }
        return vm;
    }

    /** driver_info of an "ipmi" node for this machine's BMC. */
    Map<String, Object> driverInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("ipmi_address", "127.0.0.1");
        info.put("ipmi_port", bmcPort);
        info.put("ipmi_username", BMC_USER);
        info.put("ipmi_password", BMC_PASSWORD);
        return info;
    }

    /** 127.0.0.1:port where the guest's :9999 (the agent's command API) answers. */
    String agentUrl() {
        return "http://127.0.0.1:" + agentPort;
    }

    int agentPort() {
        return agentPort;
    }

    /** Whether a QEMU process of this machine exists, seen in the process table rather than through the BMC. */
    boolean running() {
        return !qemuProcesses().isEmpty();
    }

    private List<ProcessHandle> qemuProcesses() {
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> List.of(a).contains(name)).orElse(false)).toList();
    }

    private String log() {
        try {
            return Files.exists(dir.resolve("bmc.log")) ? Files.readString(dir.resolve("bmc.log")) : "";
        } catch (IOException e) {
            return "";
        }
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
        String bmcLog = log();
        return "bmc and qemu (last 3000 chars): " + bmcLog.substring(Math.max(0, bmcLog.length() - 3000))
                + "\nconsole (last 4000 chars):\n" + console.substring(Math.max(0, console.length() - 4000));
    }

    /** Stops the BMC (which kills its machine) and anything of the machine still running. */
    @Override
    public void close() {
        if (bmc.isAlive()) {
            bmc.destroy();
            try {
                if (!bmc.waitFor(10, TimeUnit.SECONDS)) {
                    bmc.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (ProcessHandle p : qemuProcesses()) {
            p.destroyForcibly();
            p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
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

    static int freeUdpPort() throws IOException {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The programs this test needs: missing ones fail it in CI (CI=true), elsewhere they skip it. */
    static void requireTools(boolean tpm) {
        requireTools(tpm, Map.of());
    }

    /** As {@link #requireTools(boolean)}, with more Debian packages (name to whether it is missing) the test needs. */
    static void requireTools(boolean tpm, Map<String, Boolean> more) {
        Map<String, Boolean> missing = new LinkedHashMap<>();
        missing.put("qemu-system-x86", onPath("qemu-system-x86_64").isEmpty());
        missing.put("ipxe-qemu", !Files.exists(Path.of("/usr/lib/ipxe/qemu/efi-virtio.rom")));
        missing.put("genisoimage", onPath("genisoimage").isEmpty());
        missing.put("swtpm", tpm && onPath("swtpm").isEmpty());
        missing.put("apt", onPath("apt-get").isEmpty() || onPath("dpkg-deb").isEmpty());
        missing.put("ipmitool", onPath("ipmitool").isEmpty());
        missing.put("python3-pyghmi", !Files.exists(Path.of("/usr/lib/python3/dist-packages/pyghmi/ipmi/bmc.py")));
        missing.putAll(more);
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
