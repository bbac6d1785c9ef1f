package org.esi.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.esi.event.EventStore;
import org.esi.http.ApiException;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;
import org.esi.spi.BootDevice;
import org.esi.spi.BootSetting;
import org.esi.spi.HardwareInventory;
import org.esi.spi.PowerAction;
import org.esi.spi.PowerState;
import org.esi.persistence.BackgroundLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Design notes. Power and provision requests only record what is wanted (target_power_state, or a
 * working provision state); this runner carries the work out in the background. A node's work runs
 * only under its reservation, taken in the database with an expiry, so across every instance one
 * worker at a time drives a node's BMC, and the work of a crashed instance is picked up again when its
 * reservation lapses. BMC calls run on virtual threads, bounded by a semaphore, so hundreds of slow
 * BMCs occupy no more than {@code maxConcurrent} operations at once. Driver steps are idempotent, so
 * redoing a half-done step after a crash is safe.
 */
public final class NodeTasks implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeTasks.class);

    private final NodeStore store;
    private final NodeService nodes;
    private final DriverRegistry drivers;
    private final EventStore events;
    private final PxeBoot pxe;
    private final InBandAgent agent;
    private final Clock clock;
    private final NodeReservations reservations;
    private final Semaphore bmcSlots;
    private final Duration powerSyncInterval;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final BackgroundLoop loop;
    private final List<Runnable> workDone = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Instant nextPowerSync;

    public NodeTasks(NodeStore store, NodeService nodes, DriverRegistry drivers, EventStore events, PxeBoot pxe, InBandAgent agent,
                     Clock clock, int maxConcurrent, Duration powerSyncInterval) {
        this.agent = agent;
        this.store = store;
        this.nodes = nodes;
        this.drivers = drivers;
        this.events = events;
        this.pxe = pxe;
        this.clock = clock;
        this.reservations = new NodeReservations(store.jdbi(), clock, "esi");
        this.bmcSlots = new Semaphore(maxConcurrent);
        this.powerSyncInterval = powerSyncInterval;
        this.loop = new BackgroundLoop("esi-node-tasks", "Node tasks and power sync", log, Clock.systemUTC(), this::round);
        this.nextPowerSync = clock.instant().plus(powerSyncInterval);
    }

    /**
     * Records a provision request for the background runner: the node moves to the verb's working state at once
     * (202 for the routes), guarded by its current state and no reservation, so a request never lands on a node
     * that another worker is driving. {@code addInstanceInfo} (may be null) is merged into instance_info first,
     * as a PATCH of it would; the agent's checks see it. Used by the Ironic routes and by cluster pools.
     */
    public void requestProvision(Node node, String verb, ObjectNode body, ObjectNode addInstanceInfo) {
        if (node.maintenance()) {
            throw ApiException.badRequest("Node " + node.uuid() + " is in maintenance mode; take it out of maintenance first");
        }
        ProvisionStateMachine.Transition t = ProvisionStateMachine.transition(node.provisionState(), verb).orElseThrow(() ->
                ApiException.badRequest("The requested action \"" + verb + "\" can not be performed on node \"" + node.uuid()
                        + "\" while it is in state \"" + node.provisionState() + "\". Allowed from there: "
                        + String.join(", ", ProvisionStateMachine.verbsFrom(node.provisionState()))));
        ObjectNode info = node.instanceInfo().deepCopy();
        if (addInstanceInfo != null) {
            info.setAll(addInstanceInfo);
        }
        Node seen = addInstanceInfo == null ? node : node.withInstanceInfo(info);
        // The agent's checks (step lists, image and checksum of an agent deploy) come before anything changes.
        ObjectNode flow = agent.accept(seen, ProvisionStateMachine.canonicalVerb(verb), body);
        if (body.hasNonNull("configdrive")) {
            info.set("configdrive", body.get("configdrive"));
        }
        String newInfo = body.hasNonNull("configdrive") || addInstanceInfo != null ? info.toString() : null;
        int changed = store.jdbi().withHandle(h -> h.createUpdate("""
                        update node set provision_state = :working, target_provision_state = :done, last_error = null,
                          instance_info = coalesce(cast(:info as jsonb), instance_info), provision_updated_at = :now, updated_at = :now,
                          driver_internal_info = (driver_internal_info - cast(:drop as text[])) || cast(:flow as jsonb)
                        where uuid = :u and provision_state = :from and reservation is null""")
                .bind("working", t.working()).bind("done", t.done()).bind("info", newInfo)
                .bind("drop", InBandAgent.FLOW_KEYS.toArray(new String[0])).bind("flow", flow.toString())
                .bind("now", NodeStore.utc(clock.instant())).bind("u", node.uuid()).bind("from", node.provisionState()).execute());
        if (changed == 0) {
            throw locked(node);
        }
        wake();
    }

    static ApiException locked(Node node) {
        return ApiException.conflict("Node " + node.uuid() + " is locked by another operation in progress; try again when it has finished");
    }

    /** The in-band agent this runner hands flows to (the provision routes and the hand-back ask it too). */
    InBandAgent agent() {
        return agent;
    }

    public void start() {
        loop.start();
    }

    public void wake() {
        loop.wake();
    }

    /** Runs {@code hook} (quickly, never blocking) each time work on a node ends: a step of a deploy may be due. */
    public void onWorkDone(Runnable hook) {
        workDone.add(hook);
    }

    private Duration round() {
        dispatchPending();
        if (!clock.instant().isBefore(nextPowerSync)) {
            nextPowerSync = clock.instant().plus(powerSyncInterval);
            syncPowerStates();
        }
        return Duration.ofSeconds(1);
    }

    /** Reserves every node with pending work it can get and starts that work. */
    void dispatchPending() {
        Instant now = clock.instant();
        List<UUID> pending = store.jdbi().withHandle(h -> h.createQuery("""
                        select uuid from node
                        where (target_power_state is not null
                               or provision_state in ('verifying', 'cleaning', 'inspecting', 'deploying', 'deleting', 'adopting'))
                          and (reservation is null or reservation_expires < :now)
                        limit 1000""")
                .bind("now", NodeStore.utc(now)).mapTo(UUID.class).list());
        for (UUID uuid : pending) {
            if (reservations.take(uuid)) {
                executor.submit(() -> runReserved(uuid));
            }
        }
    }

    private void runReserved(UUID uuid) {
        try {
            bmcSlots.acquire();
            try {
                Optional<Node> node = store.node(uuid);
                if (node.isPresent()) {
                    work(node.get());
                }
            } finally {
                bmcSlots.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("Work on node {} failed unexpectedly", uuid, e);
        } finally {
            reservations.release(uuid);
            wake();
            workDone.forEach(Runnable::run);
        }
    }

    private void work(Node node) {
        if (node.targetPowerState() != null) {
            power(node);
            return;
        }
        if (!ProvisionStateMachine.WORKING.contains(node.provisionState())) {
            // Found pending, finished before this worker held it (the agent's last step ends its state and its hold in
            // one statement): nothing is left to do. Not an error: failing it here put an available node into error.
            return;
        }
        Optional<ProvisionStateMachine.Transition> t = ProvisionStateMachine.running(node.provisionState(), node.targetProvisionState());
        if (t.isEmpty()) {
            // A working state without a known target: finish it as failed rather than spin on it forever.
            finishProvision(node.uuid(), "error", "no transition from " + node.provisionState() + " to " + node.targetProvisionState(), null);
            return;
        }
        try (BmcSession bmc = drivers.open(node, nodes.unsealedDriverInfo(node))) {
            switch (node.provisionState()) {
                case "verifying", "adopting" -> {
                    PowerState p = bmc.powerState();
                    finishProvision(node.uuid(), t.get().done(), null, p);
                }
                case "cleaning" -> {
                    if (agent.drives(node, InBandAgent.Flow.CLEAN)) {
                        agent.boot(node, bmc, InBandAgent.Flow.CLEAN); // now in clean wait; heartbeats carry it on
                        return;
                    }
                    bmc.setPower(PowerAction.OFF);
                    try {
                        bmc.ejectVirtualMedia();
                    } catch (BmcException e) {
                        if (e.kind() != BmcException.Kind.UNSUPPORTED) {
                            throw e;
                        }
                    }
                    bmc.setBootDevice(new BootSetting(BootDevice.DISK, true));
                    nodes.eraseDeployment(node.uuid());
                    finishProvision(node.uuid(), t.get().done(), null, PowerState.OFF);
                }
                case "deleting" -> {
                    pxe.revoke(node.uuid());
                    bmc.setPower(PowerAction.OFF);
                    // Deleting continues as cleaning towards available, as Ironic does.
                    store.jdbi().useHandle(h -> h.createUpdate("""
                                    update node set provision_state = 'cleaning', target_provision_state = 'available',
                                      power_state = 'power off', provision_updated_at = :now, updated_at = :now where uuid = :u""")
                            .bind("now", NodeStore.utc(clock.instant())).bind("u", node.uuid()).execute());
                }
                case "inspecting" -> {
                    if (agent.drives(node, InBandAgent.Flow.INSPECT)) {
                        agent.boot(node, bmc, InBandAgent.Flow.INSPECT);
                        return;
                    }
                    HardwareInventory inv = bmc.inspect();
                    nodes.recordInspection(node.uuid(), inv);
                    finishProvision(node.uuid(), t.get().done(), null, null);
                }
                case "deploying" -> {
                    if (agent.drives(node, InBandAgent.Flow.DEPLOY)) {
                        agent.boot(node, bmc, InBandAgent.Flow.DEPLOY);
                        return;
                    }
                    deploy(node, bmc);
                    finishProvision(node.uuid(), t.get().done(), null, PowerState.ON);
                }
                default -> finishProvision(node.uuid(), t.get().failed(), "unexpected working state " + node.provisionState(), null);
            }
        } catch (BmcException e) {
            finishProvision(node.uuid(), t.get().failed(), node.provisionState() + " failed: " + e.getMessage(), null);
        } catch (RuntimeException e) {
            log.error("Provisioning node {} failed", node.uuid(), e);
            finishProvision(node.uuid(), t.get().failed(), node.provisionState() + " failed: " + e.getMessage(), null);
        }
    }

    /**
     * Virtual media where the BMC has it (Redfish); otherwise (IPMI) PXE, chaining to the iPXE script this
     * service serves at a per-deploy URL (see {@link PxeBoot}).
     */
    private void deploy(Node node, BmcSession bmc) throws BmcException {
        String image = node.instanceInfo().path("image_source").asText(null);
        if (image == null || image.isBlank()) {
            throw new BmcException(BmcException.Kind.CONFIGURATION, "instance_info.image_source is required to deploy");
        }
        URI uri;
        try {
            uri = URI.create(image);
        } catch (IllegalArgumentException e) {
            throw new BmcException(BmcException.Kind.CONFIGURATION, "instance_info.image_source is not a URL");
        }
        boolean virtualMedia = true;
        try {
            bmc.insertVirtualMedia(uri);
        } catch (BmcException e) {
            if (e.kind() != BmcException.Kind.UNSUPPORTED) {
                throw e;
            }
            virtualMedia = false;
        }
        if (virtualMedia) {
            // A rebuild may move a node from PXE to virtual media; its old script must not stay reachable.
            pxe.revoke(node.uuid());
        } else {
            preparePxe(node);
        }
        bmc.setBootDevice(new BootSetting(virtualMedia ? BootDevice.CDROM : BootDevice.PXE, false));
        bmc.setPower(PowerAction.REBOOT);
    }

    /** Checks the script can be written before the boot device changes, then issues this deploy's token. */
    private void preparePxe(Node node) throws BmcException {
        try {
            PxeImage.from(node.instanceInfo());
        } catch (IllegalArgumentException e) {
            throw new BmcException(BmcException.Kind.CONFIGURATION, e.getMessage());
        }
        pxe.issue(node.uuid());
        // The URL carries the token, so it goes to driver_internal_info (secret readers only), not the log.
        log.info("Node {} has no virtual media; it PXE-boots the script at its driver_internal_info.{}", node.uuid(),
                PxeBoot.SCRIPT_URL_KEY);
    }

    private void power(Node node) {
        String target = node.targetPowerState();
        String lastError = null;
        PowerState actual = null;
        try (BmcSession bmc = drivers.open(node, nodes.unsealedDriverInfo(node))) {
            bmc.setPower(action(target));
            actual = bmc.powerState();
        } catch (BmcException e) {
            lastError = "Failed to change power state to '" + target + "': " + e.getMessage();
        }
        PowerState seen = actual;
        String error = lastError;
        store.jdbi().useHandle(h -> h.createUpdate("""
                        update node set target_power_state = null, power_state = coalesce(:power, power_state),
                          last_error = :err, updated_at = :now where uuid = :u""")
                .bind("power", seen == null ? null : seen.ironicName()).bind("err", error)
                .bind("now", NodeStore.utc(clock.instant())).bind("u", node.uuid()).execute());
    }

    static PowerAction action(String target) {
        return switch (target) {
            case "power on" -> PowerAction.ON;
            case "power off" -> PowerAction.OFF;
            case "rebooting" -> PowerAction.REBOOT;
            case "soft power off" -> PowerAction.SOFT_OFF;
            case "soft rebooting" -> PowerAction.SOFT_REBOOT;
            default -> throw new IllegalArgumentException(target);
        };
    }

    private void finishProvision(UUID uuid, String state, String error, PowerState power) {
        if (!PxeBoot.BOOTABLE_STATES.contains(state)) {
            // A failed deploy, or any other end, leaves no boot script behind.
            pxe.revoke(uuid);
        }
        Instant now = clock.instant();
        // The stable state and the end of this instance's reservation in one statement: a client that sees the
        // node manageable (or available, active...) may ask for the next step at once, without a 409 "locked".
        store.jdbi().useHandle(h -> h.createUpdate("""
                        update node set provision_state = :s, target_provision_state = null, last_error = :err,
                          power_state = coalesce(:power, power_state), provision_updated_at = :now, updated_at = :now,
                          """ + NodeReservations.RELEASED_BY_ME + """
                        where uuid = :u""")
                .bind("s", state).bind("err", error).bind("power", power == null ? null : power.ironicName())
                .bind("me", reservations.owner()).bind("now", NodeStore.utc(now)).bind("u", uuid).execute());
    }

    /** Reads every idle node's power state and records out-of-band changes as events. */
    void syncPowerStates() {
        List<Node> idle = store.jdbi().withHandle(h -> h.createQuery("""
                        select uuid from node where target_power_state is null and reservation is null and not maintenance
                          and provision_state not in ('enroll')""")
                .mapTo(UUID.class).list()).stream().map(store::node).flatMap(Optional::stream).toList();
        for (Node n : idle) {
            executor.submit(() -> {
                try {
                    bmcSlots.acquire();
                    try (BmcSession bmc = drivers.open(n, nodes.unsealedDriverInfo(n))) {
                        String now = bmc.powerState().ironicName();
                        if (!now.equals(n.powerState())) {
                            recordPowerChange(n, now);
                        }
                    } finally {
                        bmcSlots.release();
                    }
                } catch (BmcException e) {
                    log.debug("Power sync of node {} failed: {}", n.uuid(), e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    if (!loop.outages().absorbed(e)) {
                        log.warn("Power sync of node {} failed", n.uuid(), e);
                    }
                }
            });
        }
    }

    private void recordPowerChange(Node n, String power) {
        store.jdbi().useTransaction(h -> {
            int changed = h.createUpdate("""
                            update node set power_state = :p, updated_at = :now
                            where uuid = :u and target_power_state is null and power_state is distinct from :p""")
                    .bind("p", power).bind("now", NodeStore.utc(clock.instant())).bind("u", n.uuid()).execute();
            if (changed > 0) {
                events.record(h, "esi.node.power_state.changed", clock.instant(), "node", n.uuid(), "ironic_node", n.uuid(),
                        n.lessee(), n.owner());
            }
        });
    }

    @Override
    public void close() {
        loop.close();
        executor.shutdownNow();
    }
}
