package org.esi.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * What every command needs: the streams, the environment, the clock, the global options, and
 * from those the server URL, the token and the HTTP client. Passed to commands by constructor.
 */
final class Context {
  static final String DEFAULT_URL = "http://127.0.0.1:7777";
  private static final DateTimeFormatter UTC_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

  final InputStream in;
  final PrintStream out;
  final PrintStream err;
  final Map<String, String> env;
  final Clock clock;
  RootCommand options;
  private EsiClient client;

  Context(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
    this.in = in;
    this.out = out;
    this.err = err;
    this.env = env;
    this.clock = clock;
  }

  AuthStore authStore() {
    return new AuthStore(AuthStore.configDir(env));
  }

  /** --url, else ESI_URL, else the URL of the stored login, else the default. */
  String url() {
    String u = firstNonBlank(options.url, env.get("ESI_URL"));
    if (u == null) {
      AuthStore.Auth a = authStore().read();
      u = a != null && a.url() != null ? a.url() : DEFAULT_URL;
    }
    return u.replaceAll("/+$", "");
  }

  /**
   * --token, else ESI_TOKEN, else the stored login's token, but only when it was issued by the
   * URL we are talking to (a token is never sent to another server).
   */
  String token() {
    String t = firstNonBlank(options.token, env.get("ESI_TOKEN"));
    if (t != null) {
      return t;
    }
    AuthStore.Auth a = authStore().read();
    if (a == null || a.token() == null || a.url() == null || !a.url().replaceAll("/+$", "").equals(url())) {
      return null;
    }
    if (a.expired(clock.instant())) {
      throw new CliException("token expired: run esi login");
    }
    return a.token();
  }

  /** The client for authenticated calls. */
  EsiClient client() {
    if (client == null) {
      client = new EsiClient(url(), token(), options.insecure);
    }
    return client;
  }

  /** A client that sends no stored token (for login, and logout which sends its own). */
  EsiClient client(String url, String token) {
    return new EsiClient(url, token, options.insecure);
  }

  Output output() {
    return new Output(out, options.format, options.columns);
  }

  String now() {
    return UTC_SECONDS.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
  }

  Instant instant() {
    return clock.instant();
  }

  /** First line of stdin, for --password-stdin (so passwords stay out of argv and shell history). */
  String readSecretLine() {
    try {
      String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
      if (line == null || line.isEmpty()) {
        throw new CliException("no password on standard input");
      }
      return line;
    } catch (IOException e) {
      throw new CliException("cannot read standard input: " + e.getMessage());
    }
  }

  /** Asks on the terminal without echo, or returns null when there is no terminal. */
  String promptSecret(String prompt) {
    Console c = in == System.in ? System.console() : null;
    if (c == null) {
      return null;
    }
    char[] p = c.readPassword("%s", prompt);
    return p == null || p.length == 0 ? null : new String(p);
  }

  private static String firstNonBlank(String a, String b) {
    if (a != null && !a.isBlank()) {
      return a;
    }
    return b != null && !b.isBlank() ? b : null;
  }
}
