package org.esi.network;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.esi.http.ApiException;
import org.esi.http.ErrorKind;
import org.esi.persistence.SqlErrors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Subnets, network ports and their fixed IPs (IPAM), and the trunk and VIF operations that name ports.
 * What a port carries on a switch is still decided by {@link NetworkService}: a VIF attachment is an
 * ordinary attachment that also names the port, so both faces of the network API see one truth.
 */
public final class PortService {
    /** Neutron's default MAC prefix, so generated addresses look like the ones clients know. */
    private static final String MAC_PREFIX = "fa:16:3e";
    private static final int ATTEMPTS = 8;

    private final PortStore store;
    private final NetworkService networks;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public PortService(PortStore store, NetworkService networks, Clock clock) {
        this.store = store;
        this.networks = networks;
        this.clock = clock;
    }

    public PortStore store() {
        return store;
    }

    public NetworkService networks() {
        return networks;
    }

    // --- subnets

    /** What a subnet create asks for; {@code gateway} is absent for "the first address", null for none. */
    public record SubnetRequest(Network network, String projectId, String name, String description, int ipVersion, Cidr cidr,
                                Optional<IpAddress> gateway, boolean enableDhcp, List<Subnet.Pool> pools, List<String> dnsNameservers,
                                List<Subnet.HostRoute> hostRoutes) {}

    public Subnet createSubnet(SubnetRequest r) {
        if (r.cidr().version() != r.ipVersion()) {
            throw NeutronErrors.badRequest("Invalid input for operation: cidr " + r.cidr() + " is not an IPv" + r.ipVersion() + " range");
        }
        IpAddress gateway = r.gateway() == null ? null : r.gateway().orElseGet(() -> r.cidr().firstHost());
        if (gateway != null && !r.cidr().isHostAddress(gateway)) {
            throw NeutronErrors.badRequest("Invalid input for operation: gateway_ip " + gateway + " is not a host address of " + r.cidr());
        }
        List<Subnet.Pool> pools = r.pools() != null ? r.pools() : defaultPools(r.cidr(), gateway);
        checkPools(r.cidr(), gateway, pools);
        Subnet s = new Subnet(UUID.randomUUID(), r.network().id(), r.projectId(), r.name(), r.description(), r.cidr(), gateway,
                r.enableDhcp(), pools, r.dnsNameservers(), r.hostRoutes(), clock.instant(), null);
        store.jdbi().useTransaction(h -> {
            store.lockNetwork(h, s.networkId());
            if (store.overlapsSubnetOf(h, s.networkId(), s.cidr())) {
                throw NeutronErrors.badRequest("Invalid input for operation: Requested subnet with cidr: " + s.cidr() + " for network: "
                        + s.networkId() + " overlaps with another subnet.");
            }
            store.insertSubnet(h, s);
        });
        return s;
    }

    /** The whole range less the gateway (and, for IPv4, the network and broadcast addresses). */
    private static List<Subnet.Pool> defaultPools(Cidr cidr, IpAddress gateway) {
        IpAddress first = cidr.firstHost();
        IpAddress last = cidr.lastHost();
        List<Subnet.Pool> out = new ArrayList<>();
        if (gateway == null || gateway.compareTo(first) < 0 || gateway.compareTo(last) > 0) {
            out.add(new Subnet.Pool(first, last));
            return out;
        }
        if (gateway.compareTo(first) > 0) {
            out.add(new Subnet.Pool(first, gateway.plus(-1)));
        }
        if (gateway.compareTo(last) < 0) {
            out.add(new Subnet.Pool(gateway.plus(1), last));
        }
        return out;
    }

