package org.esi.lease;

import java.util.Optional;
import java.util.Set;
import org.esi.node.Node;

/**
 * Whether a node may go to a lessee: never while it is in maintenance (a failed attestation puts it
 * there) or in a state that means it was not wiped or is broken. Offers of such a node are refused and
 * a lease due to start on it waits, so a machine that failed its erase or its attestation is never
 * in a lessee's hands.
 */
final class NodeFitness {
    /** Failed states: the node needs its owner or an operator. */
    private static final Set<String> BROKEN = Set.of("clean failed", "error", "inspect failed", "rescue failed");
    /** Work in progress on the node that must finish before anyone gets it. */
    private static final Set<String> BUSY = Set.of("cleaning", "clean wait", "inspecting", "inspect wait");

    private NodeFitness() {}

    /** Why the node may not be handed to a lessee now ("is in maintenance: …"), or empty when it may. */
    static Optional<String> unfitForLessee(Node node) {
        return broken(node).or(() -> BUSY.contains(node.provisionState())
                ? Optional.of("is in " + node.provisionState()) : Optional.empty());
    }

    /**
     * Refuses (409) to offer or lease out a node that is broken; a sub-lease's node is its parent
     * lessee's to hand on, and the parent lease already got it fit.
     */
    static void requireFit(Node node, java.util.Optional<?> parentLease, String verb) {
        if (parentLease.isEmpty()) {
            broken(node).ifPresent(why -> {
                throw org.esi.http.ApiException.conflict("Node " + node.uuid() + " cannot be " + verb + ": it " + why + ".");
            });
        }
    }

    /** Why the node cannot be offered: in maintenance or failed (a busy node may be, its lease waits). */
    static Optional<String> broken(Node node) {
        if (node.maintenance()) {
            String reason = node.maintenanceReason();
            return Optional.of("is in maintenance" + (reason == null || reason.isBlank() ? "" : " (" + reason + ")"));
        }
        if (BROKEN.contains(node.provisionState())) {
            return Optional.of("is in " + node.provisionState());
        }
        return Optional.empty();
    }
}
