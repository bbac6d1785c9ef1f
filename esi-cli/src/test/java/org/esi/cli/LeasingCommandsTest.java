package org.esi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeasingCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OFFERS = """
      {"offers": [
        {"uuid": "o1", "resource": "big", "resource_class": "bm", "lessee": null, "start_time": "2026-03-01T00:00:00",
         "end_time": "9999-12-31T23:59:59.999999", "status": "available", "resource_properties": {"cpus": 16},
         "availabilities": [["2026-03-01T12:00:00", "9999-12-31T23:59:59.999999"]], "project": "lab"},
        {"uuid": "o2", "resource": "small", "resource_class": "bm", "lessee": null, "start_time": "2026-03-01T00:00:00",
         "end_time": "2026-04-01T00:00:00", "status": "available", "resource_properties": {"cpus": 4},
         "availabilities": [], "project": "lab"}]}
      """;

  @TempDir
  Path dir;

  @Test
  void offerListMapsUpstreamOptionsToQueryAndFiltersProperties() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/lease/v1/offers", 200, OFFERS);
      CliRun.Result r = new CliRun(dir).url(s.url()).run("offer", "list", "--resource-class", "bm", "--now",
          "--project", "lab", "--property", "cpus>=8", "-f", "value", "-c", "UUID", "-c", "Resource");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).isEqualTo("o1 big\n");
      assertThat(s.calls()).containsExactly("GET /lease/v1/offers?project_id=lab&resource_class=bm"
          + "&available_start_time=2026-03-01T12%3A00%3A00&available_end_time=9999-12-31T00%3A00%3A00");
    }
  }

  @Test
  void offerListColumnsAndRanges() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/lease/v1/offers", 200, OFFERS);
      CliRun.Result r = new CliRun(dir).url(s.url()).run("offer", "list", "--long", "--status", "any",
          "--time-range", "2026-03-01T00:00:00", "2026-03-02T00:00:00",
          "--availability-range", "2026-03-01T13:00:00", "2026-03-01T14:00:00", "-f", "json");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(JSON.readTree(r.out()).get(0).fieldNames()).toIterable().containsExactly("UUID", "Resource",
          "Resource Class", "Lessee", "Start Time", "End Time", "Status", "Availabilities", "Resource Properties",
          "Project", "Parent Lease UUID");
      assertThat(s.calls()).containsExactly("GET /lease/v1/offers?status=any&start_time=2026-03-01T00%3A00%3A00"
          + "&end_time=2026-03-02T00%3A00%3A00&available_start_time=2026-03-01T13%3A00%3A00&available_end_time=2026-03-01T14%3A00%3A00");
    }
  }

  @Test
  void offerCreateShowsShortFieldsSorted() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("POST", "/lease/v1/offers", 201, "{\"uuid\": \"o1\", \"resource\": \"big\", \"resource_class\": \"bm\", \"lessee\": \"team\","
          + " \"lessee_id\": \"x\", \"start_time\": \"2026-03-01T12:00:00\", \"end_time\": \"2026-04-01T00:00:00\", \"status\": \"available\","
          + " \"availabilities\": [], \"project\": \"lab\"}");
      CliRun.Result r = new CliRun(dir).url(s.url()).run("offer", "create", "big", "--lessee", "team",
          "--end-time", "2026-04-01T00:00:00", "--properties", "{\"note\": \"gpu\"}", "-f", "value");
      assertThat(r.code()).as(r.err()).isZero();
      // availabilities, end_time, lessee, resource, resource_class, start_time, status, uuid
      assertThat(r.out()).isEqualTo("[]\n2026-04-01T00:00:00\nteam\nbig\nbm\n2026-03-01T12:00:00\navailable\no1\n");
      assertThat(JSON.readTree(s.last("POST", "/lease/v1/offers").body())).isEqualTo(JSON.readTree(
          "{\"resource_uuid\": \"big\", \"end_time\": \"2026-04-01T00:00:00\", \"lessee_id\": \"team\", \"properties\": {\"note\": \"gpu\"}}"));
    }
  }

  @Test
  void offerShowAndClaimAndDelete() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/lease/v1/offers/o1", 200, "{\"uuid\": \"o1\", \"status\": \"available\"}");
      s.on("POST", "/lease/v1/offers/o1/claim", 201, "{\"uuid\": \"l1\", \"offer_uuid\": \"o1\", \"status\": \"created\", \"project\": \"team\"}");
      s.on("DELETE", "/lease/v1/offers/o1", 200, "null");
      CliRun cli = new CliRun(dir).url(s.url());
      CliRun.Result show = cli.run("offer", "show", "o1", "-f", "json");
      assertThat(JSON.readTree(show.out()).fieldNames()).toIterable().containsExactly(OfferCommands.DETAILED.toArray(String[]::new));

      CliRun.Result claim = cli.run("offer", "claim", "o1", "--start-time", "2026-03-02T00:00:00", "-f", "json", "-c", "uuid", "-c", "status");
      assertThat(JSON.readTree(claim.out())).isEqualTo(JSON.readTree("{\"uuid\": \"l1\", \"status\": \"created\"}"));
      assertThat(s.last("POST", "/lease/v1/offers/o1/claim").body()).isEqualTo("{\"start_time\":\"2026-03-02T00:00:00\"}");

      assertThat(cli.run("offer", "delete", "o1").out()).isEqualTo("Deleted offer o1\n");
    }
  }

  @Test
  void leaseCreateUpdateListDelete() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("POST", "/lease/v1/leases", 201, "{\"uuid\": \"l1\", \"status\": \"created\"}");
      s.on("PATCH", "/lease/v1/leases/l1", 200, "{\"uuid\": \"l1\", \"end_time\": \"2026-03-09T00:00:00\"}");
      s.on("GET", "/lease/v1/leases", 200, "{\"leases\": [{\"uuid\": \"l1\", \"resource\": \"big\", \"status\": \"wait fulfill\","
          + " \"resource_properties\": {\"cpus\": 16}}], \"next\": \"/lease/v1/leases?marker=l1&view=all\"}");
      s.on("GET", "/lease/v1/leases?marker=l1&view=all", 200, "{\"leases\": [{\"uuid\": \"l2\", \"resource_properties\": {\"cpus\": 2}}]}");
      s.on("DELETE", "/lease/v1/leases/l1", 200, "null");
      CliRun cli = new CliRun(dir).url(s.url());

      assertThat(cli.run("lease", "create", "big", "team", "--purpose", "ci", "--end-time", "2026-03-08T00:00:00").code()).isZero();
      assertThat(JSON.readTree(s.last("POST", "/lease/v1/leases").body())).isEqualTo(JSON.readTree(
          "{\"resource_uuid\": \"big\", \"project_id\": \"team\", \"end_time\": \"2026-03-08T00:00:00\", \"purpose\": \"ci\"}"));

      assertThat(cli.run("lease", "update", "l1", "--end-time", "2026-03-09T00:00:00").code()).isZero();
      assertThat(s.last("PATCH", "/lease/v1/leases/l1").body()).isEqualTo("{\"end_time\":\"2026-03-09T00:00:00\"}");

      CliRun.Result list = cli.run("lease", "list", "--all", "--status", "wait fulfill", "--property", "cpus>8", "-f", "value", "-c", "UUID", "-c", "Status");
      assertThat(list.out()).isEqualTo("l1 wait fulfill\n");
      assertThat(s.calls()).contains("GET /lease/v1/leases?status=wait%20fulfill&view=all", "GET /lease/v1/leases?marker=l1&view=all");

      assertThat(cli.run("lease", "delete", "l1").out()).isEqualTo("Deleted lease l1\n");
    }
  }

  @Test
  void leaseListLongColumns() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/lease/v1/leases", 200, "{\"leases\": [{\"uuid\": \"l1\"}]}");
      CliRun.Result r = new CliRun(dir).url(s.url()).run("lease", "list", "--long", "--owner", "lab", "--purpose", "ci", "-f", "json");
      assertThat(JSON.readTree(r.out()).get(0).fieldNames()).toIterable().containsExactly("UUID", "Resource", "Resource Class",
          "Resource Properties", "Project", "Start Time", "End Time", "Expire Time", "Fulfill Time", "Offer UUID", "Owner",
          "Parent Lease UUID", "Status", "Purpose");
      assertThat(s.calls()).containsExactly("GET /lease/v1/leases?owner_id=lab&purpose=ci");
    }
  }

  @Test
  void eventList() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/lease/v1/events", 200, "{\"events\": [{\"id\": 7, \"event_type\": \"esi_leap.lease.fulfill.end\","
          + " \"event_time\": \"2026-03-01T12:00:01\", \"object_type\": \"lease\", \"object_uuid\": \"l1\", \"resource_type\": \"ironic_node\","
          + " \"resource_uuid\": \"u1\", \"lessee_id\": \"p2\", \"owner_id\": \"p1\"}]}");
      CliRun.Result r = new CliRun(dir).url(s.url()).run("event", "list", "--project", "lab", "--last-event-id", "6",
          "--event-type", "esi_leap.lease.fulfill.end", "-f", "value");
      assertThat(r.out()).isEqualTo("7 esi_leap.lease.fulfill.end 2026-03-01T12:00:01 lease l1 ironic_node u1 p2 p1\n");
      assertThat(s.calls()).containsExactly("GET /lease/v1/events?lessee_or_owner_id=lab&last_event_id=6&event_type=esi_leap.lease.fulfill.end");
    }
  }

  @Test
  void leaseFaultIsPrinted() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("POST", "/lease/v1/offers/o1/claim", 409, "{\"faultcode\": \"Client\", \"faultstring\": \"Time conflict with lease l9\", \"debuginfo\": null}");
      CliRun.Result r = new CliRun(dir).url(s.url()).run("offer", "claim", "o1");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).isEqualTo("esi: Time conflict with lease l9 (HTTP 409)\n");
    }
  }

  @Test
  void timesRelativeToNowBecomeUtcSecondsOnTheClientsClock() throws Exception {
    // CliRun's clock stands at 2026-03-01T12:00:00Z.
    try (RecordingServer s = new RecordingServer()) {
      s.on("POST", "/lease/v1/offers", 201, "{\"uuid\": \"o1\"}");
      s.on("POST", "/lease/v1/offers/o1/claim", 201, "{\"uuid\": \"l1\"}");
      s.on("PATCH", "/lease/v1/leases/l1", 200, "{\"uuid\": \"l1\"}");
      s.on("GET", "/lease/v1/leases", 200, "{\"leases\": []}");
      s.on("GET", "/lease/v1/nodes/n1/schedule", 200, "{\"start\": \"2026-03-01T00:00:00\", \"end\": \"2026-03-02T00:00:00\"}");
      CliRun cli = new CliRun(dir).url(s.url());

      assertThat(cli.run("offer", "create", "n1", "--start-time", "now", "--end-time", "now+14d").code()).isZero();
      assertThat(JSON.readTree(s.last("POST", "/lease/v1/offers").body())).isEqualTo(JSON.readTree(
          "{\"resource_uuid\": \"n1\", \"start_time\": \"2026-03-01T12:00:00\", \"end_time\": \"2026-03-15T12:00:00\"}"));

      assertThat(cli.run("offer", "claim", "o1", "--start-time", "now+1h", "--end-time", "NOW+2d").code()).isZero();
      assertThat(JSON.readTree(s.last("POST", "/lease/v1/offers/o1/claim").body())).isEqualTo(JSON.readTree(
          "{\"start_time\": \"2026-03-01T13:00:00\", \"end_time\": \"2026-03-03T12:00:00\"}"));

      assertThat(cli.run("lease", "update", "l1", "--end-time", "now+90s").code()).isZero();
      assertThat(s.last("PATCH", "/lease/v1/leases/l1").body()).isEqualTo("{\"end_time\":\"2026-03-01T12:01:30\"}");

      assertThat(cli.run("lease", "list", "--time-range", "now-1h", "now+30m").code()).isZero();
      assertThat(cli.run("node", "schedule", "n1", "--start", "now-1d", "--end", "2026-03-02T00:00:00+01:00").code()).isZero();
      assertThat(s.calls()).contains("GET /lease/v1/leases?start_time=2026-03-01T11%3A00%3A00&end_time=2026-03-01T12%3A30%3A00",
          "GET /lease/v1/nodes/n1/schedule?start=2026-02-28T12%3A00%3A00&end=2026-03-02T00%3A00%3A00%2B01%3A00");
    }
  }

  @Test
  void aTimeThatIsNeitherIsoNorRelativeIsAUsageErrorNamingTheFormats() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      CliRun cli = new CliRun(dir).url(s.url());
      for (String bad : new String[] {"now+1x", "tomorrow", "now+", "12/01/2026", "2026-03-01T"}) {
        CliRun.Result r = cli.run("offer", "claim", "o1", "--start-time", bad);
        assertThat(r.code()).as(bad).isEqualTo(2);
        assertThat(r.err()).as(bad).contains("--start-time").contains("now+1h").contains("2026-01-02T03:04:05");
      }
      assertThat(s.calls()).isEmpty();
    }
  }
}
