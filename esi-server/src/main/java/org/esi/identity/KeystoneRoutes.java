package org.esi.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.BaseUrl;
import org.esi.http.Call;
import org.esi.http.ErrorKind;
import org.esi.http.HttpApi;
import org.esi.http.Jsons;
import org.esi.http.Query;

/** {@code /identity/v3}: the Keystone subset OpenStack clients use, with Keystone's shapes. */
public final class KeystoneRoutes {
    private static final DateTimeFormatter KEYSTONE_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final String P = "/identity/v3";

    private final IdentityService identity;
    private final TokenService tokens;
    private final Authenticator authenticator;
    private final BaseUrl baseUrl;
    private final List<CatalogEntry> catalog;

    /** One service in the token's catalog: its type, name, and path under the base URL. */
    public record CatalogEntry(String type, String name, String path) {}

    public KeystoneRoutes(IdentityService identity, TokenService tokens, Authenticator authenticator, BaseUrl baseUrl,
                          List<CatalogEntry> catalog) {
        this.identity = identity;
        this.tokens = tokens;
        this.authenticator = authenticator;
        this.baseUrl = baseUrl;
        this.catalog = List.copyOf(catalog);
    }

    public void register(HttpApi api) {
        api.get("/identity", Access.anonymous(), this::versions);
        api.get(P, Access.anonymous(), this::version);
        api.post(P + "/auth/tokens", Access.anonymous(), this::login);
        api.get(P + "/auth/tokens", Access.rule("identity:validate_token"), this::validate);
        api.head(P + "/auth/tokens", Access.rule("identity:validate_token"), this::check);
        api.delete(P + "/auth/tokens", Access.rule("identity:revoke_token"), this::revoke);
        api.get(P + "/auth/projects", Access.rule("identity:list_own_projects"), this::ownProjects);
        api.get(P + "/projects", Access.rule("identity:list_projects"), this::listProjects);
        api.post(P + "/projects", Access.rule("identity:create_project"), this::createProject);
        api.get(P + "/projects/{id}", Access.rule("identity:get_project"), this::getProject);
        api.patch(P + "/projects/{id}", Access.rule("identity:update_project"), this::updateProject);
        api.delete(P + "/projects/{id}", Access.rule("identity:delete_project"), this::deleteProject);
        api.get(P + "/users", Access.rule("identity:list_users"), this::listUsers);
        api.post(P + "/users", Access.rule("identity:create_user"), this::createUser);
        api.get(P + "/users/{id}", Access.rule("identity:get_user"), this::getUser);
        api.get(P + "/users/{id}/projects", Access.rule("identity:list_user_projects"), this::userProjects);
        api.patch(P + "/users/{id}", Access.rule("identity:update_user"), this::updateUser);
        api.delete(P + "/users/{id}", Access.rule("identity:delete_user"), this::deleteUser);
        api.post(P + "/users/{id}/password", Access.rule("identity:change_password"), this::changePassword);
        api.get(P + "/roles", Access.rule("identity:list_roles"), this::listRoles);
        api.get(P + "/roles/{id}", Access.rule("identity:get_role"), this::getRole);
        api.put(P + "/projects/{p}/users/{u}/roles/{r}", Access.rule("identity:create_grant"), this::grant);
        api.delete(P + "/projects/{p}/users/{u}/roles/{r}", Access.rule("identity:revoke_grant"), this::revokeGrant);
        api.head(P + "/projects/{p}/users/{u}/roles/{r}", Access.rule("identity:check_grant"), this::checkGrant);
        api.get(P + "/projects/{p}/users/{u}/roles/{r}", Access.rule("identity:check_grant"), this::checkGrant);
        api.get(P + "/role_assignments", Access.rule("identity:list_role_assignments"), this::listAssignments);
    }

    // --- versions

    private void versions(Call call) {
        call.ctx().status(300).json(Map.of("versions", Map.of("values", List.of(versionBody(call.ctx())))));
    }

    private void version(Call call) {
        call.ctx().json(Map.of("version", versionBody(call.ctx())));
    }

