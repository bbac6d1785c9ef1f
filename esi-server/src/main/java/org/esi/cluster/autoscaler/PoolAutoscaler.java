package org.esi.cluster.autoscaler;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.esi.cluster.Pool;
import org.esi.cluster.PoolMember;
import org.esi.cluster.PoolService;
import org.esi.cluster.PropertyMatch;
import org.esi.http.ApiException;
import org.esi.http.Caller;
import org.esi.http.ErrorKind;
import org.esi.lease.LeaseService;

/**
 * {@link AutoscalerPools} over the real pools: a group is a pool of the caller's project, every call goes
 * through {@link PoolService} as that project would (a lessee of it, never the admin), and the service's
 * refusals become {@link Refused} of the matching kind.
 */
public final class PoolAutoscaler implements AutoscalerPools {
    /** The error code of a member that failed to come up (its reason is the message). */
    static final String MEMBER_FAILED = "MEMBER_FAILED";
    /** How many matching offers the template looks at. */
    private static final int TEMPLATE_OFFERS = 50;

    private final PoolService pools;
    private final Clock clock;

    public PoolAutoscaler(PoolService pools, Clock clock) {
        this.pools = pools;
        this.clock = clock;
    }

    @Override
    public List<Group> groups(String projectId) {
        return pools.visible(caller(projectId)).stream().filter(p -> !p.deleting()).map(PoolAutoscaler::group).toList();
    }

    @Override
    public Optional<Group> groupForNode(String projectId, String providerId, String nodeName) {
        Caller caller = caller(projectId);
        return member(caller, providerId).or(() -> member(caller, nodeName))
                .flatMap(m -> pools.visible(caller).stream().filter(p -> p.uuid().equals(m.poolUuid())).findFirst())
                .map(PoolAutoscaler::group);
    }

    @Override
    public Group group(String projectId, String groupId) throws Refused {
        return group(pool(projectId, groupId));
    }

    @Override
    public List<Instance> instances(String projectId, String groupId) throws Refused {
        Pool p = pool(projectId, groupId);
        return pools.members(p).stream().filter(m -> m.leaseStatus().live()).map(PoolAutoscaler::instance).toList();
    }

    @Override
    public void increaseSize(String projectId, String groupId, int delta) throws Refused {
        Pool p = pool(projectId, groupId);
        refusing(() -> pools.scaleBy(p, delta, false, "cluster autoscaler: increase by " + delta));
    }

    @Override
    public void deleteNodes(String projectId, String groupId, List<NodeRef> nodes) throws Refused {
        Pool p = pool(projectId, groupId);
        List<String> idents = nodes.stream().map(n -> n.providerId().isEmpty() ? n.name() : n.providerId()).toList();
        refusing(() -> {
            pools.removeMembers(p, idents, "deleted by the cluster autoscaler");
            return null;
        });
    }

    @Override
    public void decreaseTargetSize(String projectId, String groupId, int delta) throws Refused {
        Pool p = pool(projectId, groupId);
        refusing(() -> pools.scaleBy(p, delta, true, "cluster autoscaler: target decreased by " + -delta));
    }

    /**
     * Capacity as the smallest of the matching offers' in each of cpus, memory_mb, local_gb and gpus (a new
     * member may be any of them); with no offer matching now, the pool's own lower bounds on those properties.
     */
    @Override
    public Template template(String projectId, String groupId) throws Refused {
        Pool p = pool(projectId, groupId);
        List<JsonNode> offered = pools.offeredProperties(p, TEMPLATE_OFFERS);
        return new Template(p.name() + "-template", p.resourceClass(), (int) capacity(p, offered, "cpus"),
                capacity(p, offered, "memory_mb"), capacity(p, offered, "local_gb"), (int) capacity(p, offered, "gpus"), p.labels());
    }

    static long capacity(Pool p, List<JsonNode> offered, String property) {
        if (!offered.isEmpty()) {
            return offered.stream().mapToLong(o -> o.path(property).asLong(0)).min().orElse(0);
        }
        return p.properties().stream().filter(m -> m.property().equals(property)).mapToLong(PoolAutoscaler::lowerBound).max().orElse(0);
    }

    private static long lowerBound(PropertyMatch m) {
        try {
            long v = (long) Math.ceil(Double.parseDouble(m.value()));
            return switch (m.op()) {
                case ">=", "=" -> v;
                case ">" -> v + 1;
                default -> 0;
            };
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // --- mapping

    private Caller caller(String projectId) {
        return PoolService.projectCaller("autoscaler:" + projectId, "cluster autoscaler", projectId, clock.instant());
    }

    private Optional<PoolMember> member(Caller caller, String ident) {
        return ident == null || ident.isEmpty() ? Optional.empty() : pools.memberNamed(caller, ident);
    }

    private Pool pool(String projectId, String groupId) throws Refused {
        if (groupId.isEmpty()) {
            throw new Refused(Refused.Kind.NOT_FOUND, "no node group id given");
        }
        return refusing(() -> pools.find(caller(projectId), groupId));
    }

    private static Group group(Pool p) {
        return new Group(p.uuid().toString(), p.name(), p.minSize(), p.maxSize(), p.desiredSize());
    }

    static Instance instance(PoolMember m) {
        String id = m.providerId();
        return switch (m.status()) {
            case CLAIMING, DEPLOYING -> new Instance(id, State.CREATING, null, null);
            case READY -> new Instance(id, State.RUNNING, null, null);
            case DRAINING, RELEASING -> new Instance(id, State.DELETING, null, null);
            case FAILED -> new Instance(id, State.CREATING, MEMBER_FAILED, m.reason() == null ? "the member failed" : m.reason());
        };
    }

    /** Runs a pool service call; its refusals become {@link Refused}, anything else stays unexpected. */
    static <T> T refusing(Supplier<T> call) throws Refused {
        try {
            return call.get();
        } catch (LeaseService.NotEnoughOffers e) {
            throw new Refused(Refused.Kind.EXHAUSTED, e.getMessage());
        } catch (org.esi.lease.LeaseQuota.Exceeded e) {
            throw new Refused(Refused.Kind.EXHAUSTED, e.getMessage()); // the project's quota, as a shortage of machines
        } catch (PoolService.SizeOutOfRange e) {
            throw new Refused(Refused.Kind.OUT_OF_RANGE, e.getMessage());
        } catch (ApiException e) {
            throw new Refused(kind(e.kind()).orElseThrow(() -> e), e.getMessage());
        }
    }

    private static Optional<Refused.Kind> kind(ErrorKind k) {
        return switch (k) {
            case NOT_FOUND -> Optional.of(Refused.Kind.NOT_FOUND);
            case CONFLICT -> Optional.of(Refused.Kind.OUT_OF_RANGE); // e.g. the pool is being deleted
            case USER_ERROR, UNPROCESSABLE -> Optional.of(Refused.Kind.INVALID);
            default -> Optional.empty();
        };
    }
}
