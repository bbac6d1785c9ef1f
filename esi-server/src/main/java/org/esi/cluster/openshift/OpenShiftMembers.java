package org.esi.cluster.openshift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.esi.cluster.Deployment;
import org.esi.cluster.MemberSetup;
import org.esi.cluster.MemberStatus;
import org.esi.cluster.Pool;
import org.esi.cluster.PoolMember;
import org.esi.crypto.SecretBox;
import org.esi.node.NodeStore;
import org.esi.node.Port;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenShift pools' members through the Assisted Installer. Once per pool: the cluster is registered (day 1) or the
 * existing one imported (day 2), and an infra-env made for it. Each member boots a fresh URL of the infra-env's
 * discovery ISO; its discovery agent registers a host, found by MAC (the host inventory's interfaces against the
 * node's ports). Day 1: once {@code desired_size} hosts are known, roles and hostnames are set and the cluster is
 * installed; members are ready when it is, and the cluster is then opened to more workers. Day 2 (and members added
 * to a day-1 cluster after its install): each host is bound (if it is not), named and installed as a
 * worker; its member is ready once the host is {@code added-to-existing-cluster}. Before a member's lease ends,
 * its host is deleted from the Assisted Installer.
 *
 * <p>Every call has a timeout; a failed one is recorded on the pool ({@code openshift.last_error}) or the member
 * ({@code reason}) and tried again with back-off. Secrets are opened only to make a call and never logged.
 */
public final class OpenShiftMembers implements MemberSetup {
    private static final Logger log = LoggerFactory.getLogger(OpenShiftMembers.class);
    static final Duration FIRST_RETRY = Duration.ofSeconds(5);
    static final Duration LAST_RETRY = Duration.ofMinutes(5);
    /** How long a member's lease waits for its host's deletion before it ends anyway (the host is then left behind). */
    static final Duration GIVE_UP_DELETING = Duration.ofMinutes(15);

    private final OpenShiftStore store;
    private final NodeStore nodes;
    private final SecretBox secrets;
    private final SsoTokens tokens;
    private final HttpClient http;
    private final ObjectMapper json;
    private final Duration timeout;
    private final InstantSource time;
    private final Map<UUID, Deleting> deleting = new ConcurrentHashMap<>();

    private record Deleting(Instant since, int failures, Instant next) {}

    public OpenShiftMembers(OpenShiftStore store, NodeStore nodes, SecretBox secrets, SsoTokens tokens, HttpClient http, ObjectMapper json,
                            Duration timeout, InstantSource time) {
        this.store = store;
        this.nodes = nodes;
        this.secrets = secrets;
        this.tokens = tokens;
        this.http = http;
        this.json = json;
        this.timeout = timeout;
        this.time = time;
    }

    public OpenShiftStore store() {
        return store;
    }

    private AssistedInstaller client(OpenShiftPool o) {
        return new AssistedInstaller(http, json, tokens, timeout, o.settings().apiUrl(), o.settings().tokenUrl(),
                secrets.open(o.settings().sealedOfflineToken()));
    }

    static Duration backoff(int failures) {
        Duration d = FIRST_RETRY.multipliedBy(1L << Math.min(failures, 10));
        return d.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : d;
    }

    @Override
    public Round begin(Handle h, Pool p, Instant now) {
        Optional<OpenShiftPool> found = store.find(h, p.uuid());
        if (found.isEmpty()) {
            return null;
        }
        OpenShiftRound r = new OpenShiftRound(h, p, found.get(), now);
        if (!p.deleting()) {
            r.prepare();
        }
        return r;
    }

    /** Deletes the member's host (found by MAC among the infra-env's hosts) before its lease may end. */
    @Override
    public boolean beforeRelease(UUID lease) {
        Optional<OpenShiftStore.MemberOf> of = store.memberOf(lease);
        if (of.isEmpty() || of.get().pool().infraEnvId() == null) {
            return true;
        }
        Instant now = time.instant();
        Deleting d = deleting.get(lease);
        if (d != null && now.isBefore(d.next())) {
            return false;
        }
        OpenShiftPool o = of.get().pool();
        try {
            AssistedInstaller ai = client(o);
            Set<String> macs = macs(of.get().node());
            for (JsonNode host : ai.hosts(o.infraEnvId())) {
                if (matches(host, macs)) {
                    ai.deleteHost(o.infraEnvId(), host.path("id").asText());
                    log.info("Pool member on node {}: host {} deleted from the Assisted Installer", of.get().node(), host.path("id").asText());
                }
            }
            deleting.remove(lease);
            return true;
        } catch (AssistedInstallerException e) {
            Instant since = d == null ? now : d.since();
            if (!now.isBefore(since.plus(GIVE_UP_DELETING))) {
                log.warn("Pool member on node {}: its host could not be deleted from the Assisted Installer for {}; ending the lease anyway: {}",
                        of.get().node(), GIVE_UP_DELETING, e.getMessage());
                store.setError(o.pool(), "the host of node " + of.get().node() + " was left in the Assisted Installer: " + e.getMessage(), null);
                deleting.remove(lease);
                return true;
            }
            int failures = d == null ? 0 : d.failures() + 1;
            deleting.put(lease, new Deleting(since, failures, now.plus(backoff(failures))));
            log.warn("Pool member on node {}: deleting its host from the Assisted Installer failed, retrying: {}", of.get().node(), e.getMessage());
            store.setMemberReason(lease, "waiting to delete its host from the Assisted Installer: " + e.getMessage());
            return false;
        }
    }

    private Set<String> macs(UUID node) {
        Set<String> out = new HashSet<>();
        for (Port port : nodes.ports(Optional.of(node), Optional.empty(), Optional.empty(), Optional.empty(), 100)) {
            out.add(port.address().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /** Whether any interface in the host's inventory (a JSON text) has one of the MACs. */
    private boolean matches(JsonNode host, Set<String> macs) {
        if (macs.isEmpty()) {
            return false;
        }
        try {
            JsonNode inv = host.path("inventory").isTextual() ? json.readTree(host.path("inventory").asText()) : host.path("inventory");
            for (JsonNode i : inv.path("interfaces")) {
                if (macs.contains(i.path("mac_address").asText("").toLowerCase(Locale.ROOT))) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** One reconcile round of one OpenShift pool, under its lock. */
    private final class OpenShiftRound implements Round {
        private final Handle h;
        private final Pool p;
        private final Instant now;
        private OpenShiftPool o;
        private AssistedInstaller ai;
        private String blocked;
        private ArrayNode hosts;
        private final Map<UUID, JsonNode> hostOf = new HashMap<>();

        OpenShiftRound(Handle h, Pool p, OpenShiftPool o, Instant now) {
            this.h = h;
            this.p = p;
            this.o = o;
            this.now = now;
        }

        private AssistedInstaller ai() {
            if (ai == null) {
                ai = client(o);
            }
            return ai;
        }

        /** The cluster and the infra-env, made once; after day 1's install, the cluster's state. */
        void prepare() {
            if (o.retryAt() != null && now.isBefore(o.retryAt())) {
                blocked = "waiting for the Assisted Installer: " + o.lastError();
                return;
            }
            try {
                OpenShiftSettings s = o.settings();
                if (o.clusterId() == null) {
                    JsonNode c = s.dayTwo() ? ai().importCluster(json.createObjectNode().put("name", s.name())
                            .put("openshift_cluster_id", s.openshiftClusterId()).put("api_vip_dnsname", s.apiVipDnsname()))
                            : ai().registerCluster(clusterParams(s));
                    String id = requireId(c, "cluster");
                    store.setCluster(h, p.uuid(), id);
                    log.info("Pool {}: Assisted Installer cluster {} {}", p.name(), id, s.dayTwo() ? "imported (day 2)" : "registered");
                    o = reread();
                }
                if (o.infraEnvId() == null) {
                    ObjectNode params = json.createObjectNode().put("name", s.name() + "-infra-env")
                            .put("pull_secret", secrets.open(s.sealedPullSecret())).put("cluster_id", o.clusterId())
                            .put("image_type", "full-iso").put("cpu_architecture", "x86_64");
                    if (s.openshiftVersion() != null) {
                        params.put("openshift_version", s.openshiftVersion());
                    }
                    String id = requireId(ai().registerInfraEnv(params), "infra-env");
                    store.setInfraEnv(h, p.uuid(), id);
                    log.info("Pool {}: Assisted Installer infra-env {} registered", p.name(), id);
                    o = reread();
                }
                if (!s.dayTwo() && o.installRequested() && !o.addingWorkers()) {
                    String status = ai().cluster(o.clusterId()).path("status").asText("");
                    store.setClusterStatus(h, p.uuid(), status, true);
                    if (status.equals("installed")) {
                        // Day 1 is done; members added from now on join as workers, host by host.
                        ai().allowAddWorkers(o.clusterId());
                        store.setAddingWorkers(h, p.uuid());
                        log.info("Pool {}: cluster {} installed; it takes more workers from now on", p.name(), o.clusterId());
                    }
                    o = reread();
                }
                if (o.lastError() != null) {
                    store.setError(h, p.uuid(), null, null);
                    o = reread();
                }
            } catch (AssistedInstallerException e) {
                failed(e);
            }
        }

        private ObjectNode clusterParams(OpenShiftSettings s) {
            ObjectNode c = json.createObjectNode().put("name", s.name()).put("openshift_version", s.openshiftVersion())
                    .put("base_dns_domain", s.baseDnsDomain()).put("pull_secret", secrets.open(s.sealedPullSecret()))
                    .put("cpu_architecture", "x86_64").put("high_availability_mode", p.desiredSize() == 1 ? "None" : "Full");
            if (p.desiredSize() > 1) {
                c.put("control_plane_count", Math.min(3, p.desiredSize()));
            }
            return c;
        }

        private String requireId(JsonNode made, String what) throws AssistedInstallerException {
            String id = made.path("id").asText("");
            if (id.isEmpty()) {
                throw new AssistedInstallerException(200, "the Assisted Installer made a " + what + " without an id");
            }
            return id;
        }

        private OpenShiftPool reread() {
            return store.find(h, p.uuid()).orElseThrow();
        }

        private void failed(AssistedInstallerException e) {
            Duration wait = backoff(o.failures());
            log.warn("Pool {}: Assisted Installer call failed, retrying in {}: {}", p.name(), wait, e.getMessage());
            store.setError(h, p.uuid(), e.getMessage(), now.plus(wait));
            blocked = "waiting for the Assisted Installer: " + e.getMessage();
        }

        private boolean ready() {
            return blocked == null && o.infraEnvId() != null;
        }

        @Override
        public Deployment deployment(PoolMember m) {
            if (!ready()) {
                return null;
            }
            try {
                return Deployment.bootIso(ai().imageUrl(o.infraEnvId())); // fresh for every deploy: the URL expires
            } catch (AssistedInstallerException e) {
                failed(e);
                return null;
            }
        }

        /** The infra-env's hosts, read once a round. */
        private JsonNode host(PoolMember m) throws AssistedInstallerException {
            if (hosts == null) {
                hosts = ai().hosts(o.infraEnvId());
            }
            if (!hostOf.containsKey(m.nodeUuid())) {
                Set<String> macs = macs(m.nodeUuid());
                JsonNode found = null;
                for (JsonNode x : hosts) {
                    if (matches(x, macs)) {
                        found = x;
                    }
                }
                hostOf.put(m.nodeUuid(), found);
            }
            return hostOf.get(m.nodeUuid());
        }

        @Override
        public Progress progress(PoolMember m) {
            if (!ready()) {
                return new Progress(MemberStatus.DEPLOYING, blocked != null ? blocked : "waiting for the Assisted Installer's infra-env");
            }
            try {
                JsonNode host = host(m);
                if (host == null) {
                    return new Progress(MemberStatus.DEPLOYING, "booted the discovery ISO; waiting for its host to register with the Assisted Installer");
                }
                String id = host.path("id").asText();
                String status = host.path("status").asText("");
                String info = host.path("status_info").asText("");
                if (host.path("cluster_id").asText("").isEmpty()) {
                    ai().bindHost(o.infraEnvId(), id, o.clusterId());
                    return new Progress(MemberStatus.DEPLOYING, "host " + id + " is being bound to the cluster");
                }
                if (o.hostByHost()) {
                    return switch (status) {
                        // installed: a day-1 host whose cluster finished installing this round
                        case "added-to-existing-cluster", "installed" -> new Progress(MemberStatus.READY, null);
                        case "error" -> new Progress(MemberStatus.FAILED, "host " + id + " failed to install: " + info);
                        case "known" -> {
                            name(m, host, "worker");
                            ai().installHost(o.infraEnvId(), id);
                            log.info("Pool {}: host {} of node {} installing as a worker", p.name(), id, m.nodeUuid());
                            yield new Progress(MemberStatus.DEPLOYING, "host " + id + " is being installed as a worker");
                        }
                        default -> {
                            name(m, host, "worker");
                            yield new Progress(MemberStatus.DEPLOYING, "host " + id + " is " + status + (info.isEmpty() ? "" : ": " + info));
                        }
                    };
                }
                if ("installed".equals(status) && "installed".equals(o.clusterStatus())) {
                    return new Progress(MemberStatus.READY, null);
                }
                if (!o.installRequested()) {
                    name(m, host, null);
                }
                return new Progress(MemberStatus.DEPLOYING, "host " + id + " is " + status + (info.isEmpty() ? "" : ": " + info)
                        + (o.installRequested() ? "; the cluster is " + o.clusterStatus() : ""));
            } catch (AssistedInstallerException e) {
                failed(e); // the pool backs off: the next members wait for the retry too
                return new Progress(MemberStatus.DEPLOYING, blocked);
            }
        }

        /** Sets the host's role (day 1: the first three members by age are masters, as is a single one) and hostname. */
        private void name(PoolMember m, JsonNode host, String role) throws AssistedInstallerException {
            String wantRole = role != null ? role : dayOneRole(m);
            String wantName = hostname(m);
            ObjectNode change = json.createObjectNode();
            if (!wantRole.equals(host.path("role").asText(""))) {
                change.put("host_role", wantRole);
            }
            if (!wantName.equals(host.path("requested_hostname").asText(""))) {
                change.put("host_name", wantName);
            }
            if (!change.isEmpty()) {
                ai().updateHost(o.infraEnvId(), host.path("id").asText(), change);
            }
        }

        private String dayOneRole(PoolMember m) {
            int index = store.countingMembers(h, p.uuid()).indexOf(m.leaseUuid());
            return index >= 0 && index < 3 ? "master" : "worker";
        }

        /**
         * The pool is deleted and its machines are gone: the infra-env and the Assisted Installer's record of the cluster go
         * too (a record only: for day 2 the cluster itself runs on). A failure leaves them there, said in the log.
         */
        @Override
        public void poolGone() {
            try {
                if (o.infraEnvId() != null) {
                    ai().deleteInfraEnv(o.infraEnvId());
                }
                if (o.clusterId() != null) {
                    ai().deleteCluster(o.clusterId());
                }
                log.info("Pool {}: infra-env {} and cluster record {} deleted from the Assisted Installer", p.name(), o.infraEnvId(), o.clusterId());
            } catch (AssistedInstallerException e) {
                log.warn("Pool {}: deleted, but its infra-env {} or cluster record {} is left in the Assisted Installer: {}", p.name(),
                        o.infraEnvId(), o.clusterId(), e.getMessage());
            }
        }

        @Override
        public void end(List<PoolMember> live) {
            if (!ready()) {
                return;
            }
            try {
                // A lease ended outside the pool (its owner, the admin) never passed beforeRelease: its host goes now.
                for (PoolMember m : live) {
                    JsonNode host = m.leaseEnding() != null ? host(m) : null;
                    if (host != null) {
                        ai().deleteHost(o.infraEnvId(), host.path("id").asText());
                        log.info("Pool {}: host {} of node {} deleted from the Assisted Installer (its lease is ending)", p.name(),
                                host.path("id").asText(), m.nodeUuid());
                    }
                }
            } catch (AssistedInstallerException e) {
                failed(e);
                return;
            }
            if (o.hostByHost() || o.installRequested()) {
                return;
            }
            List<PoolMember> counting = live.stream().filter(m -> m.status().counts()).toList();
            if (counting.size() != p.desiredSize() || counting.isEmpty()) {
                return;
            }
            try {
                for (PoolMember m : counting) {
                    JsonNode host = m.status() == MemberStatus.DEPLOYING && "active".equals(m.provisionState()) ? host(m) : null;
                    if (host == null || !"known".equals(host.path("status").asText())) {
                        return; // not every host is registered and ready yet
                    }
                }
                String status = ai().cluster(o.clusterId()).path("status").asText("");
                if (!"ready".equals(status)) {
                    store.setClusterStatus(h, p.uuid(), status, false);
                    return;
                }
                ai().installCluster(o.clusterId());
                store.setClusterStatus(h, p.uuid(), "installing", true);
                log.info("Pool {}: cluster {} installing with {} hosts", p.name(), o.clusterId(), counting.size());
            } catch (AssistedInstallerException e) {
                failed(e);
            }
        }
    }

    /** A node name as a hostname (a DNS label). */
    static String hostname(PoolMember m) {
        String base = m.nodeName() == null ? m.nodeUuid().toString() : m.nodeName();
        String label = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("^-+|-+$", "");
        label = label.length() > 63 ? label.substring(0, 63).replaceAll("-+$", "") : label;
        return label.isEmpty() ? "node-" + m.nodeUuid().toString().substring(0, 8) : label;
    }
}
