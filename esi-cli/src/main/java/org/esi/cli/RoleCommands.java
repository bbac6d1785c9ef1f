package org.esi.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code esi role ...}: Keystone roles and (user, project, role) assignments. */
@Command(name = "role", description = "Roles and role assignments",
    subcommands = {RoleCommands.List_.class, RoleCommands.Add.class, RoleCommands.Remove.class,
        RoleCommands.Assignment.class})
final class RoleCommands extends Group {

  @Command(name = "list", description = "List roles")
  static final class List_ extends Leaf {
    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().list(List.of(Column.of("ID", "id"), Column.of("Name", "name")),
          client().listAll("/identity/v3/roles", "roles", true));
    }
  }

  /** The grant path shared by add and remove. */
  abstract static class Grant extends Leaf {
    @Option(names = "--user", required = true, description = "User (name or ID)")
    String user;

    @Option(names = "--project", required = true, description = "Project (name or ID)")
    String project;

    @Parameters(paramLabel = "<role>", description = "Role (name or ID)")
    String role;

    Grant(Context ctx) {
      super(ctx);
    }

    String path() {
      EsiClient c = client();
      return "/identity/v3/projects/" + Resolver.projectId(c, project) + "/users/" + Resolver.userId(c, user)
          + "/roles/" + Query.encode(Resolver.roleId(c, role));
    }
  }

  @Command(name = "add", description = "Grant a role to a user on a project")
  static final class Add extends Grant {
    Add(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      client().put(path(), null);
    }
  }

  @Command(name = "remove", description = "Revoke a role from a user on a project")
  static final class Remove extends Grant {
    Remove(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      client().delete(path());
    }
  }

  @Command(name = "assignment", description = "Role assignments", subcommands = AssignmentList.class)
  static final class Assignment extends Group {}

  @Command(name = "list", description = "List role assignments")
  static final class AssignmentList extends Leaf {
    @Option(names = "--user", description = "Only this user's (name or ID)")
    String user;

    @Option(names = "--project", description = "Only on this project (name or ID)")
    String project;

    AssignmentList(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      EsiClient c = client();
      String path = Query.path("/identity/v3/role_assignments")
          .add("user.id", user == null ? null : Resolver.userId(c, user))
          .add("scope.project.id", project == null ? null : Resolver.projectId(c, project))
          .toString();
      output().list(List.of(Column.of("Role", "role.id"), Column.of("User", "user.id"), Column.of("Project", "scope.project.id")),
          c.listAll(path, "role_assignments", true));
    }
  }
}
