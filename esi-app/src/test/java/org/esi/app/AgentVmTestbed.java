package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.esi.testing.MutableClock;
import org.esi.testing.TestingEsiServer;

/**
 * What the VM tests share: a service whose public URL is the host as the guest sees it (10.0.2.2) with ESI's agent image
 * in its data directory, an HTTP server on the host for images (and whatever else a test adds to it), an owner and a
 * lessee, the QEMU machine behind its BMC, and enrolling that machine as an {@code ipmi} node.
 */
final class AgentVmTestbed implements AutoCloseable {
    final Path dir;
    final MutableClock clock;
    final Duration flow;
    final String publicUrl;
    final TestingEsiServer server;
    final HttpServer images;
    final Map<String, byte[]> served = new ConcurrentHashMap<>();
    final String owner;
    final String lessee;
    final String ownerProject;
    final String lesseeProject;
    AgentVirtualMachine vm;
    String node;

    /** The service and the image server; {@link #define} adds the machine. */
    AgentVmTestbed(Path dir, MutableClock clock, Duration flow) throws Exception {
        this.dir = dir;
        this.clock = clock;
        this.flow = flow;
        Path image = AgentImage.directory();
        int port = AgentVirtualMachine.freeTcpPort();
        // The guest reaches the host's loopback as 10.0.2.2: that is the service's public URL for nodes.
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("ESI_LISTEN_PORT", Integer.toString(port));
        publicUrl = "http://10.0.2.2:" + port;
        settings.put("ESI_PUBLIC_URL", publicUrl);
        settings.put("ESI_BOOT_CHAIN_FROM", "127.0.0.0/8");
        settings.put("ESI_TOKEN_LIFETIME", "3650d");
        server = TestingEsiServer.start(settings, clock);
        HttpServer started = null;
        try {
            Path agentDir = Files.createDirectories(server.dataDir().resolve("agent"));
            for (String f : List.of("esi-agent.kernel", "esi-agent.initramfs", "esi-agent.iso")) {
                Files.copy(image.resolve(f), agentDir.resolve(f));
            }
            started = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            started.createContext("/", ex -> {
                byte[] body = served.get(ex.getRequestURI().getPath());
                if (body == null) {
                    ex.sendResponseHeaders(404, -1);
                } else {
                    ex.sendResponseHeaders(200, body.length);
                    try (OutputStream out = ex.getResponseBody()) {
                        out.write(body);
                    }
                }
                ex.close();
            });
            started.start();
            ownerProject = server.createProject("agent-owner", null);
            lesseeProject = server.createProject("agent-lessee", null);
            owner = server.userToken("agent-owner-user", ownerProject, "owner");
            lessee = server.userToken("agent-lessee-user", lesseeProject, "lessee");
        } catch (Exception | Error e) {
            if (started != null) {
                started.stop(0);
            }
            server.close();
            throw e;
        }
        images = started;
    }

    /** The machine, powered off, whose every boot chains to the service (one static boot file, as an operator's DHCP gives it). */
    AgentVirtualMachine define(List<AgentVirtualMachine.Disk> disks, boolean tpm) throws Exception {
        vm = AgentVirtualMachine.define(dir, publicUrl + "/boot/chain.ipxe", disks, tpm);
        return vm;
    }

    /**
     * The machine as the owner's {@code ipmi} node (with {@code fields} such as resource_class or properties), its port, and
     * {@code manage}; the service reaches its agent through QEMU's port forward. Returns the node's uuid.
     */
    String enroll(String name, Map<String, Object> fields) {
        Map<String, Object> info = new LinkedHashMap<>(vm.driverInfo());
        info.put("kernel_append_params", "ipa-advertise-host=127.0.0.1 ipa-advertise-port=" + vm.agentPort());
        Map<String, Object> body = new LinkedHashMap<>(fields);
        body.put("name", name);
        body.put("driver", "ipmi");
        body.put("driver_info", info);
        node = server.client().post("/baremetal/v1/nodes", owner, body).expect(201).json().path("uuid").asText();
        ok(owner, "port", "create", AgentVirtualMachine.MAC, "--node", node);
        ok(owner, "node", "manage", node, "--timeout", "60s");
        return node;
    }

    CliRun esi(String token, List<String> args) {
        return CliRun.of(server.url(), dir.resolve("cli"), Map.of("ESI_TOKEN", token, "ESI_WAIT_INTERVAL_MS", "500"), args);
    }

    void ok(String token, String... args) {
        CliRun r = esi(token, List.of(args));
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.out() + r.err() + "\n" + vm.diagnostics()).isZero();
    }

    interface NodeCheck {
        boolean ok(JsonNode node);
    }

    JsonNode awaitNode(NodeCheck check, String what) throws InterruptedException {
        Instant deadline = Instant.now().plus(flow);
        JsonNode n;
        do {
            n = server.client().get("/baremetal/v1/nodes/" + node, owner).expect(200).json();
            if (check.ok(n)) {
                return n;
            }
            Thread.sleep(250);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("timed out waiting for " + what + ": " + n + "\n" + vm.diagnostics());
    }

    JsonNode awaitLease(String uuid, String status, Duration max) throws InterruptedException {
        Instant deadline = Instant.now().plus(max);
        JsonNode l;
        do {
            l = server.client().get("/lease/v1/leases/" + uuid, lessee).expect(200).json();
            if (l.path("status").asText().equals(status)) {
                return l;
            }
            Thread.sleep(200);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("lease " + uuid + " did not reach " + status + ": " + l);
    }

    /** The URL of {@code /images/<name>} on the host's image server, as the guest reaches it. */
    String imageUrl(String name) {
        return hostUrl("/images/" + name);
    }

    /** A path on the host's image server as the guest reaches it (10.0.2.2 is the host's loopback). */
    String hostUrl(String path) {
        return "http://10.0.2.2:" + images.getAddress().getPort() + path;
    }

    @Override
    public void close() {
        try {
            if (vm != null) {
                vm.close();
            }
        } finally {
            images.stop(0);
            server.close();
        }
    }
}
