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
import org.esi.http.HttpApi;
import org.esi.http.Ids;
import org.esi.http.Jsons;

/** {@code /lease/v1/webhooks} (extension): a project's notification hooks. The secret is write-only. */
public final class WebhookRoutes {
    private final WebhookStore store;
    private final SecretBox secrets;
    private final Clock clock;

    public WebhookRoutes(WebhookStore store, SecretBox secrets, Clock clock) {
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
        Webhook w = new Webhook(UUID.randomUUID(), call.caller().projectId(), url, secrets.seal(secret), true, clock.instant());
        store.insert(w);
        call.ctx().status(201).json(json(w));
    }

    private void list(Call call) {
        call.query(Set.of());
        call.authorize(Map.of());
        boolean all = call.caller().isAdmin();
        List<Map<String, Object>> out = store.webhooks(all ? Optional.empty() : Optional.of(call.caller().projectId()))
                .stream().map(WebhookRoutes::json).toList();
        call.ctx().json(Map.of("webhooks", out));
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
            if (url.length() > 2048 || u.getHost() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                throw new IllegalArgumentException();
            }
        } catch (RuntimeException e) {
            throw ApiException.badRequest("url must be an http:// or https:// URL with a host");
        }
    }

    static Map<String, Object> json(Webhook w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.id().toString());
        m.put("project_id", w.projectId());
        m.put("url", w.url());
        m.put("secret", "******");
        m.put("enabled", w.enabled());
        m.put("created_at", w.createdAt().toString());
        return m;
    }
}
