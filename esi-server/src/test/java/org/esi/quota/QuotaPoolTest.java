package org.esi.quota;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import org.esi.cluster.PoolTestbed;
import org.esi.testing.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A pool of a project with a quota: a scale-up past it is a 403 to the caller with nothing claimed, and a
 * replacement the reconciler cannot claim is the pool's recorded error, not a failing round.
 */
class QuotaPoolTest {
    private static final Map<String, Object> MACHINE = Map.of("cpus", 32, "memory_mb", 65536, "local_gb", 400);
    private PoolTestbed bed;

    @BeforeEach
    void start() {
        bed = new PoolTestbed();
        for (int i = 1; i <= 3; i++) {
            bed.offered("qp-" + i, MACHINE, null);
        }
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    @Test
    void aScaleUpPastTheQuotaIs403AndClaimsNothing() {
        quota(2);
        String refusedCreate = bed.http.post("/cluster/v1/pools", bed.lessee, PoolTestbed.pool("too-big", 3, 3)).expect(403).json()
                .path("faultstring").asText();
        assertThat(refusedCreate).startsWith("Quota exceeded: project pool-lessee may hold at most 2 leased nodes at once");
        assertThat(bed.liveLeases()).isEmpty();

        bed.http.post("/cluster/v1/pools", bed.lessee, PoolTestbed.pool("workers", 2, 3)).expect(201);
        assertThat(bed.liveLeases()).hasSize(2);
        JsonNode refused = bed.http.patch("/cluster/v1/pools/workers", bed.lessee, Map.of("desired_size", 3)).expect(403).json();
        assertThat(refused.path("faultstring").asText()).startsWith("Quota exceeded: project pool-lessee may hold at most 2");
        assertThat(bed.liveLeases()).hasSize(2);
        assertThat(bed.http.get("/cluster/v1/pools/workers", bed.lessee).expect(200).json().path("desired_size").asInt()).isEqualTo(2);
    }

    @Test
    void aReplacementTheQuotaRefusesIsThePoolsErrorAndThePoolKeepsWhatItHas() throws Exception {
        bed.http.post("/cluster/v1/pools", bed.lessee, PoolTestbed.pool("workers", 2, 3)).expect(201);
        assertThat(bed.liveLeases()).hasSize(2);
        quota(1);
        // The lessee ends one member's lease outside the pool: the reconciler wants a replacement the quota refuses.
        String lease = bed.liveLeases().get(0).path("uuid").asText();
        bed.http.delete("/lease/v1/leases/" + lease, bed.lessee).expect(200);
        JsonNode pool = Poll.until(() -> bed.http.get("/cluster/v1/pools/workers", bed.lessee).expect(200).json(),
                p -> p.path("last_error").asText().contains("Quota exceeded"), Duration.ofSeconds(30), JsonNode::toString);
        assertThat(pool.path("last_error").asText()).startsWith("short of 1 machines: Quota exceeded: project pool-lessee may hold at most 1");
        Poll.until(bed::liveLeases, l -> l.size() == 1, Duration.ofSeconds(30), Object::toString);
        assertThat(bed.http.get("/cluster/v1/pools/workers", bed.lessee).expect(200).json().path("desired_size").asInt()).isEqualTo(2);
    }

    private void quota(int maxNodes) {
        bed.http.put("/market/v1/quotas/pool-lessee", bed.server.adminToken(), Map.of("max_leased_nodes", maxNodes)).expect(200);
    }
}
