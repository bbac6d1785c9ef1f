package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code esi port ...}: Ironic ports (a node's NICs and where they plug into a switch). */
@Command(name = "port", description = "Manage bare-metal ports",
    subcommands = {PortCommands.Create.class, PortCommands.List_.class, PortCommands.Show.class, PortCommands.Set_.class,
        PortCommands.Delete.class})
final class PortCommands extends Group {
  static final String BASE = "/baremetal/v1/ports";
  private static final java.util.regex.Pattern MAC = java.util.regex.Pattern.compile("(?i)[0-9a-f]{2}([:-][0-9a-f]{2}){5}");

  /** A port is named by its UUID or, as a reader knows it, by its MAC address (unique across ports). */
  static String path(EsiClient c, String port) {
    if (!MAC.matcher(port).matches()) {
      return BASE + "/" + Query.encode(port);
    }
    List<JsonNode> found = c.listAll(Query.path(BASE).add("address", port.toLowerCase(java.util.Locale.ROOT).replace('-', ':')).toString(),
        "ports", false);
    if (found.isEmpty()) {
      throw new CliException("no port with MAC address " + port + " exists (or you may not see its node)");
    }
    return BASE + "/" + Query.encode(found.get(0).path("uuid").asText());
  }

  @Command(name = "create", description = "Create a port")
  static final class Create extends Leaf {
    @Parameters(paramLabel = "<address>", description = "MAC address of the NIC")
    String address;

    @Option(names = "--node", required = true, description = "Node (name or UUID)")
    String node;

    @Option(names = "--local-link-connection", paramLabel = "<key=value[,key=value]>",
        description = "Where the NIC is cabled: switch_id=..,port_id=..,switch_info=.. (repeatable); switch_info or switch_id names a registered switch")
    List<String> localLink;

    @Option(names = "--physical-network", description = "The physical network the NIC is cabled to")
    String physicalNetwork;

    @Option(names = "--pxe-enabled", negatable = true, description = "Boot from this port (default: Ironic's)")
    Boolean pxeEnabled;

    Create(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      EsiClient c = client();
      // Ironic wants the node's UUID here, not its name.
      String nodeUuid = Resolver.isUuid(node) ? node : c.get(NodeCommands.path(node)).path("uuid").asText();
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("address", address);
      body.put("node_uuid", nodeUuid);
      if (localLink != null) {
        body.set("local_link_connection", KeyValues.commaPairs(localLink, "--local-link-connection"));
      }
      if (physicalNetwork != null) {
        body.put("physical_network", physicalNetwork);
      }
      if (pxeEnabled != null) {
        body.put("pxe_enabled", pxeEnabled);
      }
      ctx.output().show(Fields.sorted(c.post(BASE, body), Fields.LINKS));
    }
  }

  @Command(name = "list", description = "List ports")
  static final class List_ extends Leaf {
    @Option(names = "--node", description = "Only this node's (name or UUID)")
    String node;

    @Option(names = "--address", description = "Only the port with this MAC")
    String address;

    @Option(names = "--long", description = "More columns")
    boolean longFormat;

    @Option(names = "--limit", description = "At most this many (one page; default: all)")
    Integer limit;

    @Option(names = "--marker", description = "Start after this port UUID")
    String marker;

    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      String path = Query.path(BASE).add("node", node).add("address", address)
          .add("detail", longFormat ? "True" : null).add("limit", limit).add("marker", marker).toString();
      List<Column> cols = new ArrayList<>(List.of(Column.of("UUID", "uuid"), Column.of("Address", "address")));
      if (longFormat) {
        cols.addAll(List.of(Column.of("Node UUID", "node_uuid"), Column.of("Local Link Connection", "local_link_connection"),
            Column.of("Physical Network", "physical_network"), Column.of("PXE boot", "pxe_enabled")));
      }
      output().list(cols, client().listAll(path, "ports", limit == null));
    }
  }

  @Command(name = "show", description = "Show a port")
  static final class Show extends Leaf {
    @Parameters(paramLabel = "<port>", description = "UUID or MAC address")
    String port;

    Show(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      JsonNode p = client().get(path(client(), port));
      output().show(Fields.sorted(p, Fields.LINKS));
    }
  }

  /**
   * {@code esi port set}: as {@code openstack baremetal port set}, a JSON Patch of add operations (one per
   * key, so --local-link-connection port_id=.. keeps the switch already named).
   */
  @Command(name = "set", description = "Change a port (JSON Patch add operations, PATCH /baremetal/v1/ports/{uuid})")
  static final class Set_ extends Leaf {
    @Parameters(paramLabel = "<port>", description = "UUID or MAC address")
    String port;

    @Option(names = "--address", paramLabel = "<mac>", description = "New MAC address")
    String address;

    @Option(names = "--local-link-connection", paramLabel = "<key=value[,key=value]>",
        description = "Where the NIC is cabled: switch_id=..,port_id=..,switch_info=.. (repeatable; each key is set, others kept)")
    List<String> localLink;

    @Option(names = "--physical-network", description = "The physical network the NIC is cabled to")
    String physicalNetwork;

    @Option(names = "--pxe-enabled", negatable = true, description = "Boot from this port, or with --no-pxe-enabled not")
    Boolean pxeEnabled;

    @Option(names = "--extra", paramLabel = "<key=value>", description = "Extra field (repeatable; JSON values such as 8 or true are typed)")
    List<String> extra;

    Set_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      JsonPatch patch = new JsonPatch();
      if (address != null) {
        patch.add("/address", JsonNodeFactory.instance.textNode(address));
      }
      // Split here rather than per pair in JsonPatch: one argument may carry several comma-separated pairs.
      KeyValues.commaPairs(localLink, "--local-link-connection").fields()
          .forEachRemaining(e -> patch.add("/local_link_connection/" + JsonPatch.escape(e.getKey()), e.getValue()));
      if (physicalNetwork != null) {
        patch.add("/physical_network", JsonNodeFactory.instance.textNode(physicalNetwork));
      }
      if (pxeEnabled != null) {
        patch.add("/pxe_enabled", JsonNodeFactory.instance.booleanNode(pxeEnabled));
      }
      patch.addAll("/extra", extra, "--extra", true);
      if (patch.isEmpty()) {
        throw usage("nothing to set");
      }
      EsiClient c = client();
      c.patch(path(c, port), patch.toJson());
    }
  }

  @Command(name = "delete", description = "Delete ports")
  static final class Delete extends Leaf {
    @Parameters(paramLabel = "<port>", arity = "1..*", description = "UUIDs or MAC addresses")
    List<String> ports;

    Delete(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      for (String p : ports) {
        client().delete(path(client(), p));
        ctx.out.println("Deleted port " + p);
      }
    }
  }
}
