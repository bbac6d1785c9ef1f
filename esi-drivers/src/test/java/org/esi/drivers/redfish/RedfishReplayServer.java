package org.esi.drivers.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A Redfish BMC made of a mockup directory (one index.json per resource, laid out by URL path under
 * /redfish/v1) plus the state changes a real BMC would make: power via ComputerSystem.Reset, the boot
 * override via PATCH, virtual media, sessions. Every POST, PATCH and DELETE is recorded for assertions.
 * Captured error bodies (a resource that was an error when captured) are served as 404.
 */
final class RedfishReplayServer implements AutoCloseable {
    static final Path MOCKUPS = Path.of("/work/shared/redfish/mockups");
    static final Path SAMPLES = Path.of("/work/shared/redfish/sushy-samples");
    static final ObjectMapper JSON = new ObjectMapper();

    /** One recorded request; the session password is masked before it is stored. */
    record Recorded(String method, String path, Optional<String> ifMatch, String auth, JsonNode body) {}

    private record Failure(String method, String pathSuffix, int status, JsonNode body) {}

    private record PendingPower(String state, int readsLeft) {}

    private final Path mockup; // may be null: a fixture made only of put() resources
    private final Object lock = new Object();
    private final Map<String, JsonNode> resources = new HashMap<>();
    private final Set<String> tokens = new HashSet<>();
    private final Map<String, PendingPower> pendingPower = new HashMap<>();
    private final List<Recorded> recorded = new ArrayList<>();
    private final Deque<Failure> failures = new ArrayDeque<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger etagCounter = new AtomicInteger(1000);
    private HttpServer server;

    // Behaviour switches, set before start().
    private String username = "admin";
    private String password = "s3cret-pw";
    private boolean basicOnly;
    private boolean sessionWithoutLocation;
    private boolean requireIfMatch;
    private JsonNode transferProtocolError; // non-null: InsertMedia without TransferProtocolType fails with it
    private Duration delay = Duration.ZERO;
    private int powerLagReads;

    RedfishReplayServer(Path mockup) {
        this.mockup = mockup;
    }

    static RedfishReplayServer machine(String name) {
        return new RedfishReplayServer(MOCKUPS.resolve(name));
    }

    RedfishReplayServer credentials(String user, String pass) {
        this.username = user;
        this.password = pass;
        return this;
    }

    /** No SessionService: POST to Sessions answers 405, as on BMCs with sessions disabled. */
    RedfishReplayServer basicOnly() {
        this.basicOnly = true;
        return this;
    }

    RedfishReplayServer sessionWithoutLocation() {
        this.sessionWithoutLocation = true;
        return this;
    }

    /** PATCH to a resource with an ETag needs a matching If-Match (428 without, 412 when stale). */
    RedfishReplayServer requireIfMatch() {
        this.requireIfMatch = true;
        return this;
    }

    RedfishReplayServer requireTransferProtocol(JsonNode errorBody) {
        this.transferProtocolError = errorBody;
        return this;
    }

    RedfishReplayServer delay(Duration d) {
        this.delay = d;
        return this;
    }

    /** PowerState keeps its old value for this many reads after a reset, as real BMCs lag. */
    RedfishReplayServer powerLag(int reads) {
        this.powerLagReads = reads;
        return this;
    }

    /** Adds or replaces a resource (for fixtures built from sushy samples); its @odata.id is set to path. */
    RedfishReplayServer put(String path, JsonNode body) {
        JsonNode copy = body.deepCopy();
        if (copy instanceof ObjectNode o && !o.has("error")) {
            o.put("@odata.id", norm(path));
        }
        synchronized (lock) {
            resources.put(norm(path), copy);
        }
        return this;
    }

    /** The next request of this method to a path ending so fails with status and body. */
    void failNext(String method, String pathSuffix, int status, JsonNode body) {
        synchronized (lock) {
            failures.add(new Failure(method, pathSuffix, status, body));
        }
    }

