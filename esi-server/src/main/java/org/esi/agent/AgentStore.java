package org.esi.agent;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.esi.persistence.Columns;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** SQL for {@link AgentSession}s. Every change is one statement, so two instances never interleave halves. */
public final class AgentStore {
    private final Jdbi jdbi;

    public AgentStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** A new boot of the agent: whatever the last boot was given (token, URL, pinned certificate) is gone. */
    public void newBoot(UUID node, String pregeneratedTokenHash, String pregeneratedSealed, Instant now) {
        jdbi.useHandle(h -> h.createUpdate("""
                        insert into agent_boot (node_uuid, token_hash, token_sealed, token_pregenerated, booted_at)
                        values (:n, :h, :s, :p, :now)
                        on conflict (node_uuid) do update set token_hash = :h, token_sealed = :s, token_pregenerated = :p, agent_url = null,
                          agent_version = null, verify_ca = null, last_heartbeat = null, booted_at = :now""")
                .bind("n", node).bind("h", pregeneratedTokenHash).bind("s", pregeneratedSealed).bind("p", pregeneratedTokenHash != null)
                .bind("now", Columns.utc(now)).execute());
    }

    public Optional<AgentSession> session(UUID node) {
        return jdbi.withHandle(h -> session(h, node, false));
    }

    Optional<AgentSession> session(Handle h, UUID node, boolean forUpdate) {
        return h.createQuery("select * from agent_boot where node_uuid = :n" + (forUpdate ? " for update" : ""))
                .bind("n", node).map((rs, c) -> session(rs)).findOne();
    }

    /**
     * Stores the hash of a token if this boot has none yet; true when this call's token is now the one.
     * The condition is in the statement, so of two racing lookups exactly one gets a token.
     */
    public boolean issueToken(UUID node, String tokenHash, String sealed, Instant now) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        insert into agent_boot (node_uuid, token_hash, token_sealed, booted_at) values (:n, :h, :s, :now)
                        on conflict (node_uuid) do update set token_hash = :h, token_sealed = :s where agent_boot.token_hash is null""")
                .bind("n", node).bind("h", tokenHash).bind("s", sealed).bind("now", Columns.utc(now)).execute()) == 1;
    }

    void recordHeartbeat(Handle h, UUID node, String url, String version, String verifyCa, Instant now) {
        h.createUpdate("""
                        update agent_boot set agent_url = :url, agent_version = coalesce(:v, agent_version),
                          verify_ca = coalesce(:ca, verify_ca), last_heartbeat = :now where node_uuid = :n""")
                .bind("url", url).bind("v", version).bind("ca", verifyCa).bind("now", Columns.utc(now)).bind("n", node).execute();
    }

    /** The boot is over (the flow ended, or the node powered off): its token no longer opens anything. */
    public void forget(UUID node) {
        jdbi.useHandle(h -> h.createUpdate("delete from agent_boot where node_uuid = :n").bind("n", node).execute());
    }

    private static AgentSession session(ResultSet rs) throws SQLException {
        return new AgentSession(rs.getObject("node_uuid", UUID.class), rs.getString("token_hash"), rs.getString("token_sealed"), rs.getBoolean("token_pregenerated"),
                rs.getString("agent_url"), rs.getString("agent_version"), rs.getString("verify_ca"), instant(rs, "last_heartbeat"),
                instant(rs, "booted_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
