package org.esi.cluster;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esi.lease.LeaseTimes;

/** The JSON of pools and members on {@code /cluster/v1}. */
final class PoolJson {
    private PoolJson() {}

    static Map<String, Object> pool(Pool p, List<PoolMember> members) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uuid", p.uuid().toString());
        m.put("name", p.name());
        m.put("project_id", p.projectId());
        m.put("resource_class", p.resourceClass());
        m.put("properties", p.properties().stream().map(PropertyMatch::toString).toList());
        m.put("min_size", p.minSize());
        m.put("max_size", p.maxSize());
        m.put("desired_size", p.desiredSize());
        m.put("lease_duration", p.leaseDuration().toString());
        m.put("renew_before", p.renewBefore().toString());
        m.put("deploy", p.deploy().toJson());
        m.put("networks", p.networks().stream().map(n -> n.network() != null ? Map.of("network", n.network().toString())
                : Map.of("trunk", n.trunk().toString())).toList());
        m.put("labels", p.labels());
        m.put("max_price", p.maxPrice() == null ? null : org.esi.market.Money.format(p.maxPrice()));
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (MemberStatus s : MemberStatus.values()) {
            counts.put(s.word(), 0);
        }
        members.stream().filter(x -> x.leaseStatus().live()).forEach(x -> counts.merge(x.status().word(), 1, Integer::sum));
        m.put("members", counts);
        m.put("status", p.deleting() ? "deleting" : "active");
        m.put("last_error", p.lastError());
        m.put("created_at", LeaseTimes.format(p.createdAt()));
        m.put("updated_at", LeaseTimes.format(p.updatedAt()));
        return m;
    }

    static Map<String, Object> member(PoolMember x) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node_uuid", x.nodeUuid().toString());
        m.put("node_name", x.nodeName());
        m.put("provider_id", x.providerId());
        m.put("lease_uuid", x.leaseUuid().toString());
        m.put("lease_end", LeaseTimes.format(x.leaseEnd()));
        m.put("status", x.status().word());
        m.put("reason", x.reason());
        m.put("replaces", x.replaces() == null ? null : x.replaces().toString());
        m.put("created_at", LeaseTimes.format(x.createdAt()));
        m.put("updated_at", LeaseTimes.format(x.updatedAt()));
        return m;
    }
}
