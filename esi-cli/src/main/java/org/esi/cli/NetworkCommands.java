package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code esi network ...}: tenant VLAN networks ({@code /network/v1/networks}). */
@Command(name = "network", description = "Manage tenant networks",
    subcommands = {NetworkCommands.Create.class, NetworkCommands.List_.class, NetworkCommands.Show.class, NetworkCommands.Delete.class})
final class NetworkCommands extends Group {
  static final String BASE = "/network/v1/networks";

  static final List<Column> COLUMNS = List.of(Column.of("ID", "id"), Column.of("Name", "name"), Column.of("VLAN", "vlan_id"),
      Column.of("Physical Network", "physical_network"), Column.of("Shared", "shared"), Column.of("Project", "project_id"));

  @Command(name = "create", description = "Create a network (a VLAN is allocated for it)")
  static final class Create extends Leaf {
    @Parameters(paramLabel = "<name>", description = "Network name")
    String name;

    @Option(names = "--shared", description = "Usable by every project")
    boolean shared;

    @Option(names = "--vlan", description = "Admin: this VLAN id (a provider network)")
    Integer vlan;

    @Option(names = "--physical-network", description = "Admin: physical network")
    String physnet;

    @Option(names = "--project", description = "Admin: owning project (id or name)")
    String project;

    Create(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("name", name);
      if (shared) {
        body.put("shared", true);
      }
      if (vlan != null) {
        body.put("vlan_id", vlan);
      }
      if (physnet != null) {
        body.put("physical_network", physnet);
      }
      if (project != null) {
        body.put("project_id", project);
      }
      output().show(Fields.sorted(client().post(BASE, body), Fields.LINKS));
    }
  }

  @Command(name = "list", description = "List networks you may use")
  static final class List_ extends Leaf {
    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().list(COLUMNS, client().listAll(BASE, "networks", false));
    }
  }

  @Command(name = "show", description = "Show a network")
  static final class Show extends Leaf {
    @Parameters(paramLabel = "<network>", description = "Name or id")
    String network;

    Show(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().show(Fields.sorted(client().get(BASE + "/" + Query.encode(network)), Fields.LINKS));
    }
  }

  @Command(name = "delete", description = "Delete networks")
  static final class Delete extends Leaf {
    @Parameters(paramLabel = "<network>", arity = "1..*", description = "Names or ids")
    List<String> networks;

    Delete(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      for (String n : networks) {
        client().delete(BASE + "/" + Query.encode(n));
        ctx.out.println("Deleted network " + n);
      }
    }
  }

  /** "name (vlan)" as upstream's node network list prints a network. */
  static JsonNode nameWithVlan(JsonNode net) {
    if (net == null || net.isNull() || net.isMissingNode()) {
      return net;
    }
    return TextNode.valueOf(net.path("name").asText() + " (" + net.path("vlan_id").asText() + ")");
  }
}
