package org.esi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HardwareCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String STATES = "/baremetal/v1/nodes/n1/states";

  @TempDir
  Path dir;

  private CliRun cli(RecordingServer s) {
    CliRun c = new CliRun(dir).url(s.url());
    c.env.put("ESI_WAIT_INTERVAL_MS", "10");
    c.env.put("ESI_PROGRESS", "plain");
    return c;
  }

  private static String provision(String state, String target, String lastError) {
    return "{\"power_state\": \"power off\", \"target_power_state\": null, \"provision_state\": \"" + state + "\", "
        + "\"target_provision_state\": " + (target == null ? "null" : "\"" + target + "\"") + ", "
        + "\"last_error\": " + (lastError == null ? "null" : "\"" + lastError + "\"") + "}";
  }

  private static String power(String state, String target, String lastError) {
    return "{\"power_state\": \"" + state + "\", \"target_power_state\": " + (target == null ? "null" : "\"" + target + "\"")
        + ", \"provision_state\": \"available\", \"target_provision_state\": null, "
        + "\"last_error\": " + (lastError == null ? "null" : "\"" + lastError + "\"") + "}";
  }

  @Test
  void powerOnWaitsForTheNewStateWithPlainProgressLines() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PUT", STATES + "/power", 202, "");
      s.onSequence("GET", STATES, power("power off", "power on", null), power("power off", "power on", null), power("power on", null, null));
      CliRun.Result r = cli(s).run("node", "power", "on", "n1");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(JSON.readTree(s.last("PUT", STATES + "/power").body())).isEqualTo(JSON.readTree("{\"target\": \"power on\"}"));
      assertThat(s.last("PUT", STATES + "/power").header("X-OpenStack-Ironic-API-Version")).isEqualTo("1.78");
      // One line per state change, not per poll.
      assertThat(r.err()).isEqualTo("n1: power off -> power on\nn1: power on\n");
      assertThat(r.out()).isEmpty();
    }
  }

  @Test
  void powerWordsMapToIronicTargets() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PUT", STATES + "/power", 202, "");
      CliRun c = cli(s);
      String[][] cases = {{"off", "power off"}, {"reboot", "rebooting"}, {"soft-off", "soft power off"}, {"soft-reboot", "soft rebooting"}};
      for (String[] k : cases) {
        CliRun.Result r = c.run("node", "power", k[0], "n1", "--no-wait");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(JSON.readTree(s.last("PUT", STATES + "/power").body()).path("target").asText()).isEqualTo(k[1]);
      }
      assertThat(s.calls()).noneMatch(call -> call.startsWith("GET"));
      CliRun.Result timed = c.run("node", "power", "soft-off", "n1", "--power-timeout", "30", "--no-wait");
      assertThat(timed.code()).isZero();
      assertThat(JSON.readTree(s.last("PUT", STATES + "/power").body())).isEqualTo(JSON.readTree("{\"target\": \"soft power off\", \"timeout\": 30}"));
      CliRun.Result bad = c.run("node", "power", "sideways", "n1");
      assertThat(bad.code()).isEqualTo(2);
      assertThat(bad.err()).contains("sideways");
    }
  }

  @Test
  void powerFailureShowsLastErrorAndExitsOne() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PUT", STATES + "/power", 202, "");
      s.onSequence("GET", STATES, power("power off", null, "BMC 10.0.0.5 refused the password"));
      CliRun.Result r = cli(s).run("node", "power", "on", "n1");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("esi: node n1 did not power on").contains("last error: BMC 10.0.0.5 refused the password");
    }
  }

  @Test
  void deployPatchesTheImageThenSendsTheConfigDriveAndWaits() throws Exception {
    Path drive = dir.resolve("cd.json");
    Files.writeString(drive, "{\"meta_data\": {\"hostname\": \"web1\"}, \"user_data\": \"#!/bin/sh\\necho hi\\n\"}");
    try (RecordingServer s = new RecordingServer()) {
      s.on("PATCH", "/baremetal/v1/nodes/n1", 200, "{}");
      s.on("PUT", STATES + "/provision", 202, "");
      s.onSequence("GET", STATES, provision("deploying", "active", null), provision("wait call-back", "active", null),
          provision("deploying", "active", null), provision("active", null, null));
      CliRun.Result r = cli(s).run("node", "deploy", "n1", "--image", "http://images/rhel9.qcow2", "--config-drive", drive.toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(s.calls().subList(0, 2)).containsExactly("PATCH /baremetal/v1/nodes/n1", "PUT " + STATES + "/provision");
      assertThat(s.last("PATCH", "/baremetal/v1/nodes/n1").body())
          .isEqualTo("[{\"op\":\"add\",\"path\":\"/instance_info/image_source\",\"value\":\"http://images/rhel9.qcow2\"}]");
      assertThat(JSON.readTree(s.last("PUT", STATES + "/provision").body())).isEqualTo(JSON.readTree(
          "{\"target\": \"active\", \"configdrive\": {\"meta_data\": {\"hostname\": \"web1\"}, \"user_data\": \"#!/bin/sh\\necho hi\\n\"}}"));
      assertThat(r.err()).isEqualTo("n1: deploying -> active\nn1: wait call-back -> active\nn1: deploying -> active\nn1: active\n");
    }
  }

  @Test
  void deployWithAChecksumAnSshKeyAndUserDataAsksTheServiceToBuildTheConfigDrive() throws Exception {
    Path key = dir.resolve("id_ed25519.pub");
    Files.writeString(key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKey me@example\n");
    Path ud = dir.resolve("user-data");
    Files.writeString(ud, "#cloud-config\npackages: [htop]\n");
    String sha = "sha256:" + "ab".repeat(32);
    try (RecordingServer s = new RecordingServer()) {
      s.on("PATCH", "/baremetal/v1/nodes/n1", 200, "{}");
      s.on("PUT", STATES + "/provision", 202, "");
      CliRun.Result r = cli(s).run("node", "deploy", "n1", "--image", "https://images/os.raw", "--checksum", sha,
          "--ssh-key", key.toString(), "--user-data", ud.toString(), "--no-wait");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(JSON.readTree(s.last("PATCH", "/baremetal/v1/nodes/n1").body())).isEqualTo(JSON.readTree(
          "[{\"op\":\"add\",\"path\":\"/instance_info/image_source\",\"value\":\"https://images/os.raw\"},"
              + "{\"op\":\"add\",\"path\":\"/instance_info/image_checksum\",\"value\":\"" + sha + "\"}]"));
      JsonNode put = JSON.readTree(s.last("PUT", STATES + "/provision").body());
      assertThat(put.path("configdrive").path("meta_data").path("public_keys").path("default").asText())
          .isEqualTo("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKey me@example");
      assertThat(put.path("configdrive").path("user_data").asText()).isEqualTo("#cloud-config\npackages: [htop]\n");
      // Bad input is refused before anything is sent.
      int before = s.calls().size();
      assertThat(cli(s).run("node", "deploy", "n1", "--checksum", "md5:00", "--no-wait").code()).isNotZero();
      Path notAKey = dir.resolve("nope.pub");
      Files.writeString(notAKey, "hello");
      assertThat(cli(s).run("node", "deploy", "n1", "--ssh-key", notAKey.toString(), "--no-wait").code()).isNotZero();
      assertThat(s.calls()).hasSize(before);
    }
  }

  @Test
  void cleanWithStepsSendsAManualStepList() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PUT", STATES + "/provision", 202, "");
      CliRun.Result r = cli(s).run("node", "clean", "n1", "--step", "erase_devices", "--step", "deploy.erase_devices_metadata", "--no-wait");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(JSON.readTree(s.last("PUT", STATES + "/provision").body())).isEqualTo(JSON.readTree(
          "{\"target\":\"clean\",\"clean_steps\":[{\"interface\":\"deploy\",\"step\":\"erase_devices\",\"args\":{}},"
              + "{\"interface\":\"deploy\",\"step\":\"erase_devices_metadata\",\"args\":{}}]}"));
    }
  }

  @Test
  void aBinaryConfigDriveIsSentGzippedAndBase64Encoded() throws Exception {
    byte[] iso = new byte[] {0, 1, 2, (byte) 0xff, 'C', 'D', '0', '0', '1'};
    Path drive = dir.resolve("cd.iso");
    Files.write(drive, iso);
    JsonNode sent = HardwareCommands.configDrive(drive.toString());
    try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(sent.asText())))) {
      assertThat(z.readAllBytes()).isEqualTo(iso);
    }
    Path encoded = dir.resolve("cd.b64");
    Files.writeString(encoded, "H4sIAAAA\nAAAA==\n");
    assertThat(HardwareCommands.configDrive(encoded.toString()).asText()).isEqualTo("H4sIAAAAAAAA==");
    assertThat(HardwareCommands.configDrive("https://drives/x.iso.gz").asText()).isEqualTo("https://drives/x.iso.gz");
  }

  @Test
  void provisionFailurePrintsTheNodesLastErrorAndExitsOne() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PUT", STATES + "/provision", 202, "");
      s.onSequence("GET", STATES, provision("deploying", "active", null), provision("deploy failed", null, "image checksum mismatch"));
      CliRun.Result r = cli(s).run("node", "deploy", "n1");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("n1: deploying -> active\n")
          .contains("esi: node n1 did not deploy: it is in state 'deploy failed'; last error: image checksum mismatch");
    }
  }

  @Test
  void eachVerbSendsIronicsTarget() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PUT", STATES + "/provision", 202, "");
      CliRun c = cli(s);
      String[][] cases = {{"manage", "manage"}, {"provide", "provide"}, {"inspect", "inspect"}, {"clean", "clean"},
          {"adopt", "adopt"}, {"undeploy", "deleted"}, {"rebuild", "rebuild"}, {"abort", "abort"}, {"deploy", "active"}};
      for (String[] k : cases) {
        CliRun.Result r = c.run("node", k[0], "n1", "--no-wait");
        assertThat(r.code()).as(k[0] + ": " + r.err()).isZero();
        assertThat(JSON.readTree(s.last("PUT", STATES + "/provision").body())).isEqualTo(JSON.readTree("{\"target\": \"" + k[1] + "\"}"));
      }
      assertThat(s.calls()).allMatch(call -> call.equals("PUT " + STATES + "/provision"));
    }
  }

  @Test
  void undeployWaitsForAvailableAndAbortAcceptsWhereverTheNodeStops() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PUT", STATES + "/provision", 202, "");
      s.onSequence("GET", STATES, provision("deleting", "available", null), provision("cleaning", "available", null),
          provision("available", null, null));
      assertThat(cli(s).run("node", "undeploy", "n1").code()).isZero();
      s.onSequence("GET", STATES, provision("clean failed", null, "aborted by user"));
      assertThat(cli(s).run("node", "abort", "n1").code()).isZero();
    }
  }

  @Test
  void timeoutStopsWaitingButNotTheServer() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PUT", STATES + "/provision", 202, "");
      s.onSequence("GET", STATES, provision("cleaning", "available", null));
      CliRun.Result r = cli(s).run("node", "provide", "n1", "--timeout", "1s");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("esi: timed out after 1s waiting for node n1 to provide (still cleaning -> available)");
      assertThat(cli(s).run("node", "provide", "n1", "--timeout", "soon").code()).isEqualTo(2);
      assertThat(cli(s).run("node", "provide", "n1", "--timeout", "0").code()).isEqualTo(2);
    }
  }

  @Test
  void durations() {
    assertThat(NodeWait.parse("90")).isEqualTo(Duration.ofSeconds(90));
    assertThat(NodeWait.parse("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(NodeWait.parse("30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(NodeWait.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(NodeWait.parse("PT5M")).isEqualTo(Duration.ofMinutes(5));
    assertThat(NodeWait.human(Duration.ofMinutes(30))).isEqualTo("30m");
  }

  @Test
  void onATerminalProgressIsASpinnerLineRewrittenInPlace() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PUT", STATES + "/provision", 202, "");
      s.onSequence("GET", STATES, provision("verifying", "manageable", null), provision("verifying", "manageable", null),
          provision("manageable", null, null));
      CliRun c = cli(s);
      c.env.put("ESI_PROGRESS", "tty");
      CliRun.Result r = c.run("node", "manage", "n1");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).startsWith("\r| n1: verifying -> manageable (0s)").contains("\r/ n1: verifying -> manageable");
      assertThat(r.err()).endsWith("\n").doesNotContain("\n\r");
      String last = r.err().substring(r.err().lastIndexOf('\r') + 1);
      assertThat(last.strip()).isEqualTo("n1: manageable");
    }
  }

  @Test
  void bootDeviceSetAndShow() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PUT", "/baremetal/v1/nodes/n1/management/boot_device", 204, "");
      s.on("GET", "/baremetal/v1/nodes/n1/management/boot_device", 200, "{\"boot_device\": \"pxe\", \"persistent\": true}");
      CliRun c = cli(s);
      assertThat(c.run("node", "boot-device", "set", "n1", "pxe", "--persistent").code()).isZero();
      assertThat(JSON.readTree(s.last("PUT", "/baremetal/v1/nodes/n1/management/boot_device").body()))
          .isEqualTo(JSON.readTree("{\"boot_device\": \"pxe\", \"persistent\": true}"));
      assertThat(c.run("node", "boot-device", "set", "n1", "disk").code()).isZero();
      assertThat(JSON.readTree(s.last("PUT", "/baremetal/v1/nodes/n1/management/boot_device").body()))
          .isEqualTo(JSON.readTree("{\"boot_device\": \"disk\", \"persistent\": false}"));
      assertThat(c.run("node", "boot-device", "set", "n1", "floppy").code()).isEqualTo(2);
      CliRun.Result shown = c.run("node", "boot-device", "show", "n1", "-f", "value");
      assertThat(shown.out()).isEqualTo("pxe\nTrue\n");
    }
  }

  @Test
  void maintenanceSetAndUnset() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PUT", "/baremetal/v1/nodes/n1/maintenance", 202, "");
      s.on("DELETE", "/baremetal/v1/nodes/n1/maintenance", 202, "");
      CliRun c = cli(s);
      assertThat(c.run("node", "maintenance", "set", "n1", "--reason", "fan").code()).isZero();
      assertThat(JSON.readTree(s.last("PUT", "/baremetal/v1/nodes/n1/maintenance").body())).isEqualTo(JSON.readTree("{\"reason\": \"fan\"}"));
      assertThat(c.run("node", "maintenance", "unset", "n1").code()).isZero();
      assertThat(s.calls()).containsExactly("PUT /baremetal/v1/nodes/n1/maintenance", "DELETE /baremetal/v1/nodes/n1/maintenance");
    }
  }

  @Test
  void errorsOfTheRequestItselfAreReportedWithoutWaiting() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("PUT", STATES + "/provision", 400, "{\"error_message\": \"{\\\"faultstring\\\": \\\"The requested action \\\\\\\"provide\\\\\\\" can not be performed\\\"}\"}");
      CliRun.Result r = cli(s).run("node", "provide", "n1");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("can not be performed").contains("HTTP 400");
      assertThat(s.calls()).containsExactly("PUT " + STATES + "/provision");
    }
  }

  private static final String SCHEDULE = """
      {"node": {"uuid": "1be26c0b-03f2-4d2e-ae87-c02d7f33c123", "name": "n1"},
       "start": "2026-03-01T00:00:00", "end": "2026-03-11T00:00:00", "now": "2026-03-06T00:00:00",
       "offers": [{"uuid": "aaaaaaaa-0000-0000-0000-000000000000", "project": "lab", "project_id": "p1", "status": "available",
                   "start_time": "2026-02-20T00:00:00", "end_time": "2026-03-11T00:00:00"}],
       "leases": [{"uuid": "bbbbbbbb-0000-0000-0000-000000000000", "project": "acme", "status": "active",
                   "start_time": "2026-03-03T00:00:00", "end_time": "2026-03-04T00:00:00"},
                  {"uuid": "cccccccc-0000-0000-0000-000000000000", "project": "beta", "status": "created",
                   "start_time": "2026-03-08T12:00:00.250000", "end_time": "2026-04-01T00:00:00"}]}""";

  @Test
  void scheduleDrawsOneRowPerOfferAndLeaseOnAFixedAxisWithNowMarked() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/lease/v1/nodes/n1/schedule", 200, SCHEDULE);
      CliRun.Result r = cli(s).run("node", "schedule", "n1", "--start", "2026-03-01T00:00:00", "--end", "2026-03-11T00:00:00");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(s.calls()).containsExactly("GET /lease/v1/nodes/n1/schedule?start=2026-03-01T00%3A00%3A00&end=2026-03-11T00%3A00%3A00");
      String[] lines = r.out().split("\n");
      assertThat(lines[0]).isEqualTo("Node n1 (1be26c0b-03f2-4d2e-ae87-c02d7f33c123): 2026-03-01 00:00 to 2026-03-11 00:00 UTC, now 2026-03-06 00:00");
      String prefix = "KIND   UUID      STATUS     PROJECT  ";
      assertThat(lines[3]).startsWith(prefix + "|+--------------+");
      int axis = prefix.length() + 1;
      // now is half way: column 30, marked above the axis.
      assertThat(lines[1].indexOf('v')).isEqualTo(axis + 30);
      assertThat(lines[2].substring(axis)).startsWith("2026-03-01").contains("2026-03-03");
      String offer = lines[4];
      String lease1 = lines[5];
      String lease2 = lines[6];
      assertThat(offer).startsWith("offer  aaaaaaaa  available  lab      |" + "=".repeat(60) + "|  2026-02-20 00:00 - 2026-03-11 00:00");
      assertThat(lease1).startsWith("lease  bbbbbbbb  active     acme     |");
      String bar1 = lease1.substring(axis, axis + 60);
      assertThat(bar1.indexOf('#')).isEqualTo(12);
      assertThat(bar1.lastIndexOf('#')).isEqualTo(17);
      assertThat(bar1.charAt(30)).isEqualTo(':');
      String bar2 = lease2.substring(axis, axis + 60);
      assertThat(lease2).startsWith("lease  cccccccc  created    beta     |");
      assertThat(bar2.indexOf('#')).isEqualTo(45);
      assertThat(bar2.lastIndexOf('#')).isEqualTo(59);
      assertThat(lines[7]).isEqualTo("= offer  # lease  : now");
    }
  }

  @Test
  void scheduleEmptyAndStructured() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/lease/v1/nodes/n1/schedule", 200, "{\"node\": {\"uuid\": \"u1\", \"name\": \"\"}, \"start\": \"2026-03-01T00:00:00\", "
          + "\"end\": \"2026-03-02T00:00:00\", \"now\": \"2026-03-01T06:00:00\", \"offers\": [], \"leases\": []}");
      CliRun c = cli(s);
      CliRun.Result r = c.run("node", "schedule", "n1");
      assertThat(r.out()).isEqualTo("Node u1: 2026-03-01 00:00 to 2026-03-02 00:00 UTC, now 2026-03-01 06:00\nNo offers or leases in this window.\n");
      assertThat(s.calls()).containsExactly("GET /lease/v1/nodes/n1/schedule");
      JsonNode json = JSON.readTree(c.run("node", "schedule", "n1", "-f", "json").out());
      assertThat(json.path("now").asText()).isEqualTo("2026-03-01T06:00:00");
      assertThat(json.path("offers").isArray()).isTrue();
    }
  }

  @Test
  void consoleEnablesTheConsoleFirstAndReportsARefusedUpgrade() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.onSequence("GET", "/baremetal/v1/nodes/n1/states/console", "{\"console_enabled\": false, \"console_info\": null}",
          "{\"console_enabled\": true, \"console_info\": null}");
      s.on("PUT", "/baremetal/v1/nodes/n1/states/console", 202, "");
      CliRun c = cli(s);
      c.env.put("ESI_TOKEN", "secret-token-123");
      CliRun.Result r = c.run("node", "console", "n1");
      // The recording server speaks no WebSocket: the upgrade is refused with its 404.
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("HTTP 404").doesNotContain("secret-token-123");
      assertThat(JSON.readTree(s.last("PUT", "/baremetal/v1/nodes/n1/states/console").body())).isEqualTo(JSON.readTree("{\"enabled\": true}"));
      RecordingServer.Request upgrade = s.last("GET", "/baremetal/v1/nodes/n1/console/stream");
      assertThat(upgrade.uri()).doesNotContain("token");
      assertThat(upgrade.header("X-Auth-Token")).isEqualTo("secret-token-123");
      assertThat(upgrade.header("Upgrade")).isEqualToIgnoringCase("websocket");
    }
  }
}
