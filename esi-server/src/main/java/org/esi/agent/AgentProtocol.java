package org.esi.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.esi.crypto.SecretBox;
import org.esi.http.ApiException;
import org.esi.http.Ids;
import org.esi.http.Jsons;
import org.esi.node.Node;
import org.esi.node.NodeService;
import org.esi.node.Port;

/**
 * The service side of the ramdisk endpoints, by Ironic's rules (agent-protocol.md §2-§4, §6.4):
 * {@code lookup} finds a node by its MACs and hands out the boot's agent token once, {@code heartbeat}
 * records where the agent listens (only with that token; a wrong or missing one changes nothing), and
 * {@code continue_inspection} takes the inventory of a node in {@code inspect wait}. All three are
 * anonymous, as in Ironic: the agent has no Keystone credentials.
 */
public final class AgentProtocol {
    /** Lookup and heartbeat exist from 1.22; the token from 1.62; the agent's auto-TLS certificate from 1.68. */
    static final int LOOKUP_MINOR = 22;
    static final int TOKEN_MINOR = 62;
    static final int AGENT_VERSION_MINOR = 36;
    static final int VERIFY_CA_MINOR = 68;
    static final int STATUS_MINOR = 72;
    /** Ironic's {@code [api]ramdisk_heartbeat_timeout}: the agent beats every 30-60 % of it. */
    public static final int HEARTBEAT_TIMEOUT_SECONDS = 300;
    /** Ironic's restrict_lookup: only a node the service is driving through an agent answers. */
    static final Set<String> LOOKUP_STATES = Set.of("deploying", "wait call-back", "cleaning", "clean wait", "inspecting",
            "inspect wait", "rescuing", "rescue wait", "service wait");
    private static final Pattern MAC = Pattern.compile("^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$");
    private static final Set<String> HEARTBEAT_FIELDS = Set.of("callback_url", "agent_token", "agent_version", "agent_verify_ca",
            "agent_status", "agent_status_message");
    /** One identical answer for every miss, so lookup tells a scanner nothing about which nodes exist. */
    static final String NOT_FOUND = "Node could not be found.";

    /** What the protocol tells the flows; both run after the answer is decided and never change it. */
    public interface Events {
        /** A heartbeat with the right token was recorded. */
        void heartbeat(UUID node);

        /** A node in {@code inspect wait} posted its inventory; the body has been checked for shape. */
        void inspected(Node node, ObjectNode body);
    }

    private final NodeService nodes;
    private final AgentStore store;
    private final ObjectMapper json;
    private final SecretBox secrets;
    private final Clock clock;
    private volatile Events events = new Events() {
        @Override
        public void heartbeat(UUID node) {}

        @Override
        public void inspected(Node node, ObjectNode body) {}
    };

    public AgentProtocol(NodeService nodes, AgentStore store, ObjectMapper json, SecretBox secrets, Clock clock) {
        this.secrets = secrets;
        this.nodes = nodes;
        this.store = store;
        this.json = json;
        this.clock = clock;
    }

    /** Wired once at start-up: the flows are built after the protocol they listen to. */
    public void listen(Events events) {
        this.events = events;
    }

    // --- lookup

    public Map<String, Object> lookup(int minor, List<String> addresses, String nodeUuid, String base) {
        if (minor < LOOKUP_MINOR) {
            throw ApiException.notFound("The lookup endpoint needs API version 1.22 or later; send X-OpenStack-Ironic-API-Version");
        }
        List<String> macs = new ArrayList<>();
        for (String a : addresses) {
            if (MAC.matcher(a).matches()) {
                macs.add(a.toLowerCase(Locale.ROOT).replace('-', ':')); // invalid ones are dropped, as Ironic does
            }
        }
        if (macs.isEmpty() && (nodeUuid == null || nodeUuid.isBlank())) {
            throw ApiException.badRequest("Lookup needs 'addresses' (a comma-separated list of MAC addresses) or 'node_uuid'");
        }
        Node node = findForLookup(macs, nodeUuid).orElseThrow(() -> ApiException.notFound(NOT_FOUND));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("heartbeat_timeout", HEARTBEAT_TIMEOUT_SECONDS);
        if (minor >= TOKEN_MINOR) {
            String token = AgentToken.generate();
            // Exactly one lookup per boot gets the token; every later one gets the mask and the agent keeps its own.
            config.put("agent_token", store.issueToken(node.uuid(), AgentToken.hash(token), secrets.seal(token), clock.instant()) ? token : AgentToken.MASK);
            config.put("agent_token_required", true);
        }
        config.put("agent_md5_checksum_enable", false);
        config.put("disable_deep_image_inspection", false);
        config.put("permitted_image_formats", List.of("raw", "gpt", "qcow2"));
        config.put("tls_min_version", "1.2");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node", anonymousView(node, base));
        out.put("config", config);
        return out;
    }

