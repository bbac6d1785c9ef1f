package org.esi.notify;

import java.util.LinkedHashMap;
import java.util.Map;

/** Default rules of the webhook API: a project's owners and lessees manage its hooks; the admin all. */
public final class WebhookRules {
    private WebhookRules() {}

    public static Map<String, String> defaults() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("esi_leap:webhook:create", "rule:admin_api or role:owner or role:lessee");
        r.put("esi_leap:webhook:list", "rule:admin_api or role:owner or role:lessee");
        r.put("esi_leap:webhook:get", "rule:admin_api or project_id:%(webhook.project_id)s");
        r.put("esi_leap:webhook:delete", "rule:admin_api or project_id:%(webhook.project_id)s");
        return r;
    }
}
