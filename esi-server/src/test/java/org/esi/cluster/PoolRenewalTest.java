package org.esi.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esi.lease.LeaseTimes;
import org.esi.notify.WebhookReceiver;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Leases of pool members near their end, with the clock moved: extended where the offer allows, else replaced
 * first and released after, with the webhook sent; two instances reconciling the one pool claim once.
 */
class PoolRenewalTest {
    private PoolTestbed bed;
    private TestingEsiServer second;
    private WebhookReceiver receiver;

    @AfterEach
    void stop() {
        if (receiver != null) {
            receiver.close();
        }
        if (second != null) {
            second.close();
        }
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void aLeaseTheOfferAllowsIsExtendedInPlace() throws Exception {
        bed = new PoolTestbed();
        String node = bed.offered("open-1", 32, null);
        bed.http.post("/cluster/v1/pools", bed.lessee, PoolTestbed.pool("steady", 1, 2)).expect(201);
        JsonNode before = bed.awaitMembers("steady", m -> PoolTestbed.count(m, "ready") == 1).get(0);
        Instant end = LeaseTimes.parse(before.path("lease_end").asText(), "lease_end");

        // Into the renewal window (renew_before is 30 min of a 4 h lease).
        bed.clock.advance(Duration.ofHours(3).plusMinutes(40));
        JsonNode after = bed.awaitMembers("steady", m -> m.size() == 1
                && LeaseTimes.parse(m.get(0).path("lease_end").asText(), "lease_end").isAfter(end)).get(0);

        assertThat(after.path("lease_uuid").asText()).isEqualTo(before.path("lease_uuid").asText());
        assertThat(after.path("node_uuid").asText()).isEqualTo(node);
        assertThat(after.path("status").asText()).isEqualTo("ready");
        assertThat(LeaseTimes.parse(after.path("lease_end").asText(), "lease_end")).isEqualTo(end.plus(Duration.ofHours(4)));
        JsonNode lease = bed.http.get("/lease/v1/leases/" + after.path("lease_uuid").asText(), bed.lessee).expect(200).json();
        assertThat(LeaseTimes.parse(lease.path("end_time").asText(), "lease_end")).isEqualTo(end.plus(Duration.ofHours(4)));
        assertThat(lease.path("status").asText()).isEqualTo("active");
        assertThat(leasesEver()).hasSize(1);
    }

    @Test
    void membersWhoseOffersEndAreReplacedFirstAnnouncedAndReleasedAndTwoInstancesClaimOnce() throws Exception {
        bed = new PoolTestbed();
        receiver = new WebhookReceiver();
        bed.http.post("/lease/v1/webhooks", bed.lessee, Map.of("url", receiver.url("/cluster"), "secret", "cluster-secret-1")).expect(201);
        Instant offersEnd = bed.clock.instant().plus(Duration.ofHours(2));
        Set<String> shortNodes = Set.of(bed.offered("short-1", 32, offersEnd), bed.offered("short-2", 32, offersEnd));
        bed.http.post("/cluster/v1/pools", bed.lessee, PoolTestbed.pool("workers", 2, 4)).expect(201);
        JsonNode first = bed.awaitMembers("workers", m -> PoolTestbed.count(m, "ready") == 2);
        List<String> oldLeases = first.findValuesAsText("lease_uuid");
        Set<String> longNodes = new HashSet<>();
        for (int i = 1; i <= 4; i++) {
            longNodes.add(bed.offered("long-" + i, 32, null));
        }
        // A second instance on the same database reconciles the same pool from now on.
        second = TestingEsiServer.sharing(bed.server, bed.clock);

        // 15 minutes before the short offers end, inside renew_before: the leases cannot be extended past their offers.
        bed.clock.advance(Duration.ofHours(1).plusMinutes(45));
        List<String> dips = new ArrayList<>();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        JsonNode members;
        while (true) {
            members = bed.members("workers");
            long serving = PoolTestbed.count(members, "ready") + PoolTestbed.count(members, "draining");
            if (serving < 2) {
                dips.add(members.toString());
            }
            Set<String> nodes = new HashSet<>(members.findValuesAsText("node_uuid"));
            if (members.size() == 2 && PoolTestbed.count(members, "ready") == 2 && longNodes.containsAll(nodes)) {
                break;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("members were never replaced: " + members + "\n pool "
                        + bed.http.get("/cluster/v1/pools/workers", bed.lessee).body());
            }
            Thread.sleep(50);
        }
        assertThat(dips).as("moments with fewer than desired_size machines serving").isEmpty();

        // Each ending member was announced to the lessee's webhooks, signed, before it went.
        for (String lease : oldLeases) {
            WebhookReceiver.Received r = receiver.await("/cluster", "esi.cluster.member.ending", lease, Duration.ofSeconds(30));
            assertThat(r.verifies("cluster-secret-1")).isTrue();
        }
        // The old machines went back to their owner, wiped.
        for (String node : shortNodes) {
            bed.awaitNode(node, n -> n.path("provision_state").asText().equals("available") && n.path("lessee").isNull());
        }
        // Exactly one replacement per ending member, though two instances were reconciling: four leases in all.
        List<JsonNode> leases = leasesEver();
        assertThat(leases).hasSize(4);
        assertThat(leases.stream().map(l -> l.path("resource_uuid").asText()).distinct()).hasSize(4);
        for (JsonNode l : leases) {
            String status = l.path("status").asText();
            if (oldLeases.contains(l.path("uuid").asText())) {
                assertThat(status).isIn("deleted", "expired");
            } else {
                assertThat(status).isEqualTo("active");
            }
        }
        // Renewal is not a scale: the history has the one size the pool was created with.
        JsonNode history = bed.http.get("/cluster/v1/pools/workers/history", bed.lessee).expect(200).json().path("history");
        assertThat(history.findValuesAsText("to")).containsExactly("2");
    }

    private List<JsonNode> leasesEver() {
        List<JsonNode> out = new ArrayList<>();
        bed.http.get("/lease/v1/leases?status=any", bed.lessee).expect(200).json().path("leases").forEach(out::add);
        return out;
    }
}
