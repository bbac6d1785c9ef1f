package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code esi offer ...}: ESI-Leap offers, with upstream python-esileapclient's options and columns. */
@Command(name = "offer", description = "Offers of nodes for lease",
    subcommands = {OfferCommands.Create.class, OfferCommands.List_.class, OfferCommands.Show.class,
        OfferCommands.Delete.class, OfferCommands.Claim.class})
final class OfferCommands extends Group {
  static final String BASE = "/lease/v1/offers";
  /** Upstream's short field set, shown after create. */
  static final List<String> SHORT = List.of("uuid", "resource", "resource_class", "lessee", "start_time",
      "end_time", "status", "availabilities");
  static final List<String> DETAILED = List.of("availabilities", "end_time", "lessee", "lessee_id", "name",
      "parent_lease_uuid", "project", "project_id", "properties", "resource", "resource_class",
      "resource_properties", "resource_type", "resource_uuid", "start_time", "status", "uuid");
  /** Shown when the server gives them: priced offers only. */
  static final List<String> PRICED = List.of("price");
  /** The end of an open --now availability window, as upstream sends it. */
  static final String FOREVER = "9999-12-31T00:00:00";

  /** A pair of time options as the wire texts, or null when not given. */
  static List<String> wire(List<When> times) {
    return times == null ? null : times.stream().map(When::wire).toList();
  }

  static void putIf(ObjectNode body, String key, String value) {
    if (value != null) {
      body.put(key, value);
    }
  }

  @Command(name = "create", description = "Offer a node for lease")
  static final class Create extends Leaf {
    @Parameters(paramLabel = "<resource_uuid>", description = "Node UUID or name")
    String resourceUuid;

    @Option(names = "--end-time", paramLabel = "<time>", description = "When the offer ends (default: never); " + When.FORMATS)
    When endTime;

    @Option(names = "--lessee", description = "Restrict to this project and its children (ID or name)")
    String lessee;

    @Option(names = "--name", description = "Name of the offer (claim and show accept it instead of the UUID)")
    String name;

    @Option(names = "--properties", paramLabel = "<json>", description = "JSON object")
    String properties;

    @Option(names = "--resource-type", description = "Default: ironic_node")
    String resourceType;

    @Option(names = "--start-time", paramLabel = "<time>", description = "When the offer starts (default: now); " + When.FORMATS)
    When startTime;

    @Option(names = "--price", paramLabel = "<price>", description = "Credits per node-hour a lessee pays (default: free), e.g. 2.5")
    String price;

    Create(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("resource_uuid", resourceUuid);
      putIf(body, "resource_type", resourceType);
      putIf(body, "start_time", When.of(startTime));
      putIf(body, "end_time", When.of(endTime));
      putIf(body, "lessee_id", lessee);
      putIf(body, "name", name);
      putIf(body, "price", price);
      if (properties != null) {
        body.set("properties", KeyValues.jsonObject(properties, "--properties"));
      }
      output().show(Fields.only(client().post(BASE, body), SHORT, PRICED));
    }
  }

  @Command(name = "list", description = "List offers")
  static final class List_ extends Leaf {
    @Option(names = "--long", description = "More columns")
    boolean longFormat;

    @Option(names = "--status", description = "available, expired, deleted, error or any")
    String status;

    @Option(names = "--time-range", arity = "2", paramLabel = "<time>", description = "Offers covering START END; " + When.FORMATS)
    List<When> timeRange;

    @Option(names = "--availability-range", arity = "2", paramLabel = "<time>", description = "Offers free for all of START END; " + When.FORMATS)
    List<When> availabilityRange;

    @Option(names = "--project", description = "Offering project (ID or name)")
    String project;

    @Option(names = "--resource-type", description = "Only offers of this resource type (ironic_node)")
    String resourceType;

    @Option(names = "--resource-uuid", description = "Only offers of this resource (node name or UUID)")
    String resourceUuid;

    @Option(names = "--resource-class", description = "Only offers of nodes of this resource class")
    String resourceClass;

    @Option(names = "--property", paramLabel = "<key op value>", description = "Client-side filter on resource properties, e.g. \"cpus>=8\" (repeatable)")
    List<String> property;

