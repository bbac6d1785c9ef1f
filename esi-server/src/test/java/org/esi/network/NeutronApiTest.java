package org.esi.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.esi.drivers.fake.FakeHardwareDriver;
import org.esi.spi.net.PortConfig;
import org.esi.testing.RecordingSwitchDriver;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Neutron face over HTTP with a recording switch: error bodies, filter/field/page conventions, who
 * may see and use what, the VIF API's switch work and its refusals, lease end, and bad input that
 * changes nothing.
 */
class NeutronApiTest {
    static final String P = "/network/v2.0";
    static final RecordingSwitchDriver sw = new RecordingSwitchDriver();
    static TestingEsiServer server;
    static TestClient http;
    static String admin;
    static String owner;
    static String lessee;
    static String other;
    static String lesseeProject;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start(Map.of(), Clock.systemUTC(), new FakeHardwareDriver(), List.of(sw));
        http = server.client();
        admin = server.adminToken();
        String ownerProject = server.createProject("nt-owner", null);
        lesseeProject = server.createProject("nt-lessee", null);
        String otherProject = server.createProject("nt-other", null);
        owner = server.userToken("nt-owner-user", ownerProject, "owner");
        lessee = server.userToken("nt-lessee-user", lesseeProject, "lessee");
        other = server.userToken("nt-other-user", otherProject, "lessee");
        http.post("/network/v1/switches", admin, Map.of("name", "tor1", "driver", "recording", "address", "192.0.2.254")).expect(201);
        for (int i = 1; i <= 3; i++) {
            http.post("/baremetal/v1/nodes", owner, Map.of("name", "nt-n" + i, "driver", "fake-hardware")).expect(201);
            http.post("/baremetal/v1/ports", owner, Map.of("node_uuid", "nt-n" + i, "address", "52:54:00:0d:00:0" + i,
                    "local_link_connection", Map.of("switch_info", "tor1", "port_id", "Ethernet" + i))).expect(201);
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void errorsAndDiscoveryInNeutronsShape() {
        JsonNode missing = http.get(P + "/networks/" + UUID.randomUUID(), lessee).expect(404).json();
        assertThat(missing.path("NeutronError").path("type").asText()).isEqualTo("NetworkNotFound");
        assertThat(missing.path("NeutronError").path("message").asText()).contains("could not be found");
        JsonNode unknown = http.post(P + "/networks", lessee, Map.of("network", Map.of("name", "x", "bogus", 1))).expect(400).json();
        assertThat(unknown.path("NeutronError").path("message").asText()).contains("Unrecognized attribute(s) 'bogus'");
        assertThat(http.get(P + "/ports?bogus=1", lessee).expect(400).json().path("NeutronError").path("message").asText())
                .contains("invalid attribute for filtering");
        assertThat(http.get(P + "/no-such-things", lessee).expect(404).json().has("NeutronError")).isTrue();
        assertThat(http.get(P + "/networks", null).expect(401).json().has("NeutronError")).isTrue();
        assertThat(http.get("/network", null).expect(200).json().path("versions").get(0).path("id").asText()).isEqualTo("v2.0");
        assertThat(http.get(P + "/extensions", lessee).expect(200).json().path("extensions").findValuesAsText("alias"))
                .contains("trunk", "binding", "provider", "external-net");
        assertThat(http.get(P + "/floatingips", lessee).expect(200).json().path("floatingips")).isEmpty();
        assertThat(http.get(P + "/routers?name=r1", lessee).expect(200).json().path("routers")).isEmpty();
        assertThat(http.get(P + "/floatingips/" + UUID.randomUUID() + "/port_forwardings", lessee).expect(404).json()
                .path("NeutronError").path("type").asText()).isEqualTo("FloatingIPNotFound");
    }

    @Test
    void filtersRepeatedKeysFieldsSortAndPages() {
        List<String> ids = new ArrayList<>();
        for (String n : List.of("pg-a", "pg-b", "pg-c", "pg-d", "pg-e")) {
            ids.add(http.post(P + "/networks", other, Map.of("network", Map.of("name", n))).expect(201).json().path("network").path("id").asText());
        }
        assertThat(names(http.get(P + "/networks?name=pg-a&name=pg-c", other).expect(200).json().path("networks")))
                .containsExactlyInAnyOrder("pg-a", "pg-c");
        assertThat(names(http.get(P + "/networks?id=" + ids.get(1), other).expect(200).json().path("networks"))).containsExactly("pg-b");
        assertThat(http.get(P + "/networks?name=pg-a&shared=true", other).expect(200).json().path("networks")).isEmpty();
        JsonNode fields = http.get(P + "/networks?name=pg-a&fields=id&fields=name", other).expect(200).json().path("networks").get(0);
        assertThat(fields.size()).isEqualTo(2);
        assertThat(fields.path("id").asText()).isEqualTo(ids.get(0));
        assertThat(names(http.get(P + "/networks?sort_key=name&sort_dir=desc", other).json().path("networks")))
                .containsExactly("pg-e", "pg-d", "pg-c", "pg-b", "pg-a");

        List<String> seen = new ArrayList<>();
        String next = P + "/networks?sort_key=name&sort_dir=asc&limit=2";
        int pages = 0;
        while (next != null) {
            JsonNode page = http.get(next.replace(server.url(), ""), other).expect(200).json();
            seen.addAll(names(page.path("networks")));
            JsonNode links = page.path("networks_links");
            next = links.isArray() && !links.isEmpty() ? links.get(0).path("href").asText() : null;
            pages++;
        }
        assertThat(seen).containsExactly("pg-a", "pg-b", "pg-c", "pg-d", "pg-e");
        assertThat(pages).isEqualTo(3);
        for (String id : ids) {
            http.delete(P + "/networks/" + id, other).expect(204);
        }
    }

    @Test
    void aLesseeSeesAndUsesOnlyItsOwnAndSharedNetworks() {
        String mine = http.post(P + "/networks", lessee, Map.of("network", Map.of("name", "pol-mine"))).expect(201).json().path("network").path("id").asText();
        String theirs = http.post(P + "/networks", other, Map.of("network", Map.of("name", "pol-theirs"))).expect(201).json().path("network").path("id").asText();
        String shared = http.post(P + "/networks", admin, Map.of("network", Map.of("name", "pol-shared", "shared", true))).expect(201).json()
                .path("network").path("id").asText();
        assertThat(names(http.get(P + "/networks", lessee).json().path("networks"))).contains("pol-mine", "pol-shared").doesNotContain("pol-theirs");
        http.get(P + "/networks/" + theirs, lessee).expect(404);
        http.put(P + "/networks/" + shared, lessee, Map.of("network", Map.of("name", "renamed"))).expect(403);
        http.post(P + "/subnets", lessee, Map.of("subnet", Map.of("network_id", shared, "ip_version", 4, "cidr", "10.93.0.0/24"))).expect(403);
        assertThat(http.post(P + "/networks", lessee, Map.of("network", Map.of("name", "x", "provider:segmentation_id", 7))).expect(403).json()
                .path("NeutronError").path("type").asText()).isEqualTo("PolicyNotAuthorized");
        http.post(P + "/networks", lessee, Map.of("network", Map.of("name", "x", "tenant_id", "nt-other"))).expect(403);

        http.post(P + "/ports", lessee, Map.of("port", Map.of("network_id", theirs))).expect(404);
        String onShared = http.post(P + "/ports", lessee, Map.of("port", Map.of("network_id", shared, "name", "pol-on-shared"))).expect(201)
                .json().path("port").path("id").asText();
        String theirPort = http.post(P + "/ports", other, Map.of("port", Map.of("network_id", theirs))).expect(201).json().path("port").path("id").asText();
        assertThat(http.get(P + "/ports", lessee).json().path("ports").findValuesAsText("id")).contains(onShared).doesNotContain(theirPort);
        http.get(P + "/ports/" + theirPort, lessee).expect(404);
        http.delete(P + "/ports/" + theirPort, lessee).expect(404);
        assertThat(http.get(P + "/ports/" + onShared, admin).expect(200).json().path("port").path("project_id").asText()).isEqualTo(lesseeProject);

        http.delete(P + "/ports/" + onShared, lessee).expect(204);
        http.delete(P + "/ports/" + theirPort, other).expect(204);
        http.delete(P + "/networks/" + mine, lessee).expect(204);
        http.delete(P + "/networks/" + theirs, other).expect(204);
        http.delete(P + "/networks/" + shared, admin).expect(204);
    }

    @Test
    void vifAttachDoesTheSwitchWorkAndLeaseEndUnbindsThePort() throws Exception {
        Instant start = Instant.now().plusSeconds(1);
        String lease = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", "nt-n1", "project_id", lesseeProject,
                "start_time", start.toString(), "end_time", start.plusSeconds(600).toString())).expect(201).json().path("uuid").asText();
        awaitLessee("nt-n1", lesseeProject);
        JsonNode net = http.post(P + "/networks", lessee, Map.of("network", Map.of("name", "vif-net"))).expect(201).json().path("network");
        int vlan = net.path("provider:segmentation_id").asInt();
        String port = http.post(P + "/ports", lessee, Map.of("port", Map.of("network_id", net.path("id").asText(), "name", "esi-nt-n1-vif-net")))
                .expect(201).json().path("port").path("id").asText();
        String spare = http.post(P + "/ports", lessee, Map.of("port", Map.of("network_id", net.path("id").asText()))).expect(201).json()
                .path("port").path("id").asText();
        String foreignNet = http.post(P + "/networks", other, Map.of("network", Map.of("name", "vif-foreign"))).expect(201).json()
                .path("network").path("id").asText();
        String foreign = http.post(P + "/ports", other, Map.of("port", Map.of("network_id", foreignNet))).expect(201).json().path("port").path("id").asText();