    private Optional<Node> findForLookup(List<String> macs, String nodeUuid) {
        Optional<Node> node;
        if (nodeUuid != null && !nodeUuid.isBlank()) {
            node = Ids.looksLikeUuid(nodeUuid) ? nodes.store().node(Ids.parseUuid(nodeUuid, "node_uuid")) : Optional.empty();
        } else {
            node = byMacs(macs);
        }
        return node.filter(n -> LOOKUP_STATES.contains(n.provisionState()));
    }

    /** The one node owning ports with these addresses; none, or ports of two nodes, is no answer. */
    Optional<Node> byMacs(List<String> macs) {
        Set<UUID> owners = new LinkedHashSet<>();
        for (String mac : macs) {
            nodes.store().portByAddress(mac).map(Port::nodeUuid).ifPresent(owners::add);
        }
        return owners.size() == 1 ? nodes.store().node(owners.iterator().next()) : Optional.empty();
    }

    /**
     * The node as an anonymous caller may see it (Ironic's sanitizing): what the agent needs, with the
     * config drive, image URL credentials and every secret-looking key masked.
     */
    private Map<String, Object> anonymousView(Node n, String base) {
        ObjectNode info = n.instanceInfo().deepCopy();
        for (String key : List.of("configdrive", "image_url")) {
            if (info.has(key)) {
                info.put(key, AgentToken.MASK);
            }
        }
        if (info.hasNonNull("image_source") && info.get("image_source").isTextual()) {
            info.put("image_source", withoutCredentials(info.get("image_source").textValue()));
        }
        ObjectNode dii = json.createObjectNode();
        n.driverInternalInfo().fields().forEachRemaining(e -> {
            // The iPXE script URL carries the node's boot token; anything secret-looking stays home too.
            if (!e.getKey().equals("ipxe_script_url") && !NodeService.isSecretKey(e.getKey())) {
                dii.set(e.getKey(), e.getValue());
            }
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uuid", n.uuid().toString());
        m.put("properties", n.properties());
        m.put("instance_info", info);
        m.put("driver_internal_info", dii);
        m.put("links", List.of(Map.of("href", base + "/baremetal/v1/nodes/" + n.uuid(), "rel", "self")));
        return m;
    }

    /** A URL as it may be shown or logged: any user:password@ part is replaced by the mask. */
    public static String withoutCredentials(String url) {
        try {
            URI u = new URI(url);
            if (u.getRawUserInfo() == null) {
                return url;
            }
            return new URI(u.getScheme(), AgentToken.MASK, u.getHost(), u.getPort(), u.getRawPath(), null, null).toString();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return AgentToken.MASK; // not a URL we can take apart: show nothing of it
        }
    }

    // --- heartbeat

    /**
     * Ironic's checks, in its order (agent-protocol.md §4). Everything is checked before anything is
     * written, and the write re-checks the token under the session's row lock, so a refused heartbeat
     * changes nothing and two racing ones cannot both pin a different certificate.
     */
    public void heartbeat(int minor, String ident, ObjectNode body) {
        // The body's shape first (as Ironic's schema validation runs before the handler), then the version.
        Jsons.requireOnly(body, HEARTBEAT_FIELDS, "a heartbeat");
        String callback = Jsons.optString(body, "callback_url", 2048);
        String token = Jsons.optString(body, "agent_token", 1024);
        String version = Jsons.optString(body, "agent_version", 255);
        String verifyCa = Jsons.optString(body, "agent_verify_ca", 16384);
        String status = Jsons.optString(body, "agent_status", 32);
        Jsons.optString(body, "agent_status_message", 4096);
        if (minor < LOOKUP_MINOR) {
            throw ApiException.notFound("The heartbeat endpoint needs API version 1.22 or later; send X-OpenStack-Ironic-API-Version");
        }
        if (version != null && minor < AGENT_VERSION_MINOR) {
            throw ApiException.badRequest("agent_version needs API version 1.36 or later");
        }
        if ((status != null || body.hasNonNull("agent_status_message")) && minor < STATUS_MINOR) {
            throw ApiException.badRequest("agent_status needs API version 1.72 or later");
        }
        if (verifyCa != null && minor < VERIFY_CA_MINOR) {
            throw ApiException.badRequest("agent_verify_ca needs API version 1.68 or later");
        }
        Node node = nodes.lookup(ident).orElseThrow(() -> ApiException.notFound("Node " + Jsons.clip(ident) + " could not be found."));
        if (callback != null && !callback.isEmpty()) {
            requireCallback(callback);
        }
        Optional<AgentSession> session = store.session(node.uuid());
        String knownUrl = session.map(AgentSession::agentUrl).orElse(null);
        if (knownUrl != null && callback != null && !callback.isEmpty() && !knownUrl.equals(callback)) {
            throw ApiException.badRequest("Detected change in ramdisk provided callback_url");
        }
        if (token == null) {
            throw ApiException.badRequest("Agent token is required for heartbeat processing.");
        }
        if (status != null && !Set.of("start", "end", "error").contains(status)) {
            throw ApiException.badRequest("Unknown agent_status '" + Jsons.clip(status) + "'; use start, end or error");
        }
        if (version == null && status == null) {
            throw ApiException.badRequest("A heartbeat needs agent_version or agent_status");
        }
        if (session.isEmpty() || !AgentToken.matches(token, session.get().tokenHash())) {
            throw ApiException.badRequest("Invalid or missing agent token received.");
        }
        boolean https = callback != null && callback.toLowerCase(Locale.ROOT).startsWith("https://");
        if (requiresTls(node) && !https) {
            throw ApiException.badRequest("TLS is required by configuration");
        }
        if (verifyCa != null) {
            if (!https) {
                throw ApiException.badRequest("agent_verify_ca is only meaningful with an https:// callback_url");
            }
            requireCertificate(verifyCa);
            String pinned = session.get().verifyCa();
            if (pinned != null && !pinned.strip().equals(verifyCa.strip())) {
                throw ApiException.badRequest("Detected change in ramdisk provided agent_verify_ca");
            }
        }
        Instant now = clock.instant();
        boolean recorded = store.jdbi().inTransaction(h -> {
            Optional<AgentSession> locked = store.session(h, node.uuid(), true);
            if (locked.isEmpty() || !AgentToken.matches(token, locked.get().tokenHash())) {
                return false;
            }
            AgentSession s = locked.get();
            if ((s.agentUrl() != null && callback != null && !callback.isEmpty() && !s.agentUrl().equals(callback))
                    || (s.verifyCa() != null && verifyCa != null && !s.verifyCa().strip().equals(verifyCa.strip()))) {
                return false; // another heartbeat of this boot got there first with other values
            }
            String url = callback == null || callback.isEmpty() ? s.agentUrl() : callback;
            store.recordHeartbeat(h, node.uuid(), url, version, verifyCa, now);
            ObjectNode mirror = json.createObjectNode();
            if (url != null) {
                mirror.put("agent_url", url);
            }
            if (version != null) {
                mirror.put("agent_version", version);
            }
            mirror.put("agent_last_heartbeat", now.toString());
            // Ironic's driver_internal_info keys, so operators see what they would see there; never the token.
            h.createUpdate("update node set driver_internal_info = driver_internal_info || cast(:m as jsonb) where uuid = :u")
                    .bind("m", mirror.toString()).bind("u", node.uuid()).execute();
            return true;
        });
        if (!recorded) {
            throw ApiException.badRequest("Invalid or missing agent token received.");
        }
        events.heartbeat(node.uuid());
    }

    private static boolean requiresTls(Node node) {
        return node.driverInfo().path("agent_require_tls").asBoolean(false);
    }

    private static void requireCallback(String callback) {
        URI u;
        try {
            u = new URI(callback);
        } catch (java.net.URISyntaxException e) {
            throw ApiException.badRequest("callback_url is not a URL");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null || u.getRawUserInfo() != null
                || u.getRawQuery() != null || u.getRawFragment() != null) {
            throw ApiException.badRequest("callback_url must be an http:// or https:// URL of the agent (host and port only)");
        }
    }

    private static void requireCertificate(String pem) {
        try {
            var certs = CertificateFactory.getInstance("X.509").generateCertificates(
                    new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            if (certs.size() != 1) {
                throw ApiException.badRequest("agent_verify_ca must hold exactly one PEM certificate");
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw ApiException.badRequest("agent_verify_ca is not a PEM certificate");
        }
    }

    // --- inspection

    /** Ironic's continue_inspection at version 1.1 (no header): 202 {@code {"uuid"}}. */
    public Map<String, Object> continueInspection(boolean versionHeaderSent, int minor, ObjectNode body) {
        if (versionHeaderSent && minor > 1) {
            // Ironic serves it at 1.1 or from 1.84 (which this service does not reach yet).
            throw ApiException.notFound("continue_inspection is served without a version header (1.1)");
        }
        ObjectNode inventory = Jsons.requireObject(body, "inventory");
        JsonNode interfaces = inventory.get("interfaces");
        if (interfaces == null || !interfaces.isArray() || interfaces.isEmpty()) {
            throw ApiException.badRequest("The inventory has no interfaces");
        }
        List<String> macs = new ArrayList<>();
        for (JsonNode i : interfaces) {
            if (!i.isObject()) {
                throw ApiException.badRequest("inventory.interfaces must be a list of objects");
            }
            String mac = i.path("mac_address").asText("");
            if (MAC.matcher(mac).matches()) {
                macs.add(mac.toLowerCase(Locale.ROOT).replace('-', ':'));
            }
        }
        String bmc = inventory.path("bmc_address").isTextual() ? inventory.get("bmc_address").textValue() : null;
        if (macs.isEmpty() && (bmc == null || bmc.isBlank() || bmc.equals("0.0.0.0"))) {
            throw ApiException.badRequest("The inventory names no valid MAC address and no BMC address");
        }
        for (String part : List.of("cpu", "memory")) {
            if (inventory.has(part) && !inventory.get(part).isObject()) {
                throw ApiException.badRequest("inventory." + part + " must be an object");
            }
        }
        if (inventory.has("disks") && !inventory.get("disks").isArray()) {
            throw ApiException.badRequest("inventory.disks must be a list");
        }
        Node node = byMacs(macs).or(() -> byBmcAddress(bmc)).filter(n -> n.provisionState().equals("inspect wait"))
                .orElseThrow(() -> ApiException.notFound(NOT_FOUND));
        events.inspected(node, body);
        return Map.of("uuid", node.uuid().toString());
    }

    /** A node whose BMC address (ipmi_address, or redfish_address's host) is the one the agent read from the BMC. */
    private Optional<Node> byBmcAddress(String bmc) {
        if (bmc == null || bmc.isBlank()) {
            return Optional.empty();
        }
        List<UUID> waiting = store.jdbi().withHandle(h -> h.createQuery("select uuid from node where provision_state = 'inspect wait'")
                .mapTo(UUID.class).list());
        List<Node> found = waiting.stream().map(nodes.store()::node).flatMap(Optional::stream)
                .filter(n -> bmc.equals(n.driverInfo().path("ipmi_address").asText(null)) || bmc.equals(host(n.driverInfo().path("redfish_address").asText(null))))
                .toList();
        return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
    }

    private static String host(String url) {
        try {
            return url == null ? null : new URI(url).getHost();
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }
}
