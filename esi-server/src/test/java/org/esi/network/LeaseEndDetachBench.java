package org.esi.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.esi.drivers.fake.FakeHardwareDriver;
import org.esi.drivers.net.linuxbridge.LinuxBridgeDriver;
import org.esi.drivers.testing.Netns;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.Test;

/**
 * Benchmark driver for bench/lease-end-detach.sh (the name keeps it out of the test suite): N nodes, each
 * cabled to a port of a Linux bridge in a network namespace, leased to one project and attached to its
 * network through the API; then all N leases are moved to end at the same instant, and it measures how
 * long after that instant every switch port is idle again (the lifecycle's timer, the hand-back of each
 * node and the serialised switch operations included). Prints one line per figure. Needs root.
 */
class LeaseEndDetachBench {
    static final int NODES = Integer.getInteger("esi.bench.nodes", 100);

    @Test
    void leaseEndDetachesEveryNode() throws Exception {
        String tag = "b" + UUID.randomUUID().toString().substring(0, 5);
        String sw = tag + "sw";
        if (!Netns.add(sw)) {
            throw new IllegalStateException("cannot create network namespaces (needs root and iproute2)");
        }
        try (TestingEsiServer server = TestingEsiServer.start(Map.of(), Clock.systemUTC(), new FakeHardwareDriver(),
                List.of(new LinuxBridgeDriver()))) {
            Netns.ok(sw, "ip", "link", "add", "br0", "type", "bridge");
            Netns.ok(sw, "ip", "link", "set", "br0", "up");
            for (int i = 0; i < NODES; i++) {
                // veth pairs, not dummies: containers often lack the dummy module; the peer stays unplugged.
                Netns.ok(sw, "ip", "link", "add", "d" + i, "type", "veth", "peer", "name", "p" + i);
                Netns.ok(sw, "ip", "link", "set", "d" + i, "up");
            }
            TestClient http = server.client();
            String ownerProject = server.createProject("bench-owner", null);
            String lesseeProject = server.createProject("bench-lessee", null);
            String owner = server.userToken("bench-owner-user", ownerProject, "owner");
            String lessee = server.userToken("bench-lessee-user", lesseeProject, "lessee");
            http.post("/network/v1/switches", server.adminToken(), Map.of("name", "lab", "driver", "linux-bridge",
                    "address", "netns:" + sw + "/br0")).expect(201);

            List<String> leases = new ArrayList<>();
            Instant start = Instant.now().plusSeconds(1);
            for (int i = 0; i < NODES; i++) {
                String node = tag + "-n" + i;
                http.post("/baremetal/v1/nodes", owner, Map.of("name", node, "driver", "fake-hardware")).expect(201);
                http.post("/baremetal/v1/ports", owner, Map.of("node_uuid", node, "address", String.format("52:54:00:97:%02x:%02x", i / 256, i % 256),
                        "local_link_connection", Map.of("switch_info", "lab", "port_id", "d" + i))).expect(201);
                leases.add(http.post("/lease/v1/leases", owner, Map.of("resource_uuid", node, "project_id", lesseeProject,
                        "start_time", start.toString(), "end_time", start.plusSeconds(3600).toString())).expect(201).json().path("uuid").asText());
            }
            await(Duration.ofSeconds(120), () -> allLeases(http, owner, leases, "active"));
            http.post("/network/v1/networks", lessee, Map.of("name", "bench-net")).expect(201);
            List<Long> attach = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
                long t0 = System.nanoTime();
                JsonNode a = http.post("/network/v1/nodes/" + tag + "-n" + i + "/attachments", lessee, Map.of("network", "bench-net")).expect(201).json();
                attach.add(System.nanoTime() - t0);
                assertThat(a.path("status").asText()).isEqualTo("active");
            }
            assertThat(idlePorts(sw)).as("every port carries the lessee's VLAN").isZero();

            Instant end = Instant.now().plusSeconds(5);
            for (String l : leases) {
                http.patch("/lease/v1/leases/" + l, owner, Map.of("end_time", end.toString())).expect(200);
            }
            await(Duration.ofSeconds(180), () -> idlePorts(sw) == NODES);
            double allIdle = Duration.between(end, Instant.now()).toMillis() / 1000.0;
            await(Duration.ofSeconds(60), () -> allLeases(http, owner, leases, "expired"));
            double allExpired = Duration.between(end, Instant.now()).toMillis() / 1000.0;
            for (int i = 0; i < NODES; i++) {
                assertThat(http.get("/network/v1/nodes/" + tag + "-n" + i + "/attachments", owner).json().path("attachments")).isEmpty();
            }
            Collections.sort(attach);
            System.out.printf("lease-end-detach: attach through the API p50 %.1f ms, p99 %.1f ms (%d nodes, linux-bridge)%n",
                    attach.get(NODES / 2) / 1e6, attach.get(Math.min(NODES - 1, (int) Math.ceil(NODES * 0.99) - 1)) / 1e6, NODES);
            System.out.printf("lease-end-detach: %d leases ending at once: all %d switch ports idle %.2f s after the end time, "
                    + "all leases expired after %.2f s%n", NODES, NODES, allIdle, allExpired);
        } finally {
            Netns.run("ip", "netns", "del", sw);
        }
    }

    private static int idlePorts(String sw) throws Exception {
        String out = Netns.run("ip", "netns", "exec", sw, "ip", "-o", "link", "show", "type", "veth").out();
        int idle = 0;
        for (String line : out.split("\n")) {
            if (line.matches("\\d+: d\\d+@.*") && !line.contains(" master ")) {
                idle++;
            }
        }
        return idle;
    }

    private static boolean allLeases(TestClient http, String token, List<String> leases, String status) {
        JsonNode all = http.get("/lease/v1/leases?status=any&limit=" + (leases.size() + 10), token).expect(200).json().path("leases");
        int n = 0;
        for (JsonNode l : all) {
            if (leases.contains(l.path("uuid").asText()) && status.equals(l.path("status").asText())) {
                n++;
            }
        }
        return n == leases.size();
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(Duration limit, Condition c) throws Exception {
        Instant deadline = Instant.now().plus(limit);
        while (!c.holds()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not reached within " + limit);
            }
            Thread.sleep(20);
        }
    }
}
