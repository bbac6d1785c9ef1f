package org.esi.network;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Default rules of the network API. Lessees may attach only nodes they lease to networks they own or
 * that are shared with them; owners see their switch ports; the admin everything.
 */
public final class NetworkRules {
    private NetworkRules() {}

    public static Map<String, String> defaults() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("network:network:list", "@");
        r.put("network:network:create", "rule:admin_api or role:owner or role:lessee or role:member");
        r.put("network:network:create_provider", "rule:admin_api");
        r.put("network:network:get", "rule:admin_api or project_id:%(network.project_id)s or True:%(network.shared)s or True:%(network.granted)s");
        r.put("network:network:update", "rule:admin_api or project_id:%(network.project_id)s");
        r.put("network:network:delete", "rule:admin_api or project_id:%(network.project_id)s");
        r.put("network:switch:list", "rule:admin_api or role:owner");
        r.put("network:switch:create", "rule:admin_api");
        r.put("network:switch:delete", "rule:admin_api");
        r.put("network:attachment:list", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("network:attachment:create", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("network:attachment:delete", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("network:trunk:list", "@");
        r.put("network:trunk:create", "rule:admin_api or role:owner or role:lessee or role:member");
        r.put("network:trunk:get", "rule:admin_api or project_id:%(trunk.project_id)s");
        r.put("network:trunk:update", "rule:admin_api or project_id:%(trunk.project_id)s");
        r.put("network:trunk:delete", "rule:admin_api or project_id:%(trunk.project_id)s");
        // The Neutron face (/network/v2.0): subnets are the network owner's, ports their project's.
        r.put("network:subnet:list", "@");
        r.put("network:subnet:create", "rule:admin_api or project_id:%(network.project_id)s");
        r.put("network:subnet:get", "rule:admin_api or project_id:%(network.project_id)s or True:%(network.shared)s or True:%(network.granted)s");
        r.put("network:subnet:update", "rule:admin_api or project_id:%(subnet.project_id)s");
        r.put("network:subnet:delete", "rule:admin_api or project_id:%(subnet.project_id)s");
        r.put("network:port:list", "@");
        r.put("network:port:create", "rule:admin_api or role:owner or role:lessee or role:member");
        r.put("network:port:create_for_project", "rule:admin_api");
        r.put("network:port:get", "rule:admin_api or project_id:%(port.project_id)s");
        r.put("network:port:update", "rule:admin_api or project_id:%(port.project_id)s");
        r.put("network:port:delete", "rule:admin_api or project_id:%(port.project_id)s");
        // Kinds of Neutron object this service has none of: listing them answers an empty list.
        r.put("network:unsupported:list", "@");
        r.put("network:extension:list", "@");
        return r;
    }
}
