package org.esi.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pools over the REST API against a real server: claims, deploys, scaling, removal, deletion, bad input. */
class PoolApiTest {
    private PoolTestbed bed;
    private TestingEsiServer server;
    private TestClient http;
    private String lessee;
    private String lesseeProject;

    void start() {
        bed = new PoolTestbed();
        server = bed.server;
        http = bed.http;
        lessee = bed.lessee;
        lesseeProject = bed.lesseeProject;
    }

    @AfterEach
    void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void aPoolClaimsDeploysScalesAllOrNothingAndGivesMachinesBackWiped() throws Exception {
        start();
        List<String> big = List.of(bed.offered("big-1", 32, null), bed.offered("big-2", 64, null), bed.offered("big-3", 32, null));
        String small = bed.offered("small-1", 8, null);

        JsonNode created = http.post("/cluster/v1/pools", lessee, PoolTestbed.pool("workers", 2, 5)).expect(201).json();
        assertThat(created.path("desired_size").asInt()).isEqualTo(2);
        assertThat(created.path("members").path("claiming").asInt() + created.path("members").path("deploying").asInt()
                + created.path("members").path("ready").asInt()).isEqualTo(2);
        assertThat(bed.liveLeases()).hasSize(2);

        JsonNode ready = bed.awaitMembers("workers", m -> m.size() == 2 && PoolTestbed.count(m, "ready") == 2);
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
            assertThat(cd.path("meta_data").path("public_keys").toString()).contains(PoolTestbed.KEY);
        }
        assertThat(ready.toString()).doesNotContain(small);

        // Past what the offers can give: 409 with how many fit, and nothing claimed.
        JsonNode refused = http.patch("/cluster/v1/pools/workers", lessee, Map.of("desired_size", 5)).expect(409).json();
        assertThat(refused.toString()).contains("Only 1 of 3 machines fit");
        assertThat(bed.liveLeases()).hasSize(2);
        assertThat(http.get("/cluster/v1/pools/workers", lessee).expect(200).json().path("desired_size").asInt()).isEqualTo(2);
        // Past max_size: 400, nothing changed.
        http.patch("/cluster/v1/pools/workers", lessee, Map.of("desired_size", 6)).expect(400);

        http.patch("/cluster/v1/pools/workers", lessee, Map.of("desired_size", 3)).expect(200);
        assertThat(bed.liveLeases()).hasSize(3);
        JsonNode three = bed.awaitMembers("workers", m -> PoolTestbed.count(m, "ready") == 3);

        // One machine removed by name: its lease ends, the node is wiped and offered again, the size drops by one.
        String gone = three.get(0).path("node_uuid").asText();
        String goneName = three.get(0).path("node_name").asText();
        http.delete("/cluster/v1/pools/workers/members/" + goneName, lessee).expect(204);
        assertThat(http.get("/cluster/v1/pools/workers", lessee).expect(200).json().path("desired_size").asInt()).isEqualTo(2);
        bed.awaitMembers("workers", m -> m.size() == 2 && !m.toString().contains(gone));
        bed.awaitNode(gone, n -> n.path("provision_state").asText().equals("available") && n.path("lessee").isNull());
        http.delete("/cluster/v1/pools/workers/members/not-a-member", lessee).expect(404);

        // Shrinking releases members; the history shows every size change.
        http.patch("/cluster/v1/pools/workers", lessee, Map.of("desired_size", 1)).expect(200);
        bed.awaitMembers("workers", m -> m.size() == 1 && PoolTestbed.count(m, "ready") == 1);
        JsonNode history = http.get("/cluster/v1/pools/workers/history", lessee).expect(200).json().path("history");
        assertThat(history.findValuesAsText("to")).containsExactly("2", "3", "2", "1");

        // Deleting the pool ends every lease; the pool goes with its last member.
        http.delete("/cluster/v1/pools/workers", lessee).expect(204);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (http.get("/cluster/v1/pools/workers", lessee).status() != 404 && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        http.get("/cluster/v1/pools/workers", lessee).expect(404);
        assertThat(bed.liveLeases()).isEmpty();
    }

    @Test
    void anIsoPoolBootsItsMembersFromTheIsoWithoutTheAgent() throws Exception {
        start();
        String node = bed.offered("iso-1", 32, null);
        Map<String, Object> p = PoolTestbed.pool("discovery", 1, 2);
        p.put("deploy", Map.of("boot_iso_url", "http://192.0.2.20/discovery.iso"));
        http.post("/cluster/v1/pools", lessee, p).expect(201);
        bed.awaitMembers("discovery", m -> PoolTestbed.count(m, "ready") == 1);
        JsonNode n = server.adminGet("/baremetal/v1/nodes/" + node);
        assertThat(n.path("provision_state").asText()).isEqualTo("active");
        assertThat(n.path("instance_info").path("image_source").asText()).isEqualTo("http://192.0.2.20/discovery.iso");
        assertThat(n.path("instance_info").path("deploy_interface").asText()).isEqualTo("ramdisk");
        // The fake BMC has virtual media: the ISO is what the machine was given to boot.
        assertThat(server.server().fakeHardware().machine(node).virtualMedia()).contains(java.net.URI.create("http://192.0.2.20/discovery.iso"));
    }

    @Test
    void badInputIsRefusedWithA4xxAndCreatesNothing() throws Exception {
        start();
        bed.offered("big-1", 32, null);
        Map<String, Object> p = PoolTestbed.pool("bad", 1, 3);
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
        assertThat(bed.liveLeases()).isEmpty();

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
}
