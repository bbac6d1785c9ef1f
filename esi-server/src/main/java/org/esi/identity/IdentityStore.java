package org.esi.identity;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** SQL for projects, users, role assignments and tokens. No policy here: callers decide who may. */
public final class IdentityStore {
    private final Jdbi jdbi;

    public IdentityStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    // --- projects

    /** Projects by name and parent; a parent of {@link IdentityService#DOMAIN_ID} means the top-level ones. */
    public List<Project> projects(Optional<String> name, Optional<String> parentId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select * from project
                        where (:name is null or name = :name)
                          and (:parent is null or parent_id = :parent or (:parent = :domain and parent_id is null))
                        order by name""")
                .bind("name", name.orElse(null)).bind("parent", parentId.orElse(null)).bind("domain", IdentityService.DOMAIN_ID)
                .map((rs, c) -> project(rs)).list());
    }

    /** The projects a user holds any role on, by name. */
    public List<Project> projectsOfUser(String userId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select * from project p
                        where exists (select 1 from role_assignment ra where ra.project_id = p.id and ra.user_id = :u)
                        order by name""")
                .bind("u", userId).map((rs, c) -> project(rs)).list());
    }

    public Optional<Project> project(String id) {
        return jdbi.withHandle(h -> h.createQuery("select * from project where id = :id")
                .bind("id", id).map((rs, c) -> project(rs)).findOne());
    }

    public Optional<Project> projectByName(String name) {
        return jdbi.withHandle(h -> h.createQuery("select * from project where name = :name")
                .bind("name", name).map((rs, c) -> project(rs)).findOne());
    }

    public void insertProject(Project p) {
        jdbi.useHandle(h -> insertProject(h, p));
    }

    /** In the caller's transaction (a federation token exchange creates its shadow project so). */
    public void insertProject(Handle h, Project p) {
        h.createUpdate("""
                        insert into project (id, name, description, parent_id, enabled)
                        values (:id, :name, :description, :parentId, :enabled)""")
                .bindMethods(p).execute();
    }

    public void updateProject(Project p) {
        jdbi.useHandle(h -> updateProject(h, p));
    }

    public void updateProject(Handle h, Project p) {
        h.createUpdate("""
                        update project set name = :name, description = :description, parent_id = :parentId,
                        enabled = :enabled where id = :id""")
                .bindMethods(p).execute();
    }

    public boolean deleteProject(String id) {
        return jdbi.withHandle(h -> h.createUpdate("delete from project where id = :id").bind("id", id).execute()) > 0;
    }

    /** The project and every ancestor up to the root, nearest first. */
    public List<String> ancestry(String projectId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        with recursive up(id, parent_id, depth) as (
                            select id, parent_id, 0 from project where id = :id
                            union all
                            select p.id, p.parent_id, up.depth + 1 from project p join up on p.id = up.parent_id
                            where up.depth < 64)
                        select id from up order by depth""")
                .bind("id", projectId).mapTo(String.class).list());
    }

    // --- users

    public List<User> users(Optional<String> name) {
        return jdbi.withHandle(h -> h.createQuery("select * from esi_user where (:name is null or name = :name) order by name")
                .bind("name", name.orElse(null)).map((rs, c) -> user(rs)).list());
    }

    public Optional<User> user(String id) {
        return jdbi.withHandle(h -> h.createQuery("select * from esi_user where id = :id")
                .bind("id", id).map((rs, c) -> user(rs)).findOne());
    }

    public Optional<User> userByName(String name) {
        return jdbi.withHandle(h -> h.createQuery("select * from esi_user where name = :name")
                .bind("name", name).map((rs, c) -> user(rs)).findOne());
    }

    public void insertUser(User u) {
        jdbi.useHandle(h -> insertUser(h, u));
    }

    public void insertUser(Handle h, User u) {
        h.createUpdate("""
                        insert into esi_user (id, name, default_project_id, enabled, email, password_hash)
                        values (:id, :name, :defaultProjectId, :enabled, :email, :passwordHash)""")
                .bindMethods(u).execute();
    }

    public void updateUser(User u) {
        jdbi.useHandle(h -> h.createUpdate("""
                        update esi_user set name = :name, default_project_id = :defaultProjectId, enabled = :enabled,
                        email = :email, password_hash = :passwordHash where id = :id""")
                .bindMethods(u).execute());
    }

    public boolean deleteUser(String id) {
        return jdbi.withHandle(h -> h.createUpdate("delete from esi_user where id = :id").bind("id", id).execute()) > 0;
    }

    // --- roles

    public boolean grant(String userId, String projectId, String role) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        insert into role_assignment (user_id, project_id, role) values (:u, :p, :r) on conflict do nothing""")
                .bind("u", userId).bind("p", projectId).bind("r", role).execute()) > 0;
    }

    public boolean revoke(String userId, String projectId, String role) {
        return jdbi.withHandle(h -> h.createUpdate("delete from role_assignment where user_id = :u and project_id = :p and role = :r")
                .bind("u", userId).bind("p", projectId).bind("r", role).execute()) > 0;
    }

    /** Assignments with the user's and the project's names, for Keystone's {@code include_names}. */
    public List<RoleAssignment.Named> namedAssignments(Optional<String> userId, Optional<String> projectId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select ra.user_id, ra.project_id, ra.role, u.name as user_name, p.name as project_name
                        from role_assignment ra join esi_user u on u.id = ra.user_id join project p on p.id = ra.project_id
                        where (:u is null or ra.user_id = :u) and (:p is null or ra.project_id = :p)
                        order by ra.user_id, ra.project_id, ra.role""")
                .bind("u", userId.orElse(null)).bind("p", projectId.orElse(null))
                .map((rs, c) -> new RoleAssignment.Named(
                        new RoleAssignment(rs.getString("user_id"), rs.getString("project_id"), rs.getString("role")),
                        rs.getString("user_name"), rs.getString("project_name")))
                .list());
    }

    public Set<String> roles(String userId, String projectId) {
        List<String> roles = jdbi.withHandle(h -> h.createQuery(
                        "select role from role_assignment where user_id = :u and project_id = :p")
                .bind("u", userId).bind("p", projectId).mapTo(String.class).list());
        return new TreeSet<>(roles);
    }

    // --- tokens

    public void insertToken(byte[] hash, String userId, String projectId, String auditId, Instant issued, Instant expires) {
        jdbi.useHandle(h -> insertToken(h, hash, userId, projectId, auditId, issued, expires));
    }

    public void insertToken(Handle h, byte[] hash, String userId, String projectId, String auditId, Instant issued, Instant expires) {
        h.createUpdate("""
                        insert into token (hash, user_id, project_id, audit_id, issued_at, expires_at)
                        values (:hash, :u, :p, :a, :issued, :expires)""")
                .bind("hash", hash).bind("u", userId).bind("p", projectId).bind("a", auditId)
                .bind("issued", utc(issued)).bind("expires", utc(expires)).execute();
    }

    /** A live token's subject with its current roles; the join makes a disabled user or project end the token. */
    public Optional<TokenRow> liveToken(byte[] hash, Instant now) {
        return jdbi.withHandle(h -> liveToken(h, hash, now));
    }

    public Optional<TokenRow> liveToken(Handle h, byte[] hash, Instant now) {
        return h.createQuery("""
                        select t.user_id, u.name as user_name, t.project_id, p.name as project_name, t.audit_id,
                               t.issued_at, t.expires_at,
                               array(select role from role_assignment ra
                                     where ra.user_id = t.user_id and ra.project_id = t.project_id) as roles
                        from token t
                        join esi_user u on u.id = t.user_id and u.enabled
                        join project p on p.id = t.project_id and p.enabled
                        where t.hash = :hash and t.revoked_at is null and t.expires_at > :now""")
                .bind("hash", hash).bind("now", utc(now))
                .map((rs, c) -> new TokenRow(rs.getString("user_id"), rs.getString("user_name"), rs.getString("project_id"),
                        rs.getString("project_name"), rs.getString("audit_id"), instant(rs, "issued_at"), instant(rs, "expires_at"),
                        Set.of((String[]) rs.getArray("roles").getArray())))
                .findOne();
    }

    public boolean revokeToken(byte[] hash, Instant now) {
        return jdbi.withHandle(h -> h.createUpdate("update token set revoked_at = :now where hash = :hash and revoked_at is null")
                .bind("hash", hash).bind("now", utc(now)).execute()) > 0;
    }

    /** Drops tokens long past expiry so the table does not grow without bound. */
    public int purgeExpiredTokens(Instant before) {
        return jdbi.withHandle(h -> h.createUpdate("delete from token where expires_at < :before")
                .bind("before", utc(before)).execute());
    }

    public record TokenRow(String userId, String userName, String projectId, String projectName, String auditId,
                           Instant issuedAt, Instant expiresAt, Set<String> roles) {}

    static OffsetDateTime utc(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static Project project(ResultSet rs) throws SQLException {
        return new Project(rs.getString("id"), rs.getString("name"), rs.getString("description"),
                rs.getString("parent_id"), rs.getBoolean("enabled"));
    }

    private static User user(ResultSet rs) throws SQLException {
        return new User(rs.getString("id"), rs.getString("name"), rs.getString("default_project_id"),
                rs.getBoolean("enabled"), rs.getString("email"), rs.getString("password_hash"));
    }
}
