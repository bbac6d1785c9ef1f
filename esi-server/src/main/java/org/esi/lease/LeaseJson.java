package org.esi.lease;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** ESI-Leap's JSON for offers and leases: names beside ids, node facts, UTC times without offset. */
final class LeaseJson {
    private LeaseJson() {}

    static Map<String, Object> offer(LeaseStore.OfferView v, List<Instant[]> availabilities) {
        Offer o = v.offer();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uuid", o.uuid().toString());
        m.put("name", o.name());
        m.put("project_id", o.projectId());
        m.put("project", v.projectName());
        m.put("lessee_id", o.lesseeId());
        m.put("lessee", v.lesseeName());
        m.put("resource_type", o.resourceType());
        m.put("resource_uuid", o.resourceUuid().toString());
        m.put("resource", v.nodeName());
        m.put("resource_class", v.resourceClass());
        m.put("resource_properties", resourceProperties(v.nodeProperties()));
        m.put("start_time", LeaseTimes.format(o.startTime()));
        m.put("end_time", LeaseTimes.format(o.endTime()));
        m.put("status", o.status().word());
        m.put("properties", o.properties());
        List<List<String>> av = new ArrayList<>();
        for (Instant[] a : availabilities) {
            av.add(List.of(LeaseTimes.format(a[0]), LeaseTimes.format(a[1])));
        }
        m.put("availabilities", av);
        m.put("parent_lease_uuid", o.parentLeaseUuid() == null ? null : o.parentLeaseUuid().toString());
        if (o.price() != null) {
            m.put("price", org.esi.market.Money.format(o.price()));
        }
        return m;
    }

    static Map<String, Object> lease(LeaseStore.LeaseView v) {
        Lease l = v.lease();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uuid", l.uuid().toString());
        m.put("name", l.name());
        m.put("project_id", l.projectId());
        m.put("project", v.projectName());
        m.put("owner_id", l.ownerId());
        m.put("owner", v.ownerName());
        m.put("resource_type", l.resourceType());
        m.put("resource_uuid", l.resourceUuid().toString());
        m.put("resource", v.nodeName());
        m.put("resource_class", v.resourceClass());
        m.put("resource_properties", resourceProperties(v.nodeProperties()));
        m.put("start_time", LeaseTimes.format(l.startTime()));
        m.put("end_time", LeaseTimes.format(l.endTime()));
        m.put("fulfill_time", LeaseTimes.format(l.fulfillTime()));
        m.put("expire_time", LeaseTimes.format(l.expireTime()));
        m.put("status", l.status().word());
        m.put("properties", l.properties());
        m.put("purpose", l.purpose());
        m.put("offer_uuid", l.offerUuid() == null ? null : l.offerUuid().toString());
        m.put("parent_lease_uuid", l.parentLeaseUuid() == null ? null : l.parentLeaseUuid().toString());
        if (l.price() != null) {
            m.put("price", org.esi.market.Money.format(l.price()));
            m.put("cost", org.esi.market.Money.format(l.cost()));
        }
        return m;
    }

    /** The node's properties without the keys the leasing service itself manages. */
    static ObjectNode resourceProperties(ObjectNode props) {
        ObjectNode out = props.deepCopy();
        out.remove(Lifecycle.LEASE_UUID_PROPERTY);
        out.remove("capabilities");
        return out;
    }
}