        http.post("/baremetal/v1/nodes/nt-n2/vifs", lessee, Map.of("id", port)).expect(404);
        assertThat(ironicMessage(http.post("/baremetal/v1/nodes/nt-n1/vifs", lessee, Map.of("id", foreign)).expect(400).json()))
                .contains("Unable to attach VIF");
        http.post("/baremetal/v1/nodes/nt-n1/vifs", lessee, Map.of("id", port)).expect(204);
        assertThat(sw.port("tor1", "Ethernet1")).isEqualTo(new PortConfig.Access(vlan));
        JsonNode bound = http.get(P + "/ports/" + port, lessee).expect(200).json().path("port");
        assertThat(bound.path("status").asText()).isEqualTo("ACTIVE");
        assertThat(bound.path("binding:host_id").asText()).isEqualTo(nodeUuid("nt-n1"));
        assertThat(bound.path("mac_address").asText()).isEqualTo("52:54:00:0d:00:01");
        assertThat(bound.path("binding:profile").path("local_link_information").get(0).path("port_id").asText()).isEqualTo("Ethernet1");
        assertThat(http.get(P + "/ports?status=ACTIVE&binding:host_id=" + nodeUuid("nt-n1"), lessee).json().path("ports").findValuesAsText("id"))
                .containsExactly(port);
        assertThat(http.get("/baremetal/v1/nodes/nt-n1/vifs", lessee).expect(200).json().path("vifs").findValuesAsText("id")).containsExactly(port);
        assertThat(http.post("/baremetal/v1/nodes/nt-n1/vifs", lessee, Map.of("id", port)).expect(409).json().has("error_message")).isTrue();
        assertThat(ironicMessage(http.post("/baremetal/v1/nodes/nt-n1/vifs", lessee, Map.of("id", spare)).expect(400).json()))
                .contains("not enough free physical ports");
        http.delete(P + "/networks/" + net.path("id").asText(), lessee).expect(409);

