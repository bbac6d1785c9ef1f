package org.esi.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/** A real webhook receiver on 127.0.0.1: records every POST per path and answers what the test says. */
public final class WebhookReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One POST as it arrived; {@code status} is what the receiver answered. */
    public record Received(String path, String event, String delivery, String signature, String contentType, String body, int status,
                    Instant at) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body);
            }
        }

        public boolean verifies(String secret) {
            return signature != null && signature.equals("sha256=" + Notifier.sign(secret, body.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private final HttpServer server;
    private final List<Received> all = new CopyOnWriteArrayList<>();
    private final Map<String, IntSupplier> answers = new ConcurrentHashMap<>();

    public WebhookReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "test-webhook-receiver");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = ex.getRequestURI().getPath();
            int status = answers.getOrDefault(path, () -> 200).getAsInt();
            var hs = ex.getRequestHeaders();
            all.add(new Received(path, hs.getFirst("X-ESI-Event"), hs.getFirst("X-ESI-Delivery"), hs.getFirst("X-ESI-Signature"),
                    hs.getFirst("Content-Type"), body, status, Instant.now()));
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** What {@code path} answers from now on (default 200). */
    void answer(String path, IntSupplier status) {
        answers.put(path, status);
    }

    /** Deliveries to {@code path} that were answered 2xx. */
    public List<Received> delivered(String path) {
        return all.stream().filter(r -> r.path().equals(path) && r.status() / 100 == 2).toList();
    }

    List<Received> attempts(String path) {
        return all.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** Waits until a 2xx delivery to {@code path} matches; returns it. */
    public Received await(String path, Predicate<Received> wanted, Duration within) throws InterruptedException {
        Instant deadline = Instant.now().plus(within);
        while (Instant.now().isBefore(deadline)) {
            for (Received r : delivered(path)) {
                if (wanted.test(r)) {
                    return r;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no matching delivery to " + path + " within " + within + "; got "
                + attempts(path).stream().map(r -> r.event() + "/" + r.status()).toList());
    }

    public Received await(String path, String event, String leaseUuid, Duration within) throws InterruptedException {
        return await(path, r -> event.equals(r.event()) && leaseUuid.equals(r.json().path("lease").path("uuid").asText()), within);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
