package org.esi.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * IPAM with two service instances on one database: ports created at once through both get distinct
 * fixed IPs from the pool until it is full, then a clean 409, never a duplicate or a 500; a given
 * address asked for through both instances at once goes to exactly one port.
 */
class IpamAcrossInstancesTest {
    static TestingEsiServer a;
    static TestingEsiServer b;
    static String token;

    @BeforeAll
    static void start() {
        a = TestingEsiServer.start();
        b = TestingEsiServer.sharing(a, Clock.systemUTC());
        token = a.adminToken();
    }

    @AfterAll
    static void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    @Test
    void portsCreatedThroughBothInstancesAtOnceGetDistinctAddressesUntilThePoolIsFull() throws Exception {
        String network = network("ipam-race");
        subnet(network, "10.96.0.0/24", "10.96.0.10", "10.96.0.39"); // 30 addresses
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<String> ips = Collections.synchronizedList(new ArrayList<>());
        List<String> refusals = Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            TestClient http = (t % 2 == 0 ? a : b).client();
            int me = t;
            done.add(pool.submit(() -> {
                go.await();
                for (int i = 0; ; i++) {
                    TestClient.Response r = http.post("/network/v2.0/ports", token, Map.of("port", Map.of("network_id", network,
                            "name", "race-" + me + "-" + i)));
                    if (r.status() == 201) {
                        ips.add(r.json().path("port").path("fixed_ips").get(0).path("ip_address").asText());
                        continue;
                    }
                    refusals.add(r.status() + " " + r.json().path("NeutronError").path("type").asText());
                    return null;
                }
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(ips).hasSize(30).doesNotHaveDuplicates().allMatch(ip -> {
            int last = Integer.parseInt(ip.substring(ip.lastIndexOf('.') + 1));
            return ip.startsWith("10.96.0.") && last >= 10 && last <= 39;
        });
        assertThat(refusals).hasSize(threads).allMatch(r -> r.equals("409 IpAddressGenerationFailure"));
        JsonNode listed = b.client().get("/network/v2.0/ports?network_id=" + network + "&fields=fixed_ips", token).expect(200).json();
        assertThat(listed.path("ports").findValuesAsText("ip_address")).hasSize(30).doesNotHaveDuplicates();
    }

    @Test
    void oneAddressAskedForThroughBothInstancesAtOnceGoesToOnePort() throws Exception {
        String network = network("ipam-same");
        String subnet = subnet(network, "10.95.0.0/24", "10.95.0.10", "10.95.0.200");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        for (int round = 0; round < 10; round++) {
            String ip = "10.95.0." + (100 + round);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> answers = new ArrayList<>();
            for (TestingEsiServer s : List.of(a, b)) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return s.client().post("/network/v2.0/ports", token, Map.of("port", Map.of("network_id", network,
                            "fixed_ips", List.of(Map.of("subnet_id", subnet, "ip_address", ip))))).status();
                }));
            }
            go.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : answers) {
                statuses.add(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(statuses).as("round %d for %s", round, ip).containsExactlyInAnyOrder(201, 409);
        }
        pool.shutdown();
        JsonNode listed = a.client().get("/network/v2.0/ports?network_id=" + network, token).expect(200).json();
        assertThat(listed.path("ports")).hasSize(10);
        assertThat(listed.path("ports").findValuesAsText("ip_address")).doesNotHaveDuplicates();
    }

    private static String network(String name) {
        return a.client().post("/network/v2.0/networks", token, Map.of("network", Map.of("name", name))).expect(201).json()
                .path("network").path("id").asText();
    }

    private static String subnet(String network, String cidr, String first, String last) {
        return a.client().post("/network/v2.0/subnets", token, Map.of("subnet", Map.of("network_id", network, "ip_version", 4,
                "cidr", cidr, "allocation_pools", List.of(Map.of("start", first, "end", last))))).expect(201).json()
                .path("subnet").path("id").asText();
    }
}
