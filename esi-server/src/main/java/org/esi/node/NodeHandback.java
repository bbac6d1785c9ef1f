package org.esi.node;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;
import org.esi.spi.PowerAction;

/**
 * What the end of a lease does to the hardware, so the next holder gets a clean machine: VIFs and
 * console detached, a deployed node undeployed (which powers it off and cleans it), an idle node
 * powered off. Idempotent; throws while the node is still on its way back, so the lease stays in its
 * {@code wait} state and the lifecycle tries again later.
 */
public final class NodeHandback {
    private static final Set<String> DEPLOYED = Set.of("active", "deploy failed", "error");
    private static final Set<String> NEEDS_ATTENTION = Set.of("clean failed", "inspect failed", "adopt failed");

    private final NodeStore store;
    private final NodeService nodes;
    private final DriverRegistry drivers;
    private final NodeTasks tasks;
    private final Clock clock;
    private final Duration waitForCleaning;

    public NodeHandback(NodeStore store, NodeService nodes, DriverRegistry drivers, NodeTasks tasks, Clock clock, Duration waitForCleaning) {
        this.store = store;
        this.nodes = nodes;
        this.drivers = drivers;
        this.tasks = tasks;
        this.clock = clock;
        this.waitForCleaning = waitForCleaning;
    }

    public void handBack(UUID uuid) throws Exception {
        detachVifs(uuid);
        Node n = store.node(uuid).orElseThrow(() -> new IllegalStateException("node " + uuid + " is gone"));
        if (DEPLOYED.contains(n.provisionState())) {
            requestUndeploy(uuid);
            n = awaitIdle(uuid);
        } else if (ProvisionStateMachine.WORKING.contains(n.provisionState())) {
            n = awaitIdle(uuid);
        }
        if (NEEDS_ATTENTION.contains(n.provisionState())) {
            throw new IllegalStateException("node " + uuid + " is in '" + n.provisionState() + "' and needs an operator: "
                    + (n.lastError() == null ? "no detail" : n.lastError()));
        }
        nodes.resetAfterLease(uuid);
        if (n.provisionState().equals("enroll")) {
            return; // never verified: there is no BMC we may rely on
        }
        try (BmcSession bmc = drivers.open(n, nodes.unsealedDriverInfo(n))) {
            bmc.setPower(PowerAction.OFF);
            store.jdbi().useHandle(h -> h.createUpdate("update node set power_state = 'power off', updated_at = :now where uuid = :u")
                    .bind("now", NodeStore.utc(clock.instant())).bind("u", uuid).execute());
        } catch (BmcException e) {
            throw new IllegalStateException("could not power node " + uuid + " off: " + e.getMessage(), e);
        }
    }

    /**
     * VIFs no attachment stands behind go; a VIF still bound through an attachment is the network
     * package's to detach (the lessee's already were, before this runs), so its mirror stays true.
     */
    private void detachVifs(UUID uuid) {
        store.jdbi().useHandle(h -> h.createUpdate("""
                        update port set internal_info = internal_info - 'tenant_vif_port_id', updated_at = :now
                        where node_uuid = :u and jsonb_exists(internal_info, 'tenant_vif_port_id')
                          and not exists (select 1 from attachment a where a.port_uuid = port.uuid and a.vif_port_id is not null)""")
                .bind("now", NodeStore.utc(clock.instant())).bind("u", uuid).execute());
    }

    private void requestUndeploy(UUID uuid) {
        store.jdbi().useHandle(h -> h.createUpdate("""
                        update node set provision_state = 'deleting', target_provision_state = 'available',
                          provision_updated_at = :now, updated_at = :now
                        where uuid = :u and provision_state in ('active', 'deploy failed', 'error')""")
                .bind("now", NodeStore.utc(clock.instant())).bind("u", uuid).execute());
        tasks.wake();
    }

    private Node awaitIdle(UUID uuid) throws InterruptedException {
        Instant deadline = Instant.now().plus(waitForCleaning);
        while (true) {
            Node n = store.node(uuid).orElseThrow();
            if (!ProvisionStateMachine.WORKING.contains(n.provisionState())) {
                return n;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("node " + uuid + " is still " + n.provisionState() + "; the lease ends once it is clean");
            }
            Thread.sleep(100);
        }
    }
}
