package org.esi.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.esi.testing.MutableClock;
import org.esi.testing.Poll;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pools over the REST API against a real server: claims, deploys, scaling, removal, deletion, bad input. */
class PoolApiTest {
    static final String KEY = PoolFixture.KEY;
    private final MutableClock clock = new MutableClock();
    private TestingEsiServer server;
    private TestClient http;
    private String owner;
    private String lessee;
    private String lesseeProject;
    private PoolFixture pools;

    void start() {
        server = TestingEsiServer.start(Map.of(), clock);
        http = server.client();
        String ownerProject = server.createProject("pool-owner", null);
        lesseeProject = server.createProject("pool-lessee", null);
        owner = server.userToken("pool-owner-user", ownerProject, "owner");
        lessee = server.userToken("pool-lessee-user", lesseeProject, "lessee");
        pools = new PoolFixture(server, owner, lessee);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A fake-hardware machine of the owner with {@code cpus}, on offer until {@code end} (null: open-ended). */
    String offered(String name, int cpus, Instant end) {
        return pools.offered(name, Map.of("cpus", cpus, "memory_mb", 65536, "local_gb", 400), end);
    }

    static Map<String, Object> pool(String name, int desired, int max) {
        return PoolFixture.pool(name, desired, max);
    }

    JsonNode members(String pool) {
        return http.get("/cluster/v1/pools/" + pool + "/members", lessee).expect(200).json().path("members");
    }

    static long count(JsonNode members, String status) {
        long n = 0;
        for (JsonNode m : members) {
            if (m.path("status").asText().equals(status)) {
                n++;
            }
        }
        return n;
    }

    JsonNode awaitMembers(String pool, Predicate<JsonNode> done) throws InterruptedException {
        return Poll.until(() -> members(pool), done, Duration.ofSeconds(30), m -> {
            StringBuilder why = new StringBuilder();
            for (JsonNode x : m) {
                JsonNode n = server.adminGet("/baremetal/v1/nodes/" + x.path("node_uuid").asText());
                why.append("\n node ").append(n.path("name").asText()).append(": ").append(n.path("provision_state").asText())
                        .append(" lessee ").append(n.path("lessee").asText()).append(" error ").append(n.path("last_error").asText());
            }
            return "pool " + pool + " members never got there: " + m + why + "\n leases " + liveLeases()
                    + "\n pool " + http.get("/cluster/v1/pools/" + pool, lessee).body();
        });
    }

    List<JsonNode> liveLeases() {
        return pools.liveLeases();
    }

    @Test
    void aPoolClaimsDeploysScalesAllOrNothingAndGivesMachinesBackWiped() throws Exception {
        start();
        List<String> big = List.of(offered("big-1", 32, null), offered("big-2", 64, null), offered("big-3", 32, null));
        String small = offered("small-1", 8, null);

        JsonNode created = http.post("/cluster/v1/pools", lessee, pool("workers", 2, 5)).expect(201).json();
        assertThat(created.path("desired_size").asInt()).isEqualTo(2);
        assertThat(created.path("members").path("claiming").asInt() + created.path("members").path("deploying").asInt()
                + created.path("members").path("ready").asInt()).isEqualTo(2);
        assertThat(liveLeases()).hasSize(2);

        JsonNode ready = awaitMembers("workers", m -> m.size() == 2 && count(m, "ready") == 2);
        for (JsonNode m : ready) {
            String node = m.path("node_uuid").asText();
            assertThat(big).contains(node);
            assertThat(m.path("provider_id").asText()).isEqualTo("esi://" + node);
            JsonNode n = server.adminGet("/baremetal/v1/nodes/" + node);
            assertThat(n.path("provision_state").asText()).isEqualTo("active");
            assertThat(n.path("lessee").asText()).isEqualTo(lesseeProject);
            assertThat(n.path("instance_info").path("image_source").asText()).isEqualTo("http://192.0.2.10/images/worker.raw");
            JsonNode cd = n.path("instance_info").path("configdrive");
            assertThat(cd.path("user_data").asText()).contains("kubelet_provider_id: esi://" + node);
            assertThat(cd.path("meta_data").path("public_keys").toString()).contains(KEY);
        }
        assertThat(ready.toString()).doesNotContain(small);

        // Past what the offers can give: 409 with how many fit, and nothing claimed.
        JsonNode refused = http.patch("/cluster/v1/pools/workers", lessee, Map.of("desired_size", 5)).expect(409).json();
        assertThat(refused.toString()).contains("Only 1 of 3 machines fit");
        assertThat(liveLeases()).hasSize(2);
        assertThat(http.get("/cluster/v1/pools/workers", lessee).expect(200).json().path("desired_size").asInt()).isEqualTo(2);
        // Past max_size: 400, nothing changed.
        http.patch("/cluster/v1/pools/workers", lessee, Map.of("desired_size", 6)).expect(400);

        http.patch("/cluster/v1/pools/workers", lessee, Map.of("desired_size", 3)).expect(200);
        assertThat(liveLeases()).hasSize(3);
        JsonNode three = awaitMembers("workers", m -> count(m, "ready") == 3);

        // One machine removed by name: its lease ends, the node is wiped and offered again, the size drops by one.
        String gone = three.get(0).path("node_uuid").asText();
        String goneName = three.get(0).path("node_name").asText();
        http.delete("/cluster/v1/pools/workers/members/" + goneName, lessee).expect(204);
        assertThat(http.get("/cluster/v1/pools/workers", lessee).expect(200).json().path("desired_size").asInt()).isEqualTo(2);
        awaitMembers("workers", m -> m.size() == 2 && !m.toString().contains(gone));
        awaitNode(gone, n -> n.path("provision_state").asText().equals("available") && n.path("lessee").isNull());
        http.delete("/cluster/v1/pools/workers/members/not-a-member", lessee).expect(404);

        // Shrinking releases members; the history shows every size change.
        http.patch("/cluster/v1/pools/workers", lessee, Map.of("desired_size", 1)).expect(200);
        awaitMembers("workers", m -> m.size() == 1 && count(m, "ready") == 1);
        JsonNode history = http.get("/cluster/v1/pools/workers/history", lessee).expect(200).json().path("history");
        assertThat(history.findValuesAsText("to")).containsExactly("2", "3", "2", "1");

        // Deleting the pool ends every lease; the pool goes with its last member.
        http.delete("/cluster/v1/pools/workers", lessee).expect(204);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (http.get("/cluster/v1/pools/workers", lessee).status() != 404 && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        http.get("/cluster/v1/pools/workers", lessee).expect(404);
        assertThat(liveLeases()).isEmpty();
    }

    @Test
    void badInputIsRefusedWithA4xxAndCreatesNothing() throws Exception {
        start();
        offered("big-1", 32, null);
        Map<String, Object> p = pool("bad", 1, 3);
        List<Map<String, Object>> bad = new ArrayList<>();
        for (var change : List.<Map<String, Object>>of(
                Map.of("properties", List.of("cpus>>32")), Map.of("properties", List.of("cpus>=many")), Map.of("desired_size", 4),
                Map.of("min_size", 5), Map.of("lease_duration", "three days"), Map.of("renew_before", "PT5H"),
                Map.of("lease_duration", "P400D"), Map.of("deploy", Map.of("image_url", "file:///etc/shadow")),
                Map.of("deploy", Map.of()), Map.of("deploy", Map.of("boot_iso_url", "http://192.0.2.1/a.iso", "user_data", "x")),
                Map.of("deploy", Map.of("image_url", "http://192.0.2.1/a.raw", "ssh_keys", List.of("not a key"))),
                Map.of("name", "white space"), Map.of("max_size", "ten"), Map.of("surprise", true),
                Map.of("networks", List.of(Map.of("network", "no-such-net"))), Map.of("labels", Map.of("k", 3)))) {
            Map<String, Object> body = new HashMap<>(p);
            body.putAll(change);
            bad.add(body);
        }
        for (Map<String, Object> body : bad) {
            int status = http.post("/cluster/v1/pools", lessee, body).status();
            assertThat(status).as(body.toString()).isBetween(400, 404);
        }
        assertThat(http.get("/cluster/v1/pools", lessee).expect(200).json().path("pools")).isEmpty();
        assertThat(liveLeases()).isEmpty();

        http.post("/cluster/v1/pools", lessee, p).expect(201);
        http.post("/cluster/v1/pools", lessee, p).expect(409); // same name in the project
        // Another project neither sees nor changes it.
        String other = server.userToken("pool-other-user", server.createProject("pool-other", null), "lessee");
        http.get("/cluster/v1/pools/bad", other).expect(404);
        http.patch("/cluster/v1/pools/bad", other, Map.of("desired_size", 0)).expect(404);
        assertThat(http.get("/cluster/v1/pools", other).expect(200).json().path("pools")).isEmpty();
        http.patch("/cluster/v1/pools/bad", lessee, Map.of("desired_size", -1)).expect(400);
        http.patch("/cluster/v1/pools/bad", lessee, Map.of("name", "renamed")).expect(400);
    }

    JsonNode awaitNode(String node, Predicate<JsonNode> done) throws InterruptedException {
        return pools.awaitNode(node, done);
    }
}
