package org.esi.drivers.ipmi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.esi.spi.Secret;

/**
 * OpenIPMI's ipmi_sim, a second real RMCP+ peer, configured from our resources: user {@link #USER}
 * (admin) and "viewer" (USER privilege), power and boot device kept by chassis_control.sh in a scratch
 * directory.
 */
final class IpmiSimPeer implements AutoCloseable {
    static final String USER = "esi";
    static final String VIEWER = "viewer";
    static final String PASSWORD = "Sim-S3cret!";

    final int port;
    final Path dir;
    private final Process process;

    private IpmiSimPeer(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    static IpmiSimPeer start() throws Exception {
        HardwareTools.requireIpmiSim();
        Path dir = Files.createTempDirectory("esi-ipmi-sim");
        int port = FakeBmcPeer.freeUdpPort();
        Files.copy(FakeBmcPeer.resource("ipmi/chassis_control.sh"), dir.resolve("chassis_control.sh"));
        String conf = Files.readString(FakeBmcPeer.resource("ipmi/lan.conf"))
                .replace("@PORT@", Integer.toString(port)).replace("@STATE@", dir.toString())
                .replace("@USER@", USER).replace("@PASSWORD@", PASSWORD);
        Files.writeString(dir.resolve("lan.conf"), conf);
        Process p = new ProcessBuilder("ipmi_sim", "-c", dir.resolve("lan.conf").toString(),
                "-f", FakeBmcPeer.resource("ipmi/esi.emu").toString(), "-s", dir.toString(), "-n")
                .redirectErrorStream(true).redirectOutput(dir.resolve("ipmi_sim.log").toFile()).start();
        IpmiSimPeer peer = new IpmiSimPeer(port, dir, p);
        peer.awaitAnswering(Duration.ofSeconds(15));
        return peer;
    }

    Map<String, Object> driverInfo() {
        Map<String, Object> info = new HashMap<>();
        info.put("ipmi_address", "127.0.0.1");
        info.put("ipmi_port", Integer.toString(port)); // as a string, the way a CLI user may send it
        info.put("ipmi_username", USER);
        info.put("ipmi_password", new Secret(PASSWORD));
        info.put("ipmi_timeout", 2);
        info.put("ipmi_retries", 2);
        // ipmi_sim ignores Get Channel Cipher Suites; naming the suite spares ipmitool a timeout per call.
        info.put("ipmi_cipher_suite", 3);
        return info;
    }

    String stored(String name) throws Exception {
        Path f = dir.resolve(name);
        return Files.exists(f) ? Files.readString(f).strip() : "";
    }

    private void awaitAnswering(Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        List<String> status = List.of("ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", Integer.toString(port),
                "-U", USER, "-E", "-C", "3", "-N", "1", "-R", "1", "power", "status");
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("ipmi_sim exited with " + process.exitValue() + ": "
                        + Files.readString(dir.resolve("ipmi_sim.log")));
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
        throw new IllegalStateException("ipmi_sim did not answer power status within " + limit.toSeconds() + "s");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.io.IOException ignored) {
            // a leftover temp directory is harmless
        }
    }
}
