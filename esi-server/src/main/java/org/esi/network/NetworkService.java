package org.esi.network;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import org.esi.crypto.SecretBox;
import org.esi.http.ApiException;
import org.esi.http.ErrorKind;
import org.esi.http.Ids;
import org.esi.node.NodeService;
import org.esi.node.Port;
import org.esi.persistence.SqlErrors;
import org.esi.spi.net.PortConfig;
import org.esi.spi.net.SwitchException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Networks, VLAN allocation, trunks and attachments: the rules that hold whoever asks. */
public final class NetworkService {
    private static final Logger log = LoggerFactory.getLogger(NetworkService.class);

    private final NetworkStore store;
    private final NodeService nodes;
    private final SwitchOps switches;
    private final SecretBox secrets;
    private final List<VlanRange> ranges;
    private final Clock clock;

    public NetworkService(NetworkStore store, NodeService nodes, SwitchOps switches, SecretBox secrets, List<VlanRange> ranges, Clock clock) {
        this.store = store;
        this.nodes = nodes;
        this.switches = switches;
        this.secrets = secrets;
        this.ranges = List.copyOf(ranges);
        this.clock = clock;
    }

    public NetworkStore store() {
        return store;
    }

    public NodeService nodes() {
        return nodes;
    }

    // --- switches

