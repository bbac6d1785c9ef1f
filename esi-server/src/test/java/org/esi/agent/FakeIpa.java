package org.esi.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;

/**
 * A protocol peer that behaves as agent-protocol.md says ironic-python-agent does: version discovery,
 * lookup with {@code X-OpenStack-Ironic-API-Version: 1.62}, heartbeats at 1.68 with its callback URL and
 * token, and the command API on a local port ({@code /v1/commands/?wait=&agent_token=}, 401 without the
 * token, 409 while a command runs, one result per command, a forced heartbeat when an async command
 * ends). Its "hardware" is in memory: disks as byte arrays the steps really erase or write, and an
 * optional TPM (a function making a quote). A contract test of the service side, not a VM.
 */
final class FakeIpa implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String HMV_NAME = "generic_hardware_manager";

    final String api;
    final List<String> macs;
    final Map<String, byte[]> disks = new LinkedHashMap<>();
    /** device → reason: erase_devices fails on it, as a disk that cannot be erased does. */
    final Map<String, String> eraseFailures = new ConcurrentHashMap<>();
    /** (nonce hex, pcr list) → attest.get_quote's result; null: the agent has no attest extension. */
    volatile Function<ObjectNode, ObjectNode> tpm;
    volatile String hardwareManagerVersion = "1.2";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private HttpServer server;
    volatile String token;
    volatile String nodeUuid;
    volatile boolean lockedDown;
    volatile boolean poweredOff;
    volatile byte[] configDriveIso;
    volatile ObjectNode lastImageInfo;
    final List<ObjectNode> commands = new ArrayList<>();
    final List<String> received = new ArrayList<>();

    FakeIpa(String serviceUrl, List<String> macs) {
        this.api = serviceUrl + "/baremetal";
        this.macs = List.copyOf(macs);
    }

    FakeIpa disk(String name, byte[] content) {
        disks.put(name, content);
        return this;
    }

    /** Starts the command API, then looks up and heartbeats, as IPA does once booted. */
    void boot() throws Exception {
        listen();
        JsonNode versions = get(api + "/", null);
        if (!versions.path("default_version").path("version").asText().matches("1\\.(6[2-9]|[7-9][0-9])")) {
            throw new AssertionError("the service's max version would drop the agent token: " + versions);
        }
        HttpResponse<String> r = lookup();
        if (r.statusCode() != 200) {
            throw new AssertionError("lookup failed: " + r.statusCode() + " " + r.body());
        }
        int beat = heartbeat(token);
        if (beat != 202) {
            throw new AssertionError("heartbeat refused: " + beat);
        }
    }

    void listen() throws IOException {
        if (server != null) {
            return;
        }
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/commands", this::commands);
        server.start();
    }

    String callbackUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    HttpResponse<String> lookup() throws Exception {
        String query = "addresses=" + String.join(",", macs) + (nodeUuid != null ? "&node_uuid=" + nodeUuid : "");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/v1/lookup?" + query))
                .header("Accept", "application/json").header("Content-Type", "application/json")
                .header("X-OpenStack-Ironic-API-Version", "1.62").GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
            JsonNode body = JSON.readTree(r.body());
            nodeUuid = body.path("node").path("uuid").asText();
            body.path("config").get("heartbeat_timeout").asInt(); // required: IPA dies without it
            String t = body.path("config").path("agent_token").asText("");
            if (t.length() >= 32) {
                token = t;
            } else if (t.equals("******") && token == null) {
                lockedDown = true; // IPA's fatal lockdown: a masked token and none of its own
            }
        }
        return r;
    }

    int heartbeat(String withToken) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.put("callback_url", callbackUrl());
        body.put("agent_token", withToken);
        body.put("agent_version", "12.0.1");
        return heartbeat(body);
    }

    int heartbeat(ObjectNode body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(api + "/v1/heartbeat/" + nodeUuid))
                .header("Content-Type", "application/json").header("X-OpenStack-Ironic-API-Version", "1.68")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** POSTs an inventory to continue_inspection as IPA's inspector does (no version header, no token). */
    HttpResponse<String> inspect(ObjectNode inventory) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.set("inventory", inventory);
        body.putNull("error");
        return http.send(HttpRequest.newBuilder(URI.create(api + "/v1/continue_inspection"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String url, String version) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/json");
        if (version != null) {
            b.header("X-OpenStack-Ironic-API-Version", version);
        }
        return JSON.readTree(http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    // --- the command API (ipa:api/app.py)

    private void commands(HttpExchange ex) throws IOException {
        try {
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            synchronized (received) {
                received.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
            }
            if (token == null || !token.equals(q.get("agent_token"))) {
                reply(ex, 401, "{\"faultcode\":\"Client\",\"faultstring\":\"401 Unauthorized: Token invalid.\"}");
                return;
            }
            if (ex.getRequestMethod().equals("GET")) {
                synchronized (commands) {
                    ObjectNode out = JSON.createObjectNode();
                    out.putArray("commands").addAll(new ArrayList<>(commands));
                    reply(ex, 200, out.toString());
                }
                return;
            }
            JsonNode body = JSON.readTree(ex.getRequestBody());
            String name = body.path("name").asText("");
            if (!body.path("params").isObject() || !name.contains(".")) {
                reply(ex, 400, "{\"faultcode\":\"Client\",\"faultstring\":\"Missing or invalid name or params\"}");
                return;
            }
            ObjectNode result;
            synchronized (commands) {
                if (!commands.isEmpty() && commands.get(commands.size() - 1).path("command_status").asText().equals("RUNNING")) {
                    reply(ex, 409, "{\"faultcode\":\"Client\",\"faultstring\":\"Agent is busy: executing command "
                            + commands.get(commands.size() - 1).path("command_name").asText() + "\"}");
                    return;
                }
                result = JSON.createObjectNode();
                result.put("id", UUID.randomUUID().toString());
                result.put("command_name", name.substring(name.indexOf('.') + 1));
                result.put("command_status", "RUNNING");
                result.putNull("command_error");
                result.putNull("command_result");
                commands.add(result);
            }
            ObjectNode params = (ObjectNode) body.get("params");
            boolean async = name.equals("clean.execute_clean_step") || name.equals("deploy.execute_deploy_step")
                    || name.equals("standby.power_off");
            boolean wait = "true".equals(q.get("wait"));
            if (!async || wait) {
                run(name, params, result);
                synchronized (commands) {
                    reply(ex, 200, result.toString());
                }
                return;
            }
            synchronized (commands) {
                reply(ex, 200, result.toString());
            }
            Thread.ofVirtual().start(() -> {
                run(name, params, result);
                try {
                    // At once, as IPA does: the beat may well land while the service still handles the one that
                    // started this command, and must not be lost then.
                    heartbeat(token); // IPA forces a beat when an async command ends
                } catch (Exception ignored) {
                    // the service may be gone at the end of a test
                }
            });
        } catch (RuntimeException e) {
            reply(ex, 500, "{\"faultcode\":\"Server\",\"faultstring\":\"" + e + "\"}");
        }
    }

    private void run(String name, ObjectNode params, ObjectNode result) {
        ObjectNode out = JSON.createObjectNode();
        try {
            switch (name) {
                case "clean.get_clean_steps" -> {
                    ObjectNode steps = out.putObject("clean_steps");
                    var generic = steps.putArray("GenericHardwareManager");
                    for (var s : List.of(Map.entry("erase_devices", 10), Map.entry("erase_devices_metadata", 99),
                            Map.entry("erase_devices_express", 0), Map.entry("burnin_cpu", 0))) {
                        ObjectNode step = generic.addObject();
                        step.put("step", s.getKey());
                        step.put("priority", s.getValue());
                        step.put("interface", "deploy");
                        step.put("reboot_requested", false);
                        step.put("abortable", true);
                    }
                    out.putObject("hardware_manager_version").put(HMV_NAME, hardwareManagerVersion);
                }
                case "deploy.get_deploy_steps" -> {
                    out.putObject("deploy_steps").putArray("GenericHardwareManager").addObject().put("step", "write_image")
                            .put("priority", 0).put("interface", "deploy");
                    out.putObject("hardware_manager_version").put(HMV_NAME, hardwareManagerVersion);
                }
                case "clean.execute_clean_step" -> {
                    if (!params.path("clean_version").path(HMV_NAME).asText().equals(hardwareManagerVersion)) {
                        finish(result, "CLEAN_VERSION_MISMATCH", null, null);
                        return;
                    }
                    JsonNode step = params.get("step");
                    Object r = switch (step.path("step").asText()) {
                        case "erase_devices_metadata" -> {
                            for (byte[] d : disks.values()) {
                                java.util.Arrays.fill(d, 0, Math.min(d.length, 33 * 512), (byte) 0);
                                java.util.Arrays.fill(d, Math.max(0, d.length - 33 * 512), d.length, (byte) 0);
                            }
                            yield null;
                        }
                        case "erase_devices" -> {
                            ObjectNode per = JSON.createObjectNode();
                            for (var d : disks.entrySet()) {
                                String why = eraseFailures.get(d.getKey());
                                if (why != null) {
                                    throw new StepFailure("BlockDeviceEraseError", "Error erasing block device: Failed to erase device "
                                            + d.getKey() + ": " + why);
                                }
                                java.util.Arrays.fill(d.getValue(), (byte) 0);
                                per.putNull(d.getKey());
                            }
                            yield per;
                        }
                        default -> throw new StepFailure("UnknownStep", "unknown clean step " + step.path("step").asText());
                    };
                    out.set("clean_result", JSON.valueToTree(r));
                    out.set("clean_step", step);
                }
                case "deploy.execute_deploy_step" -> {
                    JsonNode step = params.get("step");
                    JsonNode info = step.path("args").path("image_info");
                    lastImageInfo = info.deepCopy();
                    byte[] image = http.send(HttpRequest.newBuilder(URI.create(info.path("urls").get(0).asText())).GET().build(),
                            HttpResponse.BodyHandlers.ofByteArray()).body();
                    String algo = info.path("os_hash_algo").asText();
                    String got = HexFormat.of().formatHex(MessageDigest.getInstance(algo.equals("sha512") ? "SHA-512" : "SHA-256")
                            .digest(image));
                    if (!got.equals(info.path("os_hash_value").asText())) {
                        throw new StepFailure("ImageChecksumError", "Error verifying image checksum: Image failed to verify against "
                                + "checksum. location: " + info.path("id").asText() + "; expected: " + info.path("os_hash_value").asText()
                                + "; actual: " + got);
                    }
                    byte[] disk = disks.values().iterator().next();
                    System.arraycopy(image, 0, disk, 0, image.length);
                    String cd = step.path("args").path("configdrive").asText(null);
                    if (cd != null) {
                        configDriveIso = new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(cd))).readAllBytes();
                        System.arraycopy(configDriveIso, 0, disk, disk.length - configDriveIso.length, configDriveIso.length);
                    }
                    out.putObject("deploy_result").put("result", "prepare_image: image (" + info.path("id").asText()
                            + ") written to device /dev/sda root_uuid=0x1234abcd");
                    out.set("deploy_step", step);
                }
                case "standby.get_partition_uuids" -> out.put("root uuid", "0x1234abcd");
                case "standby.power_off" -> {
                    poweredOff = true;
                    out = null;
                }
                case "attest.get_quote" -> {
                    if (tpm == null) {
                        throw new StepFailure("InvalidCommandError", "Unknown command: attest.get_quote");
                    }
                    out = tpm.apply(params);
                }
                default -> throw new StepFailure("InvalidCommandError", "Unknown command: " + name);
            }
            finish(result, "SUCCEEDED", null, out);
        } catch (StepFailure f) {
            ObjectNode err = JSON.createObjectNode();
            err.put("type", f.type);
            err.put("code", 500);
            err.put("message", f.getMessage());
            err.put("details", f.getMessage());
            finish(result, "FAILED", err, null);
        } catch (Exception e) {
            ObjectNode err = JSON.createObjectNode();
            err.put("type", e.getClass().getSimpleName());
            err.put("code", 500);
            err.put("message", String.valueOf(e.getMessage()));
            err.put("details", String.valueOf(e.getMessage()));
            finish(result, "FAILED", err, null);
        }
    }

    private void finish(ObjectNode result, String status, ObjectNode error, JsonNode out) {
        synchronized (commands) {
            result.put("command_status", status);
            result.set("command_error", error == null ? JSON.nullNode() : error);
            result.set("command_result", out == null ? JSON.nullNode() : out);
        }
    }

    static final class StepFailure extends Exception {
        final String type;

        StepFailure(String type, String message) {
            super(message);
            this.type = type;
        }
    }

    List<String> commandNames() {
        synchronized (commands) {
            return commands.stream().map(c -> c.path("command_name").asText()).toList();
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null) {
            return out;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            out.put(URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
    }
}
