package org.esi.federation;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.esi.identity.Project;
import org.esi.identity.User;
import org.esi.persistence.Columns;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** SQL of peers, used assertion ids and shadow projects and users (V28). No policy here. */
public final class FederationStore {
    private final Jdbi jdbi;

    public FederationStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    // --- peers

    public List<Peer> peers() {
        return jdbi.withHandle(h -> h.createQuery("select * from federation_peer order by name").map((rs, c) -> peer(rs)).list());
    }

    public Optional<Peer> peer(String name) {
        return jdbi.withHandle(h -> h.createQuery("select * from federation_peer where name = :n")
                .bind("n", name).map((rs, c) -> peer(rs)).findOne());
    }

    /** Inserts a peer; a taken name is the unique violation the caller turns into a 409. */
    public void insertPeer(Peer p) {
        jdbi.useHandle(h -> h.createUpdate("""
                        insert into federation_peer (name, url, public_key, created_at) values (:name, :url, :key, :at)""")
                .bind("name", p.name()).bind("url", p.url()).bind("key", p.publicKey()).bind("at", Columns.utc(p.createdAt()))
                .execute());
    }

    /**
     * Removes a peer and, in the same transaction, revokes the live tokens of its shadow users: trust withdrawn
     * ends what it granted now, not when those tokens expire. The shadow projects stay (they may hold leases).
     */
    public boolean deletePeer(String name, Instant now) {
        return jdbi.inTransaction(h -> {
            if (h.createUpdate("delete from federation_peer where name = :n").bind("n", name).execute() == 0) {
                return false;
            }
            h.createUpdate("""
                            update token set revoked_at = :now
                            where revoked_at is null and user_id in (select user_id from federation_shadow_user where site = :n)""")
                    .bind("n", name).bind("now", Columns.utc(now)).execute();
            return true;
        });
    }

    // --- assertion ids

    /** Records an assertion id in the caller's transaction; false when it was used before (a replay). */
    public boolean useJti(Handle h, String issuer, String jti, Instant keepUntil) {
        return h.createUpdate("""
                        insert into federation_jti (issuer, jti, expires_at) values (:i, :j, :until)
                        on conflict (issuer, jti) do nothing""")
                .bind("i", issuer).bind("j", jti).bind("until", Columns.utc(keepUntil)).execute() == 1;
    }

    public int purgeJtis(Instant before) {
        return jdbi.withHandle(h -> h.createUpdate("delete from federation_jti where expires_at < :b")
                .bind("b", Columns.utc(before)).execute());
    }

    // --- shadows

    public Optional<Project> shadowProject(Handle h, String site, String homeProjectId) {
        return h.createQuery("""
                        select p.* from federation_shadow_project s join project p on p.id = s.project_id
                        where s.site = :s and s.home_project_id = :hp""")
                .bind("s", site).bind("hp", homeProjectId)
                .map((rs, c) -> new Project(rs.getString("id"), rs.getString("name"), rs.getString("description"),
                        rs.getString("parent_id"), rs.getBoolean("enabled")))
                .findOne();
    }

    public void insertShadowProject(Handle h, String projectId, String site, String homeProjectId) {
        h.createUpdate("insert into federation_shadow_project (project_id, site, home_project_id) values (:p, :s, :hp)")
                .bind("p", projectId).bind("s", site).bind("hp", homeProjectId).execute();
    }

    public Optional<User> shadowUser(Handle h, String site, String homeUserId) {
        return h.createQuery("""
                        select u.* from federation_shadow_user s join esi_user u on u.id = s.user_id
                        where s.site = :s and s.home_user_id = :hu""")
                .bind("s", site).bind("hu", homeUserId)
                .map((rs, c) -> new User(rs.getString("id"), rs.getString("name"), rs.getString("default_project_id"),
                        rs.getBoolean("enabled"), rs.getString("email"), rs.getString("password_hash")))
                .findOne();
    }

    public void insertShadowUser(Handle h, String userId, String site, String homeUserId) {
        h.createUpdate("insert into federation_shadow_user (user_id, site, home_user_id) values (:u, :s, :hu)")
                .bind("u", userId).bind("s", site).bind("hu", homeUserId).execute();
    }

    /** Makes the shadow user's roles on the shadow project exactly {@code roles}: they follow the latest assertion. */
    public void setRoles(Handle h, String userId, String projectId, Set<String> roles) {
        h.createUpdate("delete from role_assignment where user_id = :u and project_id = :p and not (role = any(:r))")
                .bind("u", userId).bind("p", projectId).bind("r", roles.toArray(String[]::new)).execute();
        for (String role : roles) {
            h.createUpdate("insert into role_assignment (user_id, project_id, role) values (:u, :p, :r) on conflict do nothing")
                    .bind("u", userId).bind("p", projectId).bind("r", role).execute();
        }
    }

    private static Peer peer(ResultSet rs) throws SQLException {
        return new Peer(rs.getString("name"), rs.getString("url"), rs.getBytes("public_key"), Columns.instant(rs, "created_at"));
    }
}