    @Option(names = "--now", description = "Only offers available from now on")
    boolean now;

    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      if (now && availabilityRange != null) {
        throw usage("give either --now or --availability-range, not both");
      }
      List<PropertyFilter> filters = PropertyFilter.parseAll(property);
      List<String> avail = now ? List.of(ctx.now(), FOREVER) : wire(availabilityRange);
      List<String> range = wire(timeRange);
      String path = Query.path(BASE)
          .add("project_id", project).add("resource_type", resourceType).add("resource_uuid", resourceUuid)
          .add("resource_class", resourceClass).add("status", status)
          .add("start_time", range == null ? null : range.get(0))
          .add("end_time", range == null ? null : range.get(1))
          .add("available_start_time", avail == null ? null : avail.get(0))
          .add("available_end_time", avail == null ? null : avail.get(1))
          .toString();
      List<JsonNode> rows = client().listAll(path, "offers", true).stream()
          .filter(o -> PropertyFilter.all(filters, o.path("resource_properties"))).toList();
      List<Column> cols = new ArrayList<>(List.of(Column.of("UUID", "uuid"), Column.of("Resource", "resource"),
          Column.of("Resource Class", "resource_class"), Column.of("Lessee", "lessee"),
          Column.of("Start Time", "start_time"), Column.of("End Time", "end_time"), Column.of("Status", "status"),
          Column.of("Availabilities", "availabilities")));
      cols.addAll(Fields.ifAny(rows, "price", Column.of("Price", "price")));
      if (longFormat) {
        cols.addAll(List.of(Column.of("Resource Properties", "resource_properties"), Column.of("Project", "project"),
            Column.of("Parent Lease UUID", "parent_lease_uuid")));
      }
      output().list(cols, rows);
    }
  }

  @Command(name = "show", description = "Show an offer")
  static final class Show extends Leaf {
    @Parameters(paramLabel = "<uuid>", description = "Offer UUID or name")
    String uuid;

    Show(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().show(Fields.only(client().get(BASE + "/" + Query.encode(uuid)), DETAILED, PRICED));
    }
  }

  @Command(name = "delete", description = "Delete (cancel) offers; their leases end too")
  static final class Delete extends Leaf {
    @Parameters(paramLabel = "<uuid>", arity = "1..*", description = "Offer UUIDs or names")
    List<String> uuids;

    Delete(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      for (String u : uuids) {
        client().delete(BASE + "/" + Query.encode(u));
        ctx.out.println("Deleted offer " + u);
      }
    }
  }

  @Command(name = "claim", description = "Claim an offer: lease its node for your project")
  static final class Claim extends Leaf {
    @Parameters(paramLabel = "<offer_uuid>", description = "Offer UUID or name")
    String offer;

    @Option(names = "--start-time", paramLabel = "<time>", description = "Lease start (default: now); " + When.FORMATS)
    When startTime;

    @Option(names = "--end-time", paramLabel = "<time>", description = "Lease end (default: the server's lease.default-length after the start, cut at the offer's end or the next lease); " + When.FORMATS)
    When endTime;

    @Option(names = "--properties", paramLabel = "<json>", description = "JSON object of lease properties")
    String properties;

    @Option(names = "--name", description = "Name of the lease (lease show, update and delete accept it instead of the UUID)")
    String name;

    @Option(names = "--purpose", description = "Why the lease is made, free text")
    String purpose;

    @Option(names = "--wait", description = "Return once the lease is active, so the node is yours (for a lease starting now)")
    boolean await;

    @Option(names = "--timeout", paramLabel = "<duration>", converter = NodeWait.DurationConverter.class,
        description = "With --wait: how long to wait, e.g. 90s, 5m (default: 2m)")
    java.time.Duration timeout = java.time.Duration.ofMinutes(2);

    @Mixin
    IdempotencyKey idempotency;

    Claim(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      putIf(body, "start_time", When.of(startTime));
      putIf(body, "end_time", When.of(endTime));
      putIf(body, "name", name);
      putIf(body, "purpose", purpose);
      if (properties != null) {
        body.set("properties", KeyValues.jsonObject(properties, "--properties"));
      }
      JsonNode lease = idempotency.post(client(), BASE + "/" + Query.encode(offer) + "/claim", body);
      if (await) {
        lease = awaitActive(lease);
      }
      output().show(Fields.only(lease, LeaseCommands.SHORT, LeaseCommands.PRICED));
    }

    /**
     * The lease starts by itself (the service's lifecycle, moments after the claim when it starts now);
     * a script's next command needs the node to be the lessee's already, hence the poll.
     */
    private JsonNode awaitActive(JsonNode lease) {
      String path = LeaseCommands.BASE + "/" + Query.encode(lease.path("uuid").asText());
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        String status = lease.path("status").asText();
        if (status.equals("active")) {
          return lease;
        }
        if (!status.equals("created") && !status.equals("wait fulfill")) {
          throw new CliException("lease " + lease.path("uuid").asText() + " is " + status + ", not active");
        }
        if (System.nanoTime() > deadline) {
          throw new CliException("lease " + lease.path("uuid").asText() + " is still " + status + " after " + timeout.toSeconds()
              + "s (it starts at " + lease.path("start_time").asText() + ")");
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CliException("interrupted while waiting for lease " + lease.path("uuid").asText());
        }
        lease = client().get(path);
      }
    }
  }
}
