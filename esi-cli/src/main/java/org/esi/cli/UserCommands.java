package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code esi user ...} over Keystone's /identity/v3/users. Passwords are sent, never printed. */
@Command(name = "user", description = "Manage users",
    subcommands = {UserCommands.List_.class, UserCommands.Show.class, UserCommands.Create.class,
        UserCommands.Set_.class, UserCommands.Delete.class})
final class UserCommands extends Group {
  static final String BASE = "/identity/v3/users";

  static void show(Context ctx, JsonNode user) {
    JsonNode safe = user.deepCopy();
    if (safe.isObject()) {
      ((ObjectNode) safe).remove("password");
    }
    ctx.output().show(Fields.sorted(safe, Fields.LINKS));
  }

  @Command(name = "list", description = "List users")
  static final class List_ extends Leaf {
    @Option(names = "--long", description = "More columns")
    boolean longFormat;

    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      List<JsonNode> rows = client().listAll(BASE, "users", true);
      List<Column> cols = new ArrayList<>(List.of(Column.of("ID", "id"), Column.of("Name", "name")));
      if (longFormat) {
        cols.addAll(List.of(Column.of("Project", "default_project_id"), Column.of("Domain", "domain_id"),
            Column.of("Email", "email"), Column.of("Enabled", "enabled")));
      }
      output().list(cols, rows);
    }
  }

  @Command(name = "show", description = "Show a user")
  static final class Show extends Leaf {
    @Parameters(paramLabel = "<user>", description = "Name or ID")
    String user;

    Show(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      show(ctx, Resolver.identity(client(), "users", "user", user));
    }
  }

  @Command(name = "create", description = "Create a user")
  static final class Create extends Leaf {
    @Parameters(paramLabel = "<name>", description = "User name")
    String name;

    @Option(names = "--password", description = "Password (prefer --password-stdin)")
    String password;

    @Option(names = "--password-stdin", description = "Read the password from the first line of standard input")
    boolean passwordStdin;

    @Option(names = "--project", description = "Default project (name or ID)")
    String project;

    @Option(names = "--email", description = "E-mail address")
    String email;

    @Option(names = "--description", description = "Free-text description")
    String description;

    @Option(names = "--enable", description = "Enabled (default)")
    boolean enable;

    @Option(names = "--disable", description = "Disabled: cannot log in")
    boolean disable;

    Create(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      String secret = LoginCommands.password(this, password, passwordStdin, false);
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      ObjectNode u = body.putObject("user");
      u.put("name", name);
      u.put("domain_id", "default");
      if (secret != null) {
        u.put("password", secret);
      }
      if (project != null) {
        u.put("default_project_id", Resolver.projectId(client(), project));
      }
      if (email != null) {
        u.put("email", email);
      }
      if (description != null) {
        u.put("description", description);
      }
      Boolean en = ProjectCommands.enabled(enable, disable, this);
      u.put("enabled", en == null || en);
      show(ctx, client().post(BASE, body).path("user"));
    }
  }

  @Command(name = "set", description = "Change a user")
  static final class Set_ extends Leaf {
    @Parameters(paramLabel = "<user>", description = "Name or ID")
    String user;

    @Option(names = "--name", description = "New name")
    String name;

    @Option(names = "--password", description = "New password (prefer --password-stdin)")
    String password;

    @Option(names = "--password-stdin", description = "Read the new password from standard input")
    boolean passwordStdin;

    @Option(names = "--project", description = "Default project (name or ID)")
    String project;

    @Option(names = "--email", description = "New e-mail address")
    String email;

    @Option(names = "--description", description = "New description")
    String description;

    @Option(names = "--enable", description = "Enable the user")
    boolean enable;

    @Option(names = "--disable", description = "Disable the user: it can no longer log in")
    boolean disable;

    Set_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      String secret = LoginCommands.password(this, password, passwordStdin, false);
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      ObjectNode u = body.putObject("user");
      if (name != null) {
        u.put("name", name);
      }
      if (secret != null) {
        u.put("password", secret);
      }
      if (project != null) {
        u.put("default_project_id", Resolver.projectId(client(), project));
      }
      if (email != null) {
        u.put("email", email);
      }
      if (description != null) {
        u.put("description", description);
      }
      Boolean en = ProjectCommands.enabled(enable, disable, this);
      if (en != null) {
        u.put("enabled", en);
      }
      if (u.isEmpty()) {
        throw usage("nothing to change");
      }
      client().patch(BASE + "/" + Resolver.userId(client(), user), body);
    }
  }

  @Command(name = "delete", description = "Delete users")
  static final class Delete extends Leaf {
    @Parameters(paramLabel = "<user>", arity = "1..*", description = "Names or IDs")
    List<String> users;

    Delete(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      for (String u : users) {
        client().delete(BASE + "/" + Resolver.userId(client(), u));
      }
    }
  }
}
