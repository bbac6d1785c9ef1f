package org.esi.cluster.autoscaler;

import java.util.LinkedHashMap;
import java.util.Map;
import org.esi.cluster.autoscaler.proto.k8s.K8sCoreV1;
import org.esi.cluster.autoscaler.proto.k8s.K8sMeta;
import org.esi.cluster.autoscaler.proto.k8s.K8sResource.Quantity;

/**
 * The Kubernetes {@code v1.Node} a new member of a group would register as, built from the group's
 * {@link AutoscalerPools.Template}: what the autoscaler simulates a scale-up with (also from zero).
 */
final class TemplateNodes {
    /** The kubelet's default pod limit. */
    static final String MAX_PODS = "110";
    static final String GPU_RESOURCE = "nvidia.com/gpu";

    private TemplateNodes() {}

    static K8sCoreV1.Node node(AutoscalerPools.Template t) {
        // The pool's own labels win over the ones ESI derives (a pool may name its own instance type).
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("kubernetes.io/os", "linux");
        labels.put("kubernetes.io/hostname", t.nodeName());
        labels.put("node.kubernetes.io/instance-type", t.resourceClass());
        labels.putAll(t.labels());

        Map<String, Quantity> resources = new LinkedHashMap<>();
        resources.put("cpu", quantity(Integer.toString(t.cpus())));
        resources.put("memory", quantity(t.memoryMb() + "Mi"));
        resources.put("ephemeral-storage", quantity(t.localGb() + "Gi"));
        resources.put("pods", quantity(MAX_PODS));
        if (t.gpus() > 0) {
            resources.put(GPU_RESOURCE, quantity(Integer.toString(t.gpus())));
        }
        return K8sCoreV1.Node.newBuilder()
                .setMetadata(K8sMeta.ObjectMeta.newBuilder().setName(t.nodeName()).putAllLabels(labels))
                .setStatus(K8sCoreV1.NodeStatus.newBuilder()
                        .putAllCapacity(resources)
                        .putAllAllocatable(resources)
                        .addConditions(K8sCoreV1.NodeCondition.newBuilder().setType("Ready").setStatus("True")
                                .setReason("KubeletReady").setMessage("template node of an ESI pool"))
                        .setNodeInfo(K8sCoreV1.NodeSystemInfo.newBuilder().setOperatingSystem("linux")))
                .build();
    }

    private static Quantity quantity(String text) {
        return Quantity.newBuilder().setString(text).build();
    }
}