    private Map<String, Object> versionBody(Context ctx) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", "v3.14");
        v.put("status", "stable");
        v.put("updated", "2020-04-07T00:00:00Z");
        v.put("links", List.of(Map.of("rel", "self", "href", baseUrl.of(ctx) + P + "/")));
        v.put("media-types", List.of(Map.of("base", "application/json", "type", "application/vnd.openstack.identity-v3+json")));
        return v;
    }

    // --- tokens

    private void login(Call call) {
        TokenService.Issued issued = authenticator.authenticate(call.bodyObject(), call.ctx().ip());
        call.ctx().status(201).header("X-Subject-Token", issued.token()).json(tokenBody(call.ctx(), issued.row()));
    }

    private void validate(Call call) {
        IdentityStore.TokenRow row = subject(call);
        call.ctx().header("X-Subject-Token", call.ctx().header("X-Subject-Token")).json(tokenBody(call.ctx(), row));
    }

    private void check(Call call) {
        subject(call);
        call.ctx().status(200);
    }

    private void revoke(Call call) {
        subject(call);
        tokens.revoke(call.ctx().header("X-Subject-Token"));
        call.ctx().status(204);
    }

    private IdentityStore.TokenRow subject(Call call) {
        String subject = call.ctx().header("X-Subject-Token");
        if (subject == null || subject.isBlank()) {
            throw ApiException.badRequest("X-Subject-Token header is required");
        }
        Optional<IdentityStore.TokenRow> row = subject.length() > 256 ? Optional.empty() : tokens.row(subject.trim());
        call.authorize(Map.of("token.user_id", row.map(IdentityStore.TokenRow::userId).orElse("")));
        return row.orElseThrow(() -> ApiException.notFound("Could not find token: the token is unknown, expired or revoked"));
    }

    private Map<String, Object> tokenBody(Context ctx, IdentityStore.TokenRow row) {
        Map<String, Object> t = new LinkedHashMap<>();
        Map<String, Object> domain = Map.of("id", "default", "name", "Default");
        t.put("methods", List.of("password"));
        t.put("user", Map.of("id", row.userId(), "name", row.userName(), "domain", domain));
        t.put("audit_ids", List.of(row.auditId()));
        t.put("expires_at", KEYSTONE_TIME.format(row.expiresAt()));
        t.put("issued_at", KEYSTONE_TIME.format(row.issuedAt()));
        t.put("project", Map.of("id", row.projectId(), "name", row.projectName(), "domain", domain));
        t.put("is_domain", false);
        t.put("roles", row.roles().stream().sorted().map(r -> Map.of("id", r, "name", r)).toList());
        t.put("catalog", catalog(baseUrl.of(ctx)));
        return Map.of("token", t);
    }

    private List<Map<String, Object>> catalog(String base) {
        List<Map<String, Object>> services = new ArrayList<>();
        for (CatalogEntry e : catalog) {
            List<Map<String, Object>> endpoints = new ArrayList<>();
            for (String iface : List.of("public", "internal", "admin")) {
                endpoints.add(Map.of("id", e.type() + "-" + iface, "interface", iface, "region", "RegionOne",
                        "region_id", "RegionOne", "url", base + e.path()));
            }
            services.add(Map.of("id", e.type(), "type", e.type(), "name", e.name(), "endpoints", endpoints));
        }
        return services;
    }

    // --- projects

    private void ownProjects(Call call) {
        call.authorize(Map.of());
        List<Map<String, Object>> out = identity.store().projectsOfUser(call.caller().userId()).stream()
                .map(p -> projectJson(call.ctx(), p)).toList();
        call.ctx().json(Map.of("projects", out, "links", links(call.ctx())));
    }

    private static final Set<String> PROJECT_FILTERS = Set.of("name", "parent_id", "domain_id", "enabled");

    /**
     * Every project for whoever may list them all (the admin). Anyone else gets the projects it holds a role on,
     * which {@code /auth/projects} tells it anyway: the stock client looks names up here ({@code --project NAME}),
     * and a 403 would leave it passing the name on as if it were an id.
     */
    private void listProjects(Call call) {
        Query q = call.query(PROJECT_FILTERS);
        boolean all = call.allowed("identity:list_projects", Map.of());
        call.authorize(all ? Map.of() : Map.of("user.id", call.caller().userId()));
        List<Project> found = all
                ? identity.store().projects(q.string("name"), q.string("parent_id").filter(s -> !s.isEmpty()))
                : identity.store().projectsOfUser(call.caller().userId());
        projects(call, found, q);
    }

    /** {@code GET /users/{id}/projects}: what {@code openstack project list} falls back to for a non-admin. */
    private void userProjects(Call call) {
        Query q = call.query(PROJECT_FILTERS);
        String id = call.pathParam("id");
        // Policy first: another user's list is 403 whether or not that user exists.
        call.authorize(Map.of("user.id", id));
        identity.user(id);
        projects(call, identity.store().projectsOfUser(id), q);
    }

    private void projects(Call call, List<Project> found, Query q) {
        Optional<String> name = q.string("name");
        Optional<String> parent = q.string("parent_id").filter(s -> !s.isEmpty());
        Optional<Boolean> enabled = q.bool("enabled");
        // One domain: a filter naming another matches nothing, as Keystone answers for an unknown domain.
        boolean inDomain = q.string("domain_id").map(IdentityService.DOMAIN_ID::equals).orElse(true);
        List<Map<String, Object>> out = found.stream()
                .filter(p -> inDomain && name.map(p.name()::equals).orElse(true)
                        && parent.map(x -> x.equals(Optional.ofNullable(p.parentId()).orElse(IdentityService.DOMAIN_ID))).orElse(true)
                        && enabled.map(e -> e == p.enabled()).orElse(true))
                .map(p -> projectJson(call.ctx(), p)).toList();
        call.ctx().json(Map.of("projects", out, "links", links(call.ctx())));
    }

    private void getProject(Call call) {
        String id = call.pathParam("id");
        boolean domain = id.equals(IdentityService.DOMAIN_ID);
        call.authorize(Map.of("project.id", id, "project.is_domain", domain));
        call.ctx().json(Map.of("project", domain ? domainAsProject(call.ctx()) : projectJson(call.ctx(), identity.project(id))));
    }

    private static final Set<String> PROJECT_FIELDS = Set.of("name", "description", "parent_id", "enabled", "domain_id", "is_domain", "tags", "options");

    private void createProject(Call call) {
        call.authorize(Map.of());
        ObjectNode p = Jsons.requireObject(call.bodyObject(), "project");
        Jsons.requireOnly(p, PROJECT_FIELDS, "project");
        keystoneOnlyDefaults(p);
        Boolean enabled = Jsons.optBoolean(p, "enabled");
        Project created = identity.createProject(Jsons.requireString(p, "name"), Jsons.optString(p, "description"),
                Jsons.optString(p, "parent_id"), enabled == null || enabled);
        call.ctx().status(201).json(Map.of("project", projectJson(call.ctx(), created)));
    }

    private void updateProject(Call call) {
        call.authorize(Map.of());
        Project current = identity.project(call.pathParam("id"));
        ObjectNode p = Jsons.requireObject(call.bodyObject(), "project");
        Jsons.requireOnly(p, PROJECT_FIELDS, "project");
        keystoneOnlyDefaults(p);
        Boolean enabled = Jsons.optBoolean(p, "enabled");
        Project updated = identity.updateProject(new Project(current.id(),
                p.has("name") ? Jsons.requireString(p, "name") : current.name(),
                p.has("description") ? Optional.ofNullable(Jsons.optString(p, "description")).orElse("") : current.description(),
                p.has("parent_id") ? Jsons.optString(p, "parent_id") : current.parentId(),
                enabled == null ? current.enabled() : enabled));
        call.ctx().json(Map.of("project", projectJson(call.ctx(), updated)));
    }

    private void deleteProject(Call call) {
        call.authorize(Map.of());
        identity.deleteProject(call.pathParam("id"));
        call.ctx().status(204);
    }

    /** Keystone fields we accept only at their one meaningful value: one domain, no sub-domains, no tags. */
    private static void keystoneOnlyDefaults(ObjectNode p) {
        String domain = Jsons.optString(p, "domain_id");
        if (domain != null && !domain.equals("default")) {
            throw ApiException.badRequest("Only the 'default' domain exists");
        }
        if (Boolean.TRUE.equals(Jsons.optBoolean(p, "is_domain"))) {
            throw ApiException.badRequest("Projects acting as domains are not supported");
        }
        JsonNode tags = p.get("tags");
        if (tags != null && !(tags.isArray() && tags.isEmpty())) {
            throw ApiException.badRequest("Project tags are not supported");
        }
        JsonNode options = p.get("options");
        if (options != null && !(options.isObject() && options.isEmpty())) {
            throw ApiException.badRequest("Project options are not supported");
        }
    }

    private Map<String, Object> projectJson(Context ctx, Project p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("name", p.name());
        m.put("description", p.description());
        m.put("domain_id", "default");
        m.put("enabled", p.enabled());
        m.put("parent_id", p.parentId() == null ? IdentityService.DOMAIN_ID : p.parentId());
        m.put("is_domain", false);
        m.put("tags", List.of());
        m.put("options", Map.of());
        m.put("links", Map.of("self", baseUrl.of(ctx) + P + "/projects/" + p.id()));
        return m;
    }

    /**
     * The domain as Keystone stores it, a project acting as a domain: the root every top-level project names as
     * its parent, so clients that walk {@code parent_id} up the tree (ESI-Leap does) end here instead of at a 404.
     */
    private Map<String, Object> domainAsProject(Context ctx) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", IdentityService.DOMAIN_ID);
        m.put("name", "Default");
        m.put("description", "The default domain");
        m.put("domain_id", null);
        m.put("enabled", true);
        m.put("parent_id", null);
        m.put("is_domain", true);
        m.put("tags", List.of());
        m.put("options", Map.of());
        m.put("links", Map.of("self", baseUrl.of(ctx) + P + "/projects/" + IdentityService.DOMAIN_ID));
        return m;
    }

    // --- users

    private static final Set<String> USER_FIELDS = Set.of("name", "password", "default_project_id", "enabled", "email", "domain_id", "options");

    /**
     * Every user for whoever may list them all (the admin); anyone else sees only itself, which it may read anyway.
     * The stock client resolves {@code --user NAME} through this list, and without it would send the name as an id.
     */
    private void listUsers(Call call) {
        Query q = call.query(Set.of("name", "domain_id", "enabled"));
        boolean all = call.allowed("identity:list_users", Map.of());
        String self = call.caller().userId();
        call.authorize(all ? Map.of() : Map.of("user.id", self));
        boolean inDomain = q.string("domain_id").map(IdentityService.DOMAIN_ID::equals).orElse(true);
        List<User> found = all ? identity.store().users(q.string("name"))
                : identity.store().user(self).filter(u -> q.string("name").map(u.name()::equals).orElse(true)).stream().toList();
        List<Map<String, Object>> out = found.stream()
                .filter(u -> inDomain && q.bool("enabled").map(e -> e == u.enabled()).orElse(true))
                .map(u -> userJson(call.ctx(), u)).toList();
        call.ctx().json(Map.of("users", out, "links", links(call.ctx())));
    }

    private void getUser(Call call) {
        String id = call.pathParam("id");
        call.authorize(Map.of("user.id", id));
        call.ctx().json(Map.of("user", userJson(call.ctx(), identity.user(id))));
    }

    private void createUser(Call call) {
        call.authorize(Map.of());
        ObjectNode u = Jsons.requireObject(call.bodyObject(), "user");
        Jsons.requireOnly(u, USER_FIELDS, "user");
        userDefaults(u);
        Boolean enabled = Jsons.optBoolean(u, "enabled");
        User created = identity.createUser(Jsons.requireString(u, "name"), Jsons.requireString(u, "password"),
                Jsons.optString(u, "default_project_id"), enabled == null || enabled, Jsons.optString(u, "email"));
        call.ctx().status(201).json(Map.of("user", userJson(call.ctx(), created)));
    }

    private void updateUser(Call call) {
        call.authorize(Map.of());
        User current = identity.user(call.pathParam("id"));
        ObjectNode u = Jsons.requireObject(call.bodyObject(), "user");
        Jsons.requireOnly(u, USER_FIELDS, "user");
        userDefaults(u);
        Boolean enabled = Jsons.optBoolean(u, "enabled");
        User updated = identity.updateUser(new User(current.id(),
                u.has("name") ? Jsons.requireString(u, "name") : current.name(),
                u.has("default_project_id") ? Jsons.optString(u, "default_project_id") : current.defaultProjectId(),
                enabled == null ? current.enabled() : enabled,
                u.has("email") ? Jsons.optString(u, "email") : current.email(),
                current.passwordHash()), Optional.ofNullable(Jsons.optString(u, "password")));
        call.ctx().json(Map.of("user", userJson(call.ctx(), updated)));
    }

    private void changePassword(Call call) {
        String id = call.pathParam("id");
        call.authorize(Map.of("user.id", id));
        ObjectNode u = Jsons.requireObject(call.bodyObject(), "user");
        Jsons.requireOnly(u, Set.of("password", "original_password"), "user");
        User current = identity.user(id);
        String original = Jsons.requireString(u, "original_password");
        if (!identity.hasher().verify(original, current.passwordHash())) {
            throw ApiException.unauthorized("The original password is not correct.");
        }
        identity.updateUser(current, Optional.of(Jsons.requireString(u, "password")));
        call.ctx().status(204);
    }

    private void deleteUser(Call call) {
        call.authorize(Map.of());
        identity.deleteUser(call.pathParam("id"));
        call.ctx().status(204);
    }

    private static void userDefaults(ObjectNode u) {
        String domain = Jsons.optString(u, "domain_id");
        if (domain != null && !domain.equals("default")) {
            throw ApiException.badRequest("Only the 'default' domain exists");
        }
        JsonNode options = u.get("options");
        if (options != null && !(options.isObject() && options.isEmpty())) {
            throw ApiException.badRequest("User options are not supported");
        }
    }

    private Map<String, Object> userJson(Context ctx, User u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", u.id());
        m.put("name", u.name());
        m.put("domain_id", "default");
        m.put("enabled", u.enabled());
        m.put("default_project_id", u.defaultProjectId());
        m.put("email", u.email());
        m.put("password_expires_at", null);
        m.put("options", Map.of());
        m.put("links", Map.of("self", baseUrl.of(ctx) + P + "/users/" + u.id()));
        return m;
    }

    // --- roles

    private void listRoles(Call call) {
        Query q = call.query(Set.of("name", "domain_id"));
        call.authorize(Map.of());
        List<Map<String, Object>> out = Roles.ALL.stream()
                .filter(r -> q.string("name").map(n -> Roles.canonical(n).map(r::equals).orElse(false)).orElse(true))
                .map(r -> roleJson(call.ctx(), r)).toList();
        call.ctx().json(Map.of("roles", out, "links", links(call.ctx())));
    }

    private void getRole(Call call) {
        call.authorize(Map.of());
        call.ctx().json(Map.of("role", roleJson(call.ctx(), identity.role(call.pathParam("id")))));
    }

    private Map<String, Object> roleJson(Context ctx, String role) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", role);
        m.put("name", role);
        m.put("domain_id", null);
        m.put("links", Map.of("self", baseUrl.of(ctx) + P + "/roles/" + role));
        return m;
    }

    private void grant(Call call) {
        call.authorize(Map.of());
        identity.grant(call.pathParam("p"), call.pathParam("u"), call.pathParam("r"));
        call.ctx().status(204);
    }

    private void revokeGrant(Call call) {
        call.authorize(Map.of());
        identity.revoke(call.pathParam("p"), call.pathParam("u"), call.pathParam("r"));
        call.ctx().status(204);
    }

    private void checkGrant(Call call) {
        call.authorize(Map.of());
        String role = identity.role(call.pathParam("r"));
        boolean has = identity.store().roles(call.pathParam("u"), call.pathParam("p")).contains(role);
        if (!has) {
            throw ApiException.notFound("No such role assignment");
        }
        call.ctx().status(204);
    }

    private void listAssignments(Call call) {
        Query q = call.query(Set.of("user.id", "scope.project.id", "role.id", "effective", "include_names"));
        Optional<String> project = q.string("scope.project.id");
        boolean names = keystoneFlag(q, "include_names");
        keystoneFlag(q, "effective"); // every assignment is direct (no groups, no inheritance): effective changes nothing
        // Anyone may list their own assignments (the default rule compares the filter with the caller). Without a
        // user filter, whoever may not list everyone's gets its own, rather than a 403 the client cannot act on.
        Optional<String> user = q.string("user.id")
                .or(() -> call.allowed("identity:list_role_assignments", Map.of()) ? Optional.empty() : Optional.of(call.caller().userId()));
        call.authorize(Map.of("user.id", user.orElse("")));
        Optional<String> role = q.string("role.id").map(identity::role);
        String base = baseUrl.of(call.ctx());
        Map<String, Object> domain = Map.of("id", IdentityService.DOMAIN_ID, "name", "Default");
        List<Map<String, Object>> out = identity.store().namedAssignments(user, project).stream()
                .filter(n -> role.map(r -> r.equals(n.assignment().role())).orElse(true))
                .map(n -> {
                    RoleAssignment a = n.assignment();
                    // include_names adds each entity's name and domain, in Keystone's shape; roles are global (no domain).
                    return Map.<String, Object>of(
                            "role", Map.of("id", a.role(), "name", a.role()),
                            "user", names ? Map.of("id", a.userId(), "name", n.userName(), "domain", domain) : Map.of("id", a.userId()),
                            "scope", Map.of("project", names
                                    ? Map.of("id", a.projectId(), "name", n.projectName(), "domain", domain) : Map.of("id", a.projectId())),
                            "links", Map.of("assignment", base + P + "/projects/" + a.projectId() + "/users/" + a.userId() + "/roles/" + a.role()));
                })
                .toList();
        call.ctx().json(Map.of("role_assignments", out, "links", links(call.ctx())));
    }

    /** Keystone's boolean query flags: present without a value means true; otherwise true/false words. */
    private static boolean keystoneFlag(Query q, String name) {
        if (!q.has(name)) {
            return false;
        }
        return q.string(name).filter(v -> !v.isEmpty()).map(v -> q.bool(name).orElseThrow()).orElse(true);
    }

    private Map<String, Object> links(Context ctx) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("self", baseUrl.of(ctx) + ctx.path());
        m.put("previous", null);
        m.put("next", null);
        return m;
    }

    static String keystoneTime(Instant i) {
        return KEYSTONE_TIME.format(i);
    }
}
