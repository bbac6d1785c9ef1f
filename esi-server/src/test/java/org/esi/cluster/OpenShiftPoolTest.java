package org.esi.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.esi.drivers.fake.FakeMachine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * OpenShift pools end to end on fake hardware against {@link AssistedInstallerStandIn}, a stand-in that follows
 * assisted-service's published REST API v2 (no real Assisted Installer runs here). The test plays each node's
 * discovery agent: once a member's node is active, having booted the discovery ISO the stand-in handed out, the
 * test registers a host with that node's MAC in the stand-in.
 */
class OpenShiftPoolTest {
    private static final Duration TOKEN_LIFE = Duration.ofSeconds(2);
    private PoolTestbed bed;
    private AssistedInstallerStandIn ai;
    private ScheduledExecutorService agents;
    /** node uuid → MAC, of the nodes whose agent the test plays. */
    private final Map<String, String> macs = new ConcurrentHashMap<>();
    /** node uuid → the ISO URL whose boot has registered a host already. */
    private final Map<String, String> registered = new ConcurrentHashMap<>();

    void start() throws Exception {
        bed = new PoolTestbed();
        ai = new AssistedInstallerStandIn(TOKEN_LIFE);
        agents = Executors.newSingleThreadScheduledExecutor();
        agents.scheduleWithFixedDelay(this::playAgents, 100, 100, TimeUnit.MILLISECONDS);
    }

    @AfterEach
    void stop() {
        if (agents != null) {
            agents.shutdownNow();
        }
        if (bed != null) {
            bed.close();
        }
        if (ai != null) {
            ai.close();
        }
    }

    /** What the discovery agent of each booted node does: register its host, with the node's MAC, to the ISO's infra-env. */
    private void playAgents() {
        try {
            for (Map.Entry<String, String> e : macs.entrySet()) {
                JsonNode node = bed.server.adminGet("/baremetal/v1/nodes/" + e.getKey());
                FakeMachine machine = bed.server.fakeHardware().machine(e.getKey());
                String iso = machine.virtualMedia().map(URI::toString).orElse(null);
                if (!"active".equals(node.path("provision_state").asText()) || iso == null || !ai.imageUrls.contains(iso)
                        || iso.equals(registered.get(e.getKey()))) {
                    continue;
                }
                String infraEnv = URI.create(iso).getPath().replaceAll(".*/images/", "");
                ai.registerHost(infraEnv, e.getValue());
                registered.put(e.getKey(), iso);
            }
        } catch (RuntimeException e) {
            // the server is stopping, or a node is mid-change: next time
        }
    }

    private String machine(String name, String mac) {
        String uuid = bed.offered(name, 32, null);
        bed.http.post("/baremetal/v1/ports", bed.server.adminToken(), Map.of("node_uuid", uuid, "address", mac)).expect(201);
        macs.put(uuid, mac);
        return uuid;
    }

