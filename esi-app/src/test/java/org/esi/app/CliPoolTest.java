package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code esi pool ...} and {@code esi cluster orchestrate|list|undeploy} against a real server and its fake hardware. */
class CliPoolTest {
    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPoolMemberKey0000000000000000000000000 pool@example";
    static final ObjectMapper JSON = new ObjectMapper();
    static TestingEsiServer server;
    static TestClient http;
    static String owner;
    static String lessee;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        http = server.client();
        owner = server.userToken("cli-pool-owner", server.createProject("cli-pool-owner", null), "owner");
        lessee = server.userToken("cli-pool-lessee", server.createProject("cli-pool-lessee", null), "lessee");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static CliRun esi(String... args) {
        return CliRun.of(server.url(), dir.resolve("config"), Map.of("ESI_TOKEN", lessee, "ESI_WAIT_INTERVAL_MS", "100"), List.of(args));
    }

    static CliRun ok(String... args) {
        CliRun r = esi(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    /** A failure as a user sees it: exit {@code code}, one "esi: ..." line, no stack trace. */
    static CliRun fails(int code, String... args) {
        CliRun r = esi(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.out() + r.err()).isEqualTo(code);
        assertThat(r.err()).startsWith("esi: ").doesNotContain("Exception").doesNotContain("\tat ");
        return r;
    }

    static JsonNode json(CliRun r) throws IOException {
        return JSON.readTree(r.out());
    }

    static Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    /** A fake-hardware machine of the owner, made available and offered open-ended. */
    static void offered(String name, String resourceClass, int cpus) throws InterruptedException {
        http.post("/baremetal/v1/nodes", owner, Map.of("name", name, "driver", "fake-hardware", "resource_class", resourceClass,
                "properties", Map.of("cpus", cpus, "memory_mb", 65536, "local_gb", 400))).expect(201);
        http.put("/baremetal/v1/nodes/" + name + "/states/provision", owner, Map.of("target", "manage")).expect(202);
        await("node " + name + " manageable", () -> server.adminGet("/baremetal/v1/nodes/" + name),
                n -> n.path("provision_state").asText().equals("manageable"));
        http.put("/baremetal/v1/nodes/" + name + "/states/provision", owner, Map.of("target", "provide")).expect(202);
        await("node " + name + " available", () -> server.adminGet("/baremetal/v1/nodes/" + name),
                n -> n.path("provision_state").asText().equals("available"));
        http.post("/lease/v1/offers", owner, Map.of("resource_uuid", name)).expect(201);
    }

    static <T> T await(String what, Supplier<T> read, Predicate<T> done) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        T v;
        do {
            v = read.get();
            if (done.test(v)) {
                return v;
            }
            Thread.sleep(100);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError(what + " never happened: " + v);
    }

    /** The lessee's leases that still hold a node, on nodes of {@code resourceClass}. */
    static List<JsonNode> liveLeases(String resourceClass) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode l : http.get("/lease/v1/leases", lessee).expect(200).json().path("leases")) {
            String s = l.path("status").asText();
            if ((s.equals("active") || s.equals("created") || s.equals("wait fulfill"))
                    && l.path("resource_class").asText().equals(resourceClass)) {
                out.add(l);
            }
        }
        return out;
    }

