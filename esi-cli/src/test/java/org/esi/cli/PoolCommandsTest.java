package org.esi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code esi pool} and {@code esi cluster} send, against a recording server. */
class PoolCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIUnitTestKey000000000000000000000000000 u@h";
  private static final String POOL = "{\"uuid\": \"6f1c2b3a-0000-4000-8000-000000000001\", \"name\": \"workers\", \"labels\": {\"a\": \"1\"}}";

  @TempDir
  Path dir;

  private JsonNode sent(RecordingServer s, String method, String path) throws Exception {
    return JSON.readTree(s.last(method, path).body());
  }

  @Test
  void createFromFlagsSendsThePoolBody() throws Exception {
    Path ud = Files.writeString(dir.resolve("ud"), "#cloud-config\n");
    Path key = Files.writeString(dir.resolve("k.pub"), KEY + "\n");
    try (RecordingServer s = new RecordingServer()) {
      s.on("POST", "/cluster/v1/pools", 201, POOL);
      CliRun.Result r = new CliRun(dir).url(s.url()).run("pool", "create", "workers", "--resource-class", "baremetal",
          "--property", "cpus>=32", "--property", "memory_mb>=1024", "--min", "1", "--max-size", "4", "--desired", "2",
          "--lease-duration", "P3D", "--renew-before", "PT6H", "--image-url", "http://192.0.2.10/w.raw",
          "--image-checksum", "sha256:00", "--user-data-file", ud.toString(), "--ssh-key-file", key.toString(),
          "--network", "blue", "--network", "red", "--label", "k=v");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(sent(s, "POST", "/cluster/v1/pools")).isEqualTo(JSON.readTree("""
          {"name": "workers", "resource_class": "baremetal", "properties": ["cpus>=32", "memory_mb>=1024"],
           "min_size": 1, "max_size": 4, "desired_size": 2, "lease_duration": "P3D", "renew_before": "PT6H",
           "deploy": {"image_url": "http://192.0.2.10/w.raw", "image_checksum": "sha256:00", "user_data": "#cloud-config\\n",
                      "ssh_keys": ["%s"]},
           "networks": [{"network": "blue"}, {"network": "red"}], "labels": {"k": "v"}}
          """.formatted(KEY)));
    }
  }

  @Test
  void createFromAFileTakesTheOptionsOnTop() throws Exception {
    Path file = Files.writeString(dir.resolve("p.json"), """
        {"name": "f", "resource_class": "rc", "max_size": 2, "properties": ["cpus>=8"], "labels": {"a": "1"},
         "deploy": {"image_url": "http://192.0.2.10/old.raw", "image_checksum": "sha256:11"}}
        """);
    try (RecordingServer s = new RecordingServer()) {
      s.on("POST", "/cluster/v1/pools", 201, POOL);
      CliRun.Result r = new CliRun(dir).url(s.url()).run("pool", "create", "--file", file.toString(), "--max", "3",
          "--boot-iso-url", "http://192.0.2.10/a.iso", "--label", "b=2");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(sent(s, "POST", "/cluster/v1/pools")).isEqualTo(JSON.readTree("""
          {"name": "f", "resource_class": "rc", "max_size": 3, "properties": ["cpus>=8"], "labels": {"a": "1", "b": "2"},
           "deploy": {"boot_iso_url": "http://192.0.2.10/a.iso"}}
          """));
    }
  }

  @Test
  void anOpenShiftPoolTakesItsSecretsFromFilesAndNoDeploy() throws Exception {
    Path file = Files.writeString(dir.resolve("ocp.json"), """
        {"name": "ocp", "resource_class": "rc", "max_size": 3, "desired_size": 3,
         "openshift": {"api_url": "https://192.0.2.30/api/assisted-install", "name": "c1", "openshift_version": "4.17",
                       "base_dns_domain": "example.org"}}
        """);
    Path token = Files.writeString(dir.resolve("offline-token"), "offline-token-value\n");
    Path pull = Files.writeString(dir.resolve("pull-secret.json"), "{\"auths\": {}}\n");
    try (RecordingServer s = new RecordingServer()) {
      s.on("POST", "/cluster/v1/pools", 201, POOL);
      CliRun cli = new CliRun(dir).url(s.url());
      CliRun.Result r = cli.run("pool", "create", "--file", file.toString(), "--openshift-offline-token-file", token.toString(),
          "--openshift-pull-secret-file", pull.toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(sent(s, "POST", "/cluster/v1/pools")).isEqualTo(JSON.readTree("""
          {"name": "ocp", "resource_class": "rc", "max_size": 3, "desired_size": 3,
           "openshift": {"api_url": "https://192.0.2.30/api/assisted-install", "name": "c1", "openshift_version": "4.17",
                         "base_dns_domain": "example.org", "offline_token": "offline-token-value", "pull_secret": "{\\"auths\\": {}}"}}
          """));
      assertThat(r.out() + r.err()).doesNotContain("offline-token-value");
      // No deploy of its own, and the secret files only with an openshift pool.
      assertThat(cli.run("pool", "create", "--file", file.toString(), "--image-url", "http://x/a.raw").err())
          .contains("discovery ISO");
      assertThat(cli.run("pool", "create", "p", "--resource-class", "c", "--max", "1", "--image-url", "http://x/a.raw",
          "--openshift-offline-token-file", token.toString()).err()).contains("need an \"openshift\" object");
    }
  }

  @Test
  void badCreatesSendNothing() throws Exception {
    Path notObject = Files.writeString(dir.resolve("list.json"), "[1]");
    Path priv = Files.writeString(dir.resolve("id"), "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n");
    try (RecordingServer s = new RecordingServer()) {
      CliRun cli = new CliRun(dir).url(s.url());
      assertThat(cli.run("pool", "create", "--resource-class", "c", "--max", "1", "--boot-iso-url", "http://x/a.iso").err())
          .contains("missing <name>");
      assertThat(cli.run("pool", "create", "--file", notObject.toString()).err()).contains("must hold a JSON object");
      assertThat(cli.run("pool", "create", "p", "--resource-class", "c", "--max", "1", "--boot-iso-url", "http://x/a.iso",
          "--image-url", "http://x/a.raw").err()).contains("not both");
      assertThat(cli.run("pool", "create", "p", "--resource-class", "c", "--max", "1", "--boot-iso-url", "http://x/a.iso",
          "--image-checksum", "sha256:00").err()).contains("go with --image-url");
      assertThat(cli.run("pool", "create", "p", "--resource-class", "c", "--max", "1", "--image-url", "http://x/a.raw",
          "--ssh-key-file", priv.toString()).err()).contains("is not an OpenSSH public key");
      assertThat(cli.run("pool", "create", "p", "--resource-class", "c", "--max", "1", "--min", "2", "--image-url", "http://x/a.raw")
          .err()).contains("min size 2 is larger than max size 1");
      assertThat(cli.run("pool", "create", "p", "--resource-class", "c", "--max", "1", "--property", "cpus",
          "--image-url", "http://x/a.raw").code()).isNotZero();
      assertThat(cli.run("pool", "set", "p").err()).contains("nothing to set");
      assertThat(s.calls()).isEmpty();
    }
  }

  @Test
  void setKeepsTheOtherLabelsAndScaleSaysHowManyFit() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/cluster/v1/pools/workers", 200, POOL);
      s.on("PATCH", "/cluster/v1/pools/workers", 200, POOL);
      CliRun cli = new CliRun(dir).url(s.url());
      assertThat(cli.run("pool", "set", "workers", "--label", "b=2", "--max", "9", "--renew-before", "PT2H").code()).isZero();
      assertThat(sent(s, "PATCH", "/cluster/v1/pools/workers"))
          .isEqualTo(JSON.readTree("{\"max_size\": 9, \"renew_before\": \"PT2H\", \"labels\": {\"a\": \"1\", \"b\": \"2\"}}"));

      s.on("PATCH", "/cluster/v1/pools/workers", 409, "{\"faultcode\": \"Client\", \"faultstring\": \"Only 1 of 3 machines fit: "
          + "not enough matching offers are free now for the lease length; nothing was claimed\", \"debuginfo\": null}");
      CliRun.Result r = cli.run("pool", "scale", "workers", "5");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).startsWith("esi: pool workers not scaled to 5: Only 1 of 3 machines fit").endsWith("(HTTP 409)\n");
      assertThat(sent(s, "PATCH", "/cluster/v1/pools/workers")).isEqualTo(JSON.readTree("{\"desired_size\": 5}"));
    }
  }

  @Test
  void orchestrateMapsUpstreamsFileToPoolsAndUndoesAPartialCluster() throws Exception {
    Files.writeString(dir.resolve("k.pub"), KEY);
    Path file = Files.writeString(dir.resolve("c.json"), """
        {"name": "c1", "node_configs": [
          {"nodes": {"num_nodes": "2", "resource_class": "fc430"}, "network": {"network_uuid": "blue"},
           "provisioning": {"provisioning_type": "image", "image_uuid": "http://192.0.2.10/os.raw", "ssh_key": "k.pub"}},
          {"nodes": {"num_nodes": 1, "resource_class": "fc830"},
           "provisioning": {"provisioning_type": "image_url", "url": "http://192.0.2.10/live.iso"}}]}
        """);
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/cluster/v1/pools", 200, "{\"pools\": []}");
      s.onSequence("POST", "/cluster/v1/pools", List.of(Map.entry(201, POOL), Map.entry(409,
          "{\"faultcode\": \"Client\", \"faultstring\": \"Only 0 of 1 machines fit\", \"debuginfo\": null}")));
      s.on("DELETE", "/cluster/v1/pools/6f1c2b3a-0000-4000-8000-000000000001", 204, "");
      CliRun.Result r = new CliRun(dir).url(s.url()).run("cluster", "orchestrate", file.toString(), "--no-wait");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("cluster c1 not created: pool c1-2: Only 0 of 1 machines fit");
      assertThat(s.calls()).containsExactly("GET /cluster/v1/pools", "POST /cluster/v1/pools", "POST /cluster/v1/pools",
          "DELETE /cluster/v1/pools/6f1c2b3a-0000-4000-8000-000000000001");
      assertThat(sent(s, "POST", "/cluster/v1/pools")).isEqualTo(JSON.readTree("""
          {"name": "c1-2", "resource_class": "fc830", "min_size": 1, "max_size": 1, "desired_size": 1,
           "deploy": {"boot_iso_url": "http://192.0.2.10/live.iso"}, "labels": {"esi.cluster": "c1"}}
          """));
      JsonNode first = JSON.readTree(firstPost(s));
      assertThat(first).isEqualTo(JSON.readTree("""
          {"name": "c1-1", "resource_class": "fc430", "min_size": 2, "max_size": 2, "desired_size": 2,
           "deploy": {"image_url": "http://192.0.2.10/os.raw", "ssh_keys": ["%s"]},
           "networks": [{"network": "blue"}], "labels": {"esi.cluster": "c1"}}
          """.formatted(KEY)));
    }
  }

  private static String firstPost(RecordingServer s) {
    return s.requests.stream().filter(q -> q.method().equals("POST")).findFirst().orElseThrow().body();
  }

  @Test
  void orchestrateRefusesWhatPoolsCannotDoBeforeAnyRequest() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      CliRun cli = new CliRun(dir).url(s.url());
      for (String[] c : List.of(
          new String[] {"{\"nodes\": {\"node_uuids\": [\"n1\"]}}", "node_uuids"},
          new String[] {"{\"nodes\": {\"num_nodes\": 1, \"resource_class\": \"r\"}, \"network\": {\"tagged_network_uuids\": [\"t\"]}}",
              "tagged_network_uuids"},
          new String[] {"{\"nodes\": {\"num_nodes\": 1, \"resource_class\": \"r\"}, \"network\": {\"fip_network_uuid\": \"f\"}}",
              "fip_network_uuid"},
          new String[] {"{\"nodes\": {\"num_nodes\": \"two\", \"resource_class\": \"r\"}}", "num_nodes"},
          new String[] {"{\"nodes\": {\"num_nodes\": 1, \"resource_class\": \"r\"}, \"provisioning\": {\"provisioning_type\": \"image\","
              + " \"image_uuid\": \"3f2a\"}}", "ESI has no image service"},
          new String[] {"{\"nodes\": {\"num_nodes\": 1, \"resource_class\": \"r\"}, \"provisioning\": {\"provisioning_type\": \"pxe\"}}",
              "unknown provisioning_type"})) {
        Path f = Files.writeString(dir.resolve("bad.json"), "{\"node_configs\": [" + c[0] + "]}");
        CliRun.Result r = cli.run("cluster", "orchestrate", f.toString());
        assertThat(r.code()).as(c[1]).isEqualTo(1);
        assertThat(r.err()).contains(c[1]);
      }
      assertThat(cli.run("cluster", "orchestrate", Files.writeString(dir.resolve("e.json"), "{}").toString()).err())
          .contains("has no node_configs list");
      assertThat(s.calls()).isEmpty();
    }
  }
}