    private static void checkPools(Cidr cidr, IpAddress gateway, List<Subnet.Pool> pools) {
        List<Subnet.Pool> sorted = new ArrayList<>(pools);
        sorted.sort((a, b) -> a.start().compareTo(b.start()));
        for (int i = 0; i < sorted.size(); i++) {
            Subnet.Pool p = sorted.get(i);
            if (p.start().compareTo(p.end()) > 0) {
                throw NeutronErrors.badRequest("Invalid input for operation: allocation pool " + p.start() + "-" + p.end() + " ends before it starts");
            }
            if (!cidr.isHostAddress(p.start()) || !cidr.isHostAddress(p.end())) {
                throw NeutronErrors.badRequest("The allocation pool " + p.start() + "-" + p.end() + " spans beyond the subnet cidr " + cidr + ".");
            }
            if (i > 0 && sorted.get(i - 1).end().compareTo(p.start()) >= 0) {
                throw NeutronErrors.badRequest("Found overlapping allocation pools: " + sorted.get(i - 1).start() + "-" + sorted.get(i - 1).end()
                        + " and " + p.start() + "-" + p.end() + " for subnet " + cidr + ".");
            }
            if (gateway != null && gateway.compareTo(p.start()) >= 0 && gateway.compareTo(p.end()) <= 0) {
                throw NeutronErrors.conflict("GatewayConflictWithAllocationPools", "Gateway ip " + gateway
                        + " conflicts with allocation pool " + p.start() + "-" + p.end() + ".");
            }
        }
    }

    public Subnet findSubnet(UUID id) {
        return store.subnet(id).orElseThrow(() -> NeutronErrors.notFound("SubnetNotFound", "Subnet " + id + " could not be found."));
    }

    public void deleteSubnet(Subnet s) {
        if (store.subnetInUse(s.id())) {
            throw NeutronErrors.conflict("SubnetInUse", "Unable to complete operation on subnet " + s.id()
                    + ": One or more ports have an IP allocation from this subnet.");
        }
        store.deleteSubnet(s.id());
    }

    // --- ports

    /**
     * A wanted fixed IP: from a subnet, a given address, or both. {@code subnetId} null means "the subnet
     * of the network that holds the address".
     */
    public record IpRequest(UUID subnetId, IpAddress ip) {}

    /** What a port create asks for; {@code fixedIps} null means "one address from the network's subnets". */
    public record PortRequest(Network network, String projectId, String name, String description, String mac, boolean adminStateUp,
                              String deviceOwner, String deviceId, String vnicType, ObjectNode bindingProfile, List<IpRequest> fixedIps) {}

