package org.esi.cluster.autoscaler;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.esi.cluster.autoscaler.AutoscalerPools.Refused;
import org.esi.cluster.autoscaler.proto.CleanupRequest;
import org.esi.cluster.autoscaler.proto.CleanupResponse;
import org.esi.cluster.autoscaler.proto.CloudProviderGrpc;
import org.esi.cluster.autoscaler.proto.ExternalGrpcNode;
import org.esi.cluster.autoscaler.proto.GPULabelRequest;
import org.esi.cluster.autoscaler.proto.GPULabelResponse;
import org.esi.cluster.autoscaler.proto.GetAvailableGPUTypesRequest;
import org.esi.cluster.autoscaler.proto.GetAvailableGPUTypesResponse;
import org.esi.cluster.autoscaler.proto.Instance;
import org.esi.cluster.autoscaler.proto.InstanceErrorInfo;
import org.esi.cluster.autoscaler.proto.InstanceStatus;
import org.esi.cluster.autoscaler.proto.NodeGroup;
import org.esi.cluster.autoscaler.proto.NodeGroupAutoscalingOptionsRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupAutoscalingOptionsResponse;
import org.esi.cluster.autoscaler.proto.NodeGroupDecreaseTargetSizeRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupDecreaseTargetSizeResponse;
import org.esi.cluster.autoscaler.proto.NodeGroupDeleteNodesRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupDeleteNodesResponse;
import org.esi.cluster.autoscaler.proto.NodeGroupForNodeRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupForNodeResponse;
import org.esi.cluster.autoscaler.proto.NodeGroupIncreaseSizeRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupIncreaseSizeResponse;
import org.esi.cluster.autoscaler.proto.NodeGroupNodesRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupNodesResponse;
import org.esi.cluster.autoscaler.proto.NodeGroupTargetSizeRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupTargetSizeResponse;
import org.esi.cluster.autoscaler.proto.NodeGroupTemplateNodeInfoRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupTemplateNodeInfoResponse;
import org.esi.cluster.autoscaler.proto.NodeGroupsRequest;
import org.esi.cluster.autoscaler.proto.NodeGroupsResponse;
import org.esi.cluster.autoscaler.proto.PricingNodePriceRequest;
import org.esi.cluster.autoscaler.proto.PricingNodePriceResponse;
import org.esi.cluster.autoscaler.proto.PricingPodPriceRequest;
import org.esi.cluster.autoscaler.proto.PricingPodPriceResponse;
import org.esi.cluster.autoscaler.proto.RefreshRequest;
import org.esi.cluster.autoscaler.proto.RefreshResponse;
import org.esi.cluster.autoscaler.proto.k8s.K8sCoreV1;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The externalgrpc {@code CloudProvider} service: every RPC becomes one {@link AutoscalerPools} call on
 * behalf of the caller's project ({@link ClientProjects#PROJECT}). A {@link Refused} becomes its status
 * with its message; anything else unexpected is logged here and answered INTERNAL with a generic message.
 */
