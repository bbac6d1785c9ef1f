package org.esi.cluster.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.esi.cluster.MemberStatus;
import org.esi.cluster.Pool;
import org.esi.cluster.PoolMember;
import org.esi.cluster.PropertyMatch;
import org.esi.cluster.autoscaler.AutoscalerPools.Instance;
import org.esi.cluster.autoscaler.AutoscalerPools.State;
import org.esi.lease.LeaseStatus;
import org.junit.jupiter.api.Test;

/** What the running-pool test does not reach: members that fail or drain, and a template with no offer to look at. */
class PoolAutoscalerTest {
    @Test
    void membersAreInstancesByTheirStatusAndFailedOnesCarryTheirReason() {
        UUID node = UUID.randomUUID();
        assertThat(PoolAutoscaler.instance(member(node, MemberStatus.CLAIMING, null))).isEqualTo(new Instance("esi://" + node, State.CREATING, null, null));
        assertThat(PoolAutoscaler.instance(member(node, MemberStatus.DEPLOYING, null)).state()).isEqualTo(State.CREATING);
        assertThat(PoolAutoscaler.instance(member(node, MemberStatus.READY, null)).state()).isEqualTo(State.RUNNING);
        assertThat(PoolAutoscaler.instance(member(node, MemberStatus.DRAINING, "lease ends")).state()).isEqualTo(State.DELETING);
        assertThat(PoolAutoscaler.instance(member(node, MemberStatus.RELEASING, null)).state()).isEqualTo(State.DELETING);
        assertThat(PoolAutoscaler.instance(member(node, MemberStatus.FAILED, "deploy failed: image checksum mismatch")))
                .isEqualTo(new Instance("esi://" + node, State.CREATING, PoolAutoscaler.MEMBER_FAILED, "deploy failed: image checksum mismatch"));
    }

    @Test
    void theTemplateTakesTheSmallestOfferAndWithoutOffersThePoolsLowerBounds() throws Exception {
        Pool p = pool(List.of(PropertyMatch.parse("cpus>=32"), PropertyMatch.parse("memory_mb>65535"), PropertyMatch.parse("cpu_arch=x86_64")));
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> offers = List.of(json.readTree("{\"cpus\": 64, \"memory_mb\": 131072, \"gpus\": 4}"),
                json.readTree("{\"cpus\": 48, \"memory_mb\": 262144, \"gpus\": 2}"));
        assertThat(PoolAutoscaler.capacity(p, offers, "cpus")).isEqualTo(48);
        assertThat(PoolAutoscaler.capacity(p, offers, "memory_mb")).isEqualTo(131072);
        assertThat(PoolAutoscaler.capacity(p, offers, "gpus")).isEqualTo(2);
        assertThat(PoolAutoscaler.capacity(p, offers, "local_gb")).isZero();

        assertThat(PoolAutoscaler.capacity(p, List.of(), "cpus")).isEqualTo(32);
        assertThat(PoolAutoscaler.capacity(p, List.of(), "memory_mb")).isEqualTo(65536);
        assertThat(PoolAutoscaler.capacity(p, List.of(), "gpus")).isZero();
    }

    private static PoolMember member(UUID node, MemberStatus status, String reason) {
        Instant now = Instant.now();
        return new PoolMember(UUID.randomUUID(), UUID.randomUUID(), node, "worker", status, reason, null, LeaseStatus.ACTIVE,
                now.plus(Duration.ofHours(4)), null, "active", null, now, now);
    }

    private static Pool pool(List<PropertyMatch> properties) {
        Instant now = Instant.now();
        return new Pool(UUID.randomUUID(), "workers", "project-a", "baremetal", properties, 0, 5, 0, Duration.ofHours(4),
                Duration.ofMinutes(30), null, List.of(), Map.of(), null, null, false, now, now, null);
    }
}
