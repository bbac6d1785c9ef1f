package org.esi.cluster.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.esi.cluster.autoscaler.AutoscalerClients.assertStatus;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Status;
import io.kubernetes.client.proto.Resource;
import io.kubernetes.client.proto.V1;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.esi.cluster.PoolTestbed;
import org.esi.spi.BmcException;
import org.esi.cluster.autoscaler.proto.CloudProviderGrpc.CloudProviderBlockingStub;
import org.esi.cluster.autoscaler.proto.ExternalGrpcNode;
import org.esi.cluster.autoscaler.proto.Instance;
import org.esi.cluster.autoscaler.proto.InstanceStatus.InstanceState;
import org.esi.cluster.autoscaler.proto.NodeGroup;
import org.esi.cluster.autoscaler.proto.NodeGroupDecreaseTargetSizeRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupDeleteNodesRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupForNodeRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupIncreaseSizeRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupNodesRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupTargetSizeRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupTemplateNodeInfoRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupsRequest;
import org.esi.testing.Poll;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autoscaler's externalgrpc service of a running ESI, end to end: real pools over fake-hardware machines,
 * the listener EsiServer starts from its autoscaler.* settings, TLS with client certificates of two projects.
 */
class AutoscalerIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    static TestCertificates ca;
    /** Makes the projects; the projects' ids are then in the settings of {@link #server}, which the test talks to. */
    static PoolTestbed fixture;
    static TestingEsiServer setup;
    static TestingEsiServer server;
    static AutoscalerClients clients;
    static TestClient http;
    static String lessee;
    static String poolId;
    static List<String> big;
    static String small;
    static CloudProviderBlockingStub a;
    static CloudProviderBlockingStub b;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCertificates.authority(dir, "ESI autoscaler CA");
        TestCertificates.Pem serverPem = ca.server("esi.example");
        fixture = new PoolTestbed();
        setup = fixture.server;
        String projectB = setup.createProject("as-b", null);
        lessee = fixture.lessee;
        server = TestingEsiServer.sharing(setup, Map.of(
                "ESI_AUTOSCALER_PORT", "0",
                "ESI_AUTOSCALER_LISTEN_ADDRESS", "127.0.0.1",
                "ESI_AUTOSCALER_TLS_CERT", serverPem.cert().toString(),
                "ESI_AUTOSCALER_TLS_KEY", serverPem.key().toString(),
                "ESI_AUTOSCALER_CLIENT_CA", ca.caFile.toString(),
                "ESI_AUTOSCALER_CLIENTS", "autoscaler-a=" + fixture.lesseeProject + ",autoscaler-b=" + projectB), Clock.systemUTC());
        http = server.client();

        // Four machines the pool's cpus>=32 takes (alike, so the template does not depend on which are left), one it does not.
        Map<String, Object> bigProperties = Map.of("cpus", 32, "memory_mb", 65536, "local_gb", 400, "gpus", 2);
        big = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            big.add(fixture.offered("as-big-" + i, bigProperties, null));
        }
        small = fixture.offered("as-small-1", Map.of("cpus", 8, "memory_mb", 8192, "local_gb", 100), null);
        poolId = http.post("/cluster/v1/pools", lessee, PoolTestbed.pool("workers", 0, 5)).expect(201).json().path("uuid").asText();

        clients = new AutoscalerClients(server.server().autoscalerPort().orElseThrow(), ca.caFile);
        a = clients.stub(ca.client("autoscaler-a"));
        b = clients.stub(ca.client("autoscaler-b"));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (clients != null) {
            clients.close();
        }
        if (server != null) {
            server.close();
        }
        if (setup != null) {
            setup.close();
        }
    }

    @Test
    void theAutoscalerScalesAPoolUpAndDownAllOrNothing() throws Exception {
        assertThat(a.nodeGroups(NodeGroupsRequest.getDefaultInstance()).getNodeGroupsList())
                .extracting(NodeGroup::getId, NodeGroup::getMinSize, NodeGroup::getMaxSize)
                .contains(org.assertj.core.groups.Tuple.tuple(poolId, 0, 5));

        // Three machines at once: three leases, three members, first creating (the machines made slow to see it), then running.
        slow(big, Duration.ofSeconds(1));
        try {
            a.nodeGroupIncreaseSize(increase(3));
            assertThat(fixture.liveLeases()).hasSize(3);
            assertThat(targetSize()).isEqualTo(3);
            List<Instance> creating = nodes();
            assertThat(creating).hasSize(3);
            assertThat(creating).extracting(i -> i.getStatus().getInstanceState()).containsOnly(InstanceState.instanceCreating);
        } finally {
            slow(big, Duration.ZERO);
        }
        List<Instance> running = awaitNodes(n -> n.size() == 3
                && n.stream().allMatch(i -> i.getStatus().getInstanceState() == InstanceState.instanceRunning));
        List<String> ids = running.stream().map(Instance::getId).toList();
        assertThat(ids).allSatisfy(id -> assertThat(big).contains(id.substring("esi://".length())));
        assertThat(members()).hasSize(3);

        // Which group a node is in: by its provider id, by its name when it has none, and none for a stranger.
        String node0 = ids.get(0).substring("esi://".length());
        String name1 = server.adminGet("/baremetal/v1/nodes/" + ids.get(1).substring("esi://".length())).path("name").asText();
        assertThat(forNode(ids.get(0), "whatever")).isEqualTo(poolId);
        assertThat(forNode("", name1)).isEqualTo(poolId);
        assertThat(forNode("esi://" + small, "as-small-1")).isEmpty();
        assertThat(forNode(b, ids.get(0), "")).isEmpty();

        // Past max_size (3 + 3 > 5), and past what the offers can give (one big machine is left): refused, nothing claimed.
        assertStatus(() -> a.nodeGroupIncreaseSize(increase(3)), Status.Code.FAILED_PRECONDITION, "past its max_size 5");
        assertStatus(() -> a.nodeGroupIncreaseSize(increase(2)), Status.Code.RESOURCE_EXHAUSTED, "Only 1 of 2 machines fit");
        assertThat(fixture.liveLeases()).hasSize(3);
        assertThat(targetSize()).isEqualTo(3);
        // Every member is ready: the target cannot drop without naming nodes.
        assertStatus(() -> a.nodeGroupDecreaseTargetSize(NodeGroupDecreaseTargetSizeRequest.newBuilder().setId(poolId).setDelta(-1).build()),
                Status.Code.FAILED_PRECONDITION, "3 ready machines");
        assertThat(targetSize()).isEqualTo(3);

        // A node that is not a member (with one that is): nothing is released.
        assertStatus(() -> a.nodeGroupDeleteNodes(NodeGroupDeleteNodesRequest.newBuilder().setId(poolId)
                .addNodes(node(ids.get(2), "")).addNodes(node("esi://" + small, "as-small-1")).build()), Status.Code.NOT_FOUND, "not a member");
        assertThat(fixture.liveLeases()).hasSize(3);

        // One node deleted: its lease ends, the target drops, the machine is wiped and available again.
        a.nodeGroupDeleteNodes(NodeGroupDeleteNodesRequest.newBuilder().setId(poolId).addNodes(node(ids.get(0), "")).build());
        assertThat(targetSize()).isEqualTo(2);
        awaitNodes(n -> n.size() == 2 && n.stream().noneMatch(i -> i.getId().equals(ids.get(0))));
        fixture.awaitNode(node0, n -> n.path("provision_state").asText().equals("available") && n.path("lessee").isNull());
        assertThat(fixture.liveLeases()).hasSize(2).noneMatch(l -> l.path("resource_uuid").asText().equals(node0));
        assertThat(members()).extracting(m -> m.path("node_uuid").asText()).doesNotContain(node0);

        // A member not yet ready goes by the target alone (the free machines made slow, so it stays creating meanwhile).
        List<String> inPool = members().stream().map(m -> m.path("node_uuid").asText()).toList();
        List<String> free = big.stream().filter(n -> !inPool.contains(n)).toList();
        slow(free, Duration.ofSeconds(2));
        try {
            a.nodeGroupIncreaseSize(increase(1));
            assertThat(targetSize()).isEqualTo(3);
            assertThat(nodes()).filteredOn(i -> i.getStatus().getInstanceState() == InstanceState.instanceCreating).hasSize(1);
            a.nodeGroupDecreaseTargetSize(NodeGroupDecreaseTargetSizeRequest.newBuilder().setId(poolId).setDelta(-1).build());
            assertThat(targetSize()).isEqualTo(2);
            List<Instance> left = awaitNodes(n -> n.size() == 2);
            assertThat(left).extracting(Instance::getId).containsExactlyInAnyOrderElementsOf(inPool.stream().map(n -> "esi://" + n).toList());
            assertThat(left).extracting(i -> i.getStatus().getInstanceState()).containsOnly(InstanceState.instanceRunning);
            assertThat(fixture.liveLeases()).hasSize(2);
        } finally {
            slow(free, Duration.ZERO);
        }
    }

    /** On a machine of its own (no cpus>=32, so the pool "workers" never takes it): this test leaves the others' counts alone. */
    @Test
    void aMemberThatCannotComeUpIsCreatingWithAnErrorAndDeletingItLowersTheTarget() throws Exception {
        String flaky = fixture.offered("as-flaky-1", Map.of("cpus", 16, "memory_mb", 8192, "local_gb", 100, "flaky", "yes"), null);
        Map<String, Object> body = new java.util.HashMap<>(PoolTestbed.pool("flaky", 0, 2));
        body.put("properties", List.of("flaky=yes"));
        String flakyPool = http.post("/cluster/v1/pools", lessee, body).expect(201).json().path("uuid").asText();
        // Its BMC stops answering: the deploy fails, and so does the wipe that would end the lease, until it answers again.
        server.fakeHardware().machine(flaky).failNext(1_000, BmcException.Kind.UNREACHABLE);
        try {
            a.nodeGroupIncreaseSize(NodeGroupIncreaseSizeRequest.newBuilder().setId(flakyPool).setDelta(1).build());
            List<Instance> withError = awaitNodes(flakyPool, n -> n.size() == 1 && n.get(0).getStatus().hasErrorInfo());
            Instance failed = withError.get(0);
            assertThat(failed.getId()).isEqualTo("esi://" + flaky);
            assertThat(failed.getStatus().getInstanceState()).isEqualTo(InstanceState.instanceCreating);
            assertThat(failed.getStatus().getErrorInfo().getErrorCode()).isEqualTo(PoolAutoscaler.MEMBER_FAILED);
            assertThat(failed.getStatus().getErrorInfo().getErrorMessage()).contains("deploy failed");
            assertThat(failed.getStatus().getErrorInfo().getInstanceErrorClass()).isEqualTo(CloudProviderService.OTHER_ERROR_CLASS);

            // The autoscaler gives up on it: the target drops by one and no replacement is claimed for it.
            a.nodeGroupDeleteNodes(NodeGroupDeleteNodesRequest.newBuilder().setId(flakyPool).addNodes(node(failed.getId(), "")).build());
            assertThat(a.nodeGroupTargetSize(NodeGroupTargetSizeRequest.newBuilder().setId(flakyPool).build()).getTargetSize()).isZero();
        } finally {
            server.fakeHardware().machine(flaky).failNext(0, BmcException.Kind.UNREACHABLE);
        }
        awaitNodes(flakyPool, List::isEmpty);
        fixture.awaitNode(flaky, n -> n.path("provision_state").asText().equals("available") && n.path("lessee").isNull());
        http.delete("/cluster/v1/pools/" + flakyPool, lessee).expect(204);
    }

    @Test
    void theTemplateNodeHasTheOffersCapacityAndThePoolsLabels() throws Exception {
        V1.Node node = V1.Node.parseFrom(a.nodeGroupTemplateNodeInfo(
                NodeGroupTemplateNodeInfoRequest.newBuilder().setId(poolId).build()).getNodeBytes());
        assertThat(node.getMetadata().getName()).isEqualTo("workers-template");
        assertThat(node.getMetadata().getLabelsMap()).containsEntry("node.kubernetes.io/instance-type", "big");
        Map<String, String> capacity = new TreeMap<>();
        node.getStatus().getCapacityMap().forEach((k, v) -> capacity.put(k, v.getString()));
        assertThat(capacity).isEqualTo(Map.of("cpu", "32", "memory", "65536Mi", "ephemeral-storage", "400Gi", "pods", "110",
                "nvidia.com/gpu", "2"));
        assertThat(node.getStatus().getAllocatableMap()).extractingByKey("cpu").extracting(Resource.Quantity::getString).isEqualTo("32");
    }

    @Test
    void anotherProjectsCertificateSeesNoGroupsAndCannotTouchThePool() {
        assertThat(b.nodeGroups(NodeGroupsRequest.getDefaultInstance()).getNodeGroupsList()).isEmpty();
        assertStatus(() -> b.nodeGroupTargetSize(NodeGroupTargetSizeRequest.newBuilder().setId(poolId).build()), Status.Code.NOT_FOUND, poolId);
        int leases = fixture.liveLeases().size();
        assertStatus(() -> b.nodeGroupIncreaseSize(NodeGroupIncreaseSizeRequest.newBuilder().setId(poolId).setDelta(1).build()),
                Status.Code.NOT_FOUND, poolId);
        assertThat(fixture.liveLeases()).hasSize(leases);
    }

    @Test
    void anInstanceWhoseAutoscalerCertificateIsMissingDoesNotStartAndSaysWhichSetting() throws Exception {
        TestCertificates.Pem pem = ca.server("second.example");
        Path missing = dir.resolve("no-such-cert.pem");
        assertThatThrownBy(() -> TestingEsiServer.sharing(setup, Map.of(
                "ESI_AUTOSCALER_PORT", "0",
                "ESI_AUTOSCALER_TLS_CERT", missing.toString(),
                "ESI_AUTOSCALER_TLS_KEY", pem.key().toString(),
                "ESI_AUTOSCALER_CLIENT_CA", ca.caFile.toString(),
                "ESI_AUTOSCALER_CLIENTS", "autoscaler-a=x"), Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("autoscaler.tls-cert " + missing + " is not a readable file");
    }

    @Test
    void withoutAClientCertificateTheHandshakeIsRefused() throws Exception {
        CloudProviderBlockingStub anonymous = clients.stub(null);
        assertStatus(() -> anonymous.nodeGroups(NodeGroupsRequest.getDefaultInstance()), Status.Code.UNAVAILABLE, null);
    }

    /** Every BMC operation on these machines takes at least {@code delay}. */
    private static void slow(List<String> nodes, Duration delay) {
        nodes.forEach(n -> server.fakeHardware().machine(n).delay(delay));
    }

    private static int targetSize() {
        return a.nodeGroupTargetSize(NodeGroupTargetSizeRequest.newBuilder().setId(poolId).build()).getTargetSize();
    }

    private static List<Instance> nodes() {
        return nodes(poolId);
    }

    private static List<Instance> nodes(String pool) {
        return a.nodeGroupNodes(NodeGroupNodesRequest.newBuilder().setId(pool).build()).getInstancesList();
    }

    private static List<Instance> awaitNodes(Predicate<List<Instance>> done) throws InterruptedException {
        return awaitNodes(poolId, done);
    }

    private static List<Instance> awaitNodes(String pool, Predicate<List<Instance>> done) throws InterruptedException {
        return Poll.until(() -> nodes(pool), done, WAIT, n -> "the group's nodes never got there: " + n + "\nmembers " + members(pool));
    }

    private static List<JsonNode> members() {
        return members(poolId);
    }

    private static List<JsonNode> members(String pool) {
        List<JsonNode> out = new ArrayList<>();
        http.get("/cluster/v1/pools/" + pool + "/members", lessee).expect(200).json().path("members").forEach(out::add);
        return out;
    }

    private static String forNode(String providerId, String name) {
        return forNode(a, providerId, name);
    }

    private static String forNode(CloudProviderBlockingStub stub, String providerId, String name) {
        return stub.nodeGroupForNode(NodeGroupForNodeRequest.newBuilder().setNode(node(providerId, name)).build()).getNodeGroup().getId();
    }

    private static ExternalGrpcNode node(String providerId, String name) {
        return ExternalGrpcNode.newBuilder().setProviderID(providerId).setName(name).build();
    }

    private static NodeGroupIncreaseSizeRequest increase(int delta) {
        return NodeGroupIncreaseSizeRequest.newBuilder().setId(poolId).setDelta(delta).build();
    }
}
