package org.esi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthTest {
  private static final String TOKEN = "gAAAAsecret-token-value";
  private static final String LOGIN_REPLY = """
      {"token": {"expires_at": "2026-03-02T00:00:00.000000Z", "issued_at": "2026-03-01T12:00:00.000000Z",
        "methods": ["password"], "user": {"id": "u1", "name": "alice"},
        "project": {"id": "p1", "name": "lab"}, "roles": [{"name": "owner"}], "catalog": []}}
      """;

  @TempDir
  Path dir;

  private RecordingServer server() throws Exception {
    RecordingServer s = new RecordingServer();
    s.on("POST", "/identity/v3/auth/tokens", 201, LOGIN_REPLY, Map.of("X-Subject-Token", TOKEN));
    s.on("DELETE", "/identity/v3/auth/tokens", 204, "");
    s.on("GET", "/identity/v3/roles", 200, "{\"roles\": [{\"id\": \"r1\", \"name\": \"owner\"}]}");
    return s;
  }

  @Test
  void loginPostsKeystonePasswordBodyAndStoresA0600File() throws Exception {
    Path cfg = dir.resolve("cfg");
    try (RecordingServer s = server()) {
      CliRun cli = new CliRun(cfg).url(s.url());
      cli.stdin = "s3cret pass\n";
      CliRun.Result r = cli.run("login", "--username", "alice", "--password-stdin", "--project", "lab");

      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("alice").contains("lab").doesNotContain(TOKEN).doesNotContain("s3cret");
      JsonNode body = new ObjectMapper().readTree(s.last("POST", "/identity/v3/auth/tokens").body());
      assertThat(body).isEqualTo(new ObjectMapper().readTree("""
          {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "alice",
             "domain": {"id": "default"}, "password": "s3cret pass"}}},
           "scope": {"project": {"name": "lab", "domain": {"id": "default"}}}}}"""));

      Path file = cfg.resolve("auth.json");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cfg))).isEqualTo("rwx------");
      JsonNode stored = new ObjectMapper().readTree(file.toFile());
      assertThat(stored.get("url").asText()).isEqualTo(s.url());
      assertThat(stored.get("token").asText()).isEqualTo(TOKEN);
      assertThat(stored.get("expires_at").asText()).isEqualTo("2026-03-02T00:00:00.000000Z");
      assertThat(stored.get("project").asText()).isEqualTo("lab");
      assertThat(stored.get("user").asText()).isEqualTo("alice");

      // Later commands send the stored token, even without ESI_URL (the login's URL is remembered).
      cli.env.remove("ESI_URL");
      assertThat(cli.run("role", "list").code()).isZero();
      assertThat(s.last("GET", "/identity/v3/roles").header("X-Auth-Token")).isEqualTo(TOKEN);
    }
  }

  @Test
  void rewritingTheFileKeepsItPrivate() throws Exception {
    AuthStore store = new AuthStore(dir.resolve("c"));
    store.write(new AuthStore.Auth("http://x", "t1", null, "p", "u"));
    store.write(new AuthStore.Auth("http://x", "t2", null, "p", "u"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file()))).isEqualTo("rw-------");
    assertThat(store.read().token()).isEqualTo("t2");
    assertThat(store.read().toString()).doesNotContain("t2");
    try (var files = Files.list(dir.resolve("c"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("auth.json");
    }
  }

  @Test
  void expiredTokenSaysRunLogin() throws Exception {
    try (RecordingServer s = server()) {
      new AuthStore(dir).write(new AuthStore.Auth(s.url(), TOKEN, "2026-03-01T11:59:59Z", "lab", "alice"));
      CliRun.Result r = new CliRun(dir).url(s.url()).run("role", "list");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).isEqualTo("esi: token expired: run esi login\n");
      assertThat(s.requests).isEmpty();
    }
  }

  @Test
  void storedTokenIsNotSentToAnotherServer() throws Exception {
    try (RecordingServer s = server()) {
      new AuthStore(dir).write(new AuthStore.Auth("http://elsewhere:7777", TOKEN, null, "lab", "alice"));
      new CliRun(dir).run("--url", s.url(), "role", "list");
      assertThat(s.last("GET", "/identity/v3/roles").header("X-Auth-Token")).isNull();
      // An explicit token always goes.
      new CliRun(dir).run("--url", s.url(), "--token", "explicit", "role", "list");
      assertThat(s.last("GET", "/identity/v3/roles").header("X-Auth-Token")).isEqualTo("explicit");
    }
  }

  @Test
  void logoutRevokesAndRemovesTheFile() throws Exception {
    try (RecordingServer s = server()) {
      new AuthStore(dir).write(new AuthStore.Auth(s.url(), TOKEN, "2026-03-02T00:00:00Z", "lab", "alice"));
      CliRun.Result r = new CliRun(dir).run("logout");
      assertThat(r.code()).as(r.err()).isZero();
      RecordingServer.Request del = s.last("DELETE", "/identity/v3/auth/tokens");
      assertThat(del.header("X-Subject-Token")).isEqualTo(TOKEN);
      assertThat(del.header("X-Auth-Token")).isEqualTo(TOKEN);
      assertThat(dir.resolve("auth.json")).doesNotExist();
      assertThat(r.out()).doesNotContain(TOKEN);
    }
  }

  @Test
  void failedLoginReportsKeystoneMessageAndWritesNothing() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("POST", "/identity/v3/auth/tokens", 401, "{\"error\": {\"code\": 401, \"message\": \"Invalid username or password\"}}");
      CliRun.Result r = new CliRun(dir).url(s.url()).run("login", "--username", "a", "--password", "pw", "--project", "p");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).isEqualTo("esi: Invalid username or password (HTTP 401)\n");
      assertThat(dir.resolve("auth.json")).doesNotExist();
    }
  }
}
