package org.esi.federation;

import java.util.LinkedHashMap;
import java.util.Map;

/** Default rules of the federation API: trust between sites is the admin's alone. */
public final class FederationRules {
    private FederationRules() {}

    public static Map<String, String> defaults() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("esi:federation:peer:list", "rule:admin_api");
        r.put("esi:federation:peer:get", "rule:admin_api");
        r.put("esi:federation:peer:create", "rule:admin_api");
        r.put("esi:federation:peer:delete", "rule:admin_api");
        return r;
    }
}
