package org.esi.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the Assisted Installer, for tests: an HTTP server on 127.0.0.1 answering the calls ESI makes the way
 * assisted-service's published REST API v2 (its swagger.yaml) says, under {@code /api/assisted-install}, and an SSO
 * token endpoint at {@code /token} that exchanges the one offline token it knows for access tokens of a short life,
 * answering 401 to any call made with an expired (or revoked) one. It keeps clusters, infra-envs and hosts in memory
 * and moves them along as the real service would, quickly: a day-1 cluster is {@code ready} once all its hosts are
 * {@code known}, and {@code installed} a moment after its install (then {@code allow-add-workers} makes it take more,
 * host by host); a day-2 host is {@code added-to-existing-cluster}
 * a moment after its install.
 *
 * <p>No discovery agent boots on fake hardware, so the test plays it: {@link #registerHost} is what a node's agent
 * does once the node has booted the discovery ISO (register, then report an inventory with the node's MAC).
 * No real Assisted Installer runs here.
 */
final class AssistedInstallerStandIn implements AutoCloseable {
    static final String OFFLINE_TOKEN = "offline-eyJhbGciOiJIUzI1NiJ9.standin-offline-token-7d1e";
    static final String PULL_SECRET = "{\"auths\":{\"cloud.openshift.com\":{\"auth\":\"c3RhbmRpbi1wdWxsLXNlY3JldC05YjJm\",\"email\":\"t@example.com\"}}}";
    static final Duration SETTLE = Duration.ofMillis(500);

    /** One call as the stand-in saw it: {@code expired} when its token had run out (it was then answered 401). */
    record Call(Instant at, String method, String path, String token, boolean expired, int status) {}

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final Duration tokenLife;
    private final Map<String, Instant> tokens = new HashMap<>();
    private final Map<String, ObjectNode> clusters = new LinkedHashMap<>();
    private final Map<String, ObjectNode> infraEnvs = new LinkedHashMap<>();
    private final Map<String, ObjectNode> hosts = new LinkedHashMap<>();
    private final Map<String, Instant> installedAt = new HashMap<>();
    final List<Call> calls = new CopyOnWriteArrayList<>();
    final List<String> imageUrls = new CopyOnWriteArrayList<>();
    final List<String> deletedMacs = new CopyOnWriteArrayList<>();
    final List<String> bodies = new CopyOnWriteArrayList<>();
    volatile Consumer<String> onDeleteHost = mac -> { };
    private final Map<String, Integer> failures = new java.util.concurrent.ConcurrentHashMap<>();
    private int issued;

    AssistedInstallerStandIn(Duration tokenLife) throws IOException {
        this.tokenLife = tokenLife;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", this::token);
        server.createContext("/api/assisted-install/", this::api);
        server.start();
    }

    String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/assisted-install";
    }

    String tokenUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    synchronized int tokensIssued() {
        return issued;
    }

    /** The next {@code n} calls whose {@code "METHOD path"} matches {@code regex} are answered 503. */
    void failNext(String regex, int n) {
        failures.put(regex, n);
    }

    private boolean failing(String method, String path) {
        for (Map.Entry<String, Integer> f : failures.entrySet()) {
            if ((method + " " + path).matches(f.getKey()) && f.getValue() > 0) {
                failures.merge(f.getKey(), -1, Integer::sum);
                return true;
            }
        }
        return false;
    }

    /** Every token so far stops working at once (the next call is 401). */
    synchronized void revokeTokens() {
        tokens.replaceAll((t, end) -> Instant.EPOCH);
    }

    synchronized List<ObjectNode> clusters() {
        return List.copyOf(clusters.values());
    }

    synchronized List<ObjectNode> infraEnvs() {
        return List.copyOf(infraEnvs.values());
    }

    synchronized List<ObjectNode> hosts() {
        hosts.values().forEach(this::settle);
        return hosts.values().stream().map(ObjectNode::deepCopy).toList();
    }

    long count(String method, String pathPattern) {
        return calls.stream().filter(c -> c.method().equals(method) && c.path().matches(pathPattern) && c.status() < 300).count();
    }

    /** The agent's part: the host of the node with {@code mac}, registered to the infra-env and with its inventory reported. */
    synchronized ObjectNode registerHost(String infraEnvId, String mac) {
        ObjectNode env = infraEnvs.get(infraEnvId);
        if (env == null) {
            throw new IllegalArgumentException("no infra-env " + infraEnvId);
        }
        String id = UUID.randomUUID().toString();
        ObjectNode h = json.createObjectNode().put("id", id).put("kind", "Host").put("infra_env_id", infraEnvId)
                .put("href", "/api/assisted-install/v2/infra-envs/" + infraEnvId + "/hosts/" + id)
                .put("role", "auto-assign").put("requested_hostname", "localhost").put("status_info", "Host is ready to be installed");
        ObjectNode inv = json.createObjectNode();
        inv.putArray("interfaces").addObject().put("name", "eno1").put("mac_address", mac).putArray("ipv4_addresses").add("192.0.2.50/24");
        inv.put("hostname", "localhost");
        h.put("inventory", inv.toString()); // a JSON text, as assisted-service gives it
        if (env.hasNonNull("cluster_id")) {
            h.put("cluster_id", env.get("cluster_id").asText()).put("status", "known");
        } else {
            h.putNull("cluster_id");
            h.put("status", "known-unbound");
        }
        hosts.put(id, h);
        return h.deepCopy();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // --- SSO

    private void token(HttpExchange x) throws IOException {
        Map<String, String> form = new HashMap<>();
        for (String kv : new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        if (!x.getRequestMethod().equals("POST") || !"refresh_token".equals(form.get("grant_type")) || !"cloud-services".equals(form.get("client_id"))
                || !OFFLINE_TOKEN.equals(form.get("refresh_token"))) {
            send(x, 400, json.createObjectNode().put("error", "invalid_grant").put("error_description", "Invalid refresh token"));
            return;
        }
        String t;
        synchronized (this) {
            issued++;
            t = "access-" + issued + "-" + UUID.randomUUID();
            tokens.put(t, Instant.now().plus(tokenLife));
        }
        send(x, 200, json.createObjectNode().put("access_token", t).put("expires_in", tokenLife.toSeconds()).put("token_type", "Bearer"));
    }

    // --- the API

    private static final Pattern CLUSTER = Pattern.compile("/v2/clusters/([^/]+)");
    private static final Pattern CLUSTER_INSTALL = Pattern.compile("/v2/clusters/([^/]+)/actions/install");
    private static final Pattern ALLOW_ADD_WORKERS = Pattern.compile("/v2/clusters/([^/]+)/actions/allow-add-workers");
    private static final Pattern INFRA_ENV = Pattern.compile("/v2/infra-envs/([^/]+)");
    private static final Pattern IMAGE_URL = Pattern.compile("/v2/infra-envs/([^/]+)/downloads/image-url");
    private static final Pattern HOSTS = Pattern.compile("/v2/infra-envs/([^/]+)/hosts");
    private static final Pattern HOST = Pattern.compile("/v2/infra-envs/([^/]+)/hosts/([^/]+)");
    private static final Pattern HOST_ACTION = Pattern.compile("/v2/infra-envs/([^/]+)/hosts/([^/]+)/actions/(bind|install)");

    private void api(HttpExchange x) throws IOException {
        String method = x.getRequestMethod();
        String path = x.getRequestURI().getPath().substring("/api/assisted-install".length());
        String auth = x.getRequestHeaders().getFirst("Authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : "";
        boolean expired;
        synchronized (this) {
            Instant end = tokens.get(token);
            expired = end == null || !Instant.now().isBefore(end);
        }
        if (expired) {
            calls.add(new Call(Instant.now(), method, path, token, true, 401));
            send(x, 401, error(401, "Unauthorized: the access token is missing, invalid or expired"));
            return;
        }
        String text = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        bodies.add(text);
        if (failing(method, path)) {
            calls.add(new Call(Instant.now(), method, path, token, false, 503));
            send(x, 503, error(503, "Service Unavailable (the stand-in was told to fail this call)"));
            return;
        }
        JsonNode body = text.isBlank() ? json.createObjectNode() : json.readTree(text);
        int[] status = {500};
        JsonNode answer;
        try {
            answer = route(method, path, body, status);
        } catch (NotFound e) {
            status[0] = 404;
            answer = error(404, e.getMessage());
        } catch (RuntimeException e) {
            status[0] = 400;
            answer = error(400, e.getMessage());
        }
        calls.add(new Call(Instant.now(), method, path, token, false, status[0]));
        if (status[0] == 204) {
            x.sendResponseHeaders(204, -1);
            x.close();
            return;
        }
        send(x, status[0], answer);
    }

    private JsonNode route(String method, String path, JsonNode body, int[] status) {
        Matcher m;
        if (method.equals("POST") && path.equals("/v2/clusters")) {
            require(body, "name", "openshift_version", "pull_secret");
            String id = UUID.randomUUID().toString();
            ObjectNode c = ((ObjectNode) body.deepCopy()).put("id", id).put("kind", "Cluster").put("status", "insufficient")
                    .put("openshift_cluster_id", UUID.randomUUID().toString()).put("href", "/api/assisted-install/v2/clusters/" + id);
            c.remove("pull_secret");
            c.put("pull_secret_set", true);
            synchronized (this) {
                clusters.put(id, c);
            }
            status[0] = 201;
            return c;
        }
        if (method.equals("POST") && path.equals("/v2/clusters/import")) {
            require(body, "name", "openshift_cluster_id", "api_vip_dnsname");
            String id = UUID.randomUUID().toString();
            ObjectNode c = ((ObjectNode) body.deepCopy()).put("id", id).put("kind", "AddHostsCluster").put("status", "adding-hosts")
                    .put("href", "/api/assisted-install/v2/clusters/" + id);
            synchronized (this) {
                clusters.put(id, c);
            }
            status[0] = 201;
            return c;
        }
        if (method.equals("POST") && (m = CLUSTER_INSTALL.matcher(path)).matches()) {
            synchronized (this) {
                ObjectNode c = cluster(m.group(1));
                if (!"ready".equals(c.path("status").asText())) {
                    status[0] = 409;
                    return error(409, "Cluster " + m.group(1) + " is in " + c.path("status").asText() + " state, it must be ready to install");
                }
                c.put("status", "installing");
                installedAt.put(m.group(1), Instant.now().plus(SETTLE));
                for (ObjectNode h : hosts.values()) {
                    if (m.group(1).equals(h.path("cluster_id").asText())) {
                        h.put("status", "installing");
                    }
                }
                status[0] = 202;
                return c.deepCopy();
            }
        }
        if (method.equals("POST") && (m = ALLOW_ADD_WORKERS.matcher(path)).matches()) {
            synchronized (this) {
                ObjectNode c = cluster(m.group(1));
                if (!"installed".equals(c.path("status").asText())) {
                    status[0] = 409;
                    return error(409, "Cluster " + m.group(1) + " is " + c.path("status").asText() + ": only an installed cluster takes workers");
                }
                c.put("kind", "AddHostsCluster").put("status", "adding-hosts");
                status[0] = 202;
                return c.deepCopy();
            }
        }
        if (method.equals("GET") && (m = CLUSTER.matcher(path)).matches()) {
            synchronized (this) {
                ObjectNode c = cluster(m.group(1));
                status[0] = 200;
                return c.deepCopy();
            }
        }
        if (method.equals("POST") && path.equals("/v2/infra-envs")) {
            require(body, "name", "pull_secret");
            String id = UUID.randomUUID().toString();
            ObjectNode e = ((ObjectNode) body.deepCopy()).put("id", id).put("kind", "InfraEnv").put("href", "/api/assisted-install/v2/infra-envs/" + id);
            e.remove("pull_secret");
            synchronized (this) {
                if (e.hasNonNull("cluster_id") && !clusters.containsKey(e.get("cluster_id").asText())) {
                    status[0] = 404;
                    return error(404, "cluster " + e.get("cluster_id").asText() + " not found");
                }
                infraEnvs.put(id, e);
            }
            status[0] = 201;
            return e;
        }
        if (method.equals("GET") && (m = IMAGE_URL.matcher(path)).matches()) {
            synchronized (this) {
                env(m.group(1));
            }
            // Like the real service's: signed, and for a while only.
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/images/" + m.group(1) + "?api_key=" + UUID.randomUUID()
                    + "&arch=x86_64&type=full-iso&version=4.16";
            imageUrls.add(url);
            status[0] = 200;
            return json.createObjectNode().put("url", url).put("expires_at", Instant.now().plus(Duration.ofHours(4)).toString());
        }
        if (method.equals("DELETE") && (m = INFRA_ENV.matcher(path)).matches()) {
            synchronized (this) {
                String id = m.group(1);
                env(id);
                infraEnvs.remove(id);
                hosts.values().removeIf(h -> id.equals(h.path("infra_env_id").asText()));
                status[0] = 204;
                return null;
            }
        }
        if (method.equals("DELETE") && (m = CLUSTER.matcher(path)).matches()) {
            synchronized (this) {
                cluster(m.group(1));
                clusters.remove(m.group(1));
                status[0] = 204;
                return null;
            }
        }
        if ((m = HOST_ACTION.matcher(path)).matches() && method.equals("POST")) {
            synchronized (this) {
                ObjectNode h = host(m.group(1), m.group(2));
                if (m.group(3).equals("bind")) {
                    require(body, "cluster_id");
                    cluster(body.get("cluster_id").asText());
                    h.put("cluster_id", body.get("cluster_id").asText()).put("status", "known");
                    status[0] = 200;
                    return h.deepCopy();
                }
                ObjectNode c = cluster(h.path("cluster_id").asText());
                if (!"AddHostsCluster".equals(c.path("kind").asText()) || !"known".equals(h.path("status").asText())) {
                    status[0] = 409;
                    return error(409, "Host " + m.group(2) + " cannot be installed now: it is " + h.path("status").asText());
                }
                h.put("status", "installing");
                installedAt.put(m.group(2), Instant.now().plus(SETTLE));
                status[0] = 202;
                return h.deepCopy();
            }
        }
        if ((m = HOST.matcher(path)).matches()) {
            synchronized (this) {
                ObjectNode h = host(m.group(1), m.group(2));
                if (method.equals("PATCH")) {
                    if (body.has("host_role")) {
                        h.put("role", body.get("host_role").asText());
                    }
                    if (body.has("host_name")) {
                        h.put("requested_hostname", body.get("host_name").asText());
                    }
                    status[0] = 201;
                    return h.deepCopy();
                }
                if (method.equals("DELETE")) {
                    String mac = mac(h);
                    onDeleteHost.accept(mac);
                    hosts.remove(m.group(2));
                    deletedMacs.add(mac);
                    status[0] = 204;
                    return null;
                }
                if (method.equals("GET")) {
                    status[0] = 200;
                    return h.deepCopy();
                }
            }
        }
        if (method.equals("GET") && (m = HOSTS.matcher(path)).matches()) {
            synchronized (this) {
                env(m.group(1));
                ArrayNode out = json.createArrayNode();
                for (ObjectNode h : hosts.values()) {
                    if (m.group(1).equals(h.path("infra_env_id").asText())) {
                        settle(h);
                        out.add(h.deepCopy());
                    }
                }
                status[0] = 200;
                return out;
            }
        }
        status[0] = 404;
        return error(404, "no route " + method + " " + path);
    }

    /** Moves a cluster along: ready once all its hosts are known, installed (with its hosts) a moment after its install. */
    private ObjectNode cluster(String id) {
        ObjectNode c = clusters.get(id);
        if (c == null) {
            throw new NotFound("cluster " + id + " not found");
        }
        if (c.path("kind").asText().equals("Cluster")) {
            List<ObjectNode> mine = new ArrayList<>(hosts.values().stream().filter(h -> id.equals(h.path("cluster_id").asText())).toList());
            String s = c.path("status").asText();
            if ((s.equals("insufficient") || s.equals("ready"))) {
                c.put("status", !mine.isEmpty() && mine.stream().allMatch(h -> h.path("status").asText().equals("known")) ? "ready" : "insufficient");
            } else if (s.equals("installing") && !Instant.now().isBefore(installedAt.get(id))) {
                c.put("status", "installed");
                mine.forEach(h -> h.put("status", "installed"));
            }
        }
        return c;
    }

    private void settle(ObjectNode h) {
        if (h.path("cluster_id").isTextual()) {
            ObjectNode c = clusters.get(h.path("cluster_id").asText());
            if (c != null && c.path("kind").asText().equals("Cluster")) {
                cluster(c.path("id").asText());
            }
        }
        Instant at = installedAt.get(h.path("id").asText());
        if ("installing".equals(h.path("status").asText()) && at != null && !Instant.now().isBefore(at)) {
            h.put("status", "added-to-existing-cluster");
        }
    }

    private ObjectNode env(String id) {
        ObjectNode e = infraEnvs.get(id);
        if (e == null) {
            throw new NotFound("infra-env " + id + " not found");
        }
        return e;
    }

    private ObjectNode host(String env, String id) {
        env(env);
        ObjectNode h = hosts.get(id);
        if (h == null || !env.equals(h.path("infra_env_id").asText())) {
            throw new NotFound("host " + id + " not found");
        }
        return h;
    }

    private String mac(ObjectNode h) {
        try {
            return json.readTree(h.path("inventory").asText()).path("interfaces").get(0).path("mac_address").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void require(JsonNode body, String... fields) {
        for (String f : fields) {
            if (!body.hasNonNull(f) || body.get(f).asText().isBlank()) {
                throw new IllegalArgumentException("missing required field " + f);
            }
        }
    }

    private static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    private ObjectNode error(int code, String reason) {
        return json.createObjectNode().put("code", String.valueOf(code)).put("kind", "Error").put("href", "").put("id", code).put("reason", reason);
    }

    private void send(HttpExchange x, int status, JsonNode body) throws IOException {
        byte[] b = json.writeValueAsBytes(body);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
        x.close();
    }
}
