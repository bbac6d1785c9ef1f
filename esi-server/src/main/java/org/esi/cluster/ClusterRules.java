package org.esi.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/** Default rules of the cluster API: a project's lessees and owners run its pools; the admin sees all of them. */
public final class ClusterRules {
    private ClusterRules() {}

    public static Map<String, String> defaults() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("esi:cluster:pool:create", "rule:admin_api or role:owner or role:lessee");
        r.put("esi:cluster:pool:list", "rule:admin_api or role:owner or role:lessee");
        r.put("esi:cluster:pool:get", "rule:admin_api or project_id:%(pool.project_id)s");
        r.put("esi:cluster:pool:update", "rule:admin_api or project_id:%(pool.project_id)s");
        r.put("esi:cluster:pool:delete", "rule:admin_api or project_id:%(pool.project_id)s");
        return r;
    }
}
