package org.esi.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.esi.event.Event;
import org.esi.event.EventListener;
import org.esi.event.EventStore;
import org.esi.http.ApiException;
import org.esi.http.Caller;
import org.esi.lease.LeaseService;
import org.esi.lease.LeaseStatus;
import org.esi.network.NetworkService;
import org.esi.node.Node;
import org.esi.node.NodeTasks;
import org.jdbi.v3.core.Handle;
import org.esi.persistence.BackgroundLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves every pool toward its size, on every instance: each round takes the pools one by one under their row
 * lock ({@code skip locked}, so another instance busy with a pool is left to it) and steps each member along
 * claiming → deploying → ready, renews or replaces leases {@code renew_before} their end, releases the excess,
 * and claims what is missing. Calls into other services (deploys, renewals) happen before any claim of the
 * round, so the offer locks a claim takes are never waited on by this round's own calls.
 */
public final class PoolReconciler implements EventListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PoolReconciler.class);
    static final String MEMBER_ENDING = "esi.cluster.member.ending";
    static final Duration ROUND = Duration.ofSeconds(1);
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(30);
    static final Duration RETRY_AFTER_SHORTAGE = Duration.ofSeconds(15);

    private final PoolService pools;
    private final PoolStore store;
    private final LeaseService leases;
    private final NodeTasks nodeTasks;
    private final NetworkService networks;
    private final EventStore events;
    private final Clock clock;
    private final BackgroundLoop loop;
    private final MemberSetup setup;

    public PoolReconciler(PoolService pools, NodeTasks nodeTasks, NetworkService networks, EventStore events, Clock clock) {
        this(pools, nodeTasks, networks, events, clock, MemberSetup.NONE);
    }

    /** With {@code setup} for the pools that ask for more than a deploy (OpenShift). */
    public PoolReconciler(PoolService pools, NodeTasks nodeTasks, NetworkService networks, EventStore events, Clock clock, MemberSetup setup) {
        this.setup = setup;
        this.pools = pools;
        this.store = pools.store();
        this.leases = pools.leases();
        this.nodeTasks = nodeTasks;
        this.networks = networks;
        this.events = events;
        this.clock = clock;
        this.loop = new BackgroundLoop("esi-pools", "Pool reconciler", log, Clock.systemUTC(), () -> {
            runOnce();
            return ROUND;
        });
        pools.onChange(this::wake);
        pools.beforeRelease(setup::beforeRelease);
        nodeTasks.onWorkDone(this::wake); // a member's node finished deploying, or was wiped
    }

    public void start() {
        loop.start();
    }

    public void wake() {
        loop.wake();
    }

    /** A lease event (one started, one ended) may move a member on: look now rather than within a second. */
    @Override
    public void committed(Event event) {
        wake();
    }

    /** What this instance's loop has cost so far (benchmarks, operations). */
    public BackgroundLoop.Stats stats() {
        return loop.stats();
    }

    /** One round over every pool; a pool whose step fails is logged and retried next round. */
    public void runOnce() {
        for (UUID pool : store.poolIds()) {
            try {
                reconcile(pool);
            } catch (RuntimeException e) {
                if (!loop.running()) {
                    return;
                }
                log.warn("Pool {}: reconcile step failed, retrying next round: {}", pool, e.toString());
            }
        }
    }

    /** What one pool's step leaves to do after its transaction commits. */
    private static final class After {
        final List<Event> events = new ArrayList<>();
        final List<UUID> release = new ArrayList<>();
    }

    void reconcile(UUID uuid) {
        After after = new After();
        store.jdbi().useTransaction(h -> {
            after.events.clear();
            after.release.clear();
            Pool p = store.lockUnlessBusy(h, uuid).orElse(null);
            if (p == null) {
                return; // gone, or another instance has it now
            }
            Instant now = clock.instant();
            List<PoolMember> members = store.members(h, uuid);
            MemberSetup.Round round = setup.begin(h, p, now);
            List<PoolMember> live = new ArrayList<>();
            for (PoolMember m : members) {
                if (!m.leaseStatus().live()) {
                    store.deleteMember(h, m.leaseUuid()); // its lease is over: the node went back to its owner, wiped
                    continue;
                }
                live.add(step(h, p, m, now, after, round));
            }
            if (p.deleting()) {
                if (live.isEmpty()) {
                    if (round != null) {
                        round.poolGone();
                    }
                    store.delete(h, uuid);
                }
                return;
            }
            if (round != null) {
                round.end(live);
            }
            List<PoolMember> counting = live.stream().filter(m -> m.status().counts()).toList();
            int missing = p.desiredSize() - counting.size();
            if (missing < 0) {
                after.release.addAll(pools.markExcess(h, counting, -missing, "pool is larger than desired_size", now));
            } else if (missing > 0 && (p.retryAt() == null || !now.isBefore(p.retryAt()))) {
                claimMissing(h, p, missing, live, now, after);
            }
        });
        pools.finish(after.events, after.release);
    }

    /** One member's step; returns the member as it now is. */
    private PoolMember step(Handle h, Pool p, PoolMember m, Instant now, After after, MemberSetup.Round round) {
        if (m.leaseEnding() != null && m.status().counts()) {
            // Someone ended the lease outside the pool (the owner, the admin, ESI-Leap's API): it is on its way out.
            return set(h, m, MemberStatus.RELEASING, "the lease is ending (" + m.leaseEnding() + ")", now);
        }
        return switch (m.status()) {
            case CLAIMING -> {
                if (m.leaseStatus() == LeaseStatus.ERROR) {
                    yield fail(h, p, m, "the lease could not start", now, after);
                }
                if (m.leaseStatus() != LeaseStatus.ACTIVE) {
                    yield m;
                }
                yield deploy(h, p, m, now, after, round);
            }
            case DEPLOYING -> {
                if ("active".equals(m.provisionState())) {
                    yield round == null ? set(h, m, MemberStatus.READY, null, now) : progress(h, p, m, round.progress(m), now, after);
                }
                if ("deploy failed".equals(m.provisionState()) || "error".equals(m.provisionState())) {
                    yield fail(h, p, m, "deploy failed: " + (m.nodeLastError() == null ? "no reason given" : m.nodeLastError()), now, after);
                }
                yield m;
            }
            case READY -> {
                if (now.isBefore(m.leaseEnd().minus(p.renewBefore()))) {
                    yield m;
                }
                yield renew(h, p, m, now, after);
            }
            case DRAINING -> {
                boolean replaced = replacementReady(h, p, m);
                if (!replaced) {
                    yield m;
                }
                after.release.add(m.leaseUuid());
                yield set(h, m, MemberStatus.RELEASING, "replaced", now);
            }
            case RELEASING, FAILED -> {
                if (m.leaseEnding() == null) {
                    after.release.add(m.leaseUuid());
                }
                yield m;
            }
        };
    }

    /** A deployed member as the pool's setup sees it: ready, still waiting (the reason is written when it changes), or failed. */
    private PoolMember progress(Handle h, Pool p, PoolMember m, MemberSetup.Progress progress, Instant now, After after) {
        return switch (progress.status()) {
            case READY -> set(h, m, MemberStatus.READY, null, now);
            case FAILED -> fail(h, p, m, progress.reason(), now, after);
            default -> java.util.Objects.equals(m.reason(), progress.reason()) ? m : set(h, m, MemberStatus.DEPLOYING, progress.reason(), now);
        };
    }

    /**
     * Attaches the pool's networks and asks for the deploy (of what the pool's setup says, for pools that have one);
     * the node moves to deploying at once (or the member fails).
     */
    private PoolMember deploy(Handle h, Pool p, PoolMember m, Instant now, After after, MemberSetup.Round round) {
        if (!"available".equals(m.provisionState())) {
            // Asked already (a round whose commit was lost), or the node is busy being something else.
            boolean asked = m.provisionState() != null && (m.provisionState().startsWith("deploy") || m.provisionState().equals("wait call-back")
                    || m.provisionState().equals("active"));
            return asked ? set(h, m, MemberStatus.DEPLOYING, null, now) : m; // else e.g. still cleaning after its previous lease: wait
        }
        Deployment deployment = round == null ? p.deploy() : round.deployment(m);
        if (deployment == null) {
            return m; // the setup cannot say yet what the member boots
        }
        try {
            for (Pool.PoolNetwork n : p.networks()) {
                networks.attach(m.nodeUuid(), p.projectId(), new NetworkService.AttachRequest(
                        n.network() == null ? null : networks.store().network(n.network()).orElseThrow(() -> ApiException.notFound("network of the pool is gone")),
                        n.trunk() == null ? null : networks.store().trunk(n.trunk()).orElseThrow(() -> ApiException.notFound("trunk of the pool is gone")),
                        null, null));
            }
            Node node = leases.nodes().find(m.nodeUuid().toString());
            nodeTasks.requestProvision(node, "active", deployment.provisionBody(node.uuid(), node.name()), deployment.instanceInfo());
            return set(h, m, MemberStatus.DEPLOYING, null, now);
        } catch (ApiException e) {
            return fail(h, p, m, "deploy could not start: " + e.getMessage(), now, after);
        }
    }

    /** Extends the lease where its offer allows; otherwise announces the member's end and drains it (a replacement is claimed). */
    private PoolMember renew(Handle h, Pool p, PoolMember m, Instant now, After after) {
        try {
            leases.updateEnd(poolCaller(p, now), m.leaseUuid(), org.esi.lease.LeaseTimes.micros(m.leaseEnd().plus(p.leaseDuration())));
            return m;
        } catch (ApiException refused) {
            Event e = events.record(h, MEMBER_ENDING, now, "lease", m.leaseUuid(), LeaseService.RESOURCE_TYPE, m.nodeUuid(), p.projectId(), null);
            PoolMember draining = set(h, m, MemberStatus.DRAINING, "lease ends " + org.esi.lease.LeaseTimes.format(m.leaseEnd())
                    + " and cannot be extended (" + refused.getMessage() + "); a replacement is being deployed", now);
            after.events.add(e);
            return draining;
        }
    }

    private boolean replacementReady(Handle h, Pool p, PoolMember m) {
        return store.members(h, p.uuid()).stream().anyMatch(x -> m.leaseUuid().equals(x.replaces()) && x.status() == MemberStatus.READY);
    }

    private PoolMember fail(Handle h, Pool p, PoolMember m, String reason, Instant now, After after) {
        log.warn("Pool {}: member on node {} failed: {}", p.name(), m.nodeUuid(), reason);
        after.release.add(m.leaseUuid());
        store.setError(h, p.uuid(), "member on node " + m.nodeUuid() + " failed: " + reason, now.plus(RETRY_AFTER_FAILURE));
        return set(h, m, MemberStatus.FAILED, reason, now);
    }

    /**
     * Claims what the pool misses; when not all fit, as many as do, with the shortage as the pool's last_error.
     * A quota refusal is a shortage too: one machine fewer is tried until the project's quota admits the batch,
     * so the pool takes what the quota leaves and says why it has no more (never a failing round every second).
     */
    private void claimMissing(Handle h, Pool p, int missing, List<PoolMember> live, Instant now, After after) {
        List<UUID> replacing = new ArrayList<>();
        for (PoolMember d : live) {
            if (d.status() == MemberStatus.DRAINING && live.stream().noneMatch(x -> d.leaseUuid().equals(x.replaces()))) {
                replacing.add(d.leaseUuid());
            }
        }
        List<Event> recorded = new ArrayList<>();
        int wanted = missing;
        String shortage = null;
        while (wanted > 0) {
            h.savepoint("claim");
            try {
                pools.claim(h, p, wanted, replacing, recorded);
                break;
            } catch (LeaseService.NotEnoughOffers e) {
                shortage = e.getMessage();
                wanted = e.fitted();
            } catch (org.esi.lease.LeaseQuota.Exceeded e) {
                shortage = e.getMessage();
                wanted--;
            }
            h.rollbackToSavepoint("claim");
            recorded.clear();
        }
        if (shortage == null) {
            store.setError(h, p.uuid(), null, null);
        } else {
            store.setError(h, p.uuid(), "short of " + (missing - wanted) + " machines: " + shortage, now.plus(RETRY_AFTER_SHORTAGE));
        }
        after.events.addAll(recorded);
    }

    private PoolMember set(Handle h, PoolMember m, MemberStatus s, String reason, Instant now) {
        store.setStatus(h, m.leaseUuid(), s, reason, now);
        return new PoolMember(m.leaseUuid(), m.poolUuid(), m.nodeUuid(), m.nodeName(), s, reason, m.replaces(), m.leaseStatus(), m.leaseEnd(),
                m.leaseEnding(), m.provisionState(), m.nodeLastError(), m.createdAt(), now);
    }

    /** The pool acting for its project, as a lessee of it would: never with admin rights. */
    private static Caller poolCaller(Pool p, Instant now) {
        return PoolService.projectCaller("pool:" + p.uuid(), "pool " + p.name(), p.projectId(), now);
    }

    @Override
    public void close() {
        loop.close();
    }
}
