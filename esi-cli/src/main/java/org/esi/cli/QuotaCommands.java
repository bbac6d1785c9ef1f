package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code esi quota ...}: per-project limits on leasing at /market/v1/quotas (docs/quotas.md). Only the admin
 * sets them; a project sees its own.
 */
@Command(name = "quota", description = "Per-project limits on leased nodes and node-hours",
    subcommands = {QuotaCommands.List_.class, QuotaCommands.Show.class, QuotaCommands.Set_.class, QuotaCommands.Unset.class})
final class QuotaCommands extends Group {
  static final String BASE = "/market/v1/quotas";
  static final String NONE = "none";

  static final List<Column> LIST_COLUMNS = List.of(Column.of("Project", "project"), Column.of("Max Leased Nodes", "max_leased_nodes"),
      Column.of("Max Node-Hours", "max_node_hours"), Column.of("Period", "period"), Column.of("Leased Nodes", "leased_nodes"),
      Column.of("Node-Hours", "node_hours"));

  static String path(String project) {
    return BASE + "/" + Query.encode(project);
  }

  @Command(name = "list", description = "List quotas (the admin: every project's; others: their own)")
  static final class List_ extends Leaf {
    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().list(LIST_COLUMNS, client().listAll(BASE, "quotas", true));
    }
  }

  @Command(name = "show", description = "Show a project's limits and what it uses now (leased nodes, node-hours this period)")
  static final class Show extends Leaf {
    @Parameters(paramLabel = "<project>", description = "Project name or ID")
    String project;

    Show(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().show(Fields.sorted(client().get(path(project)), Set.of()));
    }
  }

  @Command(name = "set", description = {"Set a project's limits (admin). Limits not given keep their current value;",
      "'none' removes one. --max-node-hours needs a --period (given, or the one already set)."})
  static final class Set_ extends Leaf {
    @Parameters(paramLabel = "<project>", description = "Project name or ID")
    String project;

    @Option(names = "--max-leased-nodes", paramLabel = "<n>", description = "Most nodes the project may hold at once, or none")
    String maxLeasedNodes;

    @Option(names = "--max-node-hours", paramLabel = "<hours>", description = "Most node-hours per period (e.g. 100 or 12.5), or none")
    String maxNodeHours;

    @Option(names = "--period", paramLabel = "<period>", description = "Calendar period (UTC) of --max-node-hours: day, week or month")
    String period;

    Set_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      if (maxLeasedNodes == null && maxNodeHours == null && period == null) {
        throw usage("give at least one of --max-leased-nodes, --max-node-hours, --period");
      }
      JsonNode current = client().get(path(project));
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      if (maxLeasedNodes == null) {
        keep(body, current, "max_leased_nodes");
      } else if (maxLeasedNodes.equals(NONE)) {
        body.putNull("max_leased_nodes");
      } else {
        body.put("max_leased_nodes", count(maxLeasedNodes));
      }
      if (maxNodeHours == null) {
        keep(body, current, "max_node_hours");
      } else if (maxNodeHours.equals(NONE)) {
        body.putNull("max_node_hours");
      } else {
        body.put("max_node_hours", maxNodeHours); // a decimal string: the server reads it exactly
      }
      if (period != null) {
        body.put("period", period);
      } else {
        keep(body, current, "period");
      }
      output().show(Fields.sorted(client().put(path(project), body), Set.of()));
    }

    /** The field as the server has it now (null when the project has no such limit). */
    private static void keep(ObjectNode body, JsonNode current, String field) {
      JsonNode v = current.get(field);
      body.set(field, v == null ? JsonNodeFactory.instance.nullNode() : v);
    }

    private int count(String text) {
      try {
        return Integer.parseInt(text);
      } catch (NumberFormatException e) {
        throw usage("--max-leased-nodes must be a whole number or none, not '" + text + "'");
      }
    }
  }

  @Command(name = "unset", description = "Remove a project's quota (admin): its leasing is no longer limited")
  static final class Unset extends Leaf {
    @Parameters(paramLabel = "<project>", description = "Project name or ID")
    String project;

    Unset(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      client().delete(path(project));
      ctx.out.println("Removed the quota of project " + project);
    }
  }
}
