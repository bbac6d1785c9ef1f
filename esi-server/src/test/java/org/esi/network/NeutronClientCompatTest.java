package org.esi.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esi.drivers.fake.FakeHardwareDriver;
import org.esi.spi.net.PortConfig;
import org.esi.testing.OpenStackCli;
import org.esi.testing.RecordingSwitchDriver;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Debian's stock {@code openstack} client against the Neutron face and the VIF API, as a lessee: the
 * network, subnet, port and trunk commands python-esiclient's calls come down to, and {@code baremetal
 * node vif attach|list|detach} with the switch work checked on a recording switch.
 */
class NeutronClientCompatTest {
    static final RecordingSwitchDriver sw = new RecordingSwitchDriver();
    static TestingEsiServer server;
    static TestClient http;
    static OpenStackCli lessee;
    static OpenStackCli other;
    static String lesseeProject;
    static String owner;

    @BeforeAll
    static void start() throws Exception {
        OpenStackCli.requireInstalled();
        server = TestingEsiServer.start(Map.of(), Clock.systemUTC(), new FakeHardwareDriver(), List.of(sw));
        http = server.client();
        String admin = server.adminToken();
        String ownerProject = server.createProject("osc-owner", null);
        lesseeProject = server.createProject("osc-lessee", null);
        String otherProject = server.createProject("osc-other", null);
        owner = server.userToken("osc-owner-user", ownerProject, "owner");
        server.userToken("osc-lessee-user", lesseeProject, "lessee");
        server.userToken("osc-other-user", otherProject, "lessee");
        lessee = OpenStackCli.user(server, "osc-lessee-user", lesseeProject);
        other = OpenStackCli.user(server, "osc-other-user", otherProject);
        http.post("/network/v1/switches", admin, Map.of("name", "tor1", "driver", "recording", "address", "192.0.2.254")).expect(201);
        for (String n : List.of("osc-n1", "osc-n2")) {
            http.post("/baremetal/v1/nodes", owner, Map.of("name", n, "driver", "fake-hardware")).expect(201);
            for (int nic = 0; nic < 2; nic++) {
                http.post("/baremetal/v1/ports", owner, Map.of("node_uuid", n, "address", "52:54:00:0c:0" + n.charAt(5) + ":0" + nic,
                        "local_link_connection", Map.of("switch_info", "tor1", "port_id", n + "-eth" + nic))).expect(201);
            }
        }
        Instant start = Instant.now().plusSeconds(1);
        String lease = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", "osc-n1", "project_id", lesseeProject,
                "start_time", start.toString(), "end_time", start.plusSeconds(3600).toString())).expect(201).json().path("uuid").asText();
        Instant deadline = Instant.now().plusSeconds(20);
        while (!"active".equals(http.get("/lease/v1/leases/" + lease, owner).json().path("status").asText())) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("lease never started");
            }
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void networkSubnetPortAndVifCommands() throws Exception {
        JsonNode net = lessee.json("network", "create", "osc-net");
        int vlan = net.path("provider:segmentation_id").asInt();
        assertThat(net.path("provider:network_type").asText()).isEqualTo("vlan");
        assertThat(net.path("status").asText()).isEqualTo("ACTIVE");
        other.json("network", "create", "osc-foreign-net");
        assertThat(lessee.json("network", "list").findValuesAsText("Name")).contains("osc-net").doesNotContain("osc-foreign-net");
        assertThat(lessee.json("network", "show", "osc-net").path("id").asText()).isEqualTo(net.path("id").asText());
        assertThat(lessee.fails("network", "show", "osc-foreign-net")).contains("No Network found");

        JsonNode sub = lessee.json("subnet", "create", "--network", "osc-net", "--subnet-range", "192.0.2.0/24",
                "--allocation-pool", "start=192.0.2.10,end=192.0.2.20", "osc-sub");
        assertThat(sub.path("gateway_ip").asText()).isEqualTo("192.0.2.1");
        assertThat(sub.path("allocation_pools").get(0).path("start").asText()).isEqualTo("192.0.2.10");
        assertThat(lessee.json("subnet", "list").findValuesAsText("Name")).containsExactly("osc-sub");
        assertThat(lessee.json("subnet", "show", "osc-sub").path("cidr").asText()).isEqualTo("192.0.2.0/24");

        // python-esiclient's port naming: esi-<node>-<network>, looked up by name.
        JsonNode port = lessee.json("port", "create", "--network", "osc-net", "--device-owner", "baremetal:none", "esi-osc-n1-osc-net");
        String portId = port.path("id").asText();
        assertThat(port.path("status").asText()).isEqualTo("DOWN");
        assertThat(port.path("fixed_ips").get(0).path("ip_address").asText()).isEqualTo("192.0.2.10");
        JsonNode second = lessee.json("port", "create", "--network", "osc-net", "--fixed-ip", "subnet=osc-sub,ip-address=192.0.2.15", "osc-fixed");
        assertThat(second.path("fixed_ips").get(0).path("ip_address").asText()).isEqualTo("192.0.2.15");
        assertThat(lessee.fails("port", "create", "--network", "osc-net", "--fixed-ip", "subnet=osc-sub,ip-address=192.0.2.15", "osc-dup"))
                .contains("already allocated");
        assertThat(lessee.json("port", "list", "--name", "esi-osc-n1-osc-net").findValuesAsText("ID")).containsExactly(portId);
        assertThat(lessee.json("port", "list", "--network", "osc-net").findValuesAsText("ID")).containsExactlyInAnyOrder(portId,
                second.path("id").asText());
        assertThat(lessee.json("port", "list", "--fixed-ip", "ip-address=192.0.2.15").findValuesAsText("Name")).containsExactly("osc-fixed");
        assertThat(other.json("port", "list").findValuesAsText("ID")).doesNotContain(portId);
        assertThat(lessee.json("port", "show", "esi-osc-n1-osc-net").path("network_id").asText()).isEqualTo(net.path("id").asText());

        // The VIF API does the switch work.
        lessee.ok("baremetal", "node", "vif", "attach", "osc-n1", portId);
        assertThat(lessee.json("baremetal", "node", "vif", "list", "osc-n1").findValuesAsText("ID")).containsExactly(portId);
        JsonNode bound = lessee.json("port", "show", portId);
        assertThat(bound.path("status").asText()).isEqualTo("ACTIVE");
        assertThat(bound.path("binding_host_id").asText()).isEqualTo(http.get("/baremetal/v1/nodes/osc-n1", owner).json().path("uuid").asText());
        assertThat(bound.path("mac_address").asText()).startsWith("52:54:00:0c:01:");
        String nic = switchPortCarrying(new PortConfig.Access(vlan));
        assertThat(nic).startsWith("osc-n1-eth");
        assertThat(lessee.fails("baremetal", "node", "vif", "attach", "osc-n2", second.path("id").asText())).contains("could not be found");
        assertThat(other.fails("baremetal", "node", "vif", "attach", "osc-n1", portId)).contains("could not be found");
        assertThat(lessee.fails("port", "delete", portId)).contains("attached");
        lessee.ok("baremetal", "node", "vif", "detach", "osc-n1", portId);
        assertThat(sw.port("tor1", nic)).isEqualTo(PortConfig.idle());
        assertThat(lessee.json("port", "show", portId).path("status").asText()).isEqualTo("DOWN");
        assertThat(lessee.json("baremetal", "node", "vif", "list", "osc-n1")).isEmpty();

        lessee.ok("port", "delete", portId, second.path("id").asText());
        assertThat(lessee.json("port", "list")).isEmpty();
        lessee.ok("subnet", "delete", "osc-sub");
        lessee.ok("network", "delete", "osc-net");
        assertThat(lessee.json("network", "list").findValuesAsText("Name")).doesNotContain("osc-net");
    }

    @Test
    void trunkCommandsAndATrunkAttachedThroughItsParentPort() throws Exception {
        int nativeVlan = lessee.json("network", "create", "trunk-native").path("provider:segmentation_id").asInt();
        int taggedVlan = lessee.json("network", "create", "trunk-tagged").path("provider:segmentation_id").asInt();
        int moreVlan = lessee.json("network", "create", "trunk-more").path("provider:segmentation_id").asInt();
        String parent = lessee.json("port", "create", "--network", "trunk-native", "esi-t1-trunk-native-trunk-port").path("id").asText();
        String sub = lessee.json("port", "create", "--network", "trunk-tagged", "esi-t1-trunk-tagged-sub-port").path("id").asText();
        String more = lessee.json("port", "create", "--network", "trunk-more", "esi-t1-trunk-more-sub-port").path("id").asText();

        JsonNode trunk = lessee.json("network", "trunk", "create", "--parent-port", parent,
                "--subport", "port=" + sub + ",segmentation-type=vlan,segmentation-id=" + taggedVlan, "t1");
        assertThat(trunk.path("port_id").asText()).isEqualTo(parent);
        assertThat(trunk.path("sub_ports").toString()).contains(sub);
        assertThat(lessee.json("network", "trunk", "list").findValuesAsText("Name")).contains("t1");
        assertThat(lessee.json("network", "trunk", "show", "t1").path("status").asText()).isEqualTo("DOWN");
        assertThat(lessee.json("port", "show", parent).path("trunk_details").path("sub_ports").get(0).path("port_id").asText()).isEqualTo(sub);
        assertThat(lessee.fails("network", "trunk", "set", "--subport", "port=" + more + ",segmentation-type=vlan,segmentation-id=4000", "t1"))
                .contains("VLAN " + moreVlan);

        lessee.ok("baremetal", "node", "vif", "attach", "osc-n1", parent);
        String nic = switchPortCarrying(PortConfig.Trunk.of(nativeVlan, Set.of(taggedVlan)));
        assertThat(lessee.json("network", "trunk", "show", "t1").path("status").asText()).isEqualTo("ACTIVE");
        assertThat(lessee.json("port", "show", sub).path("status").asText()).as("a sub-port is up with its trunk").isEqualTo("ACTIVE");
        assertThat(lessee.fails("baremetal", "node", "vif", "attach", "osc-n1", sub)).contains("sub-port");

        lessee.ok("network", "trunk", "set", "--subport", "port=" + more + ",segmentation-type=vlan,segmentation-id=" + moreVlan, "t1");
        assertThat(sw.port("tor1", nic)).isEqualTo(PortConfig.Trunk.of(nativeVlan, Set.of(taggedVlan, moreVlan)));
        lessee.ok("network", "trunk", "unset", "--subport", sub, "t1");
        assertThat(sw.port("tor1", nic)).isEqualTo(PortConfig.Trunk.of(nativeVlan, Set.of(moreVlan)));
        assertThat(lessee.json("network", "trunk", "show", "t1").path("sub_ports").toString()).doesNotContain(sub).contains(more);
        assertThat(lessee.fails("network", "trunk", "delete", "t1")).contains("in use");

        lessee.ok("baremetal", "node", "vif", "detach", "osc-n1", parent);
        assertThat(sw.port("tor1", nic)).isEqualTo(PortConfig.idle());
        lessee.ok("network", "trunk", "delete", "t1");
        assertThat(lessee.json("network", "trunk", "list").findValuesAsText("Name")).doesNotContain("t1");
        lessee.ok("port", "delete", parent, sub, more);
        lessee.ok("network", "delete", "trunk-native", "trunk-tagged", "trunk-more");
    }

    @Test
    void listsOfWhatThisServiceHasNoneOfAreEmpty() throws Exception {
        assertThat(lessee.json("floating", "ip", "list")).isEmpty();
        assertThat(lessee.json("router", "list")).isEmpty();
        assertThat(lessee.json("security", "group", "list")).isEmpty();
    }

    @Test
    void policyAndBadInputComeBackAsWords() throws Exception {
        assertThat(lessee.fails("network", "create", "--provider-network-type", "vlan", "--provider-segment", "5", "mine"))
                .contains("disallowed by policy");
        assertThat(lessee.fails("network", "create", "--provider-network-type", "vxlan", "mine")).contains("vlan");
        lessee.json("network", "create", "bad-input-net");
        assertThat(lessee.fails("subnet", "create", "--network", "bad-input-net", "--subnet-range", "10.0.0.1/24", "s")).contains("CIDR");
        assertThat(lessee.json("subnet", "list")).isEmpty();
        assertThat(lessee.fails("port", "create", "--network", "bad-input-net", "--host", "somewhere", "p")).contains("vif attach");
        assertThat(lessee.json("port", "list")).isEmpty();
        lessee.ok("network", "delete", "bad-input-net");
    }

    /** The one switch port of tor1 configured as {@code wanted}. */
    private static String switchPortCarrying(PortConfig wanted) {
        List<String> ports = sw.ports.entrySet().stream().filter(e -> e.getKey().startsWith("tor1:") && e.getValue().equals(wanted))
                .map(e -> e.getKey().substring(5)).toList();
        assertThat(ports).as("switch ports configured as " + wanted).hasSize(1);
        return ports.get(0);
    }
}
