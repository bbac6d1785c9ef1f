package org.esi.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The service's side of the agent's command API (agent-protocol.md §5): {@code POST
 * {agent_url}/v1/commands/?wait=...&agent_token=T} and {@code GET {agent_url}/v1/commands/?agent_token=T}.
 * The token goes in the query, as Ironic sends it (there is no header form); so neither the URL nor
 * anything holding it is ever logged or put in an error — errors name the agent by scheme, host and port.
 *
 * <p>TLS: an agent that heartbeats an {@code https://} callback with its self-signed certificate gets
 * exactly that certificate trusted (pinned at its first heartbeat), and the certificate must name the
 * callback's host (IP SAN, as IPA writes it); a plain-HTTP agent is spoken to in plain HTTP.
 */
final class AgentClient {
    /** One command's result as IPA serializes it. */
    record Command(String id, String name, String status, JsonNode error, JsonNode result) {
        boolean running() {
            return "RUNNING".equals(status);
        }

        /** The error as Ironic words it: details, else message. */
        String errorText() {
            if (error == null || error.isNull()) {
                return "no error given";
            }
            String details = error.path("details").asText("");
            return details.isEmpty() ? error.path("message").asText(error.toString()) : details;
        }
    }

    /** The agent could not be reached, or answered something other than a result. */
    static class AgentException extends Exception {
        AgentException(String message) {
            super(message);
        }
    }

    /** The agent is running another command (409 "Agent is busy"): try again on the next heartbeat. */
    static final class AgentBusy extends AgentException {
        AgentBusy(String message) {
            super(message);
        }
    }

    private final ObjectMapper json;
    private final Duration timeout;
    private final HttpClient plain;
    private final Map<String, HttpClient> pinned = new ConcurrentHashMap<>();

    AgentClient(ObjectMapper json, Duration timeout) {
        this.json = json;
        this.timeout = timeout;
        this.plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    Command execute(AgentSession s, String token, String name, ObjectNode params, boolean wait) throws AgentException {
        ObjectNode body = json.createObjectNode();
        body.put("name", name);
        body.set("params", params);
        URI uri = uri(s, "/v1/commands/?wait=" + wait + "&agent_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).header("Content-Type", "application/json")
                .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return command(send(s, req));
    }

    List<Command> commands(AgentSession s, String token) throws AgentException {
        URI uri = uri(s, "/v1/commands/?agent_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
        JsonNode list = send(s, HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET().build())
                .path("commands");
        List<Command> out = new ArrayList<>();
        for (JsonNode c : list) {
            out.add(command(c));
        }
        return out;
    }

    private static Command command(JsonNode c) {
        return new Command(c.path("id").asText(null), c.path("command_name").asText(""), c.path("command_status").asText(""),
                c.get("command_error"), c.get("command_result"));
    }

    private JsonNode send(AgentSession s, HttpRequest req) throws AgentException {
        String who = "the agent at " + where(s.agentUrl());
        HttpResponse<String> r;
        try {
            r = client(s).send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // The exception may carry the URI (with the token); only its type and a token-free reason go out.
            throw new AgentException(who + " did not answer (" + e.getClass().getSimpleName()
                    + (e instanceof javax.net.ssl.SSLException ? ": its certificate is not the one it heartbeated" : "") + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException(who + ": interrupted");
        }
        JsonNode body;
        try {
            body = json.readTree(r.body());
        } catch (IOException e) {
            body = json.createObjectNode();
        }
        String fault = body.path("faultstring").asText("");
        if (r.statusCode() == 409 || fault.toLowerCase().contains("agent is busy")) {
            throw new AgentBusy(who + " is busy: " + org.esi.http.Jsons.clip(fault));
        }
        if (r.statusCode() == 401) {
            throw new AgentException(who + " refused this boot's agent token");
        }
        if (r.statusCode() != 200) {
            throw new AgentException(who + " answered HTTP " + r.statusCode() + (fault.isEmpty() ? "" : ": " + org.esi.http.Jsons.clip(fault)));
        }
        return body;
    }

    private HttpClient client(AgentSession s) throws AgentException {
        if (!s.agentUrl().startsWith("https://")) {
            return plain;
        }
        if (s.verifyCa() == null) {
            throw new AgentException("the agent at " + where(s.agentUrl()) + " listens on https but gave no certificate to trust");
        }
        try {
            return pinned.computeIfAbsent(s.verifyCa() + "\n" + URI.create(s.agentUrl()).getHost(), k -> build(s));
        } catch (IllegalStateException e) {
            throw new AgentException(e.getMessage());
        }
    }

    private HttpClient build(AgentSession s) {
        try {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(s.verifyCa().getBytes(StandardCharsets.US_ASCII)));
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {new PinnedTrust(cert, URI.create(s.agentUrl()).getHost())}, null);
            if (pinned.size() > 1000) {
                pinned.clear(); // one entry per agent boot; old boots' certificates are worthless
            }
            return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(10))
                    .followRedirects(HttpClient.Redirect.NEVER).build();
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalStateException("the agent's certificate cannot be used: " + e.getClass().getSimpleName());
        }
    }

    private URI uri(AgentSession s, String pathAndQuery) throws AgentException {
        if (s.agentUrl() == null) {
            throw new AgentException("the agent has not heartbeated its address yet");
        }
        String base = s.agentUrl().endsWith("/") ? s.agentUrl().substring(0, s.agentUrl().length() - 1) : s.agentUrl();
        return URI.create(base + pathAndQuery);
    }

    /** scheme://host:port of an agent URL, what errors and logs may say. */
    static String where(String url) {
        try {
            URI u = URI.create(url);
            return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
        } catch (RuntimeException e) {
            return "(unreadable address)";
        }
    }

    /**
     * Trusts one certificate and nothing else: the chain's leaf must be it, currently valid, and name the host
     * dialled (an IP SAN, as IPA's auto-TLS writes; a DNS SAN for an agent addressed by name).
     */
    static final class PinnedTrust extends X509ExtendedTrustManager {
        private final X509Certificate pin;
        private final String host;

        PinnedTrust(X509Certificate pin, String host) {
            this.pin = pin;
            this.host = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0 || !chain[0].equals(pin)) {
                throw new CertificateException("not the agent's pinned certificate");
            }
            chain[0].checkValidity();
            Collection<List<?>> names = chain[0].getSubjectAlternativeNames();
            boolean named = false;
            if (names != null) {
                for (List<?> n : names) {
                    int type = (Integer) n.get(0);
                    if ((type == 7 || type == 2) && host.equalsIgnoreCase(String.valueOf(n.get(1)))) {
                        named = true;
                    }
                }
            }
            if (!named) {
                throw new CertificateException("the agent's certificate does not name " + host);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("no client certificates here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("no client certificates here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("no client certificates here");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[] {pin};
        }
    }
}
