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
    subcommands = {PortCommands.Create.class, PortCommands.List_.class, PortCommands.Show.class, PortCommands.Delete.class})
final class PortCommands extends Group {
  static final String BASE = "/baremetal/v1/ports";

  @Command(name = "create", description = "Create a port")
  static final class Create extends Leaf {
    @Parameters(paramLabel = "<address>", description = "MAC address")
    String address;

    @Option(names = "--node", required = true, description = "Node (name or UUID)")
    String node;

    @Option(names = "--local-link-connection", paramLabel = "<key=value[,key=value]>",
        description = "switch_id=..,port_id=..,switch_info=.. (repeatable)")
    List<String> localLink;

    @Option(names = "--physical-network")
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
    @Parameters(paramLabel = "<port>", description = "UUID")
    String port;

    Show(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      JsonNode p = client().get(BASE + "/" + Query.encode(port));
      output().show(Fields.sorted(p, Fields.LINKS));
    }
  }

  @Command(name = "delete", description = "Delete ports")
  static final class Delete extends Leaf {
    @Parameters(paramLabel = "<port>", arity = "1..*", description = "UUIDs")
    List<String> ports;

    Delete(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      for (String p : ports) {
        client().delete(BASE + "/" + Query.encode(p));
        ctx.out.println("Deleted port " + p);
      }
    }
  }
}
