package org.esi.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.esi.http.ApiException;
import org.esi.http.Caller;
import org.esi.http.ErrorKind;

/**
 * Reads and writes at peer sites for a local caller, with its peer token ({@link FederationClient}): lists fan out
 * to the peers in parallel, each bounded by {@code federation.peer-timeout}, so that a slow or dead peer shows as
 * {@code timeout} or {@code error} in {@code sites} and never fails or delays the local answer beyond its deadline.
 */
public final class PeerCalls {
    /** The value of {@code site} that asks for this site and every registered peer. */
    public static final String ALL = "all";

    private final String siteName;
    private final FederationStore store;
    private final FederationClient client;
    private final HttpClient http;
    private final ObjectMapper json;
    private final Duration deadline;
    private final Executor executor;

    public PeerCalls(String siteName, FederationStore store, FederationClient client, HttpClient http, ObjectMapper json,
                     Duration deadline, Executor executor) {
        this.siteName = siteName;
        this.store = store;
        this.client = client;
        this.http = http;
        this.json = json;
        this.deadline = deadline;
        this.executor = executor;
    }

    public String siteName() {
        return siteName;
    }

    /**
     * The merged list for {@code site} (ALL, this site's name or a peer's): {@code local} runs here while the peers
     * answer {@code path?query} (the caller's query minus {@code site}); every item of {@code itemsKey} gains
     * {@code site}. Each site's first page only: the limit applies per site. An unknown site name is 400.
     */
    public Map<String, Object> list(Caller caller, String site, String path, String query, String itemsKey,
                                    Supplier<Map<String, Object>> local) {
        List<String> peers;
        boolean withLocal;
        if (ALL.equals(site)) {
            peers = store.peers().stream().map(Peer::name).toList();
            withLocal = true;
        } else if (siteName.equals(site)) {
            peers = List.of();
            withLocal = true;
        } else if (FederationSettings.isSiteName(site) && store.peer(site).isPresent()) {
            peers = List.of(site);
            withLocal = false;
        } else {
            throw ApiException.badRequest("Unknown site '" + site + "': use 'all', '" + siteName + "' or a registered peer's name");
        }
        long started = System.nanoTime();
        Map<String, CompletableFuture<JsonNode>> remote = new LinkedHashMap<>();
        // Each peer's latency is taken when its call ends, not when this thread gets round to reading it.
        Map<String, Long> ended = new java.util.concurrent.ConcurrentHashMap<>();
        for (String peer : peers) {
            remote.put(peer, CompletableFuture.supplyAsync(() -> client.tokenFor(caller, peer), executor)
                    .thenCompose(t -> http.sendAsync(get(peer, path, query, t.token()), HttpResponse.BodyHandlers.ofString()))
                    .thenApply(r -> {
                        if (r.statusCode() != 200) {
                            throw new ApiException(ErrorKind.EXTERNAL, "HTTP " + r.statusCode());
                        }
                        try {
                            return json.readTree(r.body());
                        } catch (java.io.IOException e) {
                            throw new ApiException(ErrorKind.EXTERNAL, "unreadable body");
                        }
                    })
                    .orTimeout(deadline.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                    .whenComplete((r, x) -> ended.put(peer, System.nanoTime())));
        }
        List<Object> items = new ArrayList<>();
        List<Map<String, Object>> sites = new ArrayList<>();
        if (withLocal) {
            Object found = local.get().get(itemsKey);
            if (found instanceof List<?> list) {
                for (Object item : list) {
                    items.add(tagged(json.valueToTree(item), siteName));
                }
            }
            sites.add(site(siteName, "ok", started, System.nanoTime()));
        }
        for (Map.Entry<String, CompletableFuture<JsonNode>> e : remote.entrySet()) {
            try {
                // Bounded by orTimeout above: join never waits past the peer's deadline.
                JsonNode answer = e.getValue().get();
                for (JsonNode item : answer.path(itemsKey)) {
                    items.add(tagged(item.deepCopy(), e.getKey()));
                }
                sites.add(site(e.getKey(), "ok", started, ended.getOrDefault(e.getKey(), System.nanoTime())));
            } catch (ExecutionException x) {
                sites.add(site(e.getKey(), x.getCause() instanceof TimeoutException ? "timeout" : "error", started,
                        ended.getOrDefault(e.getKey(), System.nanoTime())));
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                sites.add(site(e.getKey(), "error", started, System.nanoTime()));
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put(itemsKey, items);
        body.put("sites", sites);
        return body;
    }

    /** An answer from a peer, passed through: its status and its JSON body (null when it sent none). */
    public record Answer(int status, JsonNode body, String replayed) {
    }

    /**
     * POSTs {@code body} to {@code path} at {@code peer} with the caller's peer token and the caller's
     * Idempotency-Key (null for none). A peer that does not answer in time is 502; nothing is done here.
     */
    public Answer post(Caller caller, String peer, String path, byte[] body, String idempotencyKey) {
        if (!FederationSettings.isSiteName(peer) || store.peer(peer).isEmpty()) {
            throw ApiException.badRequest("Unknown site '" + peer + "': use a registered peer's name");
        }
        FederationClient.PeerToken t = client.tokenFor(caller, peer);
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(store.peer(peer).orElseThrow().url() + path)).timeout(deadline)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .header("X-Auth-Token", t.token()).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (idempotencyKey != null) {
            req.header(org.esi.http.IdempotencyKeys.HEADER, idempotencyKey);
        }
        HttpResponse<String> r;
        try {
            r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.http.HttpTimeoutException e) {
            throw new ApiException(ErrorKind.EXTERNAL, "Peer site " + peer + " did not answer within " + deadline.toMillis() + " ms");
        } catch (java.io.IOException e) {
            throw new ApiException(ErrorKind.EXTERNAL, "Peer site " + peer + " could not be reached: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorKind.EXTERNAL, "Interrupted while calling peer site " + peer);
        }
        if (r.statusCode() == 401) {
            // The peer no longer knows the cached token: the next call exchanges afresh.
            client.forget(caller, peer);
        }
        JsonNode answer;
        try {
            answer = r.body().isEmpty() ? null : json.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new ApiException(ErrorKind.EXTERNAL, "Peer site " + peer + " answered with an unreadable body (HTTP " + r.statusCode() + ")");
        }
        if (answer instanceof ObjectNode o && r.statusCode() / 100 == 2) {
            o.put("site", peer);
        }
        return new Answer(r.statusCode(), answer, r.headers().firstValue(org.esi.http.IdempotencyKeys.REPLAYED_HEADER).orElse(null));
    }

    private HttpRequest get(String peer, String path, String query, String token) {
        String url = store.peer(peer).orElseThrow().url() + path + (query == null || query.isEmpty() ? "" : "?" + query);
        return HttpRequest.newBuilder(URI.create(url)).timeout(deadline).header("Accept", "application/json")
                .header("X-Auth-Token", token).GET().build();
    }

    private static JsonNode tagged(JsonNode item, String site) {
        if (item instanceof ObjectNode o) {
            o.put("site", site);
        }
        return item;
    }

    private static Map<String, Object> site(String name, String status, long startedNanos, long endedNanos) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", name);
        s.put("status", status);
        s.put("latency_ms", (endedNanos - startedNanos) / 1_000_000);
        return s;
    }
}
