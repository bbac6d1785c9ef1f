package org.esi.notify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.esi.crypto.SecretBox;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.Call;
import org.esi.http.BaseUrl;
import org.esi.http.HttpApi;
import org.esi.http.Ids;
import org.esi.http.Jsons;
import org.esi.http.NextLink;
import org.esi.http.Query;
import org.esi.lease.LeaseTimes;

/** {@code /lease/v1/webhooks} (extension): a project's notification hooks. The secret is write-only. */
public final class WebhookRoutes {
    static final int DEFAULT_LIMIT = 1000;
    /** Hooks one project may have: each event fans out to all of them. */
    static final int MAX_PER_PROJECT = 20;
    private final BaseUrl baseUrl;
    private final WebhookStore store;
    private final SecretBox secrets;
    private final Clock clock;

    public WebhookRoutes(WebhookStore store, SecretBox secrets, Clock clock, BaseUrl baseUrl) {
        this.baseUrl = baseUrl;
        this.store = store;
        this.secrets = secrets;
        this.clock = clock;
    }

    public void register(HttpApi api) {
        api.post("/lease/v1/webhooks", Access.rule("esi_leap:webhook:create"), this::create);
        api.get("/lease/v1/webhooks", Access.rule("esi_leap:webhook:list"), this::list);
        api.get("/lease/v1/webhooks/{id}", Access.rule("esi_leap:webhook:get"), this::show);
        api.delete("/lease/v1/webhooks/{id}", Access.rule("esi_leap:webhook:delete"), this::delete);
    }

    private void create(Call call) {
        call.authorize(Map.of());
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("url", "secret"), "a webhook");
        String url = Jsons.requireString(body, "url");
        String secret = Jsons.requireString(body, "secret");
        requireUrl(url);
        if (secret.length() < 8 || secret.length() > 256) {
            throw ApiException.badRequest("secret must be 8 to 256 characters");
        }
        if (store.countOf(call.caller().projectId()) >= MAX_PER_PROJECT) {
            throw ApiException.conflict("A project may have at most " + MAX_PER_PROJECT + " webhooks; delete one first");
        }
        Webhook w = new Webhook(UUID.randomUUID(), call.caller().projectId(), url, secrets.seal(secret), true, clock.instant());
        store.insert(w);
        call.ctx().status(201).json(json(w));
    }

    private void list(Call call) {
        Query q = call.query(Set.of("limit", "marker"));
        call.authorize(Map.of());
        int limit = Math.min(q.positiveInt("limit").orElse(DEFAULT_LIMIT), DEFAULT_LIMIT);
        Optional<UUID> marker = q.uuid("marker");
        boolean all = call.caller().isAdmin();
        List<Webhook> found = store.webhooks(all ? Optional.empty() : Optional.of(call.caller().projectId()), marker, limit + 1);
        boolean more = found.size() > limit;
        List<Webhook> page = more ? found.subList(0, limit) : found;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("webhooks", page.stream().map(WebhookRoutes::json).toList());
        if (more) {
            body.put("next", NextLink.of(baseUrl.of(call.ctx()), call.ctx(), page.get(page.size() - 1).id().toString(), limit));
        }
        call.ctx().json(body);
    }

    private void show(Call call) {
        Webhook w = visible(call);
        call.authorize(Map.of("webhook.project_id", w.projectId()));
        call.ctx().json(json(w));
    }

    private void delete(Call call) {
        Webhook w = visible(call);
        call.authorize(Map.of("webhook.project_id", w.projectId()));
        store.delete(w.id());
        call.ctx().status(200).result("null").contentType("application/json");
    }

    private Webhook visible(Call call) {
        String id = call.pathParam("id");
        Optional<Webhook> w = Ids.looksLikeUuid(id) ? store.webhook(Ids.parseUuid(id, "webhook")) : Optional.empty();
        return w.filter(x -> call.allowed("esi_leap:webhook:get", Map.of("webhook.project_id", x.projectId())))
                .orElseThrow(() -> ApiException.notFound("Webhook " + id + " could not be found."));
    }

    static void requireUrl(String url) {
        try {
            URI u = URI.create(url);
            if (url.length() > 2048 || u.getScheme() == null || u.getHost() == null
                    || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))) {
                throw new IllegalArgumentException();
            }
        } catch (RuntimeException e) {
            throw ApiException.badRequest("url must be an http:// or https:// URL with a host");
        }
        if (URI.create(url).getRawUserInfo() != null) {
            // The url is shown back on every GET; credentials belong in the secret (the signature proves the sender).
            throw ApiException.badRequest("url must not carry a user name or password");
        }
    }

    static Map<String, Object> json(Webhook w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.id().toString());
        m.put("project_id", w.projectId());
        m.put("url", w.url());
        m.put("secret", "******");
        m.put("enabled", w.enabled());
        m.put("created_at", LeaseTimes.format(w.createdAt()));
        return m;
    }
}
