package org.esi.cluster.autoscaler;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the autoscaler's gRPC face needs from pools. Every call is on behalf of one project (the client certificate's).
 *
 * <p>A group is a pool of that project; its id is the pool's uuid. A group id of another project, or of no pool,
 * is {@link Refused.Kind#NOT_FOUND}. Calls come from gRPC threads, several at a time.
 */
public interface AutoscalerPools {
    List<Group> groups(String projectId);
    /**
     * The group whose member has this provider id ("esi://<node uuid>") or, failing that, this node name.
     * Either may be "" (a node the kubelet started without --provider-id has none); empty when no group of the
     * project has such a member.
     */
    Optional<Group> groupForNode(String projectId, String providerId, String nodeName);
    Group group(String projectId, String groupId) throws Refused;
    List<Instance> instances(String projectId, String groupId) throws Refused;
    /**
     * Raise the target size by {@code delta} (always &gt; 0): all of it or nothing, refused
     * {@link Refused.Kind#OUT_OF_RANGE} past the maximum size and {@link Refused.Kind#EXHAUSTED} when not enough
     * offers match.
     */
    void increaseSize(String projectId, String groupId, int delta) throws Refused;
    /**
     * Release exactly these members and lower the target by as many; {@link Refused.Kind#NOT_FOUND} (and nothing
     * released) when one of them is not a member of the group. A node is named by provider id, or by name when
     * its provider id is "". Never empty.
     */
    void deleteNodes(String projectId, String groupId, List<NodeRef> nodes) throws Refused;
    /**
     * Lower the target by members that are not yet running. {@code delta} is negative, as the autoscaler sends
     * it: the new target is {@code targetSize + delta}; {@link Refused.Kind#OUT_OF_RANGE} when that would need
     * running members to go.
     */
    void decreaseTargetSize(String projectId, String groupId, int delta) throws Refused;
    Template template(String projectId, String groupId) throws Refused;

    record Group(String id, String name, int minSize, int maxSize, int targetSize) {}
    enum State { CREATING, RUNNING, DELETING }
    /**
     * errorCode/errorMessage are null unless the member failed. A member that failed to come up is
     * {@link State#CREATING} with an error: the autoscaler then gives up on it and deletes it.
     * The error code {@link #OUT_OF_RESOURCES} tells the autoscaler that the group ran out of capacity
     * (it backs off from scaling the group); any other code is an "other" error.
     */
    record Instance(String providerId, State state, String errorCode, String errorMessage) {
        public static final String OUT_OF_RESOURCES = "OUT_OF_RESOURCES";
    }
    record NodeRef(String providerId, String name) {}
    /**
     * A new member as Kubernetes would see it: the node name to show, the pool's resource class, capacity from the
     * matching offers' properties (cpus, memory_mb, local_gb, GPUs) and the pool's node labels.
     */
    record Template(String nodeName, String resourceClass, int cpus, long memoryMb, long localGb, int gpus, Map<String, String> labels) {}

    /** A refusal the gRPC face maps to a status code: NOT_FOUND, FAILED_PRECONDITION (past max/min size), RESOURCE_EXHAUSTED (offers do not fit), INVALID_ARGUMENT. */
    final class Refused extends Exception {
        public enum Kind { NOT_FOUND, OUT_OF_RANGE, EXHAUSTED, INVALID }
        private final Kind kind;
        public Refused(Kind kind, String message) { super(message); this.kind = kind; }
        public Kind kind() { return kind; }
    }
}
