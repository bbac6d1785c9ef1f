package org.esi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiErrorsTest {
  @TempDir
  Path dir;

  @Test
  void leaseFaultstring() {
    assertThat(ApiErrors.message(409, "{\"faultcode\": \"Client\", \"faultstring\": \"Time conflict\", \"debuginfo\": null}"))
        .isEqualTo("Time conflict");
  }

  @Test
  void keystoneError() {
    assertThat(ApiErrors.message(401, "{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\": \"The request you have made requires authentication.\"}}"))
        .isEqualTo("The request you have made requires authentication.");
  }

  @Test
  void ironicDoubleEncodedErrorMessage() {
    assertThat(ApiErrors.message(404, "{\"error_message\": \"{\\\"faultcode\\\": \\\"Client\\\", \\\"faultstring\\\": \\\"Node n1 could not be found.\\\", \\\"debuginfo\\\": null}\"}"))
        .isEqualTo("Node n1 could not be found.");
    assertThat(ApiErrors.message(400, "{\"error_message\": \"plain words\"}")).isEqualTo("plain words");
  }

  @Test
  void otherBodies() {
    assertThat(ApiErrors.message(502, "Bad Gateway\nmore")).isEqualTo("Bad Gateway");
    assertThat(ApiErrors.message(500, "<html>oops</html>")).isEqualTo("server error");
    assertThat(ApiErrors.message(404, "")).isEqualTo("not found");
  }

  @Test
  void cliPrintsOneLineWithStatusAndExits1() throws Exception {
    try (RecordingServer s = new RecordingServer()) {
      s.on("GET", "/baremetal/v1/nodes/n1", 404,
          "{\"error_message\": \"{\\\"faultstring\\\": \\\"Node n1 could not be found.\\\"}\"}");
      s.on("GET", "/identity/v3/projects", 403, "{\"error\": {\"code\": 403, \"message\": \"You are not authorized.\"}}");
      s.on("GET", "/lease/v1/leases/x", 404, "{\"faultcode\": \"Client\", \"faultstring\": \"Lease x not found.\"}");
      CliRun cli = new CliRun(dir).url(s.url());
      CliRun.Result r = cli.run("node", "show", "n1");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.out()).isEmpty();
      assertThat(r.err()).isEqualTo("esi: Node n1 could not be found. (HTTP 404)\n");
      assertThat(cli.run("project", "list").err()).isEqualTo("esi: You are not authorized. (HTTP 403)\n");
      assertThat(cli.run("lease", "show", "x").err()).isEqualTo("esi: Lease x not found. (HTTP 404)\n");
    }
  }

  @Test
  void connectionRefused() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    CliRun.Result r = new CliRun(dir).url("http://127.0.0.1:" + port).run("node", "show", "n1");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("esi: cannot reach ESI at http://127.0.0.1:" + port + ": connection refused\n");
  }

  @Test
  void usageErrorsExit2WithOneLine() {
    CliRun.Result r = new CliRun(dir).run("node", "create");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("esi: Missing required option: '--driver=<driver>'").endsWith("\n");
    assertThat(r.err().lines().count()).isEqualTo(1);
    assertThat(new CliRun(dir).run("offer", "list", "--time-range", "a").code()).isEqualTo(2);
    assertThat(new CliRun(dir).run("nosuch").code()).isEqualTo(2);
  }

  @Test
  void helpWorksOnEveryVerb() {
    CliRun.Result r = new CliRun(dir).run("node", "list", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Usage: esi node list").contains("/lease/v1");
  }
}
