package org.esi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP {@code esi market ...} sends: bodies as market-api.md names them, an Idempotency-Key on each POST, CSV asked for by Accept. */
class MarketCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BID = "{\"uuid\": \"b1\", \"status\": \"open\", \"quantity\": 4, \"leases\": [], \"cost\": null}";

  @TempDir
  Path dir;

  @Test
  void aFlexibleBidIsSentAsTheContractSaysWithAFreshKeyEachRun() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("POST", "/market/v1/bids", 201, BID);
      for (int i = 0; i < 2; i++) {
        CliRun.Result r = new CliRun(dir).url(s.url()).run("market", "bid", "create", "--quantity", "4", "--resource-class", "gpu-a100",
            "--property", "cpus>=32", "--property", "memory_mb>=262144", "--duration", "PT48H", "--not-before", "now",
            "--not-after", "now+7d", "--max-price", "3.5", "--expires-at", "now+1d", "-f", "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(JSON.readTree(r.out()).path("uuid").asText()).isEqualTo("b1");
      }
      JsonNode body = JSON.readTree(s.requests.get(0).body());
      assertThat(body).isEqualTo(JSON.readTree("""
          {"quantity": 4, "resource_class": "gpu-a100", "properties": ["cpus>=32", "memory_mb>=262144"],
           "duration": "PT48H", "not_before": "2026-03-01T12:00:00", "not_after": "2026-03-08T12:00:00",
           "max_price": "3.5", "all_or_nothing": true, "expires_at": "2026-03-02T12:00:00"}"""));
      String first = s.requests.get(0).header("Idempotency-Key");
      assertThat(first).isNotBlank();
      assertThat(s.requests.get(1).header("Idempotency-Key")).isNotBlank().isNotEqualTo(first);
    }
  }

  @Test
  void aFixedPartialBidAndAGivenKey() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("POST", "/market/v1/bids", 201, BID);
      CliRun.Result r = new CliRun(dir).url(s.url()).run("market", "bid", "create", "--quantity", "2", "--resource-class", "bm",
          "--start-time", "2026-03-02T00:00:00", "--end-time", "2026-03-03T00:00:00", "--max-price", "1", "--partial",
          "--idempotency-key", "retry-7");
      assertThat(r.code()).as(r.err()).isZero();
      JsonNode body = JSON.readTree(s.requests.get(0).body());
      assertThat(body.path("start_time").asText()).isEqualTo("2026-03-02T00:00:00");
      assertThat(body.path("end_time").asText()).isEqualTo("2026-03-03T00:00:00");
      assertThat(body.path("all_or_nothing").asBoolean()).isFalse();
      assertThat(body.has("duration")).isFalse();
      assertThat(s.requests.get(0).header("Idempotency-Key")).isEqualTo("retry-7");
    }
  }

  @Test
  void aBidNeedsExactlyOneKindOfWindow() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      for (String[] window : new String[][] {{}, {"--start-time", "now+1h"}, {"--duration", "PT1H", "--not-before", "now"},
          {"--start-time", "now", "--end-time", "now+1h", "--duration", "PT1H"}}) {
        String[] args = Stream.concat(Stream.of("market", "bid", "create", "--quantity", "1",
            "--resource-class", "bm", "--max-price", "1"), Arrays.stream(window)).toArray(String[]::new);
        CliRun.Result r = new CliRun(dir).url(s.url()).run(args);
        assertThat(r.code()).as(String.join(" ", window)).isEqualTo(2);
      }
      assertThat(s.requests).isEmpty();
    }
  }

  @Test
  void transfersAndGrantsCarryAKeyAndErrorsAreTheServersWords() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("POST", "/market/v1/transfers", 402, "{\"faultstring\": \"insufficient credits: amount 5, available 1\"}");
      s.on("POST", "/market/v1/accounts/lab/grants", 201, "{\"id\": 3, \"kind\": \"grant\", \"amount\": \"5\"}");
      CliRun.Result paid = new CliRun(dir).url(s.url()).run("market", "transfer", "other", "5", "--memo", "thanks");
      assertThat(paid.code()).isEqualTo(1);
      assertThat(paid.err()).isEqualTo("esi: insufficient credits: amount 5, available 1 (HTTP 402)\n");
      assertThat(JSON.readTree(s.requests.get(0).body())).isEqualTo(JSON.readTree("{\"amount\": \"5\", \"memo\": \"thanks\", \"to\": \"other\"}"));
      CliRun.Result granted = new CliRun(dir).url(s.url()).run("market", "grant", "lab", "5", "-f", "value", "-c", "kind");
      assertThat(granted.code()).as(granted.err()).isZero();
      assertThat(granted.out()).isEqualTo("grant\n");
      assertThat(s.requests).allSatisfy(q -> assertThat(q.header("Idempotency-Key")).isNotBlank());
    }
  }

  @Test
  void usageAsCsvIsAskedForByAcceptAndPrintedAsItCame() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      String csv = "project_id,project,role,counterparty_id,counterparty,node_uuid,node,node_hours,credits\r\np1,lab,owner,p2,team,n1,big,2,5\r\n";
      s.on("GET", "/market/v1/usage", 200, csv, Map.of("Content-Type", "text/csv"));
      CliRun.Result r = new CliRun(dir).url(s.url()).run("market", "usage", "--start", "2026-02-01T00:00:00", "--project", "lab", "--csv");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).isEqualTo(csv);
      assertThat(s.requests.get(0).header("Accept")).isEqualTo("text/csv");
      assertThat(s.calls()).containsExactly("GET /market/v1/usage?start=2026-02-01T00%3A00%3A00&project=lab");
    }
  }
}
