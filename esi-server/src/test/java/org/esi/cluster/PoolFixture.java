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
import org.esi.testing.Poll;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;

/**
 * Machines on offer and pools over the REST API of a running server, for tests of pools and their faces: an
 * owner's fake-hardware nodes taken to {@code available} and offered, and a lessee's pools and leases.
 */
public final class PoolFixture {
    public static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPoolMemberKey0000000000000000000000000 pool@example";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final TestingEsiServer server;
    private final TestClient http;
    private final String owner;
    private final String lessee;

    /** {@code owner} and {@code lessee} are tokens: the machines' owner and the pools' project. */
    public PoolFixture(TestingEsiServer server, String owner, String lessee) {
        this.server = server;
        this.http = server.client();
        this.owner = owner;
        this.lessee = lessee;
    }

    /**
     * A fake-hardware machine of the owner, class baremetal, with these properties, enrolled, managed, provided
     * and on offer until {@code end} (null: open-ended); its UUID.
     */
    public String offered(String name, Map<String, Object> properties, Instant end) {
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
        http.post("/lease/v1/offers", owner, offer).expect(201);
        return http.get("/baremetal/v1/nodes/" + name, owner).expect(200).json().path("uuid").asText();
    }

    /**
     * Asks for a provision state; 409 "locked" is retried: the node shows its new state a moment before the
     * operation that got it there lets go of the node (seen on a loaded machine).
     */
    private void provision(String name, String target) throws InterruptedException {
        Poll.until(() -> http.put("/baremetal/v1/nodes/" + name + "/states/provision", owner, Map.of("target", target)),
                r -> r.status() != 409 || !r.body().contains("locked"), WAIT, r -> "node " + name + " stayed locked: " + r.body()).expect(202);
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

    /** The node (by name or UUID, as the admin sees it) once {@code done} holds; fails after a minute. */
    public JsonNode awaitNode(String node, Predicate<JsonNode> done) throws InterruptedException {
        return Poll.until(() -> server.adminGet("/baremetal/v1/nodes/" + node), done, WAIT, n -> "node never got there: " + n);
    }
}