    public Switch registerSwitch(String name, String driver, String address, String username, String password, String physnet, ObjectNode options) {
        if (!switches.knows(driver)) {
            throw ApiException.badRequest("Unknown switch driver '" + driver + "'; available: " + String.join(", ", switches.driverNames()));
        }
        Switch s = new Switch(UUID.randomUUID(), name, driver, address, username, password == null ? null : secrets.seal(password),
                physnet, options, clock.instant());
        List<String> problems = switches.validate(s, password);
        if (!problems.isEmpty()) {
            throw ApiException.badRequest("Invalid switch settings: " + String.join("; ", problems));
        }
        try {
            store.insertSwitch(s);
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isUniqueViolation(e)) {
                throw ApiException.conflict("A switch named '" + name + "' already exists");
            }
            throw e;
        }
        return s;
    }

    public Switch findSwitch(String ident) {
        Optional<Switch> s = Ids.looksLikeUuid(ident) ? store.switchById(Ids.parseUuid(ident, "switch")) : store.switchByName(ident);
        return s.orElseThrow(() -> ApiException.notFound("Switch " + ident + " could not be found."));
    }

    // --- networks

    /** A tenant network: the VLAN is the lowest free one of the physical network's range, unless the admin names one. */
    public Network createNetwork(String name, String projectId, boolean shared, String physnet, Integer vlan) {
        return createNetwork(name, projectId, shared, physnet, vlan, false, "");
    }

    /** The same, with the attributes only the Neutron face sets ({@code router:external}, a description). */
    public Network createNetwork(String name, String projectId, boolean shared, String physnet, Integer vlan, boolean external,
                                 String description) {
        String net = physnet != null ? physnet : ranges.isEmpty() ? "physnet1" : ranges.get(0).physnet();
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                return store.jdbi().inTransaction(h -> {
                    int id;
                    if (vlan != null) {
                        id = vlan;
                    } else {
                        id = ranges.stream().filter(r -> r.physnet().equals(net))
                                .map(r -> store.freeVlan(h, net, r.low(), r.high())).flatMap(Optional::stream).findFirst()
                                .orElseThrow(() -> ApiException.conflict("No free VLAN left on physical network " + net));
                    }
                    Network n = new Network(UUID.randomUUID(), name, projectId, shared, net, id, vlan != null, clock.instant(), external,
                            description);
                    store.insertNetwork(h, n);
                    return n;
                });
            } catch (UnableToExecuteStatementException e) {
                if (!SqlErrors.isUniqueViolation(e)) {
                    throw e;
                }
                if (vlan != null) {
                    throw ApiException.conflict("VLAN " + vlan + " is already used on physical network " + net);
                }
                // Another instance took the same free VLAN a moment ago; pick again.
            }
        }
        throw new ApiException(ErrorKind.UNAVAILABLE, "Could not allocate a VLAN under contention; try again");
    }

    public Network findNetwork(String ident) {
        if (Ids.looksLikeUuid(ident)) {
            return store.network(Ids.parseUuid(ident, "network")).orElseThrow(() -> ApiException.notFound("Network " + ident + " could not be found."));
        }
        List<Network> named = store.networksNamed(ident);
        if (named.isEmpty()) {
            throw ApiException.notFound("Network " + ident + " could not be found.");
        }
        if (named.size() > 1) {
            throw ApiException.conflict(named.size() + " networks are named '" + ident + "'; use the id");
        }
        return named.get(0);
    }

    public void deleteNetwork(Network n) {
        if (store.networkInUse(n.id())) {
            throw NeutronErrors.conflict("NetworkInUse", "Network " + n.name() + " still has nodes, trunks or ports on it; detach and delete them first");
        }
        try {
            store.deleteNetwork(n.id());
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isForeignKeyViolation(e)) {
                throw ApiException.conflict("Network " + n.name() + " is still in use");
            }
            throw e;
        }
    }

    // --- trunks

    public Trunk createTrunk(String name, String projectId, Network nativeNet, List<Network> tagged) {
        return createTrunk(new Trunk(UUID.randomUUID(), name, projectId, nativeNet == null ? null : nativeNet.id(),
                tagged.stream().map(n -> new Trunk.Tagged(n.id(), null)).toList(), clock.instant(), null, ""));
    }

    /** A trunk as given (the Neutron face's, with its parent port and sub-ports). */
    public Trunk createTrunk(Trunk t) {
        requireDistinct(t);
        try {
            store.jdbi().useTransaction(h -> {
                requireUnbound(h, portsOf(t, t.tagged()));
                store.insertTrunk(h, t);
            });
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isUniqueViolation(e)) {
                throw NeutronErrors.conflict("TrunkPortInUse", "A port of the trunk became a trunk's parent or sub-port a moment ago");
            }
            throw e;
        }
        return store.trunk(t.id()).orElseThrow();
    }

    public Trunk findTrunk(String ident) {
        if (Ids.looksLikeUuid(ident)) {
            return store.trunk(Ids.parseUuid(ident, "trunk")).orElseThrow(() -> ApiException.notFound("Trunk " + ident + " could not be found."));
        }
        List<Trunk> named = store.trunksNamed(ident);
        if (named.isEmpty()) {
            throw ApiException.notFound("Trunk " + ident + " could not be found.");
        }
        if (named.size() > 1) {
            throw ApiException.conflict(named.size() + " trunks are named '" + ident + "'; use the id");
        }
        return named.get(0);
    }

    /** Adds or removes a tagged network, then brings every switch port carrying the trunk up to date. */
    public Trunk changeTagged(Trunk t, Network n, boolean add) {
        if (add) {
            return changeTagged(t, List.of(new Trunk.Tagged(n.id(), null)), List.of());
        }
        if (!t.taggedNetworkIds().contains(n.id())) {
            throw ApiException.notFound("Network " + n.name() + " is not tagged on trunk " + t.name());
        }
        return changeTagged(t, List.of(), List.of(n.id()));
    }

    /** Adds and removes tagged networks in one transaction, then brings every switch port carrying the trunk up to date once. */
    public Trunk changeTagged(Trunk t, List<Trunk.Tagged> add, List<UUID> removeNetworks) {
        try {
            store.jdbi().useTransaction(h -> {
                requireUnbound(h, portsOf(null, add));
                for (Trunk.Tagged n : add) {
                    if (n.networkId().equals(t.nativeNetworkId())) {
                        throw ApiException.conflict("Network " + store.network(n.networkId()).map(Network::name).orElse("?")
                                + " is the trunk's native network");
                    }
                    store.addTagged(h, t.id(), n);
                }
                for (UUID n : removeNetworks) {
                    store.removeTagged(h, t.id(), n);
                }
            });
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isUniqueViolation(e)) {
                throw NeutronErrors.conflict("PortInUse", "A sub-port became another trunk's sub-port a moment ago");
            }
            throw e;
        }
        for (Attachment a : store.attachmentsOfTrunk(t.id())) {
            reapply(a);
        }
        return store.trunk(t.id()).orElseThrow();
    }

    private static List<UUID> portsOf(Trunk parent, List<Trunk.Tagged> tagged) {
        List<UUID> out = new ArrayList<>();
        if (parent != null && parent.portId() != null) {
            out.add(parent.portId());
        }
        tagged.stream().map(Trunk.Tagged::portId).filter(Objects::nonNull).forEach(out::add);
        return out;
    }

    /** Under the ports' locks: none of them is bound to a node (checked before, and again here against a race). */
    private void requireUnbound(Handle h, List<UUID> ports) {
        store.lockPorts(h, ports);
        if (store.anyBound(h, ports)) {
            throw NeutronErrors.conflict("PortInUse", "A port of the trunk was attached to a node a moment ago; detach it first");
        }
    }

    public void deleteTrunk(Trunk t) {
        if (!store.attachmentsOfTrunk(t.id()).isEmpty()) {
            throw ApiException.conflict("Trunk " + t.name() + " is attached to a node; detach it first");
        }
        store.deleteTrunk(t.id());
    }

    private static void requireDistinct(Trunk t) {
        if (t.nativeNetworkId() != null && t.taggedNetworkIds().contains(t.nativeNetworkId())) {
            throw ApiException.badRequest("A network cannot be both the native and a tagged network of a trunk");
        }
    }

    // --- attachments

    /** What to attach: exactly one of a network, a trunk or a specific port, optionally on the NIC with {@code mac}. */
    public record AttachRequest(Network network, Trunk trunk, UUID portUuid, String mac, UUID vifPortId) {
        public AttachRequest(Network network, Trunk trunk, UUID portUuid, String mac) {
            this(network, trunk, portUuid, mac, null);
        }
    }

    /**
     * Picks a free port (or the one asked for), records the attachment, and configures the switch port.
     * A switch failure leaves the attachment in {@code error} with the reason, never half-applied silently.
     */
    public Attachment attach(UUID node, String project, AttachRequest r) {
        Port port = pickPort(node, r);
        Attachment a = new Attachment(UUID.randomUUID(), node, port.uuid(), r.network() == null ? null : r.network().id(),
                r.trunk() == null ? null : r.trunk().id(), project, "attaching", null, clock.instant(), r.vifPortId());
        try {
            store.jdbi().useTransaction(h -> {
                if (a.vifPortId() != null) {
                    requireRole(h, a.vifPortId(), r.trunk());
                }
                store.insertAttachment(h, a);
                if (a.vifPortId() != null) {
                    nodes.store().setTenantVif(h, port.uuid(), a.vifPortId().toString(), clock.instant());
                }
            });
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isUniqueViolationOf(e, "attachment_vif_unique")) {
                throw new ApiException(ErrorKind.CONFLICT, "VifAlreadyAttached", "VIF " + a.vifPortId() + " was attached elsewhere a moment ago");
            }
            if (SqlErrors.isUniqueViolation(e)) {
                throw ApiException.conflict("Port " + port.address() + " was attached by someone else a moment ago; try again");
            }
            if (SqlErrors.isForeignKeyViolation(e)) {
                throw ApiException.conflict("What was to be attached was deleted a moment ago");
            }
            throw e;
        }
        return reapply(a);
    }

    /** Under the port's lock: it is still what the attach was decided on (its trunk's parent, or on no trunk at all). */
    private void requireRole(Handle h, UUID vif, Trunk trunk) {
        store.lockPorts(h, List.of(vif));
        NetworkStore.PortRole role = store.roleOf(h, vif);
        boolean same = !role.subPort() && (trunk == null ? role.parentOf() == null : trunk.id().equals(role.parentOf()));
        if (!same) {
            throw NeutronErrors.conflict("PortInUse", "Port " + vif + " joined or left a trunk a moment ago; try again");
        }
    }

    private Port pickPort(UUID node, AttachRequest r) {
        List<Port> ports = nodes.store().ports(Optional.of(node), Optional.empty(), Optional.empty(), Optional.empty(), 1000);
        List<UUID> used = store.attachmentsOfNode(node).stream().map(Attachment::portUuid).toList();
        if (r.portUuid() != null || r.mac() != null) {
            Port p = ports.stream().filter(x -> r.portUuid() != null ? x.uuid().equals(r.portUuid()) : x.address().equals(NodeService.mac(r.mac())))
                    .findFirst().orElseThrow(() -> ApiException.notFound("Node " + node + " has no port " + (r.mac() != null ? r.mac() : r.portUuid())));
            if (used.contains(p.uuid())) {
                throw ApiException.conflict("Port " + p.address() + " of node " + node + " is already attached");
            }
            requireCabled(p);
            return p;
        }
        return ports.stream().filter(p -> !used.contains(p.uuid())).filter(this::cabled).findFirst()
                .orElseThrow(() -> new NoFreePortException("Node " + node + " has no free ports"));
    }

    private boolean cabled(Port p) {
        return p.localLinkConnection().hasNonNull("port_id") && switchOf(p).isPresent();
    }

    private void requireCabled(Port p) {
        if (!cabled(p)) {
            throw ApiException.conflict("Port " + p.address() + " has no local_link_connection to a registered switch");
        }
    }

    private Optional<Switch> switchOf(Port p) {
        return store.switchFor(p.localLinkConnection().path("switch_info").asText(null), p.localLinkConnection().path("switch_id").asText(null));
    }

    /** Pushes an attachment's wanted state to its switch port and records the outcome. */
    Attachment reapply(Attachment a) {
        Port port = nodes.store().port(a.portUuid()).orElseThrow();
        Switch sw = switchOf(port).orElseThrow(() -> ApiException.conflict("The switch of port " + port.address() + " is no longer registered"));
        try {
            switches.configure(sw, port.localLinkConnection().path("port_id").asText(), wanted(a));
            store.setStatus(a.id(), "active", null);
        } catch (SwitchException e) {
            log.warn("Switch {} refused to configure port {}: {}", sw.name(), port.localLinkConnection().path("port_id").asText(), e.getMessage());
            store.setStatus(a.id(), "error", "switch " + sw.name() + ": " + e.getMessage());
        }
        return store.attachment(a.id()).orElseThrow();
    }

    private PortConfig wanted(Attachment a) {
        if (a.networkId() != null) {
            return new PortConfig.Access(store.network(a.networkId()).orElseThrow().vlanId());
        }
        Trunk t = store.trunk(a.trunkId()).orElseThrow();
        Integer nativeVlan = t.nativeNetworkId() == null ? null : store.network(t.nativeNetworkId()).orElseThrow().vlanId();
        TreeSet<Integer> tagged = new TreeSet<>();
        t.taggedNetworkIds().forEach(n -> tagged.add(store.network(n).orElseThrow().vlanId()));
        return new PortConfig.Trunk(nativeVlan, tagged);
    }

    /** Returns the switch port to idle and forgets the attachment; on failure it stays, in {@code error}, with the reason. */
    public void detach(Attachment a) throws SwitchException {
        store.setStatus(a.id(), "detaching", null);
        Port port = nodes.store().port(a.portUuid()).orElse(null);
        Optional<Switch> sw = port == null ? Optional.empty() : switchOf(port);
        if (sw.isPresent()) {
            try {
                switches.configure(sw.get(), port.localLinkConnection().path("port_id").asText(), PortConfig.idle());
            } catch (SwitchException e) {
                store.setStatus(a.id(), "error", "detach failed on switch " + sw.get().name() + ": " + e.getMessage());
                throw e;
            }
        }
        store.jdbi().useTransaction(h -> {
            store.deleteAttachment(h, a.id());
            if (a.vifPortId() != null) {
                nodes.store().clearTenantVif(h, a.portUuid(), a.vifPortId().toString(), clock.instant());
            }
        });
    }

    /** Lease end: everything the lessee attached to the node goes, ports back to idle. */
    public void detachAll(UUID node, String project) throws SwitchException {
        SwitchException first = null;
        for (Attachment a : store.attachmentsOfNode(node)) {
            if (project != null && !project.equals(a.projectId())) {
                continue;
            }
            try {
                detach(a);
            } catch (SwitchException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    public Instant now() {
        return clock.instant();
    }
}