final class CloudProviderService extends CloudProviderGrpc.CloudProviderImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(CloudProviderService.class);

    /** The label GPU Feature Discovery puts on NVIDIA GPU nodes, naming the product. */
    static final String GPU_LABEL = "nvidia.com/gpu.product";
    /** The autoscaler's InstanceErrorClass values. */
    static final int OUT_OF_RESOURCES_ERROR_CLASS = 1;
    static final int OTHER_ERROR_CLASS = 99;

    private final AutoscalerPools pools;

    CloudProviderService(AutoscalerPools pools) {
        this.pools = requireNonNull(pools, "pools");
    }

    @Override
    public void nodeGroups(NodeGroupsRequest request, StreamObserver<NodeGroupsResponse> out) {
        answer("NodeGroups", out, project -> NodeGroupsResponse.newBuilder()
                .addAllNodeGroups(pools.groups(project).stream().map(CloudProviderService::nodeGroup).toList())
                .build());
    }

    @Override
    public void nodeGroupForNode(NodeGroupForNodeRequest request, StreamObserver<NodeGroupForNodeResponse> out) {
        ExternalGrpcNode node = request.getNode();
        answer("NodeGroupForNode", out, project -> NodeGroupForNodeResponse.newBuilder()
                .setNodeGroup(pools.groupForNode(project, node.getProviderID(), node.getName())
                        .map(CloudProviderService::nodeGroup)
                        .orElse(NodeGroup.newBuilder().setId("").build()))
                .build());
    }

    @Override
    public void pricingNodePrice(PricingNodePriceRequest request, StreamObserver<PricingNodePriceResponse> out) {
        out.onError(Status.UNIMPLEMENTED.withDescription("ESI does not price nodes for the autoscaler").asRuntimeException());
    }

    @Override
    public void pricingPodPrice(PricingPodPriceRequest request, StreamObserver<PricingPodPriceResponse> out) {
        out.onError(Status.UNIMPLEMENTED.withDescription("ESI does not price pods for the autoscaler").asRuntimeException());
    }

    @Override
    public void gPULabel(GPULabelRequest request, StreamObserver<GPULabelResponse> out) {
        answer("GPULabel", out, project -> GPULabelResponse.newBuilder().setLabel(GPU_LABEL).build());
    }

    @Override
    public void getAvailableGPUTypes(GetAvailableGPUTypesRequest request, StreamObserver<GetAvailableGPUTypesResponse> out) {
        answer("GetAvailableGPUTypes", out, project -> GetAvailableGPUTypesResponse.getDefaultInstance());
    }

    @Override
    public void cleanup(CleanupRequest request, StreamObserver<CleanupResponse> out) {
        answer("Cleanup", out, project -> CleanupResponse.getDefaultInstance());
    }

    /** Nothing to refresh: every answer is read from the pools when asked. */
    @Override
    public void refresh(RefreshRequest request, StreamObserver<RefreshResponse> out) {
        answer("Refresh", out, project -> RefreshResponse.getDefaultInstance());
    }

    @Override
    public void nodeGroupTargetSize(NodeGroupTargetSizeRequest request, StreamObserver<NodeGroupTargetSizeResponse> out) {
        answer("NodeGroupTargetSize", out, project -> NodeGroupTargetSizeResponse.newBuilder()
                .setTargetSize(pools.group(project, request.getId()).targetSize())
                .build());
    }

    @Override
    public void nodeGroupIncreaseSize(NodeGroupIncreaseSizeRequest request, StreamObserver<NodeGroupIncreaseSizeResponse> out) {
        answer("NodeGroupIncreaseSize", out, project -> {
            if (request.getDelta() <= 0) {
                throw new Refused(Refused.Kind.INVALID, "delta must be positive, got " + request.getDelta());
            }
            pools.increaseSize(project, request.getId(), request.getDelta());
            return NodeGroupIncreaseSizeResponse.getDefaultInstance();
        });
    }

    @Override
    public void nodeGroupDeleteNodes(NodeGroupDeleteNodesRequest request, StreamObserver<NodeGroupDeleteNodesResponse> out) {
        answer("NodeGroupDeleteNodes", out, project -> {
            if (request.getNodesCount() == 0) {
                throw new Refused(Refused.Kind.INVALID, "no nodes named");
            }
            List<AutoscalerPools.NodeRef> nodes = request.getNodesList().stream()
                    .map(n -> new AutoscalerPools.NodeRef(n.getProviderID(), n.getName()))
                    .toList();
            pools.deleteNodes(project, request.getId(), nodes);
            return NodeGroupDeleteNodesResponse.getDefaultInstance();
        });
    }

    @Override
    public void nodeGroupDecreaseTargetSize(NodeGroupDecreaseTargetSizeRequest request,
            StreamObserver<NodeGroupDecreaseTargetSizeResponse> out) {
        answer("NodeGroupDecreaseTargetSize", out, project -> {
            if (request.getDelta() >= 0) {
                throw new Refused(Refused.Kind.INVALID, "delta must be negative, got " + request.getDelta());
            }
            pools.decreaseTargetSize(project, request.getId(), request.getDelta());
            return NodeGroupDecreaseTargetSizeResponse.getDefaultInstance();
        });
    }

    @Override
    public void nodeGroupNodes(NodeGroupNodesRequest request, StreamObserver<NodeGroupNodesResponse> out) {
        answer("NodeGroupNodes", out, project -> NodeGroupNodesResponse.newBuilder()
                .addAllInstances(pools.instances(project, request.getId()).stream().map(CloudProviderService::instance).toList())
                .build());
    }

    @Override
    public void nodeGroupTemplateNodeInfo(NodeGroupTemplateNodeInfoRequest request,
            StreamObserver<NodeGroupTemplateNodeInfoResponse> out) {
        answer("NodeGroupTemplateNodeInfo", out, project -> {
            K8sCoreV1.Node node = TemplateNodes.node(pools.template(project, request.getId()));
            return NodeGroupTemplateNodeInfoResponse.newBuilder()
                    .setNodeInfo(node)
                    .setNodeBytes(node.toByteString())
                    .build();
        });
    }

    /** ESI has no per-group options yet: the autoscaler's own defaults, as sent (older autoscalers' fields included). */
    @Override
    public void nodeGroupGetOptions(NodeGroupAutoscalingOptionsRequest request, StreamObserver<NodeGroupAutoscalingOptionsResponse> out) {
        answer("NodeGroupGetOptions", out, project -> {
            pools.group(project, request.getId());
            if (!request.hasDefaults()) {
                throw Status.UNIMPLEMENTED.withDescription("ESI has no options of its own; use your defaults").asRuntimeException();
            }
            return NodeGroupAutoscalingOptionsResponse.newBuilder().setNodeGroupAutoscalingOptions(request.getDefaults()).build();
        });
    }

    static NodeGroup nodeGroup(AutoscalerPools.Group g) {
        return NodeGroup.newBuilder()
                .setId(g.id())
                .setMinSize(g.minSize())
                .setMaxSize(g.maxSize())
                .setDebug("ESI pool " + g.name() + " (" + g.id() + "), target size " + g.targetSize())
                .build();
    }

    static Instance instance(AutoscalerPools.Instance i) {
        InstanceStatus.Builder status = InstanceStatus.newBuilder().setInstanceState(switch (i.state()) {
            case CREATING -> InstanceStatus.InstanceState.instanceCreating;
            case RUNNING -> InstanceStatus.InstanceState.instanceRunning;
            case DELETING -> InstanceStatus.InstanceState.instanceDeleting;
        });
        if (i.errorCode() != null && !i.errorCode().isEmpty()) {
            status.setErrorInfo(InstanceErrorInfo.newBuilder()
                    .setErrorCode(i.errorCode())
                    .setErrorMessage(i.errorMessage() == null ? "" : i.errorMessage())
                    .setInstanceErrorClass(AutoscalerPools.Instance.OUT_OF_RESOURCES.equals(i.errorCode())
                            ? OUT_OF_RESOURCES_ERROR_CLASS : OTHER_ERROR_CLASS));
        }
        return Instance.newBuilder().setId(i.providerId()).setStatus(status).build();
    }

    static Status status(Refused r) {
        Status status = switch (r.kind()) {
            case NOT_FOUND -> Status.NOT_FOUND;
            case OUT_OF_RANGE -> Status.FAILED_PRECONDITION;
            case EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
            case INVALID -> Status.INVALID_ARGUMENT;
        };
        return status.withDescription(r.getMessage());
    }

    /** One RPC's work for the caller's project; may refuse. */
    @FunctionalInterface
    private interface Work<T> {
        T run(String project) throws Refused;
    }

    private static <T> void answer(String rpc, StreamObserver<T> out, Work<T> work) {
        String project = ClientProjects.PROJECT.get();
        if (project == null) {
            // ClientProjects always sets it; a service mounted without it must not serve anyone.
            out.onError(Status.UNAUTHENTICATED.withDescription("no project for this call").asRuntimeException());
            return;
        }
        T value;
        try {
            value = work.run(project);
        } catch (Refused r) {
            LOG.debug("Autoscaler {} for project {} refused: {}", rpc, project, r.getMessage());
            out.onError(status(r).asRuntimeException());
            return;
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        } catch (RuntimeException e) {
            LOG.error("Autoscaler {} for project {} failed", rpc, project, e);
            out.onError(Status.INTERNAL.withDescription("internal error in ESI; the service's log has the details").asRuntimeException());
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }
}
