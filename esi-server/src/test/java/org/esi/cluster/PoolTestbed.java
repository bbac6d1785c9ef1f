package org.esi.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.esi.lease.LeaseTimes;
import org.esi.testing.MutableClock;
import org.esi.testing.Poll;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;

/**
 * A server with an owner offering fake-hardware machines and a lessee project running pools on them, for the pool
 * tests (and the autoscaler's, which start a second instance on its database with their own settings).
 */
public class PoolTestbed implements AutoCloseable {
    public static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPoolMemberKey0000000000000000000000000 pool@example";
    private static final Duration WAIT = Duration.ofSeconds(60);
    final MutableClock clock;
    public final TestingEsiServer server;
    public final TestClient http;
    public final String owner;
    public final String lessee;
    public final String lesseeProject;

    public PoolTestbed() {
        this(new MutableClock());
    }

    PoolTestbed(MutableClock clock) {
        this.clock = clock;
        server = TestingEsiServer.start(Map.of(), clock);
        http = server.client();
        String ownerProject = server.createProject("pool-owner", null);
        lesseeProject = server.createProject("pool-lessee", null);
        owner = server.userToken("pool-owner-user", ownerProject, "owner");
        lessee = server.userToken("pool-lessee-user", lesseeProject, "lessee");
    }

    @Override
    public void close() {
        server.close();
    }

    /** A fake-hardware machine of the owner with {@code cpus}, on offer until {@code end} (null: open-ended). */
    String offered(String name, int cpus, Instant end) {
        return offered(name, Map.of("cpus", cpus, "memory_mb", 65536, "local_gb", 400), end);
    }

    /**
     * A fake-hardware machine of the owner, class baremetal, with these properties, enrolled, managed, provided
     * and on offer until {@code end} (null: open-ended); its UUID.
     */
    public String offered(String name, Map<String, Object> properties, Instant end) {
        return offered(name, properties, end, null);
    }

    /** The same, offered at {@code price} credits per node-hour (null: free). */
    public String offered(String name, Map<String, Object> properties, Instant end, String price) {
        http.post("/baremetal/v1/nodes", owner, Map.of("name", name, "driver", "fake-hardware", "resource_class", "baremetal",
                "properties", properties)).expect(201);
        try {
            provision(name, "manage");
            awaitNode(name, n -> n.path("provision_state").asText().equals("manageable"));
            provision(name, "provide");
            awaitNode(name, n -> n.path("provision_state").asText().equals("available"));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        Map<String, Object> offer = new HashMap<>(Map.of("resource_uuid", name));
        if (end != null) {
            offer.put("end_time", LeaseTimes.format(end));
        }
        if (price != null) {
            offer.put("price", price);
        }
        http.post("/lease/v1/offers", owner, offer).expect(201);
        return http.get("/baremetal/v1/nodes/" + name, owner).expect(200).json().path("uuid").asText();
    }

    /** Asks for a provision state: a node that shows a stable state takes the next request at once. */
    private void provision(String name, String target) {
        http.put("/baremetal/v1/nodes/" + name + "/states/provision", owner, Map.of("target", target)).expect(202);
    }

    /** A pool body of class baremetal for machines with {@code cpus>=32}, deployed with an image and a provider-id user-data. */
    public static Map<String, Object> pool(String name, int desired, int max) {
        Map<String, Object> p = new HashMap<>();
        p.put("name", name);
        p.put("resource_class", "baremetal");
        p.put("properties", List.of("cpus>=32"));
        p.put("max_size", max);
        p.put("desired_size", desired);
        p.put("lease_duration", "PT4H");
        p.put("renew_before", "PT30M");
        p.put("deploy", Map.of("image_url", "http://192.0.2.10/images/worker.raw", "image_checksum", "sha256:" + "ab".repeat(32),
                "user_data", "#cloud-config\nkubelet_provider_id: ${ESI_PROVIDER_ID}\n", "ssh_keys", List.of(KEY)));
        p.put("labels", Map.of("node.kubernetes.io/instance-type", "big"));
        return p;
    }

    public JsonNode members(String pool) {
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

    /** The lessee's leases that are live (active, created or waiting to be fulfilled). */
    public List<JsonNode> liveLeases() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode l : http.get("/lease/v1/leases", lessee).expect(200).json().path("leases")) {
            String s = l.path("status").asText();
            if (s.equals("active") || s.equals("created") || s.equals("wait fulfill")) {
                out.add(l);
            }
        }
        return out;
    }

    /** The node (by name or UUID, as the admin sees it) once {@code done} holds. */
    public JsonNode awaitNode(String node, Predicate<JsonNode> done) throws InterruptedException {
        return Poll.until(() -> server.adminGet("/baremetal/v1/nodes/" + node), done, WAIT, n -> "node never got there: " + n);
    }
}
