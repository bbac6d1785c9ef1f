package org.esi.node;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Default rules of the bare-metal API (spec: baremetal-api.md, "Who may do what"). Targets carry
 * {@code node.owner} and {@code node.lessee}. A caller who may not {@code get} a node gets 404.
 */
public final class NodeRules {
    private NodeRules() {}

    public static Map<String, String> defaults() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("is_node_owner", "project_id:%(node.owner)s");
        r.put("is_node_lessee", "project_id:%(node.lessee)s");
        r.put("baremetal:api:get", "@");
        r.put("baremetal:node:list", "@");
        r.put("baremetal:node:list_all", "rule:admin_api");
        r.put("baremetal:node:get", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("baremetal:node:get:secrets", "rule:admin_api or rule:is_node_owner");
        // Readers of secrets see last_error whole; others this rule admits (the lessee) see it scrubbed, so a lessee can
        // tell why its deploy failed without learning the BMC. Ironic's default shows it to the owner only.
        r.put("baremetal:node:get:last_error", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("baremetal:driver:get", "@");
        r.put("baremetal:node:create", "rule:admin_api or (role:owner and project_id:%(node.owner)s)");
        r.put("baremetal:node:delete", "rule:admin_api or rule:is_node_owner");
        r.put("baremetal:node:update", "rule:admin_api or rule:is_node_owner");
        r.put("baremetal:node:update_owner", "rule:admin_api");
        r.put("baremetal:node:update_extra", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("baremetal:node:update_instance_info", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("baremetal:node:set_power_state", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("baremetal:node:set_provision_state", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("baremetal:node:set_provision_state:manage", "rule:admin_api or rule:is_node_owner");
        r.put("baremetal:node:get_boot_device", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("baremetal:node:set_boot_device", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("baremetal:node:set_console_state", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("baremetal:node:get_console", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("baremetal:node:vif:list", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("baremetal:node:vif:attach", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("baremetal:node:vif:detach", "rule:admin_api or rule:is_node_owner or rule:is_node_lessee");
        r.put("baremetal:port:list", "@");
        r.put("baremetal:port:get", "rule:baremetal:node:get");
        r.put("baremetal:port:create", "rule:admin_api or rule:is_node_owner");
        r.put("baremetal:port:update", "rule:admin_api or rule:is_node_owner");
        r.put("baremetal:port:delete", "rule:admin_api or rule:is_node_owner");
        return r;
    }
}
