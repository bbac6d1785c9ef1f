package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code esi switch ...}: the switches ESI configures, and their node ports. */
@Command(name = "switch", description = "Switches and their ports",
    subcommands = {SwitchCommands.List_.class, SwitchCommands.Create.class, SwitchCommands.Delete.class, SwitchCommands.Port.class})
final class SwitchCommands extends Group {
  static final String BASE = "/network/v1/switches";

  @Command(name = "list", description = "List switches")
  static final class List_ extends Leaf {
    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().list(List.of(Column.of("Switch Name", "name"), Column.of("Switch ID", "id"), Column.of("Driver", "driver"),
          Column.of("Physical Network", "physical_network")), client().listAll(BASE, "switches", false));
    }
  }

  @Command(name = "create", description = "Register a switch (admin)")
  static final class Create extends Leaf {
    @Parameters(paramLabel = "<name>", description = "Switch name (ports name it as local_link_connection switch_info)")
    String name;

    @Option(names = "--driver", required = true, description = "linux-bridge, ssh-cli, ...")
    String driver;

    @Option(names = "--address", required = true, description = "Management address: host[:port] for ssh-cli, bridge or netns:NS/bridge for linux-bridge, any label for fake")
    String address;

    @Option(names = "--username", description = "Login name on the switch (ssh-cli)")
    String username;

    @Option(names = "--password-stdin", description = "Read the switch password from standard input")
    boolean passwordStdin;

    @Option(names = "--physical-network", description = "Physical network the switch's ports belong to")
    String physnet;

    @Option(names = "--option", description = "Driver option key=value (repeatable), e.g. vendor=dell_os10")
    List<String> options;

    Create(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("name", name);
      body.put("driver", driver);
      body.put("address", address);
      if (username != null) {
        body.put("username", username);
      }
      if (passwordStdin) {
        body.put("password", ctx.readSecretLine());
      }
      if (physnet != null) {
        body.put("physical_network", physnet);
      }
      if (options != null) {
        body.set("options", KeyValues.commaPairs(options, "--option"));
      }
      output().show(Fields.sorted(client().post(BASE, body), Fields.LINKS));
    }
  }

  @Command(name = "delete", description = "Remove a switch (admin)")
  static final class Delete extends Leaf {
    @Parameters(paramLabel = "<switch>", description = "Switch (name or ID)")
    String sw;

    Delete(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      client().delete(BASE + "/" + Query.encode(sw));
      ctx.out.println("Deleted switch " + sw);
    }
  }

  @Command(name = "port", description = "Switch ports", subcommands = {PortList.class})
  static final class Port extends Group {
  }

  @Command(name = "list", description = "List a switch's node ports and their VLANs")
  static final class PortList extends Leaf {
    @Parameters(paramLabel = "<switch>", description = "Switch (name or ID)")
    String sw;

    PortList(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      JsonNode ports = client().get(BASE + "/" + Query.encode(sw) + "/ports").path("ports");
      java.util.List<JsonNode> rows = new java.util.ArrayList<>();
      ports.forEach(rows::add);
      output().list(List.of(Column.of("Port", "port"), new Column("VLANs", p -> {
        StringBuilder sb = new StringBuilder();
        p.path("vlans").forEach(v -> sb.append(sb.length() == 0 ? "" : ", ").append(v.asText()));
        return TextNode.valueOf(sb.toString());
      }), Column.of("Node UUID", "node_uuid"), Column.of("MAC Address", "mac_address")), rows);
    }
  }
}
