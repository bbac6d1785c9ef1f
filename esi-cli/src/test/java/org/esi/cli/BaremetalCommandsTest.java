package org.esi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaremetalCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NODE_UUID = "1be26c0b-03f2-4d2e-ae87-c02d7f33c123";
  private static final String P_ID = "0123456789abcdef0123456789abcdef";

  @TempDir
  Path dir;

  @Test
  void nodeCreateBody() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("POST", "/baremetal/v1/nodes", 201, "{\"uuid\": \"" + NODE_UUID + "\", \"name\": \"n1\", \"driver\": \"ipmi\", "
          + "\"driver_info\": {\"ipmi_address\": \"10.0.0.5\", \"ipmi_password\": \"******\"}, \"links\": []}");
      CliRun.Result r = new CliRun(dir).url(s.url()).run("node", "create", "--driver", "ipmi", "--name", "n1",
          "--driver-info", "ipmi_address=10.0.0.5", "--driver-info", "ipmi_password=1234",
          "--property", "cpus=8", "--resource-class", "baremetal", "--owner", P_ID);
      assertThat(r.code()).as(r.err()).isZero();
      RecordingServer.Request req = s.last("POST", "/baremetal/v1/nodes");
      assertThat(req.header("X-OpenStack-Ironic-API-Version")).isEqualTo("1.78");
      assertThat(req.header("Content-Type")).isEqualTo("application/json");
      assertThat(JSON.readTree(req.body())).isEqualTo(JSON.readTree("{\"driver\": \"ipmi\", \"name\": \"n1\", "
          + "\"driver_info\": {\"ipmi_address\": \"10.0.0.5\", \"ipmi_password\": \"1234\"}, \"properties\": {\"cpus\": 8}, "
          + "\"resource_class\": \"baremetal\", \"owner\": \"" + P_ID + "\"}"));
      assertThat(r.out()).startsWith("+-------------+").contains("| driver      | ipmi").doesNotContain("links");
    }
  }

  @Test
  void nodeSetSendsAddOpsAndMaintenanceRoute() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PATCH", "/baremetal/v1/nodes/n1", 200, "{}");
      s.on("PUT", "/baremetal/v1/nodes/n1/maintenance", 202, "");
      CliRun.Result r = new CliRun(dir).url(s.url()).run("node", "set", "n1", "--property", "cpus=16",
          "--extra", "rack=r1", "--lessee", P_ID, "--maintenance", "--maintenance-reason", "disk swap");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(JSON.readTree(s.last("PATCH", "/baremetal/v1/nodes/n1").body())).isEqualTo(JSON.readTree("["
          + "{\"op\": \"add\", \"path\": \"/properties/cpus\", \"value\": 16},"
          + "{\"op\": \"add\", \"path\": \"/extra/rack\", \"value\": \"r1\"},"
          + "{\"op\": \"add\", \"path\": \"/lessee\", \"value\": \"" + P_ID + "\"}]"));
      assertThat(JSON.readTree(s.last("PUT", "/baremetal/v1/nodes/n1/maintenance").body()))
          .isEqualTo(JSON.readTree("{\"reason\": \"disk swap\"}"));
    }
  }

  @Test
  void nodeUnsetSendsRemoveOps() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PATCH", "/baremetal/v1/nodes/n1", 200, "{}");
      assertThat(new CliRun(dir).url(s.url()).run("node", "unset", "n1", "--property", "cpus", "--property", "gpu").code()).isZero();
      assertThat(s.last("PATCH", "/baremetal/v1/nodes/n1").body()).isEqualTo(
          "[{\"op\":\"remove\",\"path\":\"/properties/cpus\"},{\"op\":\"remove\",\"path\":\"/properties/gpu\"}]");
    }
  }

  @Test
  void nodeListUsesLeasingViewWhenOffered() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/lease/v1", 200, "{\"versions\": []}");
      s.on("GET", "/lease/v1/nodes", 200, "{\"nodes\": ["
          + "{\"uuid\": \"u1\", \"name\": \"big\", \"owner\": \"lab\", \"lessee\": \"\", \"resource_class\": \"bm\", \"provision_state\": \"available\","
          + " \"maintenance\": \"False\", \"properties\": {\"cpus\": 16}, \"offer_uuid\": \"o1\", \"lease_uuid\": \"\"},"
          + "{\"uuid\": \"u2\", \"name\": \"small\", \"owner\": \"lab\", \"lessee\": \"\", \"resource_class\": \"bm\", \"provision_state\": \"available\","
          + " \"maintenance\": \"False\", \"properties\": {\"cpus\": 4}, \"offer_uuid\": \"\", \"lease_uuid\": \"\"}]}");
      CliRun.Result r = new CliRun(dir).url(s.url()).run("node", "list", "--owner", "lab", "--property", "cpus>=8");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(s.calls()).containsExactly("GET /lease/v1", "GET /lease/v1/nodes?owner=lab");
      assertThat(r.out()).isEqualTo("""
          +------+-------+--------+----------------+-----------------+-------------+------------+------------+
          | Name | Owner | Lessee | Resource Class | Provision State | Maintenance | Offer UUID | Lease UUID |
          +------+-------+--------+----------------+-----------------+-------------+------------+------------+
          | big  | lab   |        | bm             | available       | False       | o1         |            |
          +------+-------+--------+----------------+-----------------+-------------+------------+------------+
          """);
    }
  }

  @Test
  void nodeListFallsBackToIronicAndFollowsNextLinks() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/baremetal/v1/nodes/detail?provision_state=available", 200, "{\"nodes\": [{\"uuid\": \"u1\", \"name\": \"a\", "
          + "\"power_state\": \"power off\", \"provision_state\": \"available\", \"maintenance\": false}], "
          + "\"next\": \"http://some.other.host/baremetal/v1/nodes/detail?limit=1&marker=u1&provision_state=available\"}");
      s.on("GET", "/baremetal/v1/nodes/detail?limit=1&marker=u1&provision_state=available", 200,
          "{\"nodes\": [{\"uuid\": \"u2\", \"name\": \"b\", \"owner\": \"" + P_ID + "\", \"power_state\": \"power on\", "
          + "\"provision_state\": \"available\", \"maintenance\": true}]}");
      CliRun.Result r = new CliRun(dir).url(s.url()).run("node", "list", "--provision-state", "available", "-f", "value");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).isEqualTo("u1 a None None available power off False\nu2 b " + P_ID + " None available power on True\n");
      assertThat(s.calls()).containsExactly("GET /lease/v1", "GET /baremetal/v1/nodes/detail?provision_state=available",
          "GET /baremetal/v1/nodes/detail?limit=1&marker=u1&provision_state=available");
      assertThat(s.last("GET", "/baremetal/v1/nodes/detail").header("X-OpenStack-Ironic-API-Version")).isEqualTo("1.78");
    }
  }

  @Test
  void limitMeansOnePage() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/baremetal/v1/nodes/detail", 200, "{\"nodes\": [{\"uuid\": \"u1\"}], \"next\": \"http://x/baremetal/v1/nodes/detail?marker=u1\"}");
      new CliRun(dir).url(s.url()).run("node", "list", "--limit", "1");
      assertThat(s.calls()).containsExactly("GET /lease/v1", "GET /baremetal/v1/nodes/detail?limit=1");
    }
  }

  @Test
  void portCreateResolvesNodeNameAndParsesLocalLink() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/baremetal/v1/nodes/n1", 200, "{\"uuid\": \"" + NODE_UUID + "\", \"name\": \"n1\"}");
      s.on("POST", "/baremetal/v1/ports", 201, "{\"uuid\": \"p1\", \"address\": \"52:54:00:aa:bb:cc\"}");
      CliRun.Result r = new CliRun(dir).url(s.url()).run("port", "create", "--node", "n1", "52:54:00:aa:bb:cc",
          "--local-link-connection", "switch_id=00:11:22:33:44:55,port_id=Ethernet1/7,switch_info=tor1",
          "--physical-network", "physnet1");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(JSON.readTree(s.last("POST", "/baremetal/v1/ports").body())).isEqualTo(JSON.readTree(
          "{\"address\": \"52:54:00:aa:bb:cc\", \"node_uuid\": \"" + NODE_UUID + "\", \"local_link_connection\": "
              + "{\"switch_id\": \"00:11:22:33:44:55\", \"port_id\": \"Ethernet1/7\", \"switch_info\": \"tor1\"}, "
              + "\"physical_network\": \"physnet1\"}"));
    }
  }

  @Test
  void portListAndDelete() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/baremetal/v1/ports", 200, "{\"ports\": [{\"uuid\": \"p1\", \"address\": \"52:54:00:aa:bb:cc\"}]}");
      s.on("DELETE", "/baremetal/v1/ports/p1", 204, "");
      CliRun cli = new CliRun(dir).url(s.url());
      assertThat(cli.run("port", "list", "--node", "n1", "-f", "value").out()).isEqualTo("p1 52:54:00:aa:bb:cc\n");
      assertThat(s.calls()).containsExactly("GET /baremetal/v1/ports?node=n1");
      assertThat(cli.run("port", "delete", "p1").out()).isEqualTo("Deleted port p1\n");
    }
  }

  @Test
  void portSetSendsOneAddPerKeyAndFindsThePortByMac() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/baremetal/v1/ports", 200, "{\"ports\": [{\"uuid\": \"p1\", \"address\": \"52:54:00:aa:bb:cc\"}]}");
      s.on("PATCH", "/baremetal/v1/ports/p1", 200, "{\"uuid\": \"p1\"}");
      CliRun cli = new CliRun(dir).url(s.url());
      CliRun.Result r = cli.run("port", "set", "52:54:00:AA:BB:CC", "--local-link-connection", "switch_info=tor1,port_id=Ethernet1/7",
          "--local-link-connection", "switch_id=00:11:22:33:44:55", "--physical-network", "physnet1", "--no-pxe-enabled",
          "--extra", "rack=7", "--extra", "note=spare");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(s.calls()).containsExactly("GET /baremetal/v1/ports?address=52%3A54%3A00%3Aaa%3Abb%3Acc", "PATCH /baremetal/v1/ports/p1");
      assertThat(JSON.readTree(s.last("PATCH", "/baremetal/v1/ports/p1").body())).isEqualTo(JSON.readTree("""
          [{"op": "add", "path": "/local_link_connection/switch_info", "value": "tor1"},
           {"op": "add", "path": "/local_link_connection/port_id", "value": "Ethernet1/7"},
           {"op": "add", "path": "/local_link_connection/switch_id", "value": "00:11:22:33:44:55"},
           {"op": "add", "path": "/physical_network", "value": "physnet1"},
           {"op": "add", "path": "/pxe_enabled", "value": false},
           {"op": "add", "path": "/extra/rack", "value": 7},
           {"op": "add", "path": "/extra/note", "value": "spare"}]"""));

      CliRun.Result nothing = cli.run("port", "set", "p1");
      assertThat(nothing.code()).isEqualTo(2);
      assertThat(nothing.err()).contains("nothing to set");
      assertThat(cli.run("port", "set", "p1", "--local-link-connection", "port_id").err()).contains("expected key=value");
    }
  }
}
