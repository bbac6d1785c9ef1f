package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code esi login} and {@code esi logout}: Keystone password tokens kept in auth.json. */
final class LoginCommands {
  private LoginCommands() {}

  /** Reads the password from --password, --password-stdin or a terminal prompt, in that order. */
  static String password(Leaf cmd, String given, boolean fromStdin, boolean required) {
    if (given != null && fromStdin) {
      throw cmd.usage("give either --password or --password-stdin, not both");
    }
    if (fromStdin) {
      return cmd.ctx.readSecretLine();
    }
    if (given != null || !required) {
      return given;
    }
    String prompted = cmd.ctx.promptSecret("Password: ");
    if (prompted == null) {
      throw cmd.usage("a password is needed: give --password-stdin (or --password)");
    }
    return prompted;
  }

  @Command(name = "login", description = "Log in (Keystone password auth scoped to a project) and store the token")
  static final class Login extends Leaf {
    @Option(names = "--username", required = true, description = "User name")
    String username;

    @Option(names = "--password", description = "Password (visible to other local users via the process list; prefer --password-stdin)")
    String password;

    @Option(names = "--password-stdin", description = "Read the password from the first line of standard input")
    boolean passwordStdin;

    @Option(names = "--project", required = true, description = "Project to scope the token to (name)")
    String project;

    Login(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      String secret = password(this, password, passwordStdin, true);
      String url = ctx.url();
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      ObjectNode identity = body.putObject("auth").putObject("identity");
      identity.putArray("methods").add("password");
      ObjectNode user = identity.putObject("password").putObject("user");
      user.put("name", username);
      user.putObject("domain").put("id", "default");
      user.put("password", secret);
      ObjectNode scope = ((ObjectNode) body.get("auth")).putObject("scope").putObject("project");
      scope.put("name", project);
      scope.putObject("domain").put("id", "default");

      EsiClient.Response r = ctx.client(url, null).send("POST", "/identity/v3/auth/tokens", body);
      String token = r.headers().firstValue("X-Subject-Token")
          .orElseThrow(() -> new CliException("the server answered the login without an X-Subject-Token header"));
      JsonNode t = r.body().path("token");
      String expires = t.path("expires_at").isTextual() ? t.get("expires_at").asText() : null;
      String userName = t.path("user").path("name").asText(username);
      String projectName = t.path("project").path("name").asText(project);
      ctx.authStore().write(new AuthStore.Auth(url, token, expires, projectName, userName));
      ctx.out.println("Logged in to " + url + " as " + userName + " (project " + projectName + ")"
          + (expires == null ? "" : "; token expires at " + expires));
    }
  }

  @Command(name = "logout", description = "Revoke the stored token and remove it")
  static final class Logout extends Leaf {
    Logout(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      AuthStore store = ctx.authStore();
      AuthStore.Auth auth = store.read();
      if (auth == null || auth.token() == null) {
        store.delete();
        ctx.out.println("Not logged in.");
        return;
      }
      try {
        // An expired token needs no revoking; the server would only answer 401.
        if (!auth.expired(ctx.instant())) {
          ctx.client(auth.url(), auth.token()).send("DELETE", "/identity/v3/auth/tokens", null,
              Map.of("X-Subject-Token", auth.token()));
        }
      } catch (CliException e) {
        if (e.status() != 401 && e.status() != 404) {
          store.delete();
          throw new CliException("removed the local login, but revoking the token failed: " + e.getMessage(), e.status());
        }
      }
      store.delete();
      ctx.out.println("Logged out of " + auth.url());
    }
  }
}
