package org.esi.audit;

import java.util.LinkedHashMap;
import java.util.Map;

/** The audit API is the cloud admin's: it shows every project's users and actions. */
public final class AuditRules {
    private AuditRules() {}

    public static Map<String, String> defaults() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("audit:list", "rule:admin_api");
        r.put("audit:verify", "rule:admin_api");
        return r;
    }
}
