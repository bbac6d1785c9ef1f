package org.esi.lease;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Default rules of the leasing API (spec: leasing-api.md). Targets carry {@code node.owner},
 * {@code node.lessee}, {@code offer.project_id}, {@code lease.project_id} and {@code lease.owner_id}.
 */
public final class LeaseRules {
    private LeaseRules() {}

    public static Map<String, String> defaults() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("esi_leap:leasing_role", "role:admin or role:owner or role:lessee");
        r.put("esi_leap:any_role", "role:admin or role:owner or role:lessee or role:member");
        r.put("esi_leap:api:get", "@");
        r.put("esi_leap:offer:create",
                "rule:admin_api or (role:owner and project_id:%(node.owner)s) or ((role:owner or role:lessee) and project_id:%(node.lessee)s)");
        r.put("esi_leap:offer:list", "rule:esi_leap:leasing_role");
        r.put("esi_leap:offer:list_all", "rule:admin_api");
        r.put("esi_leap:offer:get", "rule:esi_leap:leasing_role");
        r.put("esi_leap:offer:delete", "rule:admin_api or project_id:%(offer.project_id)s");
        r.put("esi_leap:offer:claim", "rule:esi_leap:any_role");
        r.put("esi_leap:lease:create",
                "rule:admin_api or (role:owner and project_id:%(node.owner)s) or ((role:owner or role:lessee) and project_id:%(node.lessee)s)");
        r.put("esi_leap:lease:list", "rule:esi_leap:leasing_role");
        r.put("esi_leap:lease:list_all", "rule:admin_api");
        r.put("esi_leap:lease:get", "rule:admin_api or project_id:%(lease.owner_id)s or project_id:%(lease.project_id)s");
        r.put("esi_leap:lease:update", "rule:admin_api or project_id:%(lease.owner_id)s");
        r.put("esi_leap:lease:delete", "rule:admin_api or project_id:%(lease.owner_id)s or project_id:%(lease.project_id)s");
        r.put("esi_leap:node:list", "@");
        r.put("esi_leap:node:schedule", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("esi_leap:event:list", "@");
        r.put("esi_leap:event:list_all", "rule:admin_api");
        return r;
    }
}
