package org.esi.cluster.autoscaler;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the autoscaler's gRPC face needs from pools. Every call is on behalf of one project (the client certificate's). */
public interface AutoscalerPools {
    List<Group> groups(String projectId);
    /** The group whose member has this provider id ("esi://<node uuid>") or, failing that, this node name. */
    Optional<Group> groupForNode(String projectId, String providerId, String nodeName);
    Group group(String projectId, String groupId) throws Refused;
    List<Instance> instances(String projectId, String groupId) throws Refused;
    void increaseSize(String projectId, String groupId, int delta) throws Refused;
    void deleteNodes(String projectId, String groupId, List<NodeRef> nodes) throws Refused;
    void decreaseTargetSize(String projectId, String groupId, int delta) throws Refused;
    Template template(String projectId, String groupId) throws Refused;

    record Group(String id, String name, int minSize, int maxSize, int targetSize) {}
    enum State { CREATING, RUNNING, DELETING }
    /** errorCode/errorMessage are null unless the member failed. */
    record Instance(String providerId, State state, String errorCode, String errorMessage) {}
    record NodeRef(String providerId, String name) {}
    record Template(String nodeName, String resourceClass, int cpus, long memoryMb, long localGb, int gpus, Map<String, String> labels) {}

    /** A refusal the gRPC face maps to a status code: NOT_FOUND, FAILED_PRECONDITION (past max/min size), RESOURCE_EXHAUSTED (offers do not fit), INVALID_ARGUMENT. */
    final class Refused extends Exception {
        public enum Kind { NOT_FOUND, OUT_OF_RANGE, EXHAUSTED, INVALID }
        private final Kind kind;
        public Refused(Kind kind, String message) { super(message); this.kind = kind; }
        public Kind kind() { return kind; }
    }
}