    private Map<String, Object> access() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("api_url", ai.apiUrl());
        o.put("token_url", ai.tokenUrl());
        o.put("offline_token", AssistedInstallerStandIn.OFFLINE_TOKEN);
        o.put("pull_secret", AssistedInstallerStandIn.PULL_SECRET);
        return o;
    }

    private static Map<String, Object> pool(String name, int desired, int max, Map<String, Object> openshift) {
        Map<String, Object> p = PoolTestbed.pool(name, desired, max);
        p.remove("deploy");
        p.put("openshift", openshift);
        return p;
    }

    /** The lease status of the node's live lease (of the lessee), or "none". */
    private String leaseOf(String node) {
        for (JsonNode l : bed.liveLeases()) {
            if (l.path("resource_uuid").asText().equals(node)) {
                return l.path("status").asText();
            }
        }
        return "none";
    }

    /** Records, at each host deletion in the stand-in, the status the node's lease then had. */
    private Map<String, String> leaseAtDeletion() {
        Map<String, String> seen = new ConcurrentHashMap<>();
        Map<String, String> nodeOfMac = new HashMap<>();
        macs.forEach((node, mac) -> nodeOfMac.put(mac, node));
        ai.onDeleteHost = mac -> seen.put(nodeOfMac.get(mac), leaseOf(nodeOfMac.get(mac)));
        return seen;
    }

    private void assertNoSecretIn(String text) {
        assertThat(text).doesNotContain(AssistedInstallerStandIn.OFFLINE_TOKEN).doesNotContain("c3RhbmRpbi1wdWxsLXNlY3JldC05YjJm");
    }

    private String rows(String sql) throws Exception {
        var cfg = bed.server.server().config();
        StringBuilder sb = new StringBuilder();
        try (Connection c = DriverManager.getConnection(cfg.databaseUrl().orElseThrow(), cfg.databaseUser().orElseThrow(),
                cfg.databasePassword().orElseThrow()); ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) {
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    sb.append(rs.getString(i)).append('|');
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void dayOneInstallsANewClusterOnThePoolsMachinesAndRemovesHostsBeforeLeasesEnd() throws Exception {
        start();
        List<String> nodes = List.of(machine("ocp-1", "52:54:00:0c:00:01"), machine("ocp-2", "52:54:00:0c:00:02"),
                machine("ocp-3", "52:54:00:0c:00:03"));
        Map<String, Object> os = access();
        os.put("name", "ocp");
        os.put("openshift_version", "4.16");
        os.put("base_dns_domain", "example.com");
        JsonNode created = bed.http.post("/cluster/v1/pools", bed.lessee, pool("ocp", 3, 4, os)).expect(201).json();
        assertThat(created.path("openshift").path("offline_token").asText()).isEqualTo("******");
        assertThat(created.path("openshift").path("pull_secret").asText()).isEqualTo("******");
        assertNoSecretIn(created.toString());

        // A token revoked half way: a call with it is 401, a new token is fetched and the call made again.
        Instant until = Instant.now().plus(Duration.ofSeconds(20));
        while (ai.tokensIssued() == 0 && Instant.now().isBefore(until)) {
            Thread.sleep(20);
        }
        ai.revokeTokens();
        JsonNode ready = bed.awaitMembers("ocp", m -> m.size() == 3 && PoolTestbed.count(m, "ready") == 3);

        assertThat(ai.clusters()).hasSize(1);
        JsonNode cluster = ai.clusters().get(0);
        assertThat(cluster.path("name").asText()).isEqualTo("ocp");
        assertThat(cluster.path("high_availability_mode").asText()).isEqualTo("Full");
        assertThat(cluster.path("status").asText()).isEqualTo("adding-hosts"); // installed, then opened to more workers
        assertThat(ai.count("POST", "/v2/clusters/[^/]+/actions/allow-add-workers")).isEqualTo(1);
        assertThat(ai.infraEnvs()).hasSize(1);
        assertThat(ai.infraEnvs().get(0).path("cluster_id").asText()).isEqualTo(cluster.path("id").asText());
        assertThat(ai.count("POST", "/v2/clusters/[^/]+/actions/install")).isEqualTo(1);
        assertThat(ai.count("POST", "/v2/clusters")).isEqualTo(1);
        assertThat(ai.count("POST", "/v2/infra-envs")).isEqualTo(1);

        // Each member booted a discovery ISO URL of its own, as the stand-in handed it out (they expire).
        Set<String> booted = new HashSet<>();
        for (String node : nodes) {
            String iso = bed.server.fakeHardware().machine(node).operations().stream()
                    .filter(o -> o.name().equals("insertVirtualMedia") && o.succeeded()).map(FakeMachine.Operation::argument)
                    .reduce((a, b) -> b).orElseThrow();
            assertThat(ai.imageUrls).contains(iso);
            booted.add(iso);
            JsonNode n = bed.server.adminGet("/baremetal/v1/nodes/" + node);
            assertThat(n.path("instance_info").path("image_source").asText()).isEqualTo(iso);
        }
        assertThat(booted).hasSize(3);
        List<String> roles = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (JsonNode h : ai.hosts()) {
            roles.add(h.path("role").asText());
            names.add(h.path("requested_hostname").asText());
            assertThat(h.path("status").asText()).isEqualTo("installed");
        }
        assertThat(roles).containsOnly("master");
        assertThat(names).containsExactlyInAnyOrder("ocp-1", "ocp-2", "ocp-3");

        JsonNode shown = bed.http.get("/cluster/v1/pools/ocp", bed.lessee).expect(200).json();
        assertThat(shown.path("openshift").path("assisted_installer").path("cluster_id").asText()).isEqualTo(cluster.path("id").asText());
        assertThat(shown.path("openshift").path("assisted_installer").path("cluster_status").asText()).isEqualTo("installed");
        assertThat(shown.path("openshift").path("assisted_installer").path("adding_workers").asBoolean()).isTrue();
        assertThat(shown.path("deploy").path("discovery_iso").path("infra_env_id").asText()).isEqualTo(ai.infraEnvs().get(0).path("id").asText());

        // Growing after day 1: the new member's host is installed as a worker of the installed cluster.
        String fourth = machine("ocp-4", "52:54:00:0c:00:04");
        bed.http.patch("/cluster/v1/pools/ocp", bed.lessee, Map.of("desired_size", 4)).expect(200);
        ready = bed.awaitMembers("ocp", m -> m.size() == 4 && PoolTestbed.count(m, "ready") == 4);
        assertThat(ai.count("POST", "/v2/infra-envs/[^/]+/hosts/[^/]+/actions/install")).isEqualTo(1);
        assertThat(ai.count("POST", "/v2/clusters/[^/]+/actions/install")).isEqualTo(1);
        assertThat(ai.hosts()).filteredOn(h -> h.path("requested_hostname").asText().equals("ocp-4"))
                .singleElement().satisfies(h -> {
                    assertThat(h.path("role").asText()).isEqualTo("worker");
                    assertThat(h.path("status").asText()).isEqualTo("added-to-existing-cluster");
                });
        assertThat(ready.toString()).contains(fourth);

        // Tokens: refreshed before they ran out and after the revocation; a call with an expired one never got through.
        Thread.sleep(TOKEN_LIFE.toMillis());
        bed.http.patch("/cluster/v1/pools/ocp", bed.lessee, Map.of("labels", Map.of("k", "v"))).expect(200);
        assertThat(ai.tokensIssued()).isGreaterThan(1);
        assertThat(ai.calls.stream().filter(AssistedInstallerStandIn.Call::expired)).allMatch(c -> c.status() == 401);
        assertThat(ai.calls.stream().filter(c -> !c.expired())).isNotEmpty();

        // Removing a member deletes its host in the Assisted Installer while its lease still runs; then the lease ends.
        Map<String, String> atDeletion = leaseAtDeletion();
        String gone = ready.get(0).path("node_uuid").asText();
        bed.http.delete("/cluster/v1/pools/ocp/members/" + gone, bed.lessee).expect(204);
        bed.awaitMembers("ocp", m -> m.size() == 3 && !m.toString().contains(gone));
        assertThat(atDeletion).containsEntry(gone, "active");
        assertThat(ai.deletedMacs).containsExactly(macs.get(gone));
        assertThat(leaseOf(gone)).isEqualTo("none");

        // Secrets never leave in plain text: not in any answer, not in the database.
        for (String path : List.of("/cluster/v1/pools", "/cluster/v1/pools/ocp", "/cluster/v1/pools/ocp/members", "/cluster/v1/pools/ocp/history")) {
            assertNoSecretIn(bed.http.get(path, bed.lessee).expect(200).body());
        }
        String stored = rows("select p.*, o.* from pool p join pool_openshift o on o.pool_uuid = p.uuid");
        assertNoSecretIn(stored);
        assertThat(stored).contains("enc:v1:");
        // Nor did the service ever send one anywhere but to the stand-in's token endpoint and infra-env/cluster bodies.
        assertThat(ai.calls.stream().map(AssistedInstallerStandIn.Call::path).toList().toString()).doesNotContain(AssistedInstallerStandIn.OFFLINE_TOKEN);

        // Deleting the pool deletes the remaining hosts before the leases end.
        bed.http.delete("/cluster/v1/pools/ocp", bed.lessee).expect(204);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (bed.http.get("/cluster/v1/pools/ocp", bed.lessee).status() != 404 && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        assertThat(ai.hosts()).isEmpty();
        assertThat(atDeletion.values()).containsOnly("active");
        assertThat(bed.liveLeases()).isEmpty();
        // With the pool, its infra-env and the Assisted Installer's record of the cluster.
        assertThat(ai.infraEnvs()).isEmpty();
        assertThat(ai.clusters()).isEmpty();
    }

    @Test
    void dayTwoAddsEachNewHostAsAWorkerOfTheExistingCluster() throws Exception {
        start();
        machine("w-1", "52:54:00:0d:00:01");
        machine("w-2", "52:54:00:0d:00:02");
        machine("w-3", "52:54:00:0d:00:03");
        String openshiftCluster = "4d0c5b3e-6a1f-4c43-9d7e-2f1f6a0b9c11";
        Map<String, Object> os = access();
        os.put("cluster_id", openshiftCluster);
        os.put("api_vip_dnsname", "api.prod.example.com");
        // The import fails once: recorded as the pool's last_error, tried again after a back-off, and then it goes on.
        ai.failNext("POST /v2/clusters/import", 1);
        bed.http.post("/cluster/v1/pools", bed.lessee, pool("workers", 2, 3, os)).expect(201);
        Instant until = Instant.now().plus(Duration.ofSeconds(20));
        JsonNode shown;
        do {
            shown = bed.http.get("/cluster/v1/pools/workers", bed.lessee).expect(200).json();
            Thread.sleep(50);
        } while (shown.path("openshift").path("last_error").isNull() && Instant.now().isBefore(until));
        assertThat(shown.path("openshift").path("last_error").asText()).contains("503").contains("/v2/clusters/import");
        assertThat(shown.path("last_error").asText()).contains("503");
        bed.awaitMembers("workers", m -> m.size() == 2 && PoolTestbed.count(m, "ready") == 2);
        assertThat(bed.http.get("/cluster/v1/pools/workers", bed.lessee).expect(200).json().path("openshift").path("last_error").isNull()).isTrue();
        assertThat(ai.calls.stream().filter(c -> c.status() == 503)).hasSize(1);

        assertThat(ai.clusters()).hasSize(1);
        JsonNode imported = ai.clusters().get(0);
        assertThat(imported.path("kind").asText()).isEqualTo("AddHostsCluster");
        assertThat(imported.path("openshift_cluster_id").asText()).isEqualTo(openshiftCluster);
        assertThat(imported.path("api_vip_dnsname").asText()).isEqualTo("api.prod.example.com");
        assertThat(ai.count("POST", "/v2/clusters/import")).isEqualTo(1);
        assertThat(ai.count("POST", "/v2/clusters/[^/]+/actions/install")).isZero();
        assertThat(ai.count("POST", "/v2/infra-envs/[^/]+/hosts/[^/]+/actions/install")).isEqualTo(2);

        // Rotated secrets (PATCH): sealed like the first ones, used from the next call on; nothing else of the block changes.
        String before = rows("select offline_token from pool_openshift");
        bed.http.patch("/cluster/v1/pools/workers", bed.lessee, Map.of("openshift", Map.of("api_url", "http://127.0.0.1:9/x"))).expect(400);
        bed.http.patch("/cluster/v1/pools/workers", bed.lessee, Map.of("openshift", Map.of("offline_token", "two words"))).expect(400);
        JsonNode rotated = bed.http.patch("/cluster/v1/pools/workers", bed.lessee, Map.of("openshift",
                Map.of("offline_token", AssistedInstallerStandIn.OFFLINE_TOKEN, "pull_secret", AssistedInstallerStandIn.PULL_SECRET))).expect(200).json();
        assertNoSecretIn(rotated.toString());
        assertThat(rotated.path("openshift").path("api_url").asText()).isEqualTo(ai.apiUrl());
        String after = rows("select offline_token from pool_openshift");
        assertThat(after).startsWith("enc:v1:").isNotEqualTo(before); // sealed again, with a new nonce
        assertNoSecretIn(after);

        // Scaling up: the new member's host is installed as a worker too.
        bed.http.patch("/cluster/v1/pools/workers", bed.lessee, Map.of("desired_size", 3)).expect(200);
        bed.awaitMembers("workers", m -> m.size() == 3 && PoolTestbed.count(m, "ready") == 3);
        assertThat(ai.count("POST", "/v2/infra-envs/[^/]+/hosts/[^/]+/actions/install")).isEqualTo(3);
        assertThat(ai.hosts()).hasSize(3).allMatch(h -> h.path("role").asText().equals("worker")
                && h.path("status").asText().equals("added-to-existing-cluster"));

        // Scaling down: hosts deleted from the Assisted Installer first, then the leases end; a deletion that fails
        // once keeps its lease running until it is tried again and done.
        Map<String, String> atDeletion = leaseAtDeletion();
        ai.failNext("DELETE /v2/infra-envs/[^/]+/hosts/[^/]+", 1);
        bed.http.patch("/cluster/v1/pools/workers", bed.lessee, Map.of("desired_size", 1)).expect(200);
        bed.awaitMembers("workers", m -> m.size() == 1);
        assertThat(atDeletion).hasSize(2);
        assertThat(atDeletion.values()).containsOnly("active");
        assertThat(ai.calls.stream().filter(c -> c.status() == 503)).hasSize(2);
        assertThat(ai.hosts()).hasSize(1);
        assertThat(bed.liveLeases()).hasSize(1);

        // A lease ended outside the pool (here by the admin): its host is deleted from the Assisted Installer too.
        // (The pool then replaces the member, on another machine or the same one again: only this host is gone.)
        JsonNode last = bed.members("workers").get(0);
        String mac = macs.get(last.path("node_uuid").asText());
        java.util.function.Supplier<List<JsonNode>> hostsOfMac = () -> ai.hosts().stream().map(h -> (JsonNode) h)
                .filter(h -> h.path("inventory").asText().contains(mac)).toList();
        assertThat(hostsOfMac.get()).hasSize(1);
        bed.http.delete("/lease/v1/leases/" + last.path("lease_uuid").asText(), bed.server.adminToken()).status();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!ai.deletedMacs.contains(mac) && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        assertThat(ai.deletedMacs).contains(mac);
    }

    /** The client alone against the stand-in: a token is refreshed before it runs out, and a 401 refreshes it once. */
    @Test
    void accessTokensAreRefreshedBeforeTheyExpireAndOnA401() throws Exception {
        Duration life = Duration.ofSeconds(5); // long enough for a cold first call on a busy machine
        ai = new AssistedInstallerStandIn(life);
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        var tokens = new org.esi.cluster.openshift.SsoTokens(http, mapper, java.time.InstantSource.system(), Duration.ofSeconds(5));
        var client = new org.esi.cluster.openshift.AssistedInstaller(http, mapper, tokens, Duration.ofSeconds(5), ai.apiUrl(), ai.tokenUrl(),
                AssistedInstallerStandIn.OFFLINE_TOKEN);
        String cluster = client.registerCluster(mapper.createObjectNode().put("name", "t").put("openshift_version", "4.16")
                .put("base_dns_domain", "example.com").put("pull_secret", AssistedInstallerStandIn.PULL_SECRET)).path("id").asText();
        client.cluster(cluster);
        assertThat(ai.tokensIssued()).isEqualTo(1); // cached

        // Past four fifths of its life: a new one before the call, so the call never meets an expired token.
        Thread.sleep(life.toMillis() * 4 / 5 + 200);
        client.cluster(cluster);
        assertThat(ai.tokensIssued()).isEqualTo(2);
        assertThat(ai.calls).noneMatch(AssistedInstallerStandIn.Call::expired);

        // Revoked early: the call is refused once (401), a new token is fetched, the call goes through.
        ai.revokeTokens();
        assertThat(client.cluster(cluster).path("id").asText()).isEqualTo(cluster);
        assertThat(ai.tokensIssued()).isEqualTo(3);
        assertThat(ai.calls.stream().filter(AssistedInstallerStandIn.Call::expired).count()).isEqualTo(1);
        assertThat(ai.calls.get(ai.calls.size() - 1).status()).isEqualTo(200);

        // A wrong offline token: a clear error naming the SSO's reason, and never the token.
        var wrong = new org.esi.cluster.openshift.AssistedInstaller(http, mapper, tokens, Duration.ofSeconds(5), ai.apiUrl(), ai.tokenUrl(),
                "not-the-offline-token");
        var thrown = org.assertj.core.api.Assertions.catchThrowable(() -> wrong.cluster(cluster));
        assertThat(thrown).isInstanceOf(org.esi.cluster.openshift.AssistedInstallerException.class)
                .hasMessageContaining("Invalid refresh token").hasMessageNotContaining("not-the-offline-token");
    }

    @Test
    void badOpenShiftSettingsAre400AndCreateNothing() throws Exception {
        start();
        machine("bad-1", "52:54:00:0e:00:01");
        Map<String, Object> good = access();
        good.put("openshift_version", "4.16");
        good.put("base_dns_domain", "example.com");
        List<Map<String, Object>> changes = List.of(Map.of("api_url", "ftp://example.com/x"), Map.of("api_url", "http://"),
                Map.of("api_url", "not a url"), Map.of("token_url", "file:///etc/passwd"), Map.of("offline_token", ""),
                Map.of("offline_token", "two words"), Map.of("pull_secret", "not json"), Map.of("pull_secret", "{\"no\":1}"),
                Map.of("name", "Not_A_DNS_Label"), Map.of("openshift_version", "latest"), Map.of("base_dns_domain", "bad domain"),
                Map.of("cluster_id", "not-a-uuid"), Map.of("cluster_id", "4d0c5b3e-6a1f-4c43-9d7e-2f1f6a0b9c11"),
                Map.of("surprise", 1), Map.of("api_url", 42));
        List<Map<String, Object>> bodies = new ArrayList<>();
        for (Map<String, Object> change : changes) {
            Map<String, Object> os = new HashMap<>(good);
            os.putAll(change);
            bodies.add(pool("bad", 1, 2, os));
        }
        Map<String, Object> missing = new HashMap<>(good);
        missing.remove("offline_token");
        bodies.add(pool("bad", 1, 2, missing));
        Map<String, Object> noSettings = access();
        bodies.add(pool("bad", 1, 2, noSettings));
        Map<String, Object> both = pool("bad", 1, 2, good);
        both.put("deploy", Map.of("image_url", "http://192.0.2.1/a.raw"));
        bodies.add(both);
        Map<String, Object> notObject = pool("bad", 1, 2, good);
        notObject.put("openshift", "yes");
        bodies.add(notObject);
        for (Map<String, Object> body : bodies) {
            var resp = bed.http.post("/cluster/v1/pools", bed.lessee, body);
            assertThat(resp.status()).as(body.get("openshift") + " -> " + resp.body()).isEqualTo(400);
            assertNoSecretIn(resp.body());
        }
        assertThat(bed.http.get("/cluster/v1/pools", bed.lessee).expect(200).json().path("pools")).isEmpty();
        assertThat(bed.liveLeases()).isEmpty();
        assertThat(ai.calls).isEmpty();
        assertThat(ai.tokensIssued()).isZero();
    }
}
