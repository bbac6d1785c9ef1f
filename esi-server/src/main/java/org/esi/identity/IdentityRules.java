package org.esi.identity;

import java.util.LinkedHashMap;
import java.util.Map;

/** Default policy rules of the identity API; an operator's policy file may override any of them. */
public final class IdentityRules {
    private IdentityRules() {}

    public static Map<String, String> defaults() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("admin_api", "role:admin");
        r.put("identity:validate_token", "rule:admin_api or user_id:%(token.user_id)s");
        r.put("identity:revoke_token", "rule:admin_api or user_id:%(token.user_id)s");
        // A target with user.id asks for that user's own projects (the list a non-admin gets); without, for all.
        r.put("identity:list_projects", "rule:admin_api or user_id:%(user.id)s");
        // Every token is scoped in the one domain, and Keystone lets a domain's members read the domain.
        r.put("identity:get_project", "rule:admin_api or project_id:%(project.id)s or True:%(project.is_domain)s");
        r.put("identity:create_project", "rule:admin_api");
        r.put("identity:update_project", "rule:admin_api");
        r.put("identity:delete_project", "rule:admin_api");
        // With user.id in the target: the caller listing only itself.
        r.put("identity:list_users", "rule:admin_api or user_id:%(user.id)s");
        r.put("identity:get_user", "rule:admin_api or user_id:%(user.id)s");
        r.put("identity:list_user_projects", "rule:admin_api or user_id:%(user.id)s");
        r.put("identity:create_user", "rule:admin_api");
        r.put("identity:update_user", "rule:admin_api");
        r.put("identity:change_password", "rule:admin_api or user_id:%(user.id)s");
        r.put("identity:delete_user", "rule:admin_api");
        r.put("identity:list_roles", "@");
        r.put("identity:get_role", "@");
        r.put("identity:create_grant", "rule:admin_api");
        r.put("identity:revoke_grant", "rule:admin_api");
        r.put("identity:check_grant", "rule:admin_api");
        r.put("identity:list_role_assignments", "rule:admin_api or user_id:%(user.id)s");
        r.put("identity:list_own_projects", "@");
        return r;
    }
}
