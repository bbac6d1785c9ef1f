package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code esi project ...} over Keystone's /identity/v3/projects. */
@Command(name = "project", description = "Manage projects",
    subcommands = {ProjectCommands.List_.class, ProjectCommands.Show.class, ProjectCommands.Create.class,
        ProjectCommands.Set_.class, ProjectCommands.Delete.class})
final class ProjectCommands extends Group {
  static final String BASE = "/identity/v3/projects";

  static void show(Context ctx, JsonNode project) {
    ctx.output().show(Fields.sorted(project, Fields.LINKS));
  }

  /** --enable / --disable as a tri-state: absent means "leave as is". */
  static Boolean enabled(boolean enable, boolean disable, Leaf cmd) {
    if (enable && disable) {
      throw cmd.usage("give either --enable or --disable, not both");
    }
    return enable ? Boolean.TRUE : disable ? Boolean.FALSE : null;
  }

  @Command(name = "list", description = "List projects")
  static final class List_ extends Leaf {
    @Option(names = "--parent", description = "Only children of this project (name or ID)")
    String parent;

    @Option(names = "--long", description = "More columns")
    boolean longFormat;

    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      String parentId = parent == null ? null : Resolver.projectId(client(), parent);
      List<JsonNode> rows = client().listAll(Query.path(BASE).add("parent_id", parentId).toString(), "projects", true);
      List<Column> cols = new ArrayList<>(List.of(Column.of("ID", "id"), Column.of("Name", "name")));
      if (longFormat) {
        cols.addAll(List.of(Column.of("Parent ID", "parent_id"), Column.of("Domain ID", "domain_id"),
            Column.of("Description", "description"), Column.of("Enabled", "enabled")));
      }
      output().list(cols, rows);
    }
  }

  @Command(name = "show", description = "Show a project")
  static final class Show extends Leaf {
    @Parameters(paramLabel = "<project>", description = "Name or ID")
    String project;

    Show(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      show(ctx, Resolver.identity(client(), "projects", "project", project));
    }
  }

  @Command(name = "create", description = "Create a project")
  static final class Create extends Leaf {
    @Parameters(paramLabel = "<name>", description = "Project name")
    String name;

    @Option(names = "--description", description = "Free-text description")
    String description;

    @Option(names = "--parent", description = "Parent project (name or ID)")
    String parent;

    @Option(names = "--enable", description = "Enabled (default)")
    boolean enable;

    @Option(names = "--disable", description = "Disabled: its users cannot log in to it")
    boolean disable;

    Create(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      ObjectNode p = body.putObject("project");
      p.put("name", name);
      p.put("domain_id", "default");
      if (description != null) {
        p.put("description", description);
      }
      if (parent != null) {
        p.put("parent_id", Resolver.projectId(client(), parent));
      }
      Boolean en = enabled(enable, disable, this);
      p.put("enabled", en == null || en);
      show(ctx, client().post(BASE, body).path("project"));
    }
  }

  @Command(name = "set", description = "Change a project")
  static final class Set_ extends Leaf {
    @Parameters(paramLabel = "<project>", description = "Name or ID")
    String project;

    @Option(names = "--name", description = "New name")
    String name;

    @Option(names = "--description", description = "New description")
    String description;

    @Option(names = "--enable", description = "Enable the project")
    boolean enable;

    @Option(names = "--disable", description = "Disable the project: its users cannot log in to it")
    boolean disable;

    Set_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      ObjectNode p = body.putObject("project");
      if (name != null) {
        p.put("name", name);
      }
      if (description != null) {
        p.put("description", description);
      }
      Boolean en = enabled(enable, disable, this);
      if (en != null) {
        p.put("enabled", en);
      }
      if (p.isEmpty()) {
        throw usage("nothing to change: give --name, --description, --enable or --disable");
      }
      client().patch(BASE + "/" + Resolver.projectId(client(), project), body);
    }
  }

  @Command(name = "delete", description = "Delete projects")
  static final class Delete extends Leaf {
    @Parameters(paramLabel = "<project>", arity = "1..*", description = "Names or IDs")
    List<String> projects;

    Delete(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      for (String p : projects) {
        client().delete(BASE + "/" + Resolver.projectId(client(), p));
      }
    }
  }

}
