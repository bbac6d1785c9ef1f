package org.esi.app;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A real QEMU virtual machine as a bare-metal node: a disk-less, NIC-less domain (it boots into
 * SeaBIOS, finds nothing and idles) in a private libvirtd, behind pyghmi's virshbmc on a loopback
 * UDP port. Power on over IPMI is virDomainCreate (a QEMU process starts), power off is
 * virDomainDestroy (it is killed); a boot device change rewrites the domain's XML.
 *
 * <p>The libvirtd is this object's own child, in session mode with every directory under one temporary
 * directory, so nothing is shared with a system libvirtd (nor its stale sockets) and nothing outlives
 * {@link #close}. Session mode is what an unprivileged user gets; as root (CI containers) libvirtd,
 * virsh and the BMC therefore run as nobody through {@code setpriv}, like the embedded PostgreSQL, and
 * the VM uses KVM when nobody may open /dev/kvm and QEMU's TCG emulation otherwise.
 */
final class LibvirtVirtualMachine implements AutoCloseable {
    static final String BMC_USER = "esi";
    static final String BMC_PASSWORD = "Vm-Bmc-S3cret!";
    private static final int NOBODY = 65534;
    private static final Path SYSTEM_PYTHON = Path.of("/usr/bin/python3");
    private static final Duration COMMAND_TIME = Duration.ofSeconds(30);
    private static final Pattern BOOT_DEV = Pattern.compile("<boot dev=['\"]([a-z]+)['\"]");

    final String domain;
    final int port;
    final String virtType;
    private final Path dir;
    private final Path home;
    private final List<String> asVmUser;
    private final Map<String, String> env;
    private final String uri;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread closeAtExit = new Thread(this::close, "esi-vm-cleanup");
    private Process libvirtd;
    private Process bmc;

    private LibvirtVirtualMachine(Path dir, List<String> asVmUser, String virtType, int port) {
        this.dir = dir;
        this.home = dir.resolve("home");
        this.asVmUser = asVmUser;
        this.virtType = virtType;
        this.port = port;
        this.domain = "esi-e2e-" + UUID.randomUUID().toString().substring(0, 8);
        this.env = new LinkedHashMap<>();
        env.put("HOME", home.toString());
        env.put("XDG_RUNTIME_DIR", home.resolve("run").toString());
        env.put("XDG_CONFIG_HOME", home.resolve("config").toString());
        env.put("XDG_CACHE_HOME", home.resolve("cache").toString());
        env.put("XDG_DATA_HOME", home.resolve("data").toString());
        // An explicit socket: a client never autostarts a second daemon behind our back.
        this.uri = "qemu+unix:///session?socket=" + socket();
    }

    /** Starts libvirtd, defines the domain (powered off, booting from the network) and its BMC. Skips or fails when tools are missing. */
    static LibvirtVirtualMachine start() throws Exception {
        boolean root = runningAsRoot();
        requireTools(root);
        List<String> asVmUser = root
                ? List.of(onPath("setpriv").orElseThrow().toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups")
                : List.of();
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "esi-vm-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        String virtType = succeeds(concat(asVmUser, List.of("/bin/sh", "-c", "test -r /dev/kvm && test -w /dev/kvm"))) ? "kvm" : "qemu";
        LibvirtVirtualMachine vm = new LibvirtVirtualMachine(dir, asVmUser, virtType, freeUdpPort());
        // Also on a JVM that ends before the test's own clean-up ran (Ctrl-C, a surefire timeout).
        Runtime.getRuntime().addShutdownHook(vm.closeAtExit);
        try {
            vm.prepare(root);
            vm.startLibvirtd();
            vm.virsh(Duration.ofSeconds(60), "define", dir.resolve("domain.xml").toString());
            vm.startBmc();
            return vm;
        } catch (Throwable t) {
            String diagnostics = vm.diagnostics();
            vm.close();
            throw new IllegalStateException("could not start the virtual machine: " + t.getMessage() + "\n" + diagnostics, t);
        }
    }

    private void prepare(boolean root) throws IOException {
        for (String d : List.of("run", "config/libvirt", "cache", "data")) {
            Files.createDirectories(home.resolve(d));
        }
        Files.setPosixFilePermissions(home.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        // No virtlogd: QEMU's output goes straight to a file, so no second daemon is spawned.
        Files.writeString(home.resolve("config/libvirt/qemu.conf"), "stdio_handler = \"file\"\n");
        Files.writeString(dir.resolve("domain.xml"), """
                <domain type='%s'>
                  <name>%s</name>
                  <memory unit='MiB'>64</memory>
                  <vcpu>1</vcpu>
                  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os>
                  <on_poweroff>destroy</on_poweroff>
                  <devices>
                    <emulator>%s</emulator>
                    <memballoon model='none'/>
                  </devices>
                </domain>
                """.formatted(virtType, domain, onPath("qemu-system-x86_64").orElseThrow()));
        try (InputStream in = LibvirtVirtualMachine.class.getClassLoader().getResourceAsStream("e2e/esi_virshbmc.py")) {
            if (in == null) {
                throw new IllegalStateException("test resource e2e/esi_virshbmc.py is missing");
            }
            Files.copy(in, dir.resolve("esi_virshbmc.py"));
        }
        for (String f : List.of("domain.xml", "esi_virshbmc.py")) {
            Files.setPosixFilePermissions(dir.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
        }
        if (root) {
            try (var walk = Files.walk(home)) {
                for (Path p : walk.toList()) {
                    Files.setAttribute(p, "unix:uid", NOBODY);
                    Files.setAttribute(p, "unix:gid", NOBODY);
                }
            }
        }
    }

    private Path socket() {
        return home.resolve("run/libvirt/libvirt-sock");
    }

    private void startLibvirtd() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(concat(asVmUser, List.of(libvirtdPath().toString())))
                .redirectErrorStream(true).redirectOutput(dir.resolve("libvirtd.log").toFile());
        pb.environment().putAll(env);
        libvirtd = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!libvirtd.isAlive()) {
                throw new IllegalStateException("libvirtd exited with " + libvirtd.exitValue());
            }
            if (Files.exists(socket()) && virshQuietly("uri").code() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("libvirtd did not answer on " + socket() + " within 20s");
    }

    private void startBmc() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(concat(asVmUser, List.of(SYSTEM_PYTHON.toString(), dir.resolve("esi_virshbmc.py").toString(),
                "--address", "127.0.0.1", "--port", Integer.toString(port), "--user", BMC_USER,
                "--connect", uri, "--domain", domain)))
                .redirectErrorStream(true).redirectOutput(dir.resolve("bmc.log").toFile());
        pb.environment().putAll(env);
        pb.environment().put("ESI_VIRSHBMC_PASSWORD", BMC_PASSWORD);
        bmc = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!bmc.isAlive()) {
                throw new IllegalStateException("esi_virshbmc exited with " + bmc.exitValue());
            }
            if (ipmiPowerStatus().isPresent()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("esi_virshbmc did not answer power status within 20s");
    }

    /** driver_info of an "ipmi" node for this VM's BMC, as `esi node create --driver-info` pairs. */
    List<String> driverInfoArguments() {
        return List.of("--driver-info", "ipmi_address=127.0.0.1", "--driver-info", "ipmi_port=" + port,
                "--driver-info", "ipmi_username=" + BMC_USER, "--driver-info", "ipmi_password=" + BMC_PASSWORD);
    }

    /** Whether a QEMU process of this domain exists, seen in the process table, not through libvirt or IPMI. */
    boolean qemuRunning() {
        return !qemuProcesses().isEmpty();
    }

    private List<ProcessHandle> qemuProcesses() {
        String marker = "guest=" + domain + ",";
        List<ProcessHandle> found = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmdline.contains("qemu-system") && cmdline.contains(marker)) {
                        ProcessHandle.of(Long.parseLong(p.getFileName().toString())).ifPresent(found::add);
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return found;
    }

    /** Waits, bounded, for the QEMU process to be there or gone. */
    boolean awaitQemu(boolean running, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (qemuRunning() != running) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    /** libvirt's view: "running", "shut off", ... */
    String libvirtState() throws Exception {
        return virsh(COMMAND_TIME, "domstate", domain).strip();
    }

    /** The boot device in the domain's persistent definition ("network", "hd", "cdrom"). */
    String libvirtBootDevice() throws Exception {
        Matcher m = BOOT_DEV.matcher(virsh(COMMAND_TIME, "dumpxml", "--inactive", domain));
        return m.find() ? m.group(1) : "none";
    }

    /** The BMC's answer to `ipmitool power status` ("on"/"off"), asked directly rather than through ESI. */
    Optional<String> ipmiPowerStatus() throws Exception {
        Run r = run(List.of("ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", Integer.toString(port), "-U", BMC_USER, "-E",
                "-N", "1", "-R", "2", "power", "status"), Map.of("IPMI_PASSWORD", BMC_PASSWORD), Duration.ofSeconds(15));
        Matcher m = Pattern.compile("Chassis Power is (on|off)").matcher(r.output());
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private String virsh(Duration timeout, String... args) throws Exception {
        Run r = run(virshCommand(args), env, timeout);
        if (r.code() != 0) {
            throw new IllegalStateException("virsh " + String.join(" ", args) + " exited with " + r.code() + ": " + r.output());
        }
        return r.output();
    }

    private Run virshQuietly(String... args) {
        try {
            return run(virshCommand(args), env, Duration.ofSeconds(20));
        } catch (Exception e) {
            return new Run(-1, String.valueOf(e.getMessage()));
        }
    }

    private List<String> virshCommand(String... args) {
        List<String> cmd = new ArrayList<>(asVmUser);
        cmd.addAll(List.of("virsh", "-q", "-c", uri));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The logs of libvirtd, the BMC and QEMU, for failure messages. */
    String diagnostics() {
        StringBuilder b = new StringBuilder("domain ").append(domain).append(" (").append(virtType).append("), BMC port ").append(port);
        for (String name : List.of("libvirtd.log", "bmc.log", "home/cache/libvirt/qemu/log/" + domain + ".log")) {
            Path p = dir.resolve(name);
            try {
                if (Files.exists(p)) {
                    String s = Files.readString(p);
                    b.append("\n--- ").append(name).append(" ---\n").append(s.length() > 4000 ? s.substring(s.length() - 4000) : s);
                }
            } catch (IOException | RuntimeException e) {
                b.append("\n--- ").append(name).append(": ").append(e.getMessage());
            }
        }
        return b.toString();
    }

    /** Stops everything this VM started, even after a failure: the domain, its QEMU, the BMC, libvirtd, the directory. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (Thread.currentThread() != closeAtExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(closeAtExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: fine, close() runs once
            }
        }
        if (libvirtd != null && libvirtd.isAlive()) {
            virshQuietly("destroy", domain);
            virshQuietly("undefine", domain);
        }
        stop(bmc);
        // Should libvirt not have killed it, the QEMU process goes by its pid.
        for (ProcessHandle qemu : qemuProcesses()) {
            qemu.destroyForcibly();
            qemu.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        stop(libvirtd);
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // best effort: it is a temporary directory
        }
    }

    private static void stop(Process p) {
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    record Run(int code, String output) {}

    /** Runs a command with a hard time limit; the output goes through a file so a full pipe cannot block it. */
    private static Run run(List<String> command, Map<String, String> extraEnv, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("esi-cmd-", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().putAll(extraEnv);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout.toSeconds() + "s");
            }
            return new Run(p.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * The programs this test needs. Missing ones fail the test in CI (CI=true), where .ci/run installs
     * them; elsewhere the test is skipped with the apt-get line that would enable it.
     */
    private static void requireTools(boolean root) {
        Map<String, Boolean> missing = new LinkedHashMap<>();
        missing.put("ipmitool", onPath("ipmitool").isEmpty());
        missing.put("qemu-system-x86", onPath("qemu-system-x86_64").isEmpty());
        missing.put("libvirt-daemon", libvirtdPathOrNull() == null);
        missing.put("libvirt-clients", onPath("virsh").isEmpty());
        missing.put("python3-pyghmi", !Files.isExecutable(SYSTEM_PYTHON)
                || !succeeds(List.of(SYSTEM_PYTHON.toString(), "-c", "import pyghmi.ipmi.bmc")));
        missing.put("python3-libvirt", !Files.isExecutable(SYSTEM_PYTHON)
                || !succeeds(List.of(SYSTEM_PYTHON.toString(), "-c", "import libvirt")));
        missing.put("util-linux", root && onPath("setpriv").isEmpty());
        List<String> packages = missing.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
        if (packages.isEmpty()) {
            return;
        }
        String message = "the virtual machine test needs " + String.join(", ", packages)
                + "; install with: apt-get install -y --no-install-recommends " + String.join(" ", packages);
        if ("true".equals(System.getenv("CI"))) {
            fail(message + " (CI=true: this test must run in CI; .ci/run installs them)");
        }
        Assumptions.abort(message + " (skipped because CI is not \"true\")");
    }

    private static Path libvirtdPath() {
        Path p = libvirtdPathOrNull();
        if (p == null) {
            throw new IllegalStateException("libvirtd is not installed");
        }
        return p;
    }

    private static Path libvirtdPathOrNull() {
        return onPath("libvirtd").orElseGet(() -> Files.isExecutable(Path.of("/usr/sbin/libvirtd")) ? Path.of("/usr/sbin/libvirtd") : null);
    }

    private static Optional<Path> onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return Optional.of(Path.of(d, program));
            }
        }
        return Optional.empty();
    }

    private static boolean succeeds(List<String> command) {
        try {
            return run(command, Map.of(), Duration.ofSeconds(20)).code() == 0;
        } catch (IOException | IllegalStateException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean runningAsRoot() throws IOException {
        // /proc/self belongs to the effective uid.
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
