package org.esi.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A plain HTTP client for black-box tests: raw bodies in, status and JSON out. */
public final class TestClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public TestClient(String base) {
        this.base = base;
    }

    public String base() {
        return base;
    }

    /** A status, the raw body, and its JSON when it has one. */
    public record Response(int status, String body, HttpHeaders headers) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (HTTP " + status + "): " + body);
            }
        }

        public Response expect(int wanted) {
            if (status != wanted) {
                throw new AssertionError("expected HTTP " + wanted + " but got " + status + ": " + body);
            }
            return this;
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    public String login(String user, String password, String project) {
        Map<String, Object> body = Map.of("auth", Map.of(
                "identity", Map.of("methods", new String[] {"password"},
                        "password", Map.of("user", Map.of("name", user, "password", password, "domain", Map.of("id", "default")))),
                "scope", Map.of("project", project.matches("[0-9a-f]{32}") ? Map.of("id", project)
                        : Map.of("name", project, "domain", Map.of("id", "default")))));
        Response r = post("/identity/v3/auth/tokens", null, body);
        r.expect(201);
        return r.header("X-Subject-Token");
    }

    public Response get(String path, String token) {
        return send("GET", path, token, null, Map.of());
    }

    public Response delete(String path, String token) {
        return send("DELETE", path, token, null, Map.of());
    }

    public Response post(String path, String token, Object body) {
        return send("POST", path, token, body, Map.of());
    }

    public Response put(String path, String token, Object body) {
        return send("PUT", path, token, body, Map.of());
    }

    public Response patch(String path, String token, Object body) {
        return send("PATCH", path, token, body, Map.of());
    }

    /** Any method; a String body is sent as-is (for malformed-input tests), anything else as JSON. */
    public Response send(String method, String path, String token, Object body, Map<String, String> headers) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
            if (token != null) {
                b.header("X-Auth-Token", token);
            }
            headers.forEach(b::header);
            if (body == null) {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                String text = body instanceof String s ? s : JSON.writeValueAsString(body);
                if (!headers.containsKey("Content-Type")) {
                    b.header("Content-Type", "application/json");
                }
                b.method(method, HttpRequest.BodyPublishers.ofString(text));
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new IllegalStateException("HTTP " + method + " " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
