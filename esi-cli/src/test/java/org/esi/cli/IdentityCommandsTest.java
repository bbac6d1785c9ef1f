package org.esi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String P_ID = "0123456789abcdef0123456789abcdef";
  private static final String U_ID = "fedcba9876543210fedcba9876543210";

  @TempDir
  Path dir;

  private RecordingServer server() throws Exception {
    RecordingServer s = new RecordingServer();
    s.on("GET", "/identity/v3/projects?name=lab", 200, "{\"projects\": [{\"id\": \"" + P_ID + "\", \"name\": \"lab\"}], \"links\": {\"next\": null}}");
    s.on("GET", "/identity/v3/users?name=alice", 200, "{\"users\": [{\"id\": \"" + U_ID + "\", \"name\": \"alice\"}]}");
    s.on("GET", "/identity/v3/roles", 200, "{\"roles\": [{\"id\": \"r-owner\", \"name\": \"owner\"}, {\"id\": \"r-admin\", \"name\": \"admin\"}]}");
    s.on("PUT", "/identity/v3/projects/" + P_ID + "/users/" + U_ID + "/roles/r-owner", 204, "");
    s.on("DELETE", "/identity/v3/projects/" + P_ID + "/users/" + U_ID + "/roles/r-owner", 204, "");
    return s;
  }

  @Test
  void roleAddResolvesNamesToIds() throws Exception {
    try (RecordingServer s = server()) {
      CliRun.Result r = new CliRun(dir).url(s.url()).run("role", "add", "--user", "alice", "--project", "lab", "owner");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(s.calls()).containsExactly(
          "GET /identity/v3/projects?name=lab",
          "GET /identity/v3/users?name=alice",
          "GET /identity/v3/roles",
          "PUT /identity/v3/projects/" + P_ID + "/users/" + U_ID + "/roles/r-owner");
      new CliRun(dir).url(s.url()).run("role", "remove", "--user", U_ID, "--project", P_ID, "owner");
      assertThat(s.calls()).last().isEqualTo("DELETE /identity/v3/projects/" + P_ID + "/users/" + U_ID + "/roles/r-owner");
    }
  }

  @Test
  void unknownNameIsAClearError() throws Exception {
    try (RecordingServer s = server()) {
      s.on("GET", "/identity/v3/projects?name=nope", 200, "{\"projects\": []}");
      CliRun.Result r = new CliRun(dir).url(s.url()).run("project", "show", "nope");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).isEqualTo("esi: no project with a name or ID of 'nope' exists\n");
    }
  }

  @Test
  void projectCreateAndList() throws Exception {
    try (RecordingServer s = server()) {
      s.on("POST", "/identity/v3/projects", 201, "{\"project\": {\"id\": \"" + P_ID + "\", \"name\": \"team\", \"description\": \"d\", "
          + "\"enabled\": true, \"domain_id\": \"default\", \"parent_id\": \"" + P_ID + "\", \"links\": {\"self\": \"x\"}}}");
      s.on("GET", "/identity/v3/projects", 200, "{\"projects\": [{\"id\": \"" + P_ID + "\", \"name\": \"lab\"}]}");
      CliRun cli = new CliRun(dir).url(s.url());
      CliRun.Result r = cli.run("project", "create", "team", "--description", "d", "--parent", "lab", "-f", "value", "-c", "name");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).isEqualTo("team\n");
      assertThat(JSON.readTree(s.last("POST", "/identity/v3/projects").body())).isEqualTo(JSON.readTree(
          "{\"project\": {\"name\": \"team\", \"domain_id\": \"default\", \"description\": \"d\", \"parent_id\": \"" + P_ID + "\", \"enabled\": true}}"));
      assertThat(cli.run("project", "list", "-f", "value").out()).isEqualTo(P_ID + " lab\n");
    }
  }

  @Test
  void userCreateSendsPasswordFromStdinButNeverPrintsIt() throws Exception {
    try (RecordingServer s = server()) {
      s.on("POST", "/identity/v3/users", 201, "{\"user\": {\"id\": \"" + U_ID + "\", \"name\": \"bob\", \"email\": \"b@x\", "
          + "\"default_project_id\": \"" + P_ID + "\", \"enabled\": true, \"domain_id\": \"default\"}}");
      CliRun cli = new CliRun(dir).url(s.url());
      cli.stdin = "hunter2\n";
      CliRun.Result r = cli.run("user", "create", "bob", "--password-stdin", "--project", "lab", "--email", "b@x");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("| email              | b@x").doesNotContain("hunter2");
      assertThat(JSON.readTree(s.last("POST", "/identity/v3/users").body())).isEqualTo(JSON.readTree(
          "{\"user\": {\"name\": \"bob\", \"domain_id\": \"default\", \"password\": \"hunter2\", \"default_project_id\": \""
              + P_ID + "\", \"email\": \"b@x\", \"enabled\": true}}"));
    }
  }

  @Test
  void userSetPatchesAndDeleteResolves() throws Exception {
    try (RecordingServer s = server()) {
      s.on("PATCH", "/identity/v3/users/" + U_ID, 200, "{\"user\": {}}");
      s.on("DELETE", "/identity/v3/users/" + U_ID, 204, "");
      CliRun cli = new CliRun(dir).url(s.url());
      assertThat(cli.run("user", "set", "alice", "--email", "a@y", "--disable").code()).isZero();
      assertThat(JSON.readTree(s.last("PATCH", "/identity/v3/users/" + U_ID).body()))
          .isEqualTo(JSON.readTree("{\"user\": {\"email\": \"a@y\", \"enabled\": false}}"));
      assertThat(cli.run("user", "delete", "alice").code()).isZero();
      assertThat(s.calls()).last().isEqualTo("DELETE /identity/v3/users/" + U_ID);
    }
  }

  @Test
  void roleAssignmentListFilters() throws Exception {
    try (RecordingServer s = server()) {
      s.on("GET", "/identity/v3/role_assignments", 200, "{\"role_assignments\": [{\"role\": {\"id\": \"r-owner\"}, "
          + "\"user\": {\"id\": \"" + U_ID + "\"}, \"scope\": {\"project\": {\"id\": \"" + P_ID + "\"}}}]}");
      CliRun.Result r = new CliRun(dir).url(s.url()).run("role", "assignment", "list", "--user", "alice", "--project", "lab", "-f", "value");
      assertThat(r.out()).isEqualTo("r-owner " + U_ID + " " + P_ID + "\n");
      assertThat(s.calls()).last().isEqualTo("GET /identity/v3/role_assignments?user.id=" + U_ID + "&scope.project.id=" + P_ID);
    }
  }
}
