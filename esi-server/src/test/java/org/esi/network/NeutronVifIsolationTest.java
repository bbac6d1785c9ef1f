package org.esi.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.esi.drivers.fake.FakeHardwareDriver;
import org.esi.drivers.net.linuxbridge.LinuxBridgeDriver;
import org.esi.testing.OpenStackCli;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The upstream way end to end, on real bridges: two lessees, each with the stock {@code openstack}
 * client only, make a Neutron network, a subnet and a port per node, give each node the fixed IP IPAM
 * handed its port, and attach the ports through Ironic's VIF API. The lessees' nodes reach each other
 * within a network and not across, although both subnets are one IP range (so only the VLANs keep them
 * apart). Detaching and the lease's end leave the switch port idle and the network port DOWN and
 * unbound. Needs root, iproute2 and ping ({@link BridgeLab}) and the client ({@link OpenStackCli}).
 */
class NeutronVifIsolationTest {
    static BridgeLab lab;
    static TestingEsiServer server;

    @BeforeAll
    static void start() throws Exception {
        OpenStackCli.requireInstalled();
        lab = BridgeLab.cable(4);
        server = TestingEsiServer.start(Map.of(), Clock.systemUTC(), new FakeHardwareDriver(), List.of(new LinuxBridgeDriver()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void lesseesNodesAttachedThroughVifsReachOnlyTheirOwnNetwork() throws Exception {
        TestClient http = server.client();
        String admin = server.adminToken();
        String ownerProject = server.createProject("vif-owner", null);
        String[] project = {server.createProject("vif-red", null), server.createProject("vif-blue", null)};
        String owner = server.userToken("vif-owner-user", ownerProject, "owner");
        String[] token = {server.userToken("vif-red-user", project[0], "lessee"), server.userToken("vif-blue-user", project[1], "lessee")};
        OpenStackCli[] cli = {OpenStackCli.user(server, "vif-red-user", project[0]), OpenStackCli.user(server, "vif-blue-user", project[1])};
        http.post("/network/v1/switches", admin, Map.of("name", "lab", "driver", "linux-bridge", "address", lab.switchAddress())).expect(201);

        String[] node = new String[4];
        List<String> leases = new ArrayList<>();
        Instant start = Instant.now().plusSeconds(1);
        for (int i = 0; i < 4; i++) {
            node[i] = lab.tag + "-node" + i;
            http.post("/baremetal/v1/nodes", owner, Map.of("name", node[i], "driver", "fake-hardware")).expect(201);
            http.post("/baremetal/v1/ports", owner, Map.of("node_uuid", node[i], "address", String.format("52:54:00:97:00:%02x", i),
                    "local_link_connection", Map.of("switch_info", "lab", "port_id", lab.switchPort(i)))).expect(201);
            leases.add(http.post("/lease/v1/leases", owner, Map.of("resource_uuid", node[i], "project_id", project[i / 2],
                    "start_time", start.toString(), "end_time", start.plusSeconds(3600).toString())).expect(201).json().path("uuid").asText());
        }
        for (String l : leases) {
            awaitLease(http, owner, l, "active");
        }

        // Each lessee: a network, a subnet on the same range as the other's (pools apart), a port per node.
        String[] color = {"red", "blue"};
        String[] port = new String[4];
        for (int c = 0; c < 2; c++) {
            String net = color[c] + "-net";
            JsonNode n = cli[c].json("network", "create", net);
            assertThat(n.path("provider:network_type").asText()).isEqualTo("vlan");
            cli[c].json("subnet", "create", "--network", net, "--subnet-range", "10.97.0.0/24", "--gateway", "none",
                    "--allocation-pool", "start=10.97.0." + (10 + 10 * c) + ",end=10.97.0." + (19 + 10 * c), color[c] + "-sub");
        }
        for (int i = 0; i < 4; i++) {
            int c = i / 2;
            JsonNode p = cli[c].json("port", "create", "--network", color[c] + "-net", "esi-" + node[i] + "-" + color[c] + "-net");
            port[i] = p.path("id").asText();
            assertThat(p.path("status").asText()).isEqualTo("DOWN");
            String ip = p.path("fixed_ips").get(0).path("ip_address").asText();
            assertThat(ip).startsWith("10.97.0.");
            lab.address(i, ip + "/24");
        }
        String[] ip = new String[4];
        for (int i = 0; i < 4; i++) {
            ip[i] = cli[i / 2].json("port", "show", port[i]).path("fixed_ips").get(0).path("ip_address").asText();
        }
        assertThat(List.of(ip)).doesNotHaveDuplicates();
        assertThat(lab.ping(0, ip[1])).as("idle switch ports carry nothing").isFalse();

        // A lessee cannot attach to a node it does not lease, nor attach the other's port to its own node.
        assertThat(cli[0].fails("baremetal", "node", "vif", "attach", node[2], port[0])).contains("could not be found");
        assertThat(cli[0].fails("baremetal", "node", "vif", "attach", node[0], port[2])).contains("Unable to attach VIF");
        assertThat(cli[0].json("network", "list").findValuesAsText("Name")).contains("red-net").doesNotContain("blue-net");

        for (int i = 0; i < 4; i++) {
            cli[i / 2].ok("baremetal", "node", "vif", "attach", node[i], port[i]);
        }
        for (int i = 0; i < 4; i++) {
            JsonNode p = cli[i / 2].json("port", "show", port[i]);
            assertThat(p.path("status").asText()).as("port of node %d", i).isEqualTo("ACTIVE");
            assertThat(p.path("binding_host_id").asText()).isEqualTo(nodeUuid(http, admin, node[i]));
            assertThat(cli[i / 2].json("baremetal", "node", "vif", "list", node[i]).findValuesAsText("ID")).containsExactly(port[i]);
        }
        assertThat(lab.ping(0, ip[1])).as("red nodes reach each other").isTrue();
        assertThat(lab.ping(2, ip[3])).as("blue nodes reach each other").isTrue();
        assertThat(lab.ping(0, ip[2])).as("red cannot reach blue").isFalse();
        assertThat(lab.ping(1, ip[3])).as("red cannot reach blue").isFalse();
        assertThat(lab.ping(3, ip[0])).as("blue cannot reach red").isFalse();

        cli[0].ok("baremetal", "node", "vif", "detach", node[1], port[1]);
        assertThat(lab.ping(0, ip[1])).as("after the detach nothing reaches node 1").isFalse();
        assertThat(lab.master(1)).isEmpty();
        assertThat(cli[0].json("port", "show", port[1]).path("status").asText()).isEqualTo("DOWN");
        assertThat(cli[0].json("baremetal", "node", "vif", "list", node[1])).isEmpty();

        // The lease of node 3 ends: its switch port goes idle, its network port is DOWN and unbound, the NIC forgets the VIF.
        http.delete("/lease/v1/leases/" + leases.get(3), owner).expect(200);
        awaitLease(http, owner, leases.get(3), "deleted");
        assertThat(lab.master(3)).as("lease end returns the port to idle").isEmpty();
        assertThat(lab.ping(2, ip[3])).isFalse();
        JsonNode after = http.get("/network/v2.0/ports/" + port[3], token[1]).expect(200).json().path("port");
        assertThat(after.path("status").asText()).isEqualTo("DOWN");
        assertThat(after.path("binding:host_id").asText()).isEmpty();
        assertThat(http.get("/baremetal/v1/nodes/" + node[3] + "/ports?detail=true", owner).expect(200).json()
                .path("ports").get(0).path("internal_info").has("tenant_vif_port_id")).isFalse();
        assertThat(http.get("/network/v1/nodes/" + node[3] + "/attachments", owner).json().path("attachments")).isEmpty();
        assertThat(lab.ping(0, ip[1])).isFalse();
        assertThat(lab.ping(2, ip[3])).isFalse();
    }

    private static String nodeUuid(TestClient http, String token, String name) {
        return http.get("/baremetal/v1/nodes/" + name, token).expect(200).json().path("uuid").asText();
    }

    private static void awaitLease(TestClient http, String token, String lease, String status) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(20);
        while (Instant.now().isBefore(deadline)) {
            if (status.equals(http.get("/lease/v1/leases/" + lease, token).json().path("status").asText())) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("lease " + lease + " never reached " + status);
    }
}
