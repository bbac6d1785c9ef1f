package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code esi node ...}: Ironic nodes at /baremetal/v1, and the leasing view at /lease/v1/nodes. */
@Command(name = "node", description = "Manage bare-metal nodes",
    subcommands = {NodeCommands.Create.class, NodeCommands.List_.class, NodeCommands.Show.class,
        NodeCommands.Set_.class, NodeCommands.Unset.class, NodeCommands.Delete.class, NodeNetworkCommands.class,
        HardwareCommands.Power.class, HardwareCommands.BootDevice.class, HardwareCommands.Maintenance.class,
        HardwareCommands.Manage.class, HardwareCommands.Provide.class, HardwareCommands.Inspect.class,
        HardwareCommands.Deploy.class, HardwareCommands.Undeploy.class, HardwareCommands.Clean.class,
        HardwareCommands.Adopt.class, HardwareCommands.Rebuild.class, HardwareCommands.Abort.class,
        ScheduleCommand.class, ConsoleCommand.class})
final class NodeCommands extends Group {
  static final String BASE = "/baremetal/v1/nodes";

  static String path(String node) {
    return BASE + "/" + Query.encode(node);
  }

  static void show(Context ctx, JsonNode node) {
    ctx.output().show(Fields.sorted(node, Fields.LINKS));
  }

  @Command(name = "create", description = "Enroll a node")
  static final class Create extends Leaf {
    @Option(names = "--driver", required = true, description = "ipmi, redfish or fake-hardware")
    String driver;

    @Option(names = "--name", description = "Unique node name")
    String name;

    @Option(names = "--driver-info", paramLabel = "<key=value>", description = "BMC address and credentials (repeatable; values kept as strings)")
    List<String> driverInfo;

    @Option(names = "--property", paramLabel = "<key=value>", description = "Node property (repeatable; JSON values such as 8 or true are typed)")
    List<String> properties;

    @Option(names = "--extra", paramLabel = "<key=value>", description = "Extra field (repeatable)")
    List<String> extra;

    @Option(names = "--resource-class", description = "Resource class (e.g. baremetal), used to match offers and flavors")
    String resourceClass;

    @Option(names = "--owner", description = "Owner project (name or ID)")
    String owner;

    @Option(names = "--lessee", description = "Lessee project (name or ID)")
    String lessee;

    Create(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("driver", driver);
      if (name != null) {
        body.put("name", name);
      }
      // BMC settings stay strings: a password of digits must not become a number.
      if (driverInfo != null) {
        body.set("driver_info", KeyValues.toObject(driverInfo, "--driver-info", false));
      }
      if (properties != null) {
        body.set("properties", KeyValues.toObject(properties, "--property", true));
      }
      if (extra != null) {
        body.set("extra", KeyValues.toObject(extra, "--extra", true));
      }
      if (resourceClass != null) {
        body.put("resource_class", resourceClass);
      }
      if (owner != null) {
        body.put("owner", Resolver.ownerProject(client(), owner));
      }
      if (lessee != null) {
        body.put("lessee", Resolver.ownerProject(client(), lessee));
      }
      show(ctx, client().post(BASE, body));
    }
  }

  /**
   * Upstream ESI's {@code node list} is the leasing view (GET /lease/v1/nodes, with offer and
   * lease columns). We show that whenever the server offers /lease/v1, and otherwise Ironic's
   * inventory (GET /baremetal/v1/nodes/detail).
   */
  @Command(name = "list", description = {"List nodes.",
      "Shows the leasing view (GET /lease/v1/nodes: offers and leases per node) when the server offers /lease/v1,",
      "otherwise the bare-metal inventory (GET /baremetal/v1/nodes)."})
  static final class List_ extends Leaf {
    @Option(names = "--owner", description = "Owner project (name or ID)")
    String owner;

    @Option(names = "--lessee", description = "Lessee project (name or ID)")
    String lessee;

    @Option(names = "--resource-class", description = "Only nodes of this resource class")
    String resourceClass;

    @Option(names = "--provision-state", description = "Only nodes in this provision state (e.g. available, active)")
    String provisionState;

