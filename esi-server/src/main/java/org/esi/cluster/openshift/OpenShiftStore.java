package org.esi.cluster.openshift;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.esi.persistence.Columns;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** The {@code pool_openshift} rows (V21__pool_openshift.sql); secrets arrive and leave sealed. */
public final class OpenShiftStore {
    private final Jdbi jdbi;

    public OpenShiftStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public void insert(Handle h, UUID pool, OpenShiftSettings s) {
        h.createUpdate("""
                        insert into pool_openshift (pool_uuid, api_url, token_url, offline_token, pull_secret, name, openshift_version,
                          base_dns_domain, openshift_cluster_id, api_vip_dnsname)
                        values (:p, :api, :token, :offline, :pull, :name, :version, :domain, :cluster, :vip)""")
                .bind("p", pool).bind("api", s.apiUrl()).bind("token", s.tokenUrl()).bind("offline", s.sealedOfflineToken())
                .bind("pull", s.sealedPullSecret()).bind("name", s.name()).bind("version", s.openshiftVersion())
                .bind("domain", s.baseDnsDomain()).bind("cluster", s.openshiftClusterId()).bind("vip", s.apiVipDnsname()).execute();
    }

    public Optional<OpenShiftPool> find(Handle h, UUID pool) {
        return h.createQuery("select * from pool_openshift where pool_uuid = :p").bind("p", pool).map((rs, c) -> row(rs)).findOne();
    }

    public Optional<OpenShiftPool> find(UUID pool) {
        return jdbi.withHandle(h -> find(h, pool));
    }

    /** The OpenShift pool a member (by its lease) belongs to, with the member's node. */
    public Optional<MemberOf> memberOf(UUID lease) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select o.*, m.node_uuid from pool_member m join pool_openshift o on o.pool_uuid = m.pool_uuid
                        where m.lease_uuid = :l""").bind("l", lease)
                .map((rs, c) -> new MemberOf(row(rs), rs.getObject("node_uuid", UUID.class))).findOne());
    }

    /** The pool's members that count toward its size, oldest first (day 1 makes the first three masters). */
    public java.util.List<UUID> countingMembers(Handle h, UUID pool) {
        return h.createQuery("""
                        select lease_uuid from pool_member where pool_uuid = :p and status in ('claiming', 'deploying', 'ready')
                        order by created_at, lease_uuid""").bind("p", pool).mapTo(UUID.class).list();
    }

    public record MemberOf(OpenShiftPool pool, UUID node) {}

    public void setCluster(Handle h, UUID pool, String clusterId) {
        h.createUpdate("update pool_openshift set cluster_id = :c where pool_uuid = :p").bind("c", clusterId).bind("p", pool).execute();
    }

    public void setInfraEnv(Handle h, UUID pool, String infraEnvId) {
        h.createUpdate("update pool_openshift set infra_env_id = :i where pool_uuid = :p").bind("i", infraEnvId).bind("p", pool).execute();
    }

    public void setClusterStatus(Handle h, UUID pool, String status, boolean installRequested) {
        h.createUpdate("update pool_openshift set cluster_status = :s, install_requested = :r where pool_uuid = :p")
                .bind("s", status).bind("r", installRequested).bind("p", pool).execute();
    }

    /** New sealed secrets (null: unchanged); a pool backing off after a failure tries again at once. */
    public void setSecrets(Handle h, UUID pool, String sealedOfflineToken, String sealedPullSecret) {
        h.createUpdate("""
                        update pool_openshift set offline_token = coalesce(:o, offline_token), pull_secret = coalesce(:s, pull_secret),
                          retry_at = null where pool_uuid = :p""")
                .bind("o", sealedOfflineToken).bind("s", sealedPullSecret).bind("p", pool).execute();
    }

    public void setAddingWorkers(Handle h, UUID pool) {
        h.createUpdate("update pool_openshift set adding_workers = true where pool_uuid = :p").bind("p", pool).execute();
    }

    /** A failed call: the error, and when to try again; {@code null} clears both and the count. */
    public void setError(Handle h, UUID pool, String error, Instant retryAt) {
        h.createUpdate("""
                        update pool_openshift set last_error = :e, retry_at = :r,
                          failures = case when cast(:e as text) is null then 0 else failures + 1 end
                        where pool_uuid = :p""")
                .bind("e", error).bind("r", Columns.utc(retryAt)).bind("p", pool).execute();
    }

    /** The same outside a pool's transaction (the release of a member happens after its commit). */
    public void setError(UUID pool, String error, Instant retryAt) {
        jdbi.useHandle(h -> setError(h, pool, error, retryAt));
    }

    /** A member's reason, outside the reconciler's transaction. */
    public void setMemberReason(UUID lease, String reason) {
        jdbi.useHandle(h -> h.createUpdate("update pool_member set reason = :r where lease_uuid = :l").bind("r", reason).bind("l", lease).execute());
    }

    private static OpenShiftPool row(ResultSet rs) throws SQLException {
        OpenShiftSettings s = new OpenShiftSettings(rs.getString("api_url"), rs.getString("token_url"), rs.getString("offline_token"),
                rs.getString("pull_secret"), rs.getString("name"), rs.getString("openshift_version"), rs.getString("base_dns_domain"),
                rs.getString("openshift_cluster_id"), rs.getString("api_vip_dnsname"));
        return new OpenShiftPool(rs.getObject("pool_uuid", UUID.class), s, rs.getString("cluster_id"), rs.getString("infra_env_id"),
                rs.getString("cluster_status"), rs.getBoolean("install_requested"), rs.getBoolean("adding_workers"), rs.getString("last_error"), Columns.instant(rs, "retry_at"),
                rs.getInt("failures"));
    }
}
