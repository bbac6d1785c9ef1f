package org.esi.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.esi.crypto.SecretBox;
import org.esi.http.ApiException;
import org.esi.http.Ids;
import org.esi.identity.IdentityService;
import org.esi.identity.Project;
import org.esi.persistence.SqlErrors;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** Node and port rules that hold whoever asks: valid names and drivers, known projects, sealed secrets. */
public final class NodeService {
    private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9\\-._~]{1,255}$");
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|secret|token|_key)$");
    private static final Pattern MAC = Pattern.compile("^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$");
    public static final String MASK = "******";

    private final NodeStore store;
    private final IdentityService identity;
    private final DriverCatalog drivers;
    private final SecretBox secrets;
    private final ObjectMapper json;
    private final Clock clock;
    private final java.util.function.Predicate<UUID> booked;

    /** {@code booked} tells whether a node has live offers or leases; such a node cannot be deleted. */
    public NodeService(NodeStore store, IdentityService identity, DriverCatalog drivers, SecretBox secrets, ObjectMapper json, Clock clock,
                       java.util.function.Predicate<UUID> booked) {
        this.booked = booked;
        this.store = store;
        this.identity = identity;
        this.drivers = drivers;
        this.secrets = secrets;
        this.json = json;
        this.clock = clock;
    }

    public NodeStore store() {
        return store;
    }

    /** A node by UUID or name; 404 when there is none. */
    public Node find(String ident) {
        return lookup(ident).orElseThrow(() -> ApiException.notFound("Node " + ident + " could not be found."));
    }

    public Optional<Node> lookup(String ident) {
        if (ident == null || ident.isEmpty() || ident.length() > 255) {
            return Optional.empty();
        }
        if (Ids.looksLikeUuid(ident)) {
            return store.node(Ids.parseUuid(ident, "node"));
        }
        List<Node> named = store.nodesByName(ident);
        return named.isEmpty() ? Optional.empty() : Optional.of(named.get(0));
    }

    /** The id of a project named by id or name, if it exists. */
    public Optional<String> lookupProjectId(String idOrName) {
        return identity.findProject(idOrName).map(Project::id);
    }

    /** A project id for an id or name given by a client; 400 when unknown (the body named it, not the path). */
    public String projectId(String idOrName, String field) {
        return identity.findProject(idOrName).map(Project::id)
                .orElseThrow(() -> ApiException.badRequest("'" + field + "': project " + idOrName + " does not exist"));
    }

    public Node create(NodeDraft d) {
        validate(d);
        var now = clock.instant();
        UUID uuid = d.uuid().orElseGet(UUID::randomUUID);
        Node n = new Node(uuid, d.name(), d.driver(), withDriverDefaults(uuid, d, sealSecrets(d.driverInfo(), null)),
                json.createObjectNode(), null, null, "enroll", null, false, null, null, null, d.resourceClass(),
                d.properties(), d.instanceInfo(), null, d.extra(), d.description(), d.owner(), d.lessee(), false, d.traits(),
                now, null, null, null);
        write(() -> store.jdbi().useHandle(h -> store.insert(h, n)), n.name(), n.uuid());
        return n;
    }

    /** Applies an edit inside one transaction with the node's row locked, so concurrent patches never lose an update. */
    public Node update(UUID uuid, java.util.function.Function<Node, NodeDraft> edit) {
        return write(() -> store.jdbi().inTransaction(h -> {
            Node current = store.nodeForUpdate(h, uuid).orElseThrow(() -> ApiException.notFound("Node " + uuid + " could not be found."));
            NodeDraft d = edit.apply(current);
            validate(d);
            Node n = new Node(current.uuid(), d.name(), d.driver(),
                    withDriverDefaults(current.uuid(), d, sealSecrets(d.driverInfo(), current.driverInfo())),
                    current.driverInternalInfo(), current.powerState(), current.targetPowerState(), current.provisionState(),
                    current.targetProvisionState(), d.maintenance(), d.maintenanceReason(), current.lastError(),
                    current.reservation(), d.resourceClass(), d.properties(), d.instanceInfo(), d.instanceUuid(), d.extra(),
                    d.description(), d.owner(), d.lessee(), current.consoleEnabled(), d.traits(), current.createdAt(),
                    clock.instant(), current.provisionUpdatedAt(), current.inspectionFinishedAt());
            store.update(h, n);
            return n;
        }), null, uuid);
    }

    public void delete(UUID uuid) {
        if (booked.test(uuid)) {
            throw ApiException.conflict("Node " + uuid + " has live offers or leases; cancel them first");
        }
        try {
            store.jdbi().useHandle(h -> store.delete(h, uuid));
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isForeignKeyViolation(e)) {
                throw ApiException.conflict("Node " + uuid + " still has offers or leases; end them first");
            }
            throw e;
        }
    }

    /** What the node's driver adds for a node that left it out (fake-hardware: a machine of its own). */
    private ObjectNode withDriverDefaults(UUID uuid, NodeDraft d, ObjectNode sealed) {
        Map<String, Object> add = drivers.perNodeDefaults(d.driver(), uuid.toString(), plain(d.driverInfo()));
        if (add.isEmpty()) {
            return sealed;
        }
        ObjectNode out = sealed.deepCopy();
        add.forEach((k, v) -> {
            if (!out.has(k)) {
                out.set(k, json.valueToTree(v));
            }
        });
        return out;
    }

    private void validate(NodeDraft d) {
        if (d.name() != null && (!NAME.matcher(d.name()).matches() || Ids.looksLikeUuid(d.name()))) {
            throw ApiException.badRequest("Node name '" + d.name() + "' is invalid: use 1-255 letters, digits or - . _ ~ and not a UUID");
        }
        if (!drivers.names().contains(d.driver())) {
            throw ApiException.badRequest("Unknown driver '" + d.driver() + "'; available: " + String.join(", ", drivers.names().stream().sorted().toList()));
        }
        List<String> problems = drivers.validate(d.driver(), plain(d.driverInfo()));
        if (!problems.isEmpty()) {
            throw ApiException.badRequest("Invalid driver_info for driver " + d.driver() + ": " + String.join("; ", problems));
        }
        if (d.resourceClass() != null && d.resourceClass().length() > 80) {
            throw ApiException.badRequest("resource_class is longer than 80 characters");
        }
        if (d.description() != null && d.description().length() > 4096) {
            throw ApiException.badRequest("description is longer than 4096 characters");
        }
        for (String t : d.traits()) {
            if (t.isEmpty() || t.length() > 255) {
                throw ApiException.badRequest("A trait must be 1 to 255 characters");
            }
        }
    }

    /** driver_info as the driver will see it: stored secrets unsealed, so validation judges the real values. */
    private Map<String, Object> plain(ObjectNode info) {
        ObjectNode open = info.deepCopy();
        info.fields().forEachRemaining(e -> {
            if (e.getValue().isTextual() && SecretBox.isSealed(e.getValue().textValue())) {
                open.put(e.getKey(), secrets.open(e.getValue().textValue()));
            }
        });
        @SuppressWarnings("unchecked")
        Map<String, Object> m = json.convertValue(open, Map.class);
        return m;
    }

    /**
     * Seals every secret-looking value. A client that sends back the mask it was shown keeps the stored
     * secret instead of overwriting it with asterisks.
     */
    private ObjectNode sealSecrets(ObjectNode info, ObjectNode previous) {
        ObjectNode out = info.deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> it = info.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!isSecretKey(e.getKey()) || !e.getValue().isTextual()) {
                continue;
            }
            String v = e.getValue().textValue();
            if (SecretBox.isSealed(v)) {
                continue;
            }
            if (v.equals(MASK)) {
                JsonNode old = previous == null ? null : previous.get(e.getKey());
                if (old != null) {
                    out.set(e.getKey(), old);
                } else {
                    out.remove(e.getKey());
                }
            } else {
                out.put(e.getKey(), secrets.seal(v));
            }
        }
        return out;
    }

    /**
     * What ending a lease does to the inventory: the lessee's deployment record and console go, so the
     * next holder starts clean. Power and cleaning are the hardware layer's part.
     */
    public void resetAfterLease(UUID uuid) {
        store.jdbi().useTransaction(h -> store.nodeForUpdate(h, uuid).ifPresent(n -> store.update(h, new Node(n.uuid(), n.name(),
                n.driver(), n.driverInfo(), n.driverInternalInfo(), n.powerState(), n.targetPowerState(), n.provisionState(),
                n.targetProvisionState(), n.maintenance(), n.maintenanceReason(), n.lastError(), n.reservation(), n.resourceClass(),
                n.properties(), json.createObjectNode(), null, n.extra(), n.description(), n.owner(), n.lessee(), false, n.traits(),
                n.createdAt(), clock.instant(), n.provisionUpdatedAt(), n.inspectionFinishedAt()))));
    }

    /** Cleaning's database part: what the deploy wrote (image, configdrive, instance) is forgotten. */
    public void eraseDeployment(UUID uuid) {
        resetAfterLease(uuid);
    }

    /** Inspection's results: Ironic's properties, and a port for every NIC MAC not yet known. */
    public void recordInspection(UUID uuid, org.esi.spi.HardwareInventory inv) {
        store.jdbi().useTransaction(h -> {
            Node n = store.nodeForUpdate(h, uuid).orElseThrow();
            ObjectNode props = n.properties().deepCopy();
            props.put("cpus", inv.cpus());
            props.put("memory_mb", inv.memoryMb());
            props.put("local_gb", inv.localGb());
            if (inv.cpuArch() != null) {
                props.put("cpu_arch", inv.cpuArch());
            }
            var now = clock.instant();
            store.update(h, new Node(n.uuid(), n.name(), n.driver(), n.driverInfo(), n.driverInternalInfo(), n.powerState(),
                    n.targetPowerState(), n.provisionState(), n.targetProvisionState(), n.maintenance(), n.maintenanceReason(),
                    n.lastError(), n.reservation(), n.resourceClass(), props, n.instanceInfo(), n.instanceUuid(), n.extra(),
                    n.description(), n.owner(), n.lessee(), n.consoleEnabled(), n.traits(), n.createdAt(), now,
                    n.provisionUpdatedAt(), now));
            for (var nic : inv.nics()) {
                if (nic.mac() == null || !MAC.matcher(nic.mac()).matches()) {
                    continue;
                }
                String mac = mac(nic.mac());
                boolean known = h.createQuery("select count(*) from port where address = :a").bind("a", mac).mapTo(Integer.class).one() > 0;
                if (!known) {
                    store.insertPort(h, new Port(UUID.randomUUID(), mac, uuid, json.createObjectNode(), null, true,
                            json.createObjectNode(), json.createObjectNode(), now, null));
                }
            }
        });
    }

    /** driver_info with secrets in clear, for the one place that talks to the BMC. */
    public ObjectNode unsealedDriverInfo(Node n) {
        ObjectNode out = n.driverInfo().deepCopy();
        n.driverInfo().fields().forEachRemaining(e -> {
            if (e.getValue().isTextual() && SecretBox.isSealed(e.getValue().textValue())) {
                out.put(e.getKey(), secrets.open(e.getValue().textValue()));
            }
        });
        return out;
    }

    /**
     * last_error as the node's lessee may read it (see {@link LastErrors}). A lean list leaves driver_info out,
     * so the node is read again to know what to hide; that costs a query only for nodes that have an error.
     */
    public String lastErrorForLessee(Node n) {
        if (n.lastError() == null) {
            return null;
        }
        Node full = n.driverInfo().isEmpty() ? store.node(n.uuid()).orElse(n) : n;
        return LastErrors.forLessee(n.lastError(), unsealedDriverInfo(full));
    }

    public static boolean isSecretKey(String key) {
        return SECRET_KEY.matcher(key).matches();
    }

    /** Lower-case colon form of a MAC; 400 when it is not one. */
    public static String mac(String address) {
        if (address == null || !MAC.matcher(address).matches()) {
            throw ApiException.badRequest("'" + address + "' is not a valid MAC address");
        }
        return address.toLowerCase().replace('-', ':');
    }

    private <T> T write(java.util.function.Supplier<T> action, String name, UUID uuid) {
        try {
            return action.get();
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isUniqueViolation(e)) {
                throw ApiException.conflict(name != null && e.getMessage().contains("name")
                        ? "A node named '" + name + "' already exists"
                        : "A node with UUID " + uuid + " or that name already exists");
            }
            if (SqlErrors.isForeignKeyViolation(e)) {
                throw ApiException.badRequest("owner or lessee names a project that does not exist");
            }
            throw e;
        }
    }

    private void write(Runnable action, String name, UUID uuid) {
        write(() -> {
            action.run();
            return null;
        }, name, uuid);
    }

    static List<String> traits(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!(node instanceof ArrayNode a)) {
            throw ApiException.badRequest("traits must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode t : a) {
            if (!t.isTextual()) {
                throw ApiException.badRequest("traits must be a list of strings");
            }
            out.add(t.textValue());
        }
        return out;
    }
}