    static JsonNode members(String pool) {
        try {
            return json(ok("pool", "member", "list", pool, "-f", "json"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static long ready(JsonNode rows) {
        long n = 0;
        for (JsonNode r : rows) {
            n += r.path("Status").asText().equals("ready") ? 1 : 0;
        }
        return n;
    }

    @Test
    void aPoolFromFlagsScalesAllOrNothingLosesAMemberAndIsDeleted() throws Exception {
        for (int i = 1; i <= 3; i++) {
            offered("cli-pool-" + i, "pool-metal", 32);
        }
        Path userData = file("user-data", "#cloud-config\nkubelet_provider_id: ${ESI_PROVIDER_ID}\n");
        Path key = file("key.pub", KEY + "\n");

        JsonNode created = json(ok("pool", "create", "workers", "--resource-class", "pool-metal", "--property", "cpus>=32",
                "--min", "0", "--max", "5", "--desired", "1", "--lease-duration", "PT4H", "--renew-before", "PT30M",
                "--image-url", "http://192.0.2.10/images/worker.raw", "--image-checksum", "sha256:" + "ab".repeat(32),
                "--user-data-file", userData.toString(), "--ssh-key-file", key.toString(), "--label", "tier=web", "-f", "json"));
        assertThat(created.path("desired_size").asInt()).isEqualTo(1);
        assertThat(created.path("labels").path("tier").asText()).isEqualTo("web");
        assertThat(created.path("deploy").path("image_url").asText()).isEqualTo("http://192.0.2.10/images/worker.raw");
        assertThat(created.path("deploy").path("ssh_keys").get(0).asText()).isEqualTo(KEY);

        JsonNode row = null;
        for (JsonNode r : json(ok("pool", "list", "-f", "json"))) {
            row = r.path("Name").asText().equals("workers") ? r : row;
        }
        assertThat(row).isNotNull();
        assertThat(row.path("Resource Class").asText()).isEqualTo("pool-metal");
        assertThat(row.path("Desired").asInt()).isEqualTo(1);
        assertThat(ok("pool", "list").out()).contains("workers").contains("Desired");
        JsonNode shown = json(ok("pool", "show", "workers", "-f", "json"));
        assertThat(shown.path("uuid").asText()).isEqualTo(created.path("uuid").asText());
        assertThat(shown.path("lease_duration").asText()).isEqualTo("PT4H");
        assertThat(ok("pool", "show", created.path("uuid").asText()).out()).contains("workers");

        JsonNode two = json(ok("pool", "scale", "workers", "2", "-f", "json"));
        assertThat(two.path("desired_size").asInt()).isEqualTo(2);
        JsonNode members = await("two ready members", () -> members("workers"), m -> m.size() == 2 && ready(m) == 2);
        assertThat(members.get(0).path("Provider ID").asText()).startsWith("esi://");
        assertThat(liveLeases("pool-metal")).hasSize(2);

        // Past what the offers can give: exit 1, the message says how many fit, nothing is claimed.
        CliRun refused = fails(1, "pool", "scale", "workers", "5");
        assertThat(refused.err()).contains("pool workers not scaled to 5: Only").contains("Only 1 of 3 machines fit")
                .contains("HTTP 409");
        assertThat(json(ok("pool", "show", "workers", "-f", "json")).path("desired_size").asInt()).isEqualTo(2);
        assertThat(liveLeases("pool-metal")).hasSize(2);

        String gone = members.get(0).path("Node").asText();
        assertThat(ok("pool", "member", "remove", "workers", gone).out()).contains("Removed node " + gone + " from pool workers");
        assertThat(json(ok("pool", "show", "workers", "-f", "json")).path("desired_size").asInt()).isEqualTo(1);
        await("the removed member gone", () -> members("workers"), m -> m.size() == 1 && !m.toString().contains(gone));
        await("the removed node wiped and back", () -> server.adminGet("/baremetal/v1/nodes/" + gone),
                n -> n.path("provision_state").asText().equals("available") && n.path("lessee").isNull());
        fails(1, "pool", "member", "remove", "workers", "not-a-member");

        assertThat(ok("pool", "delete", "workers").out()).contains("Deleted pool workers");
        await("every lease ended", () -> liveLeases("pool-metal"), List::isEmpty);
        await("the pool gone", () -> esi("pool", "show", "workers"), r -> r.code() == 1);
    }

    @Test
    void aPoolFromAFileWithFlagsOnTop() throws Exception {
        Path body = file("pool.json", """
                {"name": "from-file", "resource_class": "file-metal", "max_size": 3, "desired_size": 0,
                 "deploy": {"boot_iso_url": "http://192.0.2.10/discovery.iso"}, "labels": {"a": "1"}}
                """);
        JsonNode p = json(ok("pool", "create", "--file", body.toString(), "--max", "4", "--label", "b=2", "-f", "json"));
        assertThat(p.path("name").asText()).isEqualTo("from-file");
        assertThat(p.path("max_size").asInt()).isEqualTo(4);
        assertThat(p.path("labels").path("a").asText()).isEqualTo("1");
        assertThat(p.path("labels").path("b").asText()).isEqualTo("2");
        assertThat(p.path("deploy").path("boot_iso_url").asText()).isEqualTo("http://192.0.2.10/discovery.iso");
        // Named on the command line instead: another pool of the same file.
        assertThat(json(ok("pool", "create", "other", "--file", body.toString(), "-f", "json")).path("name").asText()).isEqualTo("other");
        ok("pool", "delete", "from-file", "other");
    }

    @Test
    void badInputSaysWhatIsWrongAndExitsNonZero() throws Exception {
        CliRun noClass = fails(2, "pool", "create", "x", "--max", "1", "--image-url", "http://192.0.2.10/a.raw");
        assertThat(noClass.err()).contains("missing --resource-class");
        assertThat(fails(2, "pool", "create", "x", "--resource-class", "c", "--max", "1").err())
                .contains("give --image-url or --boot-iso-url");
        assertThat(fails(1, "pool", "create", "x", "--resource-class", "c", "--max", "1", "--desired", "2",
                "--image-url", "http://192.0.2.10/a.raw").err()).contains("desired size 2 is larger than max size 1");
        assertThat(fails(1, "pool", "create", "x", "--resource-class", "c", "--max", "1", "--image-url", "http://192.0.2.10/a.raw",
                "--lease-duration", "three days").err()).contains("invalid --lease-duration 'three days'");
        assertThat(fails(1, "pool", "create", "x", "--resource-class", "c", "--max", "1", "--image-url", "http://192.0.2.10/a.raw",
                "--ssh-key-file", dir.resolve("no-such.pub").toString()).err()).contains("does not exist");
        // The server's 4xx: its message, exit 1.
        assertThat(fails(1, "pool", "create", "x", "--resource-class", "c", "--max", "1", "--image-url", "file:///etc/shadow").err())
                .contains("HTTP 400");
        assertThat(fails(1, "pool", "show", "no-such-pool").err()).contains("HTTP 404");
        fails(1, "pool", "scale", "no-such-pool", "2");
        fails(1, "pool", "delete", "no-such-pool");
        fails(1, "pool", "member", "list", "no-such-pool");
        fails(2, "pool", "scale", "no-such-pool");
        fails(1, "cluster", "undeploy", "no-such-cluster");
        assertThat(fails(1, "cluster", "orchestrate", dir.resolve("none.json").toString()).err()).contains("does not exist");
        assertThat(fails(1, "cluster", "orchestrate", file("nodes.json", """
                {"node_configs": [{"nodes": {"node_uuids": ["n1"]},
                  "provisioning": {"provisioning_type": "image_url", "url": "http://192.0.2.10/a.iso"}}]}
                """).toString()).err()).contains("node_uuids");
        assertThat(json(ok("pool", "list", "-f", "json")).findValuesAsText("Name")).doesNotContain("x");
    }

    @Test
    void orchestrateAnUpstreamFileListTheClusterAndUndeployIt() throws Exception {
        offered("cli-cluster-1", "cluster-metal", 16);
        offered("cli-cluster-2", "cluster-metal", 16);
        offered("cli-cluster-3", "cluster-metal", 16);
        file("cluster-key.pub", KEY + "\n");
        // Upstream's format: num_nodes as a string, ssh_key a public key file (beside the file here).
        Path config = file("cluster.json", """
                {"node_configs": [
                  {"nodes": {"num_nodes": "2", "resource_class": "cluster-metal"},
                   "provisioning": {"provisioning_type": "image", "image_url": "http://192.0.2.10/images/os.raw",
                                    "image_checksum": "sha256:%s", "ssh_key": "cluster-key.pub"}},
                  {"nodes": {"num_nodes": 1, "resource_class": "cluster-metal"},
                   "provisioning": {"provisioning_type": "image", "image_url": "http://192.0.2.10/images/other.raw",
                                    "image_checksum": "sha256:%s"}}]}
                """.formatted("ab".repeat(32), "cd".repeat(32)));
        CliRun orchestrated = ok("cluster", "orchestrate", config.toString(), "--timeout", "90s", "-f", "json");
        JsonNode rows = json(orchestrated);
        assertThat(rows).hasSize(3);
        for (JsonNode r : rows) {
            assertThat(r.path("Status").asText()).isEqualTo("ready");
            assertThat(server.adminGet("/baremetal/v1/nodes/" + r.path("Node").asText()).path("provision_state").asText())
                    .isEqualTo("active");
        }
        assertThat(rows.findValuesAsText("Node")).containsExactlyInAnyOrder("cli-cluster-1", "cli-cluster-2", "cli-cluster-3");
        String cluster = orchestrated.err().replaceAll("(?s).*Cluster (\\S+): .*", "$1");
        assertThat(liveLeases("cluster-metal")).hasSize(3);
        assertThat(server.adminGet("/baremetal/v1/nodes/" + rows.get(0).path("Node").asText()).path("instance_info").path("configdrive")
                .path("meta_data").path("public_keys").toString()).contains(KEY);

        JsonNode clusters = json(ok("cluster", "list", "-f", "json"));
        assertThat(clusters).hasSize(1);
        assertThat(clusters.get(0).path("Cluster").asText()).isEqualTo(cluster);
        assertThat(clusters.get(0).path("Node").asText()).contains("cli-cluster-1").contains("cli-cluster-2").contains("cli-cluster-3");
        assertThat(ok("pool", "list").out()).contains(cluster + "-1").contains(cluster + "-2");
        assertThat(fails(1, "cluster", "orchestrate", file("again.json", """
                {"name": "%s", "node_configs": [{"nodes": {"num_nodes": 1, "resource_class": "cluster-metal"},
                  "provisioning": {"provisioning_type": "image_url", "url": "http://192.0.2.10/a.iso"}}]}
                """.formatted(cluster)).toString()).err()).contains("exists already");

        CliRun undeployed = ok("cluster", "undeploy", cluster);
        assertThat(undeployed.out()).contains("Deleted pool " + cluster + "-1").contains("Undeployed cluster " + cluster);
        await("every cluster lease ended", () -> liveLeases("cluster-metal"), List::isEmpty);
        await("the cluster gone", () -> esi("cluster", "list", "-f", "json").out().strip(), "[]"::equals);

        // provisioning_type image_url boots upstream's "url" as an ISO: the pool's deploy is boot_iso_url.
        CliRun iso = ok("cluster", "orchestrate", file("iso.json", """
                {"name": "iso-cluster", "node_configs": [{"nodes": {"num_nodes": 1, "resource_class": "cluster-metal"},
                  "provisioning": {"provisioning_type": "image_url", "url": "http://192.0.2.10/live.iso"}}]}
                """).toString(), "--no-wait");
        assertThat(iso.err()).contains("Cluster iso-cluster: 1 pool(s)");
        assertThat(json(ok("pool", "show", "iso-cluster-1", "-f", "json")).path("deploy").path("boot_iso_url").asText())
                .isEqualTo("http://192.0.2.10/live.iso");
        ok("cluster", "undeploy", "iso-cluster");
        await("the ISO cluster's lease ended", () -> liveLeases("cluster-metal"), List::isEmpty);
    }
}
