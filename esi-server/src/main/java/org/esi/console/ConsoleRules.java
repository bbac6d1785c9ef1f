package org.esi.console;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Default rules for console auth tokens: whoever may use a node's console may hand out and revoke its
 * tokens (the owner, the current lessee, an admin). Targets are nodes, as in {@code NodeRules}.
 */
public final class ConsoleRules {
    private ConsoleRules() {}

    public static Map<String, String> defaults() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("esi_leap:console_auth_token:create", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("esi_leap:console_auth_token:delete", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        return r;
    }
}
