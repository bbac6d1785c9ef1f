package org.esi.cluster.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.esi.cluster.autoscaler.AutoscalerClients.assertStatus;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Resource;
import io.kubernetes.client.proto.V1;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.esi.cluster.autoscaler.AutoscalerPools.Instance;
import org.esi.cluster.autoscaler.AutoscalerPools.State;
import org.esi.cluster.autoscaler.AutoscalerPools.Template;
import org.esi.cluster.autoscaler.proto.CleanupRequest;
import org.esi.cluster.autoscaler.proto.CloudProviderGrpc.CloudProviderBlockingStub;
import org.esi.cluster.autoscaler.proto.GPULabelRequest;
import org.esi.cluster.autoscaler.proto.GetAvailableGPUTypesRequest;
import org.esi.cluster.autoscaler.proto.InstanceErrorInfo;
import org.esi.cluster.autoscaler.proto.InstanceStatus.InstanceState;
import org.esi.cluster.autoscaler.proto.NodeGroupAutoscalingOptions;
import org.esi.cluster.autoscaler.proto.NodeGroupAutoscalingOptionsRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupDecreaseTargetSizeRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupDeleteNodesRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupIncreaseSizeRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupNodesRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupTargetSizeRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupTemplateNodeInfoRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupTemplateNodeInfoResponse;
import org.esi.cluster.autoscaler.proto.NodeGroupsRequest;
import org.esi.cluster.autoscaler.proto.PricingNodePriceRequest;
import org.esi.cluster.autoscaler.proto.PricingPodPriceRequest;
import org.esi.cluster.autoscaler.proto.RefreshRequest;
import org.esi.cluster.autoscaler.proto.k8s.K8sCoreV1;
import org.esi.cluster.autoscaler.proto.k8s.K8sMeta;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autoscaler's gRPC face end to end: a real {@link AutoscalerServer} on 127.0.0.1, real TLS with client
 * certificates from a CA made here, stubs generated from our externalgrpc.proto, and {@link FakePools} behind it.
 */
class AutoscalerGrpcTest {
    @TempDir
    static Path dir;

