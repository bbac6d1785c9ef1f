package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code esi lease ...}: ESI-Leap leases, with upstream python-esileapclient's options and columns. */
@Command(name = "lease", description = "Leases of nodes",
    subcommands = {LeaseCommands.Create.class, LeaseCommands.List_.class, LeaseCommands.Show.class,
        LeaseCommands.Update.class, LeaseCommands.Delete.class})
final class LeaseCommands extends Group {
  static final String BASE = "/lease/v1/leases";
  /** Upstream's short field set, shown after create, claim and update. */
  static final List<String> SHORT = List.of("uuid", "resource", "resource_class", "project", "start_time",
      "end_time", "offer_uuid", "status", "purpose");
  /** Shown when the server gives them: leases of priced offers only. */
  static final List<String> PRICED = List.of("price", "cost");
  static final List<String> DETAILED = List.of("end_time", "expire_time", "fulfill_time", "name", "offer_uuid",
      "owner", "owner_id", "parent_lease_uuid", "project", "project_id", "properties", "purpose", "resource",
      "resource_class", "resource_properties", "resource_type", "resource_uuid", "start_time", "status", "uuid");

  @Command(name = "create", description = "Lease a node directly to a project")
  static final class Create extends Leaf {
    @Parameters(index = "0", paramLabel = "<resource_uuid>", description = "Node UUID or name")
    String resource;

    @Parameters(index = "1", paramLabel = "<project_id>", description = "Lessee project ID or name")
    String project;

    @Option(names = "--end-time", paramLabel = "<time>", description = "Lease end (default: the server's lease.default-length after the start); " + When.FORMATS)
    When endTime;

    @Option(names = "--name", description = "Name of the lease")
    String name;

    @Option(names = "--properties", paramLabel = "<json>", description = "JSON object")
    String properties;

    @Option(names = "--resource-type", description = "Default: ironic_node")
    String resourceType;

    @Option(names = "--start-time", paramLabel = "<time>", description = "Lease start (default: now); " + When.FORMATS)
    When startTime;

    @Option(names = "--purpose", description = "Why the lease is made, free text")
    String purpose;

    Create(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("resource_uuid", resource);
      body.put("project_id", project);
      OfferCommands.putIf(body, "resource_type", resourceType);
      OfferCommands.putIf(body, "start_time", When.of(startTime));
      OfferCommands.putIf(body, "end_time", When.of(endTime));
      OfferCommands.putIf(body, "name", name);
      OfferCommands.putIf(body, "purpose", purpose);
      if (properties != null) {
        body.set("properties", KeyValues.jsonObject(properties, "--properties"));
      }
      output().show(Fields.only(client().post(BASE, body), SHORT, PRICED));
    }
  }

  @Command(name = "list", description = "List leases")
  static final class List_ extends Leaf {
    @Option(names = "--long", description = "More columns")
    boolean longFormat;

    @Option(names = "--all", description = "Every project's leases (admin)")
    boolean all;

    @Option(names = "--status", description = "created, active, expired, deleted, error, wait fulfill, ... or any")
    String status;

    @Option(names = "--offer-uuid", description = "Only leases of this offer")
    String offerUuid;

    @Option(names = "--time-range", arity = "2", paramLabel = "<time>", description = "Leases intersecting START END; " + When.FORMATS)
    List<When> timeRange;

    @Option(names = "--project", description = "Lessee project (ID or name)")
    String project;

    @Option(names = "--owner", description = "Owner project (ID or name)")
    String owner;

    @Option(names = "--resource-type", description = "Only leases of this resource type (ironic_node)")
    String resourceType;

    @Option(names = "--resource-uuid", description = "Only leases of this resource (node name or UUID)")
    String resourceUuid;

    @Option(names = "--resource-class", description = "Only leases of nodes of this resource class")
    String resourceClass;

    @Option(names = "--purpose", description = "Only leases with this purpose")
    String purpose;

    @Option(names = "--property", paramLabel = "<key op value>", description = "Client-side filter on resource properties, e.g. \"cpus>=8\" (repeatable)")
    List<String> property;

    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      List<PropertyFilter> filters = PropertyFilter.parseAll(property);
      List<String> range = OfferCommands.wire(timeRange);
      String path = Query.path(BASE)
          .add("project_id", project).add("owner_id", owner).add("status", status).add("offer_uuid", offerUuid)
          .add("resource_type", resourceType).add("resource_uuid", resourceUuid).add("resource_class", resourceClass)
          .add("purpose", purpose)
          .add("start_time", range == null ? null : range.get(0))
          .add("end_time", range == null ? null : range.get(1))
          .add("view", all ? "all" : null)
          .toString();
      List<JsonNode> rows = client().listAll(path, "leases", true).stream()
          .filter(l -> PropertyFilter.all(filters, l.path("resource_properties"))).toList();
      List<Column> cols = new ArrayList<>(longFormat
          ? List.of(Column.of("UUID", "uuid"), Column.of("Resource", "resource"), Column.of("Resource Class", "resource_class"),
              Column.of("Resource Properties", "resource_properties"), Column.of("Project", "project"),
              Column.of("Start Time", "start_time"), Column.of("End Time", "end_time"),
              Column.of("Expire Time", "expire_time"), Column.of("Fulfill Time", "fulfill_time"),
              Column.of("Offer UUID", "offer_uuid"), Column.of("Owner", "owner"),
              Column.of("Parent Lease UUID", "parent_lease_uuid"), Column.of("Status", "status"),
              Column.of("Purpose", "purpose"))
          : List.of(Column.of("UUID", "uuid"), Column.of("Resource", "resource"), Column.of("Resource Class", "resource_class"),
              Column.of("Project", "project"), Column.of("Start Time", "start_time"), Column.of("End Time", "end_time"),
              Column.of("Offer UUID", "offer_uuid"), Column.of("Status", "status"), Column.of("Purpose", "purpose")));
      cols.addAll(Fields.ifAny(rows, "price", Column.of("Price", "price")));
      cols.addAll(Fields.ifAny(rows, "cost", Column.of("Cost", "cost")));
      output().list(cols, rows);
    }
  }

  @Command(name = "show", description = "Show a lease")
  static final class Show extends Leaf {
    @Parameters(paramLabel = "<uuid>", description = "Lease UUID or name")
    String uuid;

    Show(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().show(Fields.only(client().get(BASE + "/" + Query.encode(uuid)), DETAILED, PRICED));
    }
  }

  @Command(name = "update", description = "Change a lease's end time")
  static final class Update extends Leaf {
    @Parameters(paramLabel = "<uuid>", description = "Lease UUID or name")
    String uuid;

    @Option(names = "--end-time", required = true, paramLabel = "<time>", description = "The new end; " + When.FORMATS)
    When endTime;

    Update(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("end_time", endTime.wire());
      output().show(Fields.only(client().patch(BASE + "/" + Query.encode(uuid), body), SHORT, PRICED));
    }
  }

  @Command(name = "delete", description = "Delete (cancel) leases")
  static final class Delete extends Leaf {
    @Parameters(paramLabel = "<uuid>", arity = "1..*", description = "Lease UUIDs or names")
    List<String> uuids;

    Delete(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      for (String u : uuids) {
        client().delete(BASE + "/" + Query.encode(u));
        ctx.out.println("Deleted lease " + u);
      }
    }
  }
}
