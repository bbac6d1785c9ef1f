package org.esi.quota;

import java.util.LinkedHashMap;
import java.util.Map;

/** Default rules of the quota API: the admin sets and sees every quota; a project sees its own. */
public final class QuotaRules {
    private QuotaRules() {}

    public static Map<String, String> defaults() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("esi:market:quota:list", "rule:admin_api or role:owner or role:lessee or role:member");
        r.put("esi:market:quota:get", "rule:admin_api or project_id:%(quota.project_id)s");
        r.put("esi:market:quota:set", "rule:admin_api");
        r.put("esi:market:quota:delete", "rule:admin_api");
        return r;
    }
}
