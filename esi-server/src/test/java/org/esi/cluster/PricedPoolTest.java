package org.esi.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.esi.testing.TestClient;
import org.junit.jupiter.api.Test;

/** Pools and prices: a pool spends credits only up to its max_price, and only free offers without one. */
class PricedPoolTest {
    private static final Map<String, Object> MACHINE = Map.of("cpus", 32, "memory_mb", 65536, "local_gb", 400);

    @Test
    void aPoolTakesPricedOffersOnlyUpToItsMaxPriceAndHoldsTheirCost() throws Exception {
        try (PoolTestbed bed = new PoolTestbed()) {
            TestClient http = bed.http;
            String cheap = bed.offered("priced-cheap", MACHINE, null, "1");
            bed.offered("priced-dear", MACHINE, null, "3");
            http.post("/market/v1/accounts/" + bed.lesseeProject + "/grants", bed.server.adminToken(), Map.of("amount", "100")).expect(201);

            // Without max_price only free offers count: there are none.
            TestClient.Response none = http.post("/cluster/v1/pools", bed.lessee, PoolTestbed.pool("free-only", 1, 2));
            assertThat(none.status()).as(none.body()).isEqualTo(409);
            assertThat(none.json().path("faultstring").asText()).contains("Only 0 of 1 machines fit");

            Map<String, Object> p = PoolTestbed.pool("capped", 1, 2);
            p.put("max_price", "2");
            JsonNode pool = http.post("/cluster/v1/pools", bed.lessee, p).expect(201).json();
            assertThat(pool.path("max_price").asText()).isEqualTo("2");
            List<JsonNode> leases = bed.liveLeases();
            assertThat(leases).hasSize(1);
            assertThat(leases.get(0).path("resource_uuid").asText()).isEqualTo(cheap);
            assertThat(leases.get(0).path("price").asText()).isEqualTo("1");
            // Four hours at 1 credit per node-hour are held from the pool's project.
            JsonNode account = http.get("/market/v1/accounts/" + bed.lesseeProject, bed.lessee).expect(200).json();
            assertThat(account.path("held").asText()).isEqualTo("4");
            assertThat(account.path("balance").asText()).isEqualTo("96");

            // The dearer machine stays out of reach at that price; raised, the pool grows onto it.
            TestClient.Response capped = http.patch("/cluster/v1/pools/capped", bed.lessee, Map.of("desired_size", 2));
            assertThat(capped.status()).as(capped.body()).isEqualTo(409);
            http.patch("/cluster/v1/pools/capped", bed.lessee, Map.of("max_price", "3", "desired_size", 2)).expect(200);
            assertThat(bed.liveLeases()).hasSize(2);
            assertThat(http.get("/market/v1/accounts/" + bed.lesseeProject, bed.lessee).expect(200).json().path("held").asText())
                    .isEqualTo("16");
            http.patch("/cluster/v1/pools/capped", bed.lessee, Map.of("max_price", "-1")).expect(400);
        }
    }
}
