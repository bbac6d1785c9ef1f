package org.esi.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The service side of agent-protocol.md §9 as far as the agent image tests need it, until they run
 * against ESI's own routes: the iPXE script and agent files under /boot/agent/, the ramdisk API
 * under /baremetal (versions, lookup issuing a token once, heartbeat checking it,
 * continue_inspection), and images under /images/. Every request is recorded for the assertions.
 * Switching to the real service means pointing {@link #bootUrl()} at its iPXE script.
 */
final class RamdiskEndpoint implements AutoCloseable {
    static final String NODE_UUID = "6d3b3c39-6a53-4b5e-9d7e-0c1a2b3c4d5e";
    private static final ObjectMapper JSON = new ObjectMapper();

    record Request(String method, String path, String query, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }
    }

    private final HttpServer http;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final Path agentDir;
    private final String extraKernelArgs;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, byte[]> images = new ConcurrentHashMap<>();
    private final String token;
    private volatile boolean tokenIssued;

    RamdiskEndpoint(Path agentDir, String extraKernelArgs) throws IOException {
        this.agentDir = agentDir;
        this.extraKernelArgs = extraKernelArgs;
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        this.token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        http.setExecutor(pool);
        http.createContext("/", this::handle);
        http.start();
    }

    int port() {
        return http.getAddress().getPort();
    }

    /** The base URL as the guest sees the host. */
    String guestBase() {
        return "http://10.0.2.2:" + port();
    }

    String bootUrl() {
        return guestBase() + "/boot.ipxe";
    }

    String token() {
        return token;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<Request> requests(String method, String pathPrefix) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).toList();
    }

    void serveImage(String name, byte[] bytes) {
        images.put(name, bytes);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = ex.getRequestURI().getPath();
            String query = ex.getRequestURI().getRawQuery();
            requests.add(new Request(ex.getRequestMethod(), path, query == null ? "" : query, Map.copyOf(ex.getRequestHeaders()), body));
            String base = guestBase();
            if (path.equals("/boot.ipxe")) {
                send(ex, 200, "text/plain", ("#!ipxe\n"
                        + "kernel " + base + "/boot/agent/esi-agent.kernel console=ttyS0 ipa-api-url=" + base + "/baremetal"
                        + " ipa-inspection-callback-url=" + base + "/baremetal/v1/continue_inspection BOOTIF=${mac} " + extraKernelArgs + "\n"
                        + "initrd " + base + "/boot/agent/esi-agent.initramfs\n"
                        + "boot\n").getBytes(StandardCharsets.UTF_8));
            } else if (path.startsWith("/boot/agent/") && path.matches("/boot/agent/esi-agent\\.(kernel|initramfs)")) {
                send(ex, 200, "application/octet-stream", Files.readAllBytes(agentDir.resolve(path.substring("/boot/agent/".length()))));
            } else if (path.startsWith("/images/") && images.containsKey(path.substring(8))) {
                send(ex, 200, "application/octet-stream", images.get(path.substring(8)));
            } else if (path.equals("/baremetal/") && ex.getRequestMethod().equals("GET")) {
                json(ex, 200, "{\"default_version\":{\"id\":\"v1\",\"version\":\"1.68\",\"min_version\":\"1.1\",\"status\":\"CURRENT\"}}");
            } else if (path.equals("/baremetal/v1/lookup")) {
                lookup(ex);
            } else if (path.equals("/baremetal/v1/heartbeat/" + NODE_UUID) && ex.getRequestMethod().equals("POST")) {
                JsonNode beat = JSON.readTree(body);
                if (beat.path("agent_token").isMissingNode() || beat.path("agent_token").isNull()) {
                    json(ex, 400, "{\"error_message\":\"Agent token is required for heartbeat processing.\"}");
                } else if (!token.equals(beat.path("agent_token").asText())) {
                    json(ex, 400, "{\"error_message\":\"Invalid or missing agent token received.\"}");
                } else {
                    ex.sendResponseHeaders(202, -1);
                }
            } else if (path.equals("/baremetal/v1/continue_inspection") && ex.getRequestMethod().equals("POST")) {
                json(ex, 202, "{\"uuid\":\"" + NODE_UUID + "\"}");
            } else {
                json(ex, 404, "{\"error_message\":\"not found\"}");
            }
        }
    }

    private void lookup(HttpExchange ex) throws IOException {
        String version = ex.getRequestHeaders().getFirst("X-OpenStack-Ironic-API-Version");
        if (version == null) {
            json(ex, 404, "{\"error_message\":\"not found\"}");
            return;
        }
        String query = ex.getRequestURI().getQuery();
        if (query == null || !query.toLowerCase().contains(AgentVirtualMachine.MAC)) {
            json(ex, 404, "{\"error_message\":\"Node not found\"}");
            return;
        }
        ObjectNode resp = JSON.createObjectNode();
        ObjectNode node = resp.putObject("node");
        node.put("uuid", NODE_UUID);
        node.putObject("properties");
        node.putObject("instance_info");
        node.putObject("driver_internal_info");
        ObjectNode config = resp.putObject("config");
        config.put("heartbeat_timeout", 300);
        synchronized (this) {
            config.put("agent_token", tokenIssued ? "******" : token);
            tokenIssued = true;
        }
        config.put("agent_token_required", true);
        json(ex, 200, resp.toString());
    }

    private static void json(HttpExchange ex, int status, String body) throws IOException {
        send(ex, status, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        pool.shutdownNow();
    }
}
