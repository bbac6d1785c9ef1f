package org.esi.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/** Runs the CLI in-process with captured streams, a fixed clock and a private config dir. */
final class CliRun {
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  record Result(int code, String out, String err) {}

  final Map<String, String> env = new HashMap<>();
  String stdin = "";

  CliRun(Path configDir) {
    env.put("ESI_CONFIG_DIR", configDir.toString());
    env.put("HOME", configDir.toString());
  }

  CliRun url(String url) {
    env.put("ESI_URL", url);
    return this;
  }

  Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = EsiCli.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        env, Clock.fixed(NOW, ZoneOffset.UTC));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