        http.delete("/lease/v1/leases/" + lease, owner).expect(200);
        awaitLessee("nt-n1", null);
        assertThat(sw.port("tor1", "Ethernet1")).isEqualTo(PortConfig.idle());
        JsonNode after = http.get(P + "/ports/" + port, lessee).expect(200).json().path("port");
        assertThat(after.path("status").asText()).isEqualTo("DOWN");
        assertThat(after.path("binding:host_id").asText()).isEmpty();
        assertThat(after.path("binding:profile").has("local_link_information")).isFalse();
        assertThat(http.get("/baremetal/v1/nodes/nt-n1/vifs", owner).expect(200).json().path("vifs")).isEmpty();
        assertThat(http.get("/baremetal/v1/ports/detail?node=nt-n1", owner).json().path("ports").get(0).path("internal_info").size()).isZero();
        http.post("/baremetal/v1/nodes/nt-n1/vifs", lessee, Map.of("id", port)).expect(404);

        for (String p : List.of(port, spare)) {
            http.delete(P + "/ports/" + p, lessee).expect(204);
        }
        http.delete(P + "/ports/" + foreign, other).expect(204);
        http.delete(P + "/networks/" + net.path("id").asText(), lessee).expect(204);
        http.delete(P + "/networks/" + foreignNet, other).expect(204);
    }

    @Test
    void aSwitchThatRefusesLeavesTheVifInErrorUntilDetached() throws Exception {
        String net = http.post(P + "/networks", owner, Map.of("network", Map.of("name", "err-net"))).expect(201).json().path("network").path("id").asText();
        String port = http.post(P + "/ports", owner, Map.of("port", Map.of("network_id", net))).expect(201).json().path("port").path("id").asText();
        sw.failNext.set(3);
        assertThat(ironicMessage(http.post("/baremetal/v1/nodes/nt-n3/vifs", owner, Map.of("id", port)).expect(502).json()))
                .contains("Invalid input");
        assertThat(http.get(P + "/ports/" + port, owner).json().path("port").path("status").asText()).isEqualTo("ERROR");
        assertThat(http.get("/baremetal/v1/nodes/nt-n3/vifs", owner).json().path("vifs").findValuesAsText("id")).containsExactly(port);
        http.delete("/baremetal/v1/nodes/nt-n3/vifs/" + port, owner).expect(204);
        assertThat(http.get(P + "/ports/" + port, owner).json().path("port").path("status").asText()).isEqualTo("DOWN");
        assertThat(ironicMessage(http.delete("/baremetal/v1/nodes/nt-n3/vifs/" + port, owner).expect(400).json())).contains("not attached");
        http.delete(P + "/ports/" + port, owner).expect(204);
        http.delete(P + "/networks/" + net, owner).expect(204);
    }

    @Test
    void badSubnetPortAndTrunkRequestsAre4xxAndChangeNothing() {
        String net = http.post(P + "/networks", other, Map.of("network", Map.of("name", "bad-net"))).expect(201).json().path("network").path("id").asText();
        String subnet = http.post(P + "/subnets", other, Map.of("subnet", Map.of("network_id", net, "ip_version", 4, "cidr", "10.94.0.0/24",
                "allocation_pools", List.of(Map.of("start", "10.94.0.10", "end", "10.94.0.20"))))).expect(201).json().path("subnet").path("id").asText();
        String before = state();
        List<Object> badSubnets = List.of(
                Map.of("network_id", net, "ip_version", 4, "cidr", "10.94.0.0/25"),
                Map.of("network_id", net, "ip_version", 4, "cidr", "10.91.0.0/24", "gateway_ip", "10.91.0.15",
                        "allocation_pools", List.of(Map.of("start", "10.91.0.10", "end", "10.91.0.20"))),
                Map.of("network_id", net, "ip_version", 4, "cidr", "10.91.0.0/24",
                        "allocation_pools", List.of(Map.of("start", "10.91.0.10", "end", "10.91.0.20"), Map.of("start", "10.91.0.20", "end", "10.91.0.30"))),
                Map.of("network_id", net, "ip_version", 4, "cidr", "10.91.0.0/24", "allocation_pools", List.of(Map.of("start", "10.91.1.1", "end", "10.91.1.9"))),
                Map.of("network_id", net, "ip_version", 6, "cidr", "10.91.0.0/24"),
                Map.of("network_id", net, "ip_version", 4, "cidr", "10.91.0.0/33"),
                Map.of("network_id", net, "ip_version", 4, "cidr", "localhost/24"),
                Map.of("network_id", net, "ip_version", 4, "cidr", "10.91.0.0/24", "dns_nameservers", List.of("example.com")));
        for (Object s : badSubnets) {
            int status = http.post(P + "/subnets", other, Map.of("subnet", s)).status();
            assertThat(status).as("subnet %s", s).isBetween(400, 409);
        }
        List<Object> badPorts = List.of(
                Map.of("network_id", net, "fixed_ips", List.of(Map.of("ip_address", "10.99.0.5"))),
                Map.of("network_id", net, "fixed_ips", List.of(Map.of("subnet_id", subnet, "ip_address", "10.94.0.255"))),
                Map.of("network_id", net, "fixed_ips", List.of(Map.of("subnet_id", UUID.randomUUID().toString()))),
                Map.of("network_id", net, "mac_address", "not-a-mac"),
                Map.of("network_id", net, "binding:vnic_type", "warp"),
                Map.of("network_id", net, "security_groups", List.of("default")),
                Map.of("network_id", net, "name", "x".repeat(256)));
        for (Object p : badPorts) {
            assertThat(http.post(P + "/ports", other, Map.of("port", p)).status()).as("port %s", p).isEqualTo(400);
        }
        assertThat(state()).as("refused requests changed nothing").isEqualTo(before);

        String parent = http.post(P + "/ports", other, Map.of("port", Map.of("network_id", net))).expect(201).json().path("port").path("id").asText();
        String net2 = http.post(P + "/networks", other, Map.of("network", Map.of("name", "bad-net2"))).expect(201).json().path("network")
                .path("id").asText();
        JsonNode n2 = http.get(P + "/networks/" + net2, other).json().path("network");
        String sub = http.post(P + "/ports", other, Map.of("port", Map.of("network_id", net2))).expect(201).json().path("port").path("id").asText();
        before = state();
        int vlan = n2.path("provider:segmentation_id").asInt();
        List<Object> badTrunks = List.of(
                Map.of("port_id", parent, "sub_ports", List.of(Map.of("port_id", sub, "segmentation_type", "vlan", "segmentation_id", vlan + 1))),
                Map.of("port_id", parent, "sub_ports", List.of(Map.of("port_id", sub, "segmentation_type", "vxlan", "segmentation_id", vlan))),
                Map.of("port_id", parent, "sub_ports", List.of(Map.of("port_id", parent, "segmentation_type", "inherit"))),
                Map.of("port_id", UUID.randomUUID().toString()));
        for (Object t : badTrunks) {
            assertThat(http.post(P + "/trunks", other, Map.of("trunk", t)).status()).as("trunk %s", t).isBetween(400, 404);
        }
        assertThat(state()).isEqualTo(before);
        JsonNode ok = http.post(P + "/trunks", other, Map.of("trunk", Map.of("port_id", parent, "sub_ports",
                List.of(Map.of("port_id", sub, "segmentation_type", "inherit"))))).expect(201).json().path("trunk");
        assertThat(ok.path("sub_ports").get(0).path("segmentation_id").asInt()).isEqualTo(vlan);
        http.delete(P + "/ports/" + sub, other).expect(409);
        http.delete(P + "/trunks/" + ok.path("id").asText(), other).expect(204);
        http.delete(P + "/ports/" + sub, other).expect(204);
        http.delete(P + "/ports/" + parent, other).expect(204);
        http.delete(P + "/networks/" + net2, other).expect(204);
        http.delete(P + "/networks/" + net, other).expect(204);
    }

    /** What the project "other" has, as it sees it. */
    private static String state() {
        return http.get(P + "/networks", other).json().toString() + http.get(P + "/subnets", other).json()
                + http.get(P + "/ports", other).json() + http.get(P + "/trunks", other).json();
    }

    private static List<String> names(JsonNode list) {
        return list.findValuesAsText("name");
    }

    private static String ironicMessage(JsonNode body) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body.path("error_message").asText()).path("faultstring").asText();
    }

    private static String nodeUuid(String name) {
        return http.get("/baremetal/v1/nodes/" + name, admin).json().path("uuid").asText();
    }

    private static void awaitLessee(String node, String project) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            JsonNode n = http.get("/baremetal/v1/nodes/" + node, admin).json();
            if (project == null ? n.path("lessee").isNull() : project.equals(n.path("lessee").asText())) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("node " + node + " never got lessee " + project);
    }
}