    static TestCertificates ca;
    static FakePools pools = new FakePools();
    static AutoscalerServer server;
    static AutoscalerClients clients;
    static CloudProviderBlockingStub a;
    static CloudProviderBlockingStub b;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCertificates.authority(dir, "ESI autoscaler CA");
        TestCertificates.Pem serverPem = ca.server("esi.example");
        server = AutoscalerServer.start(new AutoscalerSettings("127.0.0.1", 0, serverPem.cert(), serverPem.key(), ca.caFile,
                Map.of("autoscaler-a", "project-a", "autoscaler-b", "project-b")), pools);
        clients = new AutoscalerClients(server.port(), ca.caFile);
        a = clients.stub(ca.client("autoscaler-a"));
        b = clients.stub(ca.client("autoscaler-b"));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        clients.close();
        server.close();
    }

    @BeforeEach
    void pools() {
        pools.projects.clear();
        pools.calls.clear();
        FakePools.FakeGroup a1 = pools.add("project-a", new FakePools.FakeGroup("pool-a1", "workers-a100", 0, 5, 5))
                .member("esi://n1", "worker-1", State.RUNNING)
                .member("esi://n2", "worker-2", State.CREATING)
                .member("esi://n3", "worker-3", State.DELETING)
                .member(new Instance("esi://n4", State.CREATING, "DEPLOY_FAILED", "image checksum mismatch"), "worker-4")
                .member(new Instance("esi://n5", State.CREATING, Instance.OUT_OF_RESOURCES, "no matching offer left"), "worker-5");
        a1.offersLeft = 0;
        a1.template = new Template("workers-a100-template", "gpu-a100", 32, 262144, 960, 4,
                Map.of("node.kubernetes.io/instance-type", "a100", "esi.example/pool", "workers-a100"));
        FakePools.FakeGroup a2 = pools.add("project-a", new FakePools.FakeGroup("pool-a2", "cpu-small", 1, 10, 1))
                .member("esi://n7", "small-7", State.RUNNING);
        a2.offersLeft = 20;
        a2.template = new Template("cpu-small-template", "baremetal", 8, 32768, 400, 0, Map.of());
        pools.add("project-b", new FakePools.FakeGroup("pool-b1", "bravo", 0, 2, 0)).offersLeft = 2;
    }

    /** What the service checks before it asks the pools (the rest is AutoscalerIntegrationTest's, against real pools). */
    @Test
    void badArgumentsAreInvalidAndNeverReachThePools() {
        assertStatus(() -> a.nodeGroupIncreaseSize(increase("pool-a2", 0)), Status.Code.INVALID_ARGUMENT, "delta must be positive");
        assertStatus(() -> a.nodeGroupDecreaseTargetSize(NodeGroupDecreaseTargetSizeRequest.newBuilder().setId("pool-a1").setDelta(1).build()),
                Status.Code.INVALID_ARGUMENT, "delta must be negative");
        assertStatus(() -> a.nodeGroupDeleteNodes(NodeGroupDeleteNodesRequest.newBuilder().setId("pool-a1").build()),
                Status.Code.INVALID_ARGUMENT, "no nodes");
        assertThat(pools.calls).isEmpty();
        // A refusal of the pools keeps its kind and message.
        assertStatus(() -> a.nodeGroupIncreaseSize(increase("pool-a2", 10)), Status.Code.FAILED_PRECONDITION, "past its max_size 10");
        pools.projects.get("project-a").get("pool-a1").targetSize = 2;
        assertStatus(() -> a.nodeGroupIncreaseSize(increase("pool-a1", 1)), Status.Code.RESOURCE_EXHAUSTED,
                "only 0 matching offers for pool workers-a100");
        assertStatus(() -> b.nodeGroupTargetSize(NodeGroupTargetSizeRequest.newBuilder().setId("pool-a1").build()),
                Status.Code.NOT_FOUND, "no pool pool-a1");
    }

    @Test
    void nodesAreInstancesWithTheirStateAndTheErrorsOfFailedOnes() {
        var instances = a.nodeGroupNodes(NodeGroupNodesRequest.newBuilder().setId("pool-a1").build()).getInstancesList();
        assertThat(instances).extracting(i -> i.getId(), i -> i.getStatus().getInstanceState()).containsExactly(
                org.assertj.core.groups.Tuple.tuple("esi://n1", InstanceState.instanceRunning),
                org.assertj.core.groups.Tuple.tuple("esi://n2", InstanceState.instanceCreating),
                org.assertj.core.groups.Tuple.tuple("esi://n3", InstanceState.instanceDeleting),
                org.assertj.core.groups.Tuple.tuple("esi://n4", InstanceState.instanceCreating),
                org.assertj.core.groups.Tuple.tuple("esi://n5", InstanceState.instanceCreating));
        assertThat(instances.get(0).getStatus().hasErrorInfo()).isFalse();
        assertThat(instances.get(3).getStatus().getErrorInfo()).isEqualTo(InstanceErrorInfo.newBuilder()
                .setErrorCode("DEPLOY_FAILED").setErrorMessage("image checksum mismatch")
                .setInstanceErrorClass(CloudProviderService.OTHER_ERROR_CLASS).build());
        assertThat(instances.get(4).getStatus().getErrorInfo().getInstanceErrorClass()).isEqualTo(CloudProviderService.OUT_OF_RESOURCES_ERROR_CLASS);
        assertStatus(() -> b.nodeGroupNodes(NodeGroupNodesRequest.newBuilder().setId("pool-a1").build()), Status.Code.NOT_FOUND, "pool-a1");
    }

    @Test
    void templateNodeInfoIsAKubernetesNodeWithCapacityAndLabelsInBothFields() throws Exception {
        NodeGroupTemplateNodeInfoResponse r = a.nodeGroupTemplateNodeInfo(NodeGroupTemplateNodeInfoRequest.newBuilder().setId("pool-a1").build());
        // Decoded with Kubernetes' own generated classes: what the autoscaler's v1.Node#Unmarshal sees.
        V1.Node node = V1.Node.parseFrom(r.getNodeBytes());
        assertThat(V1.Node.parseFrom(r.getNodeInfo().toByteString())).isEqualTo(node);
        assertThat(node.getMetadata().getName()).isEqualTo("workers-a100-template");
        assertThat(node.getMetadata().getLabelsMap()).containsAllEntriesOf(Map.of(
                "kubernetes.io/os", "linux",
                "kubernetes.io/hostname", "workers-a100-template",
                "node.kubernetes.io/instance-type", "a100",   // the pool's label wins over the resource class
                "esi.example/pool", "workers-a100"));
        Map<String, String> expected = Map.of("cpu", "32", "memory", "262144Mi", "ephemeral-storage", "960Gi", "pods", "110",
                "nvidia.com/gpu", "4");
        assertThat(quantities(node.getStatus().getCapacityMap())).isEqualTo(expected);
        assertThat(quantities(node.getStatus().getAllocatableMap())).isEqualTo(expected);
        assertThat(node.getStatus().getConditionsList()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("Ready");
            assertThat(c.getStatus()).isEqualTo("True");
        });

        V1.Node small = V1.Node.parseFrom(a.nodeGroupTemplateNodeInfo(
                NodeGroupTemplateNodeInfoRequest.newBuilder().setId("pool-a2").build()).getNodeBytes());
        assertThat(small.getMetadata().getLabelsMap()).containsEntry("node.kubernetes.io/instance-type", "baremetal");
        assertThat(small.getStatus().getCapacityMap()).doesNotContainKey("nvidia.com/gpu");
        assertStatus(() -> b.nodeGroupTemplateNodeInfo(NodeGroupTemplateNodeInfoRequest.newBuilder().setId("pool-a1").build()),
                Status.Code.NOT_FOUND, "pool-a1");
    }

    @Test
    void theRestIsAnsweredAsTheProtoSays() {
        assertThat(a.gPULabel(GPULabelRequest.getDefaultInstance()).getLabel()).isEqualTo("nvidia.com/gpu.product");
        assertThat(a.getAvailableGPUTypes(GetAvailableGPUTypesRequest.getDefaultInstance()).getGpuTypesMap()).isEmpty();
        a.refresh(RefreshRequest.getDefaultInstance());
        a.cleanup(CleanupRequest.getDefaultInstance());
        assertStatus(() -> a.pricingNodePrice(PricingNodePriceRequest.getDefaultInstance()), Status.Code.UNIMPLEMENTED, "does not price");
        assertStatus(() -> a.pricingPodPrice(PricingPodPriceRequest.getDefaultInstance()), Status.Code.UNIMPLEMENTED, "does not price");

        NodeGroupAutoscalingOptions defaults = NodeGroupAutoscalingOptions.newBuilder()
                .setScaleDownUtilizationThreshold(0.5)
                .setScaleDownUnneededDuration(com.google.protobuf.Duration.newBuilder().setSeconds(600))
                .setScaleDownUnneededTime(K8sMeta.Duration.newBuilder().setDuration(600_000_000_000L))  // what older autoscalers send
                .setZeroOrMaxNodeScaling(true)
                .build();
        assertThat(a.nodeGroupGetOptions(NodeGroupAutoscalingOptionsRequest.newBuilder().setId("pool-a1").setDefaults(defaults).build())
                .getNodeGroupAutoscalingOptions()).isEqualTo(defaults);
        assertStatus(() -> a.nodeGroupGetOptions(NodeGroupAutoscalingOptionsRequest.newBuilder().setId("pool-a1").build()),
                Status.Code.UNIMPLEMENTED, "use your defaults");
        assertStatus(() -> b.nodeGroupGetOptions(NodeGroupAutoscalingOptionsRequest.newBuilder().setId("pool-a1").setDefaults(defaults).build()),
                Status.Code.NOT_FOUND, "pool-a1");
    }

    @Test
    void anUnexpectedFailureIsInternalWithoutDetails() {
        for (ThrowingCallable call : List.<ThrowingCallable>of(
                () -> a.nodeGroupTargetSize(NodeGroupTargetSizeRequest.newBuilder().setId(FakePools.EXPLODING).build()),
                () -> a.nodeGroupNodes(NodeGroupNodesRequest.newBuilder().setId(FakePools.EXPLODING).build()),
                () -> a.nodeGroupIncreaseSize(increase(FakePools.EXPLODING, 1)))) {
            assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
                assertThat(e.getStatus().getDescription()).isEqualTo("internal error in ESI; the service's log has the details");
                assertThat(e.getMessage()).doesNotContain(FakePools.SECRET).doesNotContain("IllegalStateException");
                assertThat(e.getTrailers() == null ? "" : e.getTrailers().toString()).doesNotContain(FakePools.SECRET);
            });
        }
    }

    @Test
    void aCertificateWhoseCnIsNotMappedIsDeniedEveryCall() throws Exception {
        CloudProviderBlockingStub stranger = clients.stub(ca.client("stranger"));
        assertStatus(() -> stranger.nodeGroups(NodeGroupsRequest.getDefaultInstance()), Status.Code.PERMISSION_DENIED,
                "CN 'stranger' is not mapped to an ESI project");
        assertStatus(() -> stranger.refresh(RefreshRequest.getDefaultInstance()), Status.Code.PERMISSION_DENIED, "stranger");
        assertStatus(() -> stranger.nodeGroupIncreaseSize(increase("pool-a1", 1)), Status.Code.PERMISSION_DENIED, "stranger");
        assertStatus(() -> stranger.gPULabel(GPULabelRequest.getDefaultInstance()), Status.Code.PERMISSION_DENIED, "stranger");
        assertThat(pools.calls).isEmpty();
    }

    @Test
    void aCertificateFromAnUntrustedCaFailsTheHandshake() throws Exception {
        // A certificate with a mapped CN, but from a CA the server does not trust (no certificate at all: AutoscalerIntegrationTest).
        TestCertificates rogue = TestCertificates.authority(dir.resolve(".."), "rogue CA " + System.nanoTime());
        CloudProviderBlockingStub impostor = clients.stub(rogue.client("autoscaler-a"));
        assertStatus(() -> impostor.nodeGroups(NodeGroupsRequest.getDefaultInstance()), Status.Code.UNAVAILABLE, null);
        assertThat(pools.calls).isEmpty();
    }

    @Test
    void aServerWithAMissingKeyDoesNotStartAndSaysWhichSetting() throws Exception {
        TestCertificates.Pem pem = ca.server("second");
        AutoscalerSettings s = new AutoscalerSettings("127.0.0.1", 0, pem.cert(), dir.resolve("missing-key.pem"), ca.caFile,
                Map.of("x", "y"));
        assertThatThrownBy(() -> AutoscalerServer.start(s, pools)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("autoscaler.tls-key").hasMessageContaining("missing-key.pem");
    }

    /** Every Kubernetes field our own .proto declares has the name, number, type and cardinality of Kubernetes' own. */
    @Test
    void ourKubernetesSubsetMatchesKubernetesFieldForField() {
        assertSubset(K8sCoreV1.Node.getDescriptor(), V1.Node.getDescriptor(), new HashSet<>());
        assertSubset(K8sMeta.Duration.getDescriptor(), Meta.Duration.getDescriptor(), new HashSet<>());
        assertThat(org.esi.cluster.autoscaler.proto.k8s.K8sResource.Quantity.getDescriptor().getFullName())
                .isEqualTo(Resource.Quantity.getDescriptor().getFullName());
    }

    private static void assertSubset(Descriptor ours, Descriptor theirs, Set<String> seen) {
        assertThat(ours.getFullName()).isEqualTo(theirs.getFullName());
        if (!seen.add(ours.getFullName())) {
            return;
        }
        for (FieldDescriptor f : ours.getFields()) {
            FieldDescriptor t = theirs.findFieldByName(f.getName());
            assertThat(t).as("%s.%s in Kubernetes", ours.getFullName(), f.getName()).isNotNull();
            assertThat(f.getNumber()).as("%s.%s number", ours.getFullName(), f.getName()).isEqualTo(t.getNumber());
            assertThat(f.getType()).as("%s.%s type", ours.getFullName(), f.getName()).isEqualTo(t.getType());
            assertThat(f.isRepeated()).as("%s.%s repeated", ours.getFullName(), f.getName()).isEqualTo(t.isRepeated());
            assertThat(f.isMapField()).as("%s.%s map", ours.getFullName(), f.getName()).isEqualTo(t.isMapField());
            if (f.getType() == FieldDescriptor.Type.MESSAGE) {
                if (f.isMapField()) {
                    assertSubset(f.getMessageType().findFieldByName("value"), t.getMessageType().findFieldByName("value"), seen);
                } else {
                    assertSubset(f.getMessageType(), t.getMessageType(), seen);
                }
            }
        }
    }

    private static void assertSubset(FieldDescriptor ourValue, FieldDescriptor theirValue, Set<String> seen) {
        assertThat(ourValue.getType()).isEqualTo(theirValue.getType());
        if (ourValue.getType() == FieldDescriptor.Type.MESSAGE) {
            assertSubset(ourValue.getMessageType(), theirValue.getMessageType(), seen);
        }
    }

    private static Map<String, String> quantities(Map<String, Resource.Quantity> m) {
        Map<String, String> out = new java.util.TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.getString()));
        return out;
    }

    private static NodeGroupIncreaseSizeRequest increase(String id, int delta) {
        return NodeGroupIncreaseSizeRequest.newBuilder().setId(id).setDelta(delta).build();
    }
}
