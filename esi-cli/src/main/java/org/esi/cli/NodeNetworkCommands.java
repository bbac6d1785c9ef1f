package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code esi node network ...}: what a node's NICs are plugged into, as upstream's esi node network commands. */
@Command(name = "network", description = "Attach nodes to networks",
    subcommands = {NodeNetworkCommands.Attach.class, NodeNetworkCommands.Detach.class, NodeNetworkCommands.List_.class})
final class NodeNetworkCommands extends Group {
  static String path(String node) {
    return "/network/v1/nodes/" + Query.encode(node) + "/attachments";
  }

  static final List<Column> COLUMNS = List.of(Column.of("Node", "node"), Column.of("MAC Address", "mac_address"),
      Column.of("Port", "switch_port"), new Column("Network", a -> NetworkCommands.nameWithVlan(a.path("network"))),
      Column.of("Trunk", "trunk.name"), Column.of("Status", "status"));

  static final class Target {
    @Option(names = "--network", description = "Network (name or id)")
    String network;

    @Option(names = "--trunk", description = "Trunk (name or id)")
    String trunk;

    @Option(names = "--port", description = "Port attachment target (baremetal port UUID)")
    String port;
  }

  @Command(name = "attach", description = "Attach a node to a network, a trunk or through a port")
  static final class Attach extends Leaf {
    @Parameters(paramLabel = "<node>", description = "Node (name or UUID)")
    String node;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--mac-address", description = "Use the NIC with this MAC")
    String mac;

    Attach(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      if (target.network != null) {
        body.put("network", target.network);
      } else if (target.trunk != null) {
        body.put("trunk", target.trunk);
      } else {
        body.put("port", target.port);
      }
      if (mac != null) {
        body.put("mac_address", mac);
      }
      output().list(COLUMNS, List.of(client().post(path(node), body)));
    }
  }

  @Command(name = "detach", description = "Detach a node's attachments (return switch ports to idle)")
  static final class Detach extends Leaf {
    @Parameters(paramLabel = "<node>", description = "Node (name or UUID)")
    String node;

    @Option(names = "--port", description = "Attachment id, switch port or MAC to detach (repeatable)")
    List<String> ports;

    @Option(names = "--all", description = "Detach everything attached to the node")
    boolean all;

    Detach(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      List<JsonNode> attached = new ArrayList<>();
      client().get(path(node)).path("attachments").forEach(attached::add);
      List<JsonNode> chosen = new ArrayList<>();
      if (all) {
        chosen.addAll(attached);
      } else if (ports != null && !ports.isEmpty()) {
        for (String p : ports) {
          JsonNode match = attached.stream().filter(a -> p.equals(a.path("id").asText()) || p.equals(a.path("switch_port").asText())
              || p.equalsIgnoreCase(a.path("mac_address").asText())).findFirst()
              .orElseThrow(() -> new CliException("node " + node + " has no attachment " + p));
          chosen.add(match);
        }
      } else if (attached.size() == 1) {
        chosen.add(attached.get(0));
      } else {
        throw usage(attached.isEmpty() ? "node " + node + " has nothing attached"
            : "node " + node + " has " + attached.size() + " attachments: name them with --port or use --all");
      }
      for (JsonNode a : chosen) {
        client().delete(path(node) + "/" + Query.encode(a.path("id").asText()));
        ctx.out.println("Detached " + a.path("mac_address").asText() + " of node " + node);
      }
    }
  }

  @Command(name = "list", description = "List what nodes are attached to")
  static final class List_ extends Leaf {
    @Option(names = "--node", description = "Only this node")
    String node;

    @Option(names = "--network", description = "Only attachments to this network (name)")
    String network;

    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      List<String> nodes = new ArrayList<>();
      if (node != null) {
        nodes.add(node);
      } else {
        client().listAll("/baremetal/v1/nodes", "nodes", true).forEach(n -> nodes.add(n.path("uuid").asText()));
      }
      List<JsonNode> rows = new ArrayList<>();
      for (String n : nodes) {
        client().get(path(n)).path("attachments").forEach(a -> {
          if (network == null || network.equals(a.path("network").path("name").asText())) {
            rows.add(a);
          }
        });
      }
      output().list(COLUMNS, rows);
    }
  }
}