    @Option(names = "--property", paramLabel = "<key op value>", description = "Client-side filter on properties, e.g. \"cpus>=8\" (repeatable; ops >= <= > < =)")
    List<String> property;

    @Option(names = "--long", description = "More columns")
    boolean longFormat;

    @Option(names = "--limit", description = "At most this many nodes (one page; default: all)")
    Integer limit;

    @Option(names = "--marker", description = "Start after this node UUID")
    String marker;

    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      List<PropertyFilter> filters = PropertyFilter.parseAll(property);
      EsiClient c = client();
      if (c.probe("/lease/v1") == 200) {
        leaseView(c, filters);
      } else {
        inventory(c, filters);
      }
    }

    private void leaseView(EsiClient c, List<PropertyFilter> filters) {
      // The lease API takes project names itself; provision_state is not one of its filters.
      String path = Query.path("/lease/v1/nodes").add("resource_class", resourceClass).add("owner", owner)
          .add("lessee", lessee).add("limit", limit).add("marker", marker).toString();
      List<JsonNode> rows = new ArrayList<>();
      for (JsonNode n : c.listAll(path, "nodes", limit == null)) {
        if ((provisionState == null || provisionState.equals(n.path("provision_state").asText()))
            && PropertyFilter.all(filters, n.path("properties"))) {
          rows.add(n);
        }
      }
      List<Column> cols = longFormat
          ? List.of(Column.of("UUID", "uuid"), Column.of("Name", "name"), Column.of("Owner", "owner"),
              Column.of("Lessee", "lessee"), Column.of("Resource Class", "resource_class"),
              Column.of("Provision State", "provision_state"), Column.of("Maintenance", "maintenance"),
              Column.of("Properties", "properties"), Column.of("Offer UUID", "offer_uuid"),
              Column.of("Lease UUID", "lease_uuid"), Column.of("Future Offers", "future_offers"),
              Column.of("Future Leases", "future_leases"))
          : List.of(Column.of("Name", "name"), Column.of("Owner", "owner"), Column.of("Lessee", "lessee"),
              Column.of("Resource Class", "resource_class"), Column.of("Provision State", "provision_state"),
              Column.of("Maintenance", "maintenance"), Column.of("Offer UUID", "offer_uuid"),
              Column.of("Lease UUID", "lease_uuid"));
      output().list(cols, rows);
    }

