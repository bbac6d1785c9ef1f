package org.esi.drivers.ipmi;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.esi.spi.Secret;

/**
 * pyghmi's fakebmc, a real IPMI 2.0 (RMCP+) responder, on a free loopback UDP port.
 * Started through our resource script because Debian's /usr/bin/fakebmc cannot choose its address or
 * credentials; the BMC logic is pyghmi's own. Public for the server's tests, through this module's test jar.
 */
public final class FakeBmcPeer implements AutoCloseable {
    public static final String USER = "esi";
    public static final String PASSWORD = "Sup3r-S3cret!";

    public final int port;
    private final Process process;
    private final Path log;

    private FakeBmcPeer(int port, Process process, Path log) {
        this.port = port;
        this.process = process;
        this.log = log;
    }

    public static FakeBmcPeer start() throws Exception {
        HardwareTools.requirePyghmi();
        Path script = resource("ipmi/esi_fakebmc.py");
        Path log = Files.createTempFile("esi-fakebmc", ".log");
        int port = freeUdpPort();
        Process p = new ProcessBuilder(HardwareTools.SYSTEM_PYTHON.toString(), script.toString(),
                "--address", "127.0.0.1", "--port", Integer.toString(port), "--user", USER, "--password", PASSWORD)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        FakeBmcPeer peer = new FakeBmcPeer(port, p, log);
        peer.awaitAnswering(Duration.ofSeconds(15));
        return peer;
    }

    Map<String, Object> driverInfo() {
        Map<String, Object> info = new HashMap<>();
        info.put("ipmi_address", "127.0.0.1");
        info.put("ipmi_port", port);
        info.put("ipmi_username", USER);
        info.put("ipmi_password", new Secret(PASSWORD));
        return info;
    }

    private void awaitAnswering(Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        List<String> status = List.of("ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", Integer.toString(port),
                "-U", USER, "-E", "-N", "1", "-R", "1", "power", "status");
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("fakebmc exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            ProcessBuilder pb = new ProcessBuilder(status).redirectErrorStream(true);
            pb.environment().put("IPMI_PASSWORD", PASSWORD);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor(10, TimeUnit.SECONDS) && out.contains("Chassis Power is")) {
                return;
            }
            Thread.sleep(100);
        }
        close();
        throw new IllegalStateException("fakebmc did not answer power status within " + limit.toSeconds() + "s: " + Files.readString(log));
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A test resource as a file; copied out when it sits inside the test jar (another module's tests). */
    static Path resource(String name) throws URISyntaxException, IOException {
        var url = FakeBmcPeer.class.getClassLoader().getResource(name);
        if (url == null) {
            throw new IllegalStateException("test resource " + name + " is missing");
        }
        if (url.getProtocol().equals("file")) {
            return Path.of(url.toURI());
        }
        Path copy = Files.createTempFile("esi-test-", "-" + Path.of(name).getFileName());
        copy.toFile().deleteOnExit();
        try (var in = url.openStream()) {
            Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return copy;
    }

    /** Presses the machine's power button behind the service's back: ipmitool straight to the BMC. */
    public void chassisPower(String action) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", Integer.toString(port),
                "-U", USER, "-E", "chassis", "power", action).redirectErrorStream(true);
        pb.environment().put("IPMI_PASSWORD", PASSWORD);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("ipmitool chassis power " + action + " failed: " + out);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Files.deleteIfExists(log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // a leftover temp file is harmless
        }
    }
}