    public NetworkPort createPort(PortRequest r) {
        String wantedMac = r.mac();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            String mac = wantedMac != null ? wantedMac : randomMac();
            NetworkPort p = new NetworkPort(UUID.randomUUID(), r.network().id(), r.projectId(), r.name(), r.description(), mac,
                    r.adminStateUp(), r.deviceOwner(), r.deviceId(), r.vnicType(), r.bindingProfile(), List.of(), clock.instant(), null);
            try {
                store.jdbi().useTransaction(h -> {
                    store.insertPort(h, p);
                    allocate(h, p, r.network(), r.fixedIps() == null ? null : r.fixedIps(), List.of());
                });
                return store.port(p.id()).orElseThrow();
            } catch (UnableToExecuteStatementException e) {
                boolean anyAddress = r.fixedIps() == null || r.fixedIps().stream().allMatch(x -> x.ip() == null);
                if (anyAddress && SqlErrors.isUniqueViolationOf(e, "port_ip_pkey")) {
                    continue; // the subnet lock makes this rare (an allocator that did not take it); IPAM picks again
                }
                if (!SqlErrors.isUniqueViolationOf(e, "network_port_mac_unique")) {
                    throw ipConflict(e);
                }
                if (wantedMac != null) {
                    throw NeutronErrors.conflict("MacAddressInUse", "Unable to complete operation for network " + r.network().id()
                            + ". The mac address " + wantedMac + " is in use.");
                }
                // A generated MAC collided on this network; draw another.
            }
        }
        throw new ApiException(ErrorKind.UNAVAILABLE, "Could not pick a free MAC address; try again");
    }

    /** Changes a port's own attributes and, when {@code fixedIps} is not null, its set of fixed IPs. */
    public NetworkPort updatePort(NetworkPort updated, List<IpRequest> fixedIps) {
        NetworkPort before = findPort(updated.id());
        if (!before.macAddress().equals(updated.macAddress()) && binding(before).isPresent()) {
            throw NeutronErrors.conflict("PortBound", "Unable to complete operation on port " + before.id()
                    + ", port is already bound, port type: other, old_mac " + before.macAddress() + ", new_mac " + updated.macAddress() + ".");
        }
        Network network = networks.store().network(before.networkId()).orElseThrow();
        try {
            store.jdbi().useTransaction(h -> {
                store.updatePort(h, updated);
                if (fixedIps != null) {
                    allocate(h, before, network, fixedIps, before.fixedIps());
                }
            });
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isUniqueViolationOf(e, "network_port_mac_unique")) {
                throw NeutronErrors.conflict("MacAddressInUse", "The mac address " + updated.macAddress() + " is in use.");
            }
            throw ipConflict(e);
        }
        return findPort(updated.id());
    }

    private static RuntimeException ipConflict(UnableToExecuteStatementException e) {
        if (SqlErrors.isUniqueViolationOf(e, "port_ip_pkey")) {
            return NeutronErrors.conflict("IpAddressAlreadyAllocated", "The IP address was allocated to another port a moment ago; try again");
        }
        return e;
    }

    /**
     * Gives the port the wanted fixed IPs ({@code wanted} null: one per IP version from the network's
     * subnets), keeping those of {@code current} that are still wanted and releasing the rest. Runs inside
     * the port's transaction, with the network's subnets locked in id order (no deadlocks between allocators).
     */
    private void allocate(Handle h, NetworkPort port, Network network, List<IpRequest> wanted, List<NetworkPort.FixedIp> current) {
        List<Subnet> subnets = store.subnetsOf(h, List.of(network.id()));
        List<Resolved> resolved = new ArrayList<>();
        if (wanted == null) {
            Set<Integer> versions = new HashSet<>();
            subnets.stream().filter(s -> versions.add(s.cidr().version())).forEach(s -> resolved.add(new Resolved(s, null, true)));
        } else {
            wanted.forEach(r -> resolved.add(resolve(r, subnets, network)));
        }
        store.lockSubnets(h, subnets.stream().map(Subnet::id).toList());
        List<Resolved> fresh = new ArrayList<>();
        Set<NetworkPort.FixedIp> available = new HashSet<>(current);
        for (Resolved r : resolved) {
            Optional<NetworkPort.FixedIp> same = available.stream()
                    .filter(c -> c.subnetId().equals(r.subnet().id()) && (r.ip() == null || c.ipAddress().equals(r.ip().toString()))).findFirst();
            if (same.isPresent()) {
                available.remove(same.get());
            } else {
                fresh.add(r);
            }
        }
        for (NetworkPort.FixedIp gone : available) {
            store.deleteIp(h, port.id(), gone.subnetId(), gone.ipAddress());
        }
        for (Resolved r : fresh) {
            if (r.ip() != null) {
                if (heldByAnother(h, r.subnet().id(), r.ip().toString(), port.id())) {
                    throw NeutronErrors.conflict("IpAddressAlreadyAllocated", "IP address " + r.ip() + " already allocated in subnet "
                            + r.subnet().id());
                }
                store.insertIp(h, port.id(), r.subnet().id(), r.ip().toString());
                continue;
            }
            // A subnet asked for by id is that subnet; when the caller named none, IPAM moves on to the next of the same version.
            List<Subnet> candidates = r.fromAnySubnet()
                    ? subnets.stream().filter(s -> s.cidr().version() == r.subnet().cidr().version()).toList() : List.of(r.subnet());
            boolean done = false;
            for (Subnet s : candidates) {
                Optional<String> ip = store.lowestFreeIp(h, s.id());
                if (ip.isPresent()) {
                    store.insertIp(h, port.id(), s.id(), ip.get());
                    done = true;
                    break;
                }
            }
            if (!done) {
                throw noMoreAddresses(network);
            }
        }
    }

    private record Resolved(Subnet subnet, IpAddress ip, boolean fromAnySubnet) {}

    private Resolved resolve(IpRequest r, List<Subnet> subnets, Network network) {
        if (r.subnetId() != null) {
            Subnet s = subnets.stream().filter(x -> x.id().equals(r.subnetId())).findFirst().orElseThrow(() -> NeutronErrors.badRequest(
                    "Invalid input for operation: Failed to create port on network " + network.id()
                            + ", because fixed_ips included invalid subnet " + r.subnetId() + "."));
            if (r.ip() != null) {
                requireHostOf(s, r.ip());
            }
            return new Resolved(s, r.ip(), false);
        }
        if (r.ip() == null) {
            throw NeutronErrors.badRequest("Invalid input for operation: a fixed IP needs a subnet_id or an ip_address");
        }
        Subnet s = subnets.stream().filter(x -> x.cidr().contains(r.ip())).findFirst().orElseThrow(() -> NeutronErrors.badRequest(
                "Invalid input for operation: IP address " + r.ip() + " is not a valid IP for any of the subnets on network " + network.id() + "."));
        requireHostOf(s, r.ip());
        return new Resolved(s, r.ip(), false);
    }

    private static void requireHostOf(Subnet s, IpAddress ip) {
        if (!s.cidr().isHostAddress(ip) || ip.equals(s.gatewayIp())) {
            throw NeutronErrors.badRequest("Invalid input for operation: IP address " + ip + " is not a valid IP for the specified subnet.");
        }
    }

    private static boolean heldByAnother(Handle h, UUID subnet, String ip, UUID port) {
        return h.createQuery("select exists (select 1 from port_ip where subnet_id = :s and ip_address = cast(:ip as inet) and port_id <> :p)")
                .bind("s", subnet).bind("ip", ip).bind("p", port).mapTo(Boolean.class).one();
    }

    private static ApiException noMoreAddresses(Network network) {
        return NeutronErrors.conflict("IpAddressGenerationFailure", "No more IP addresses available on network " + network.id() + ".");
    }

    private String randomMac() {
        return String.format("%s:%02x:%02x:%02x", MAC_PREFIX, random.nextInt(256), random.nextInt(256), random.nextInt(256));
    }

    public NetworkPort findPort(UUID id) {
        return store.port(id).orElseThrow(() -> NeutronErrors.notFound("PortNotFound", "Port " + id + " could not be found."));
    }

    public Optional<PortBinding> binding(NetworkPort p) {
        return Optional.ofNullable(store.bindings(List.of(p.id())).get(p.id()));
    }

    public Map<UUID, PortBinding> bindings(List<NetworkPort> ports) {
        return store.bindings(ports.stream().map(NetworkPort::id).toList());
    }

    /** Refuses while the port is bound to a node or is part of a trunk; the switch would otherwise keep carrying it. */
    public void deletePort(NetworkPort p) {
        Optional<PortBinding> b = binding(p);
        if (b.isPresent()) {
            throw NeutronErrors.conflict("PortInUse", "Port " + p.id() + " is attached to node " + b.get().nodeUuid()
                    + "; detach it first (baremetal node vif detach)");
        }
        networks.store().trunkOfParent(p.id()).ifPresent(t -> {
            throw NeutronErrors.conflict("PortInUse", "Port " + p.id() + " is currently a parent port for trunk " + t.id() + ".");
        });
        networks.store().trunkOfSubport(p.id()).ifPresent(t -> {
            throw NeutronErrors.conflict("PortInUse", "Port " + p.id() + " is currently a subport for trunk " + t.id() + ".");
        });
        try {
            store.deletePort(p.id());
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isForeignKeyViolation(e)) {
                throw NeutronErrors.conflict("PortInUse", "Port " + p.id() + " was attached or put on a trunk a moment ago");
            }
            throw e;
        }
    }

    // --- trunks with ports

    /** A sub-port and the VLAN it is asked to carry; null when the caller lets it inherit the network's. */
    public record SubPort(NetworkPort port, Integer segmentationId) {}

    public Trunk createTrunk(String name, String projectId, String description, NetworkPort parent, List<SubPort> subPorts) {
        requireFree(parent, "parent port");
        Trunk t = new Trunk(UUID.randomUUID(), name, projectId, parent.networkId(), tagged(parent, subPorts, List.of()), clock.instant(),
                parent.id(), description);
        return networks.createTrunk(t);
    }

    public Trunk addSubports(Trunk t, List<SubPort> subPorts) {
        if (t.portId() == null) {
            throw NeutronErrors.badRequest("Trunk " + t.id() + " was made without a parent port; change it through /network/v1/trunks");
        }
        NetworkPort parent = findPort(t.portId());
        return networks.changeTagged(t, tagged(parent, subPorts, t.tagged()), List.of());
    }

    public Trunk removeSubports(Trunk t, List<UUID> ports) {
        List<UUID> networksToRemove = new ArrayList<>();
        for (UUID p : ports) {
            Trunk.Tagged tagged = t.tagged().stream().filter(x -> p.equals(x.portId())).findFirst().orElseThrow(() -> NeutronErrors.notFound(
                    "SubPortNotFound", "SubPort on trunk " + t.id() + " with parent port " + p + " could not be found."));
            networksToRemove.add(tagged.networkId());
        }
        return networks.changeTagged(t, List.of(), networksToRemove);
    }

    private List<Trunk.Tagged> tagged(NetworkPort parent, List<SubPort> subPorts, List<Trunk.Tagged> existing) {
        List<Trunk.Tagged> out = new ArrayList<>();
        Set<UUID> seen = new HashSet<>(existing.stream().map(Trunk.Tagged::networkId).toList());
        for (SubPort s : subPorts) {
            requireFree(s.port(), "sub-port");
            if (s.port().id().equals(parent.id())) {
                throw NeutronErrors.badRequest("Port " + parent.id() + " cannot be a sub-port of its own trunk");
            }
            Network n = networks.store().network(s.port().networkId()).orElseThrow();
            if (s.segmentationId() != null && s.segmentationId() != n.vlanId()) {
                throw NeutronErrors.badRequest("Sub-port " + s.port().id() + " is on network " + n.name() + ", which this service carries on VLAN "
                        + n.vlanId() + "; give segmentation_id " + n.vlanId() + " (or inherit)");
            }
            if (n.id().equals(parent.networkId())) {
                throw NeutronErrors.badRequest("Sub-port " + s.port().id() + " is on the trunk's native network " + n.name());
            }
            if (!seen.add(n.id())) {
                throw NeutronErrors.conflict("DuplicateSubPort", "segmentation_type vlan and segmentation_id " + n.vlanId()
                        + " already in use on trunk (network " + n.name() + ")");
            }
            out.add(new Trunk.Tagged(n.id(), s.port().id()));
        }
        return out;
    }

    private void requireFree(NetworkPort p, String role) {
        if (binding(p).isPresent() || networks.store().attachmentOfVif(p.id()).isPresent()) {
            throw NeutronErrors.conflict("PortInUse", "Port " + p.id() + " is attached to a node and cannot become a " + role);
        }
        networks.store().trunkOfParent(p.id()).ifPresent(t -> {
            throw NeutronErrors.conflict("TrunkPortInUse", "Port " + p.id() + " is in use by another trunk (parent of " + t.id() + ").");
        });
        networks.store().trunkOfSubport(p.id()).ifPresent(t -> {
            throw NeutronErrors.conflict("PortInUse", "Port " + p.id() + " is in use by another trunk (sub-port of " + t.id() + ").");
        });
    }

    // --- the bare-metal VIF API

    /**
     * Attaches a network port to a node NIC: the switch port is configured exactly as a network attachment
     * (the port's network, or its trunk when it is a trunk's parent), and the NIC records the VIF.
     */
    public Attachment attachVif(UUID node, String project, NetworkPort vif, UUID baremetalPort) {
        networks.store().attachmentOfVif(vif.id()).ifPresent(a -> {
            throw new ApiException(ErrorKind.CONFLICT, "VifAlreadyAttached", "Unable to attach VIF " + vif.id()
                    + " because it is already attached to node " + a.nodeUuid() + ".");
        });
        networks.store().trunkOfSubport(vif.id()).ifPresent(t -> {
            throw new ApiException(ErrorKind.CONFLICT, "PortInUse", "Unable to attach VIF " + vif.id() + ": it is a sub-port of trunk "
                    + t.id() + "; attach the trunk's parent port " + t.portId() + " instead.");
        });
        Optional<Trunk> trunk = networks.store().trunkOfParent(vif.id());
        Network network = trunk.isPresent() ? null : networks.store().network(vif.networkId()).orElseThrow();
        return networks.attach(node, project, new NetworkService.AttachRequest(network, trunk.orElse(null), baremetalPort, null, vif.id()));
    }
}