    private void inventory(EsiClient c, List<PropertyFilter> filters) {
      // /detail because the short Ironic list lacks owner and lessee.
      String path = Query.path(BASE + "/detail")
          .add("owner", Resolver.ownerProject(c, owner)).add("lessee", Resolver.ownerProject(c, lessee))
          .add("resource_class", resourceClass).add("provision_state", provisionState)
          .add("limit", limit).add("marker", marker).toString();
      List<JsonNode> rows = c.listAll(path, "nodes", limit == null).stream()
          .filter(n -> PropertyFilter.all(filters, n.path("properties"))).toList();
      List<Column> cols = new ArrayList<>(List.of(Column.of("UUID", "uuid"), Column.of("Name", "name"),
          Column.of("Owner", "owner"), Column.of("Lessee", "lessee"), Column.of("Provision State", "provision_state"),
          Column.of("Power State", "power_state"), Column.of("Maintenance", "maintenance")));
      if (longFormat) {
        cols.addAll(List.of(Column.of("Driver", "driver"), Column.of("Resource Class", "resource_class"),
            Column.of("Properties", "properties"), Column.of("Last Error", "last_error")));
      }
      output().list(cols, rows);
    }
  }

  @Command(name = "show", description = "Show a node")
  static final class Show extends Leaf {
    @Parameters(paramLabel = "<node>", description = "Name or UUID")
    String node;

    Show(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      show(ctx, client().get(path(node)));
    }
  }

  @Command(name = "set", description = "Change a node (JSON Patch add operations)")
  static final class Set_ extends Leaf {
    @Parameters(paramLabel = "<node>", description = "Name or UUID")
    String node;

    @Option(names = "--name", description = "New name")
    String name;

    @Option(names = "--driver-info", paramLabel = "<key=value>", description = "Repeatable; values kept as strings")
    List<String> driverInfo;

    @Option(names = "--property", paramLabel = "<key=value>", description = "Repeatable; JSON values are typed")
    List<String> properties;

    @Option(names = "--extra", paramLabel = "<key=value>", description = "Repeatable; JSON values are typed")
    List<String> extra;

    @Option(names = "--resource-class", description = "New resource class")
    String resourceClass;

    @Option(names = "--owner", description = "Owner project (name or ID)")
    String owner;

    @Option(names = "--lessee", description = "Lessee project (name or ID)")
    String lessee;

    @Option(names = "--maintenance", negatable = true, description = "Put the node into (or with --no-maintenance take it out of) maintenance")
    Boolean maintenance;

    @Option(names = "--maintenance-reason", description = "Why, with --maintenance")
    String maintenanceReason;

    Set_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      EsiClient c = client();
      JsonPatch patch = new JsonPatch();
      if (name != null) {
        patch.add("/name", JsonNodeFactory.instance.textNode(name));
      }
      patch.addAll("/driver_info", driverInfo, "--driver-info", false)
          .addAll("/properties", properties, "--property", true)
          .addAll("/extra", extra, "--extra", true);
      if (resourceClass != null) {
        patch.add("/resource_class", JsonNodeFactory.instance.textNode(resourceClass));
      }
      if (owner != null) {
        patch.add("/owner", JsonNodeFactory.instance.textNode(Resolver.ownerProject(c, owner)));
      }
      if (lessee != null) {
        patch.add("/lessee", JsonNodeFactory.instance.textNode(Resolver.ownerProject(c, lessee)));
      }
      if (maintenanceReason != null && !Boolean.TRUE.equals(maintenance)) {
        throw usage("--maintenance-reason needs --maintenance");
      }
      if (patch.isEmpty() && maintenance == null) {
        throw usage("nothing to set");
      }
      if (!patch.isEmpty()) {
        c.patch(path(node), patch.toJson());
      }
      // Maintenance has its own Ironic route, which also records the reason.
      if (Boolean.TRUE.equals(maintenance)) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        if (maintenanceReason != null) {
          body.put("reason", maintenanceReason);
        }
        c.put(path(node) + "/maintenance", body);
      } else if (Boolean.FALSE.equals(maintenance)) {
        c.delete(path(node) + "/maintenance");
      }
    }
  }

  @Command(name = "unset", description = "Remove node fields (JSON Patch remove operations)")
  static final class Unset extends Leaf {
    @Parameters(paramLabel = "<node>", description = "Name or UUID")
    String node;

    @Option(names = "--property", paramLabel = "<key>", description = "Repeatable")
    List<String> properties;

    @Option(names = "--extra", paramLabel = "<key>", description = "Repeatable")
    List<String> extra;

    @Option(names = "--driver-info", paramLabel = "<key>", description = "Repeatable")
    List<String> driverInfo;

    @Option(names = "--name", description = "Remove the name")
    boolean name;

    @Option(names = "--resource-class", description = "Remove the resource class")
    boolean resourceClass;

    @Option(names = "--owner", description = "Remove the owner project (admin)")
    boolean owner;

    @Option(names = "--lessee", description = "Remove the lessee project")
    boolean lessee;

    Unset(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      JsonPatch patch = new JsonPatch()
          .removeAll("/properties", properties)
          .removeAll("/extra", extra)
          .removeAll("/driver_info", driverInfo);
      if (name) {
        patch.remove("/name");
      }
      if (resourceClass) {
        patch.remove("/resource_class");
      }
      if (owner) {
        patch.remove("/owner");
      }
      if (lessee) {
        patch.remove("/lessee");
      }
      if (patch.isEmpty()) {
        throw usage("nothing to unset");
      }
      client().patch(path(node), patch.toJson());
    }
  }

  @Command(name = "delete", description = "Delete nodes")
  static final class Delete extends Leaf {
    @Parameters(paramLabel = "<node>", arity = "1..*", description = "Names or UUIDs")
    List<String> nodes;

    Delete(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      for (String n : nodes) {
        client().delete(path(n));
        ctx.out.println("Deleted node " + n);
      }
    }
  }
}
