package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code esi audit list} and {@code esi audit verify}: the admin's view of the audit trail. */
@Command(name = "audit", description = "The audit trail (admin)", subcommands = {AuditCommands.List_.class, AuditCommands.Verify.class})
final class AuditCommands extends Group {

  @Command(name = "list", description = "List audit records, newest first")
  static final class List_ extends Leaf {
    @Option(names = "--user", description = "User ID or name")
    String user;

    @Option(names = "--project", description = "Project ID")
    String project;

    @Option(names = "--target", description = "Target object ID (e.g. a node or offer UUID)")
    String target;

    @Option(names = "--route", description = "Route template, e.g. /lease/v1/offers/{id}/claim")
    String route;

    @Option(names = "--outcome", description = "success, denied, failed or unknown")
    String outcome;

    @Option(names = "--request-id", description = "Records of one request (req-<uuid>)")
    String requestId;

    @Option(names = "--since", paramLabel = "<time>", description = "Only records at or after this time; " + When.FORMATS)
    When since;

    @Option(names = "--until", paramLabel = "<time>", description = "Only records before this time; " + When.FORMATS)
    When until;

    @Option(names = "--limit", description = "How many records (default: 100)")
    Integer limit;

    @Option(names = "--all", description = "Every matching record (follows the pages)")
    boolean all;

    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      if (all && limit != null) {
        throw usage("--all and --limit exclude each other");
      }
      String path = Query.path("/audit/v1/records")
          .add("user", user).add("project", project).add("target", target).add("route", route).add("outcome", outcome)
          .add("request_id", requestId).add("since", When.of(since)).add("until", When.of(until))
          .add("limit", all ? null : (limit == null ? 100 : limit)).toString();
      output().list(List.of(Column.of("ID", "id"), Column.of("Time", "time"), Column.of("User", "user_name"),
          Column.of("Project", "project_id"), Column.of("Method", "method"), Column.of("Route", "route"),
          Column.of("Target Type", "target_type"), Column.of("Target", "target_id"), Column.of("Status", "status"),
          Column.of("Outcome", "outcome"), Column.of("Request ID", "request_id"), Column.of("Source", "source_address")),
          client().listAll(path, "records", all));
    }
  }

  @Command(name = "verify", description = "Check the audit trail's hash chain; exit 1 at the first record that does not match")
  static final class Verify extends Leaf {
    Verify(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      JsonNode v = client().get("/audit/v1/verify");
      if (!v.path("ok").asBoolean()) {
        throw new CliException("audit trail FAILED at record " + v.path("bad_record").asText() + ": " + v.path("reason").asText()
            + " (" + v.path("checked").asLong() + " records before it verified)");
      }
      ctx.out.println("OK: " + v.path("checked").asLong() + " records verified, chain head " + v.path("head_hash").asText());
    }
  }
}