    RedfishReplayServer start() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
        return this;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    Map<String, Object> driverInfo() {
        Map<String, Object> info = new HashMap<>();
        info.put("redfish_address", url());
        info.put("redfish_username", username);
        info.put("redfish_password", new org.esi.spi.Secret(password));
        return info;
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
    }

    // ---- what tests look at -------------------------------------------------------------------------

    List<Recorded> recorded() {
        synchronized (lock) {
            return List.copyOf(recorded);
        }
    }

    List<Recorded> recorded(String method, String pathSuffix) {
        return recorded().stream().filter(r -> r.method().equals(method) && r.path().endsWith(pathSuffix)).toList();
    }

    void clearRecorded() {
        synchronized (lock) {
            recorded.clear();
        }
    }

    int requestCount() {
        return requests.get();
    }

    /** The server's current copy of a resource. */
    JsonNode resource(String path) {
        synchronized (lock) {
            return load(norm(path)).orElseThrow().deepCopy();
        }
    }

    /** Forgets every session token, as a BMC does after its idle timeout or a reboot. */
    void expireSessions() {
        synchronized (lock) {
            tokens.clear();
        }
    }

    int activeSessions() {
        synchronized (lock) {
            return tokens.size();
        }
    }

    // ---- HTTP ---------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            if (!delay.isZero()) {
                Thread.sleep(delay);
            }
            String method = exchange.getRequestMethod();
            String path = norm(exchange.getRequestURI().getPath());
            JsonNode body = readBody(exchange);
            Reply reply;
            synchronized (lock) {
                reply = dispatch(exchange, method, path, body);
            }
            send(exchange, reply);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            send(exchange, Reply.error(500, "Base.1.0.InternalError", "replay server: " + e));
        }
    }

    /** A response to send: status, extra headers, optional JSON body. */
    record Reply(int status, Map<String, String> headers, JsonNode body) {
        static Reply of(int status) {
            return new Reply(status, Map.of(), null);
        }

        static Reply json(int status, JsonNode body) {
            return new Reply(status, Map.of(), body);
        }

        static Reply error(int status, String messageId, String message, String... args) {
            ObjectNode root = JSON.createObjectNode();
            ObjectNode error = root.putObject("error");
            error.put("code", messageId).put("message", message);
            ObjectNode info = error.putArray("@Message.ExtendedInfo").addObject();
            info.put("MessageId", messageId).put("Message", message).put("Severity", "Critical");
            ArrayNode a = info.putArray("MessageArgs");
            Stream.of(args).forEach(a::add);
            return json(status, root);
        }
    }

    private Reply dispatch(HttpExchange exchange, String method, String path, JsonNode body) {
        if (method.equals("POST") && path.endsWith("/SessionService/Sessions")) {
            record(exchange, method, path, masked(body));
            return login(path, body);
        }
        boolean root = path.equals("/redfish/v1") || path.equals("/redfish");
        if (!root && !authenticated(exchange)) {
            if (!method.equals("GET")) {
                record(exchange, method, path, body);
            }
            return Reply.error(401, "Base.1.0.NoValidSession", "There is no valid session established with the implementation.");
        }
        if (!method.equals("GET")) {
            record(exchange, method, path, body);
        }
        Optional<Reply> injected = injected(method, path);
        if (injected.isPresent()) {
            return injected.get();
        }
        return switch (method) {
            case "GET" -> get(path);
            case "POST" -> post(path, body);
            case "PATCH" -> patch(exchange, path, body);
            case "DELETE" -> delete(path);
            default -> Reply.error(405, "Base.1.0.OperationNotAllowed", "method " + method + " not allowed");
        };
    }

    private Optional<Reply> injected(String method, String path) {
        for (Iterator<Failure> it = failures.iterator(); it.hasNext(); ) {
            Failure f = it.next();
            if (f.method().equals(method) && path.endsWith(f.pathSuffix())) {
                it.remove();
                return Optional.of(Reply.json(f.status(), f.body()));
            }
        }
        return Optional.empty();
    }

    private Reply login(String path, JsonNode body) {
        if (basicOnly) {
            return Reply.error(405, "Base.1.0.OperationNotAllowed", "sessions are not supported");
        }
        if (!username.equals(body.path("UserName").asText()) || !password.equals(body.path("Password").asText())) {
            return Reply.error(401, "Base.1.0.InsufficientPrivilege", "Invalid username or password");
        }
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        String token = UUID.randomUUID().toString().replace("-", "");
        tokens.add(token);
        ObjectNode session = JSON.createObjectNode();
        session.put("@odata.id", path + "/" + id).put("Id", id).put("UserName", username);
        resources.put(path + "/" + id, session);
        Map<String, String> headers = new HashMap<>();
        headers.put("X-Auth-Token", token);
        if (!sessionWithoutLocation) {
            headers.put("Location", path + "/" + id);
        }
        return new Reply(201, headers, session);
    }

    private boolean authenticated(HttpExchange exchange) {
        String token = exchange.getRequestHeaders().getFirst("X-Auth-Token");
        if (token != null && tokens.contains(token)) {
            return true;
        }
        String basic = exchange.getRequestHeaders().getFirst("Authorization");
        String expected = "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        return expected.equals(basic);
    }

    private Reply get(String path) {
        Optional<JsonNode> resource = load(path);
        if (resource.isEmpty()) {
            return Reply.error(404, "Base.1.0.ResourceMissingAtURI", "The resource at the URI " + path + " was not found.", path);
        }
        if (resource.get().has("error")) {
            return Reply.json(404, resource.get()); // captured as an error: the BMC answered that way
        }
        PendingPower pending = pendingPower.get(path);
        if (pending != null) {
            if (pending.readsLeft() <= 1) {
                pendingPower.remove(path);
                ((ObjectNode) resource.get()).put("PowerState", pending.state());
            } else {
                pendingPower.put(path, new PendingPower(pending.state(), pending.readsLeft() - 1));
            }
        }
        return withEtag(200, resource.get());
    }

    private Reply withEtag(int status, JsonNode body) {
        Map<String, String> headers = new HashMap<>();
        String etag = body.path("@odata.etag").asText("");
        if (!etag.isEmpty()) {
            headers.put("ETag", etag);
        }
        return new Reply(status, headers, body);
    }

    private Reply post(String path, JsonNode body) {
        if (path.endsWith("/Actions/ComputerSystem.Reset")) {
            return reset(path.substring(0, path.length() - "/Actions/ComputerSystem.Reset".length()), body);
        }
        if (path.endsWith("/Actions/VirtualMedia.InsertMedia")) {
            return insertMedia(path.substring(0, path.length() - "/Actions/VirtualMedia.InsertMedia".length()), body);
        }
        if (path.endsWith("/Actions/VirtualMedia.EjectMedia")) {
            String media = path.substring(0, path.length() - "/Actions/VirtualMedia.EjectMedia".length());
            ObjectNode resource = (ObjectNode) load(media).orElseThrow();
            resource.put("Inserted", false).put("Image", "");
            bumpEtag(resource);
            return Reply.of(204);
        }
        return Reply.error(405, "Base.1.0.ActionNotSupported", "The action at " + path + " is not supported.", path);
    }

    private Reply reset(String systemPath, JsonNode body) {
        Optional<JsonNode> found = load(systemPath);
        if (found.isEmpty()) {
            return Reply.error(404, "Base.1.0.ResourceMissingAtURI", "no system at " + systemPath, systemPath);
        }
        ObjectNode system = (ObjectNode) found.get();
        String type = body.path("ResetType").asText("");
        if (type.isEmpty()) {
            return Reply.error(400, "Base.1.0.ActionParameterMissing",
                    "The action ComputerSystem.Reset requires the parameter ResetType to be present in the request body.",
                    "ComputerSystem.Reset", "ResetType");
        }
        List<String> allowed = allowedResets(system);
        if (!allowed.isEmpty() && !allowed.contains(type)) {
            return Reply.error(400, "Base.1.0.ActionParameterValueNotInList",
                    "The value " + type + " for the parameter ResetType in the action ComputerSystem.Reset is not in the list of acceptable values.",
                    type, "ResetType", "ComputerSystem.Reset");
        }
        String now = system.path("PowerState").asText();
        String next = switch (type) {
            case "On", "ForceOn", "ForceRestart", "GracefulRestart", "PowerCycle" -> "On";
            case "ForceOff", "GracefulShutdown" -> "Off";
            case "PushPowerButton" -> now.equals("On") ? "Off" : "On";
            default -> now;
        };
        if (powerLagReads > 0) {
            pendingPower.put(systemPath, new PendingPower(next, powerLagReads));
        } else {
            system.put("PowerState", next);
        }
        return Reply.of(204);
    }

    private List<String> allowedResets(JsonNode system) {
        JsonNode action = system.path("Actions").path("#ComputerSystem.Reset");
        if (action.path("ResetType@Redfish.AllowableValues").isArray()) {
            return strings(action.path("ResetType@Redfish.AllowableValues"));
        }
        String info = action.path("@Redfish.ActionInfo").asText("");
        if (!info.isEmpty()) {
            for (JsonNode p : load(norm(info)).orElse(JSON.createObjectNode()).path("Parameters")) {
                if (p.path("Name").asText().equals("ResetType")) {
                    return strings(p.path("AllowableValues"));
                }
            }
        }
        return List.of();
    }

    private Reply insertMedia(String mediaPath, JsonNode body) {
        Optional<JsonNode> found = load(mediaPath);
        if (found.isEmpty()) {
            return Reply.error(404, "Base.1.0.ResourceMissingAtURI", "no media at " + mediaPath, mediaPath);
        }
        ObjectNode media = (ObjectNode) found.get();
        if (transferProtocolError != null && !body.has("TransferProtocolType")) {
            return Reply.json(400, transferProtocolError);
        }
        String info = media.path("Actions").path("#VirtualMedia.InsertMedia").path("@Redfish.ActionInfo").asText("");
        if (!info.isEmpty()) {
            for (JsonNode p : load(norm(info)).orElse(JSON.createObjectNode()).path("Parameters")) {
                String name = p.path("Name").asText();
                if (p.path("Required").asBoolean() && !body.has(name)) {
                    return Reply.error(400, "Base.1.5.ActionParameterMissing", "The action requires the parameter "
                            + name + " to be present in the request body.", mediaPath, name);
                }
            }
        }
        if (!body.path("Image").isTextual()) {
            return Reply.error(400, "Base.1.0.ActionParameterMissing", "Image is required", "InsertMedia", "Image");
        }
        media.put("Image", body.path("Image").asText()).put("Inserted", body.path("Inserted").asBoolean(true))
                .put("WriteProtected", body.path("WriteProtected").asBoolean(true));
        bumpEtag(media);
        return Reply.of(204);
    }

    private Reply patch(HttpExchange exchange, String path, JsonNode body) {
        Optional<JsonNode> found = load(path);
        if (found.isEmpty() || found.get().has("error")) {
            return Reply.error(404, "Base.1.0.ResourceMissingAtURI", "The resource at the URI " + path + " was not found.", path);
        }
        ObjectNode resource = (ObjectNode) found.get();
        String etag = resource.path("@odata.etag").asText("");
        if (requireIfMatch && !etag.isEmpty()) {
            String ifMatch = exchange.getRequestHeaders().getFirst("If-Match");
            if (ifMatch == null) {
                return Reply.error(428, "Base.1.4.PreconditionRequired", "A precondition header or annotation is required to change this resource.");
            }
            if (!ifMatch.equals(etag)) {
                return Reply.error(412, "Base.1.4.PreconditionFailed", "The ETag supplied did not match the ETag required to change this resource.");
            }
        }
        JsonNode boot = body.path("Boot");
        if (boot.isObject()) {
            for (String property : List.of("BootSourceOverrideTarget", "BootSourceOverrideEnabled")) {
                JsonNode allowed = resource.path("Boot").path(property + "@Redfish.AllowableValues");
                if (boot.has(property) && allowed.isArray() && !strings(allowed).contains(boot.path(property).asText())) {
                    return Reply.error(400, "Base.1.0.PropertyValueNotInList", "The value " + boot.path(property).asText()
                            + " for the property " + property + " is not in the list of acceptable values.",
                            boot.path(property).asText(), property);
                }
            }
            ObjectNode target = resource.has("Boot") ? (ObjectNode) resource.get("Boot") : resource.putObject("Boot");
            boot.fields().forEachRemaining(e -> target.set(e.getKey(), e.getValue()));
        }
        body.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("Boot")) {
                resource.set(e.getKey(), e.getValue());
            }
        });
        bumpEtag(resource);
        return Reply.of(204);
    }

    private Reply delete(String path) {
        JsonNode session = resources.get(path);
        if (session != null && path.contains("/SessionService/Sessions/")) {
            resources.remove(path);
            // The deleted session's token stops working; the replay server knows only one per login.
            tokens.clear();
            return Reply.of(204);
        }
        return Reply.error(405, "Base.1.0.OperationNotAllowed", "cannot delete " + path);
    }

    private void bumpEtag(ObjectNode resource) {
        if (resource.has("@odata.etag")) {
            resource.put("@odata.etag", "W/\"" + etagCounter.incrementAndGet() + "\"");
        }
    }

    // ---- resources ----------------------------------------------------------------------------------

    /** The mutable copy of a resource, read from the mockup on first use. */
    private Optional<JsonNode> load(String path) {
        JsonNode cached = resources.get(path);
        if (cached != null) {
            return Optional.of(cached);
        }
        if (mockup == null || !(path.equals("/redfish/v1") || path.startsWith("/redfish/v1/"))) {
            return Optional.empty();
        }
        Optional<Path> file = file(path.substring("/redfish/v1".length()));
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            JsonNode body = JSON.readTree(file.get().toFile());
            resources.put(path, body);
            return Optional.of(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Finds the index.json, ignoring case per segment: iLO links /systems/1/bios to Systems/1/bios. */
    private Optional<Path> file(String relative) {
        Path dir = mockup;
        for (String segment : relative.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            Path exact = dir.resolve(segment);
            if (Files.isDirectory(exact)) {
                dir = exact;
                continue;
            }
            try (Stream<Path> children = Files.list(dir)) {
                Optional<Path> match = children.filter(Files::isDirectory)
                        .filter(p -> p.getFileName().toString().equalsIgnoreCase(segment)).findFirst();
                if (match.isEmpty()) {
                    return Optional.empty();
                }
                dir = match.get();
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        Path index = dir.resolve("index.json");
        return Files.isRegularFile(index) ? Optional.of(index) : Optional.empty();
    }

    private void record(HttpExchange exchange, String method, String path, JsonNode body) {
        String auth = exchange.getRequestHeaders().containsKey("X-Auth-Token") ? "session"
                : exchange.getRequestHeaders().containsKey("Authorization") ? "basic" : "none";
        recorded.add(new Recorded(method, path, Optional.ofNullable(exchange.getRequestHeaders().getFirst("If-Match")), auth, body));
    }

    private static JsonNode masked(JsonNode body) {
        JsonNode copy = body.deepCopy();
        if (copy instanceof ObjectNode o && o.has("Password")) {
            o.put("Password", "******");
        }
        return copy;
    }

    private static JsonNode readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readAllBytes();
            if (bytes.length == 0) {
                return JSON.createObjectNode();
            }
            try {
                return JSON.readTree(bytes);
            } catch (IOException e) {
                return JSON.createObjectNode().put("unparseable", new String(bytes, StandardCharsets.UTF_8));
            }
        }
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        if (reply.body() == null) {
            exchange.sendResponseHeaders(reply.status(), -1);
            return;
        }
        byte[] bytes = JSON.writeValueAsBytes(reply.body());
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    static String norm(String path) {
        String p = path.split("\\?")[0];
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
