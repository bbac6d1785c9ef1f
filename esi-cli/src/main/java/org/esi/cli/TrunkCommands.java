package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code esi trunk ...}: ports that carry a native network and tagged networks. */
@Command(name = "trunk", description = "Manage trunks",
    subcommands = {TrunkCommands.Create.class, TrunkCommands.List_.class, TrunkCommands.Add.class, TrunkCommands.Remove.class,
        TrunkCommands.Delete.class})
final class TrunkCommands extends Group {
  static final String BASE = "/network/v1/trunks";

  static final List<Column> COLUMNS = List.of(Column.of("Trunk", "name"),
      new Column("Native Network", t -> NetworkCommands.nameWithVlan(t.path("native_network"))),
      new Column("Tagged Networks", TrunkCommands::tagged));

  static JsonNode tagged(JsonNode trunk) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode n : trunk.path("tagged_networks")) {
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(NetworkCommands.nameWithVlan(n).asText());
    }
    return TextNode.valueOf(sb.toString());
  }

  @Command(name = "create", description = "Create a trunk")
  static final class Create extends Leaf {
    @Parameters(paramLabel = "<name>", description = "Trunk name")
    String name;

    @Option(names = "--native-network", description = "Untagged network")
    String nativeNetwork;

    @Option(names = "--tagged-networks", description = "Tagged network (repeatable)")
    List<String> tagged;

    Create(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("name", name);
      if (nativeNetwork != null) {
        body.put("native_network", nativeNetwork);
      }
      ArrayNode t = body.putArray("tagged_networks");
      if (tagged != null) {
        tagged.forEach(t::add);
      }
      output().list(COLUMNS, List.of(client().post(BASE, body)));
    }
  }

  @Command(name = "list", description = "List trunks")
  static final class List_ extends Leaf {
    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().list(COLUMNS, client().listAll(BASE, "trunks", false));
    }
  }

  @Command(name = "add", description = "Add tagged networks to a trunk", subcommands = {AddNetwork.class})
  static final class Add extends Group {
  }

  @Command(name = "network", description = "Add tagged networks")
  static final class AddNetwork extends Leaf {
    @Parameters(paramLabel = "<trunk>", description = "Trunk (name or ID)")
    String trunk;

    @Option(names = "--tagged-networks", required = true, description = "Network to tag (repeatable)")
    List<String> tagged;

    AddNetwork(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      JsonNode last = null;
      for (String n : tagged) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("network", n);
        last = client().post(BASE + "/" + Query.encode(trunk) + "/networks", body);
      }
      output().list(COLUMNS, List.of(last));
    }
  }

  @Command(name = "remove", description = "Remove tagged networks from a trunk", subcommands = {RemoveNetwork.class})
  static final class Remove extends Group {
  }

  @Command(name = "network", description = "Remove tagged networks")
  static final class RemoveNetwork extends Leaf {
    @Parameters(paramLabel = "<trunk>", description = "Trunk (name or ID)")
    String trunk;

    @Option(names = "--tagged-networks", required = true, description = "Network to untag (repeatable)")
    List<String> tagged;

    RemoveNetwork(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      JsonNode last = null;
      for (String n : tagged) {
        last = client().delete(BASE + "/" + Query.encode(trunk) + "/networks/" + Query.encode(n));
      }
      output().list(COLUMNS, List.of(last));
    }
  }

  @Command(name = "delete", description = "Delete trunks")
  static final class Delete extends Leaf {
    @Parameters(paramLabel = "<trunk>", arity = "1..*", description = "Trunks (names or IDs)")
    List<String> trunks;

    Delete(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      for (String t : trunks) {
        client().delete(BASE + "/" + Query.encode(t));
        ctx.out.println("Deleted trunk " + t);
      }
    }
  }
}
