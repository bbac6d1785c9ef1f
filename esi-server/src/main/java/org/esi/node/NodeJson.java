package org.esi.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esi.http.ApiException;

/** Ironic's representation of nodes and ports, with the masking the caller's rights demand. */
final class NodeJson {
    static final List<String> NODE_FIELDS = List.of("uuid", "name", "driver", "driver_info", "driver_internal_info",
            "power_state", "target_power_state", "provision_state", "target_provision_state", "maintenance",
            "maintenance_reason", "last_error", "reservation", "resource_class", "properties", "instance_info",
            "instance_uuid", "extra", "description", "owner", "lessee", "console_enabled", "traits", "created_at",
            "updated_at", "provision_updated_at", "inspection_finished_at", "links", "ports", "states");
    static final List<String> NODE_SHORT = List.of("uuid", "name", "instance_uuid", "power_state", "provision_state",
            "maintenance", "links");
    static final List<String> PORT_FIELDS = List.of("uuid", "address", "node_uuid", "local_link_connection",
            "physical_network", "pxe_enabled", "extra", "internal_info", "created_at", "updated_at", "links");
    static final List<String> PORT_SHORT = List.of("uuid", "address", "links");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx").withZone(ZoneOffset.UTC);

    private NodeJson() {}

    /** Fields asked for with {@code fields=a,b}; unknown names are 400. */
    static List<String> fields(String requested, List<String> all, List<String> fallback) {
        if (requested == null) {
            return fallback;
        }
        List<String> out = List.of(requested.split(",")).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String f : out) {
            if (!all.contains(f)) {
                throw ApiException.badRequest("Unknown field '" + f + "' in fields");
            }
        }
        return out;
    }

    /** Ironic's words for a last_error the caller may not read at all. */
    static final String LAST_ERROR_REDACTED = "** Value Redacted - Requires baremetal:node:get:last_error permission. **";

    static Map<String, Object> node(Node n, String base, boolean seesSecrets, List<String> fields) {
        return node(n, base, seesSecrets, seesSecrets || n.lastError() == null ? n.lastError() : LAST_ERROR_REDACTED, fields);
    }

    /** With {@code lastError} as the caller may read it (whole, scrubbed or redacted: the routes decide). */
    static Map<String, Object> node(Node n, String base, boolean seesSecrets, String lastError, List<String> fields) {
        Map<String, Object> m = new LinkedHashMap<>();
        // fields was validated once per request; walking it directly keeps per-node work to the output itself.
        for (String f : fields) {
            Object v = switch (f) {
                case "uuid" -> n.uuid().toString();
                case "name" -> n.name();
                case "driver" -> n.driver();
                case "driver_info" -> seesSecrets ? masked(n.driverInfo())
                        : Map.of("content", "** Redacted - Requires baremetal:node:get:secrets permission. **");
                case "driver_internal_info" -> seesSecrets ? n.driverInternalInfo()
                        : Map.of("content", "** Redacted - Requires baremetal:node:get:secrets permission. **");
                case "power_state" -> n.powerState();
                case "target_power_state" -> n.targetPowerState();
                case "provision_state" -> n.provisionState();
                case "target_provision_state" -> n.targetProvisionState();
                case "maintenance" -> n.maintenance();
                case "maintenance_reason" -> n.maintenanceReason();
                case "last_error" -> lastError;
                case "reservation" -> seesSecrets || n.reservation() == null ? n.reservation()
                        : "** Redacted - requires baremetal:node:get:secrets permission. **";
                case "resource_class" -> n.resourceClass();
                case "properties" -> n.properties();
                case "instance_info" -> n.instanceInfo();
                case "instance_uuid" -> n.instanceUuid() == null ? null : n.instanceUuid().toString();
                case "extra" -> n.extra();
                case "description" -> n.description();
                case "owner" -> n.owner();
                case "lessee" -> n.lessee();
                case "console_enabled" -> n.consoleEnabled();
                case "traits" -> n.traits();
                case "created_at" -> time(n.createdAt());
                case "updated_at" -> time(n.updatedAt());
                case "provision_updated_at" -> time(n.provisionUpdatedAt());
                case "inspection_finished_at" -> time(n.inspectionFinishedAt());
                case "links" -> links(base, "nodes", n.uuid().toString());
                case "ports" -> links(base, "nodes", n.uuid() + "/ports");
                case "states" -> links(base, "nodes", n.uuid() + "/states");
                default -> throw new IllegalStateException(f);
            };
            m.put(f, v);
        }
        return m;
    }

    static Map<String, Object> port(Port p, String base, List<String> fields) {
        Set<String> wanted = Set.copyOf(fields);
        Map<String, Object> m = new LinkedHashMap<>();
        for (String f : PORT_FIELDS) {
            if (!wanted.contains(f)) {
                continue;
            }
            Object v = switch (f) {
                case "uuid" -> p.uuid().toString();
                case "address" -> p.address();
                case "node_uuid" -> p.nodeUuid().toString();
                case "local_link_connection" -> p.localLinkConnection();
                case "physical_network" -> p.physicalNetwork();
                case "pxe_enabled" -> p.pxeEnabled();
                case "extra" -> p.extra();
                case "internal_info" -> p.internalInfo();
                case "created_at" -> time(p.createdAt());
                case "updated_at" -> time(p.updatedAt());
                case "links" -> links(base, "ports", p.uuid().toString());
                default -> throw new IllegalStateException(f);
            };
            m.put(f, v);
        }
        return m;
    }

    /** Secrets show as asterisks to everyone, the owner included: they are write-only. */
    static ObjectNode masked(ObjectNode info) {
        ObjectNode out = info.deepCopy();
        info.fieldNames().forEachRemaining(k -> {
            if (NodeService.isSecretKey(k)) {
                out.put(k, NodeService.MASK);
            }
        });
        return out;
    }

    static String time(Instant i) {
        return i == null ? null : TIME.format(i);
    }

    private static List<Map<String, String>> links(String base, String collection, String id) {
        return List.of(Map.of("href", base + "/baremetal/v1/" + collection + "/" + id, "rel", "self"),
                Map.of("href", base + "/baremetal/" + collection + "/" + id, "rel", "bookmark"));
    }
}
