package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Waits for a power or provision change to finish: polls {@code GET /nodes/{n}/states} until the node
 * has no target state and is out of Ironic's working states, showing progress on stderr (a spinner with
 * the current state when stderr is a terminal, otherwise one plain line per state change). A node that
 * ends anywhere but the expected state is a failure whose message carries the node's last_error.
 */
final class NodeWait {
  /** Ironic states in which a task is still running. */
  static final Set<String> WORKING = Set.of("verifying", "cleaning", "clean wait", "inspecting", "inspect wait",
      "deploying", "wait call-back", "deploy wait", "deleting", "adopting", "rescuing", "rescue wait", "unrescuing");
  static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
  private static final String[] SPINNER = {"|", "/", "-", "\\"};

  enum Kind { POWER, PROVISION }

  /** {@code --timeout} and {@code --no-wait}, shared by the power and provision verbs. */
  static final class Options {
    @Option(names = "--timeout", paramLabel = "<duration>", converter = DurationConverter.class,
        description = "How long to wait for the node, e.g. 90s, 30m, 2h (default: 30m)")
    Duration timeout = DEFAULT_TIMEOUT;

    @Option(names = "--no-wait", description = "Return once the request is accepted")
    boolean noWait;
  }

  /** Reads {@code 90}, {@code 90s}, {@code 30m}, {@code 2h}, {@code 1d} or ISO-8601 ({@code PT30M}). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return parse(value);
    }
  }

  static Duration parse(String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("p")) {
        return positive(Duration.parse(v.toUpperCase(Locale.ROOT)), value);
      }
      char unit = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
      String digits = Character.isDigit(unit) ? v : v.substring(0, v.length() - 1);
      long n = Long.parseLong(digits);
      Duration d = switch (unit) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> {
          if (!Character.isDigit(unit)) {
            throw new NumberFormatException();
          }
          yield Duration.ofSeconds(n);
        }
      };
      return positive(d, value);
    } catch (RuntimeException e) {
      if (e instanceof CommandLine.TypeConversionException t) {
        throw t;
      }
      throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (use e.g. 90s, 30m, 2h)");
    }
  }

  private static Duration positive(Duration d, String value) {
    if (d.isNegative() || d.isZero()) {
      throw new CommandLine.TypeConversionException("'" + value + "' must be a positive duration");
    }
    return d;
  }

  private final Context ctx;
  private final EsiClient client;
  private final String node;
  private final Kind kind;

  NodeWait(Context ctx, EsiClient client, String node, Kind kind) {
    this.ctx = ctx;
    this.client = client;
    this.node = node;
    this.kind = kind;
  }

  /**
   * Polls until the change is done. {@code expected} is the state that means success (null: wherever
   * the node stops); {@code action} names the request in messages.
   */
  JsonNode await(Duration timeout, String action, String expected) {
    Progress progress = new Progress(ctx.err, terminal(ctx));
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    long interval = pollInterval(ctx);
    JsonNode st;
    try {
      while (true) {
        st = client.get(NodeCommands.path(node) + "/states");
        boolean busy = busy(st);
        progress.show(node + ": " + describe(st), Duration.ofNanos(System.nanoTime() - start), busy);
        if (!busy) {
          break;
        }
        if (System.nanoTime() - deadline > 0) {
          progress.finish();
          throw new CliException("timed out after " + human(timeout) + " waiting for node " + node + " to " + action
              + " (still " + describe(st) + "); it keeps going on the server, check with: esi node show " + node);
        }
        try {
          Thread.sleep(interval);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CliException("interrupted");
        }
      }
    } finally {
      progress.finish();
    }
    String state = current(st);
    String lastError = text(st.path("last_error"));
    // Without an expected state (abort) any end is success: aborting a wait state ends in its "failed" state.
    boolean failed = expected != null && !expected.equals(state);
    if (kind == Kind.POWER && lastError != null) {
      failed = true;
    }
    if (failed) {
      throw new CliException("node " + node + " did not " + action + ": it is " + (kind == Kind.POWER ? "" : "in state ")
          + "'" + state + "'" + (lastError != null ? "; last error: " + lastError : ""));
    }
    return st;
  }

  private boolean busy(JsonNode st) {
    if (kind == Kind.POWER) {
      return text(st.path("target_power_state")) != null;
    }
    return text(st.path("target_provision_state")) != null || WORKING.contains(st.path("provision_state").asText(""));
  }

  private String current(JsonNode st) {
    return st.path(kind == Kind.POWER ? "power_state" : "provision_state").asText("");
  }

  private String describe(JsonNode st) {
    String target = text(st.path(kind == Kind.POWER ? "target_power_state" : "target_provision_state"));
    String state = current(st);
    return (state.isEmpty() ? "unknown" : state) + (target != null ? " -> " + target : "");
  }

  private static String text(JsonNode v) {
    return v == null || v.isMissingNode() || v.isNull() || v.asText().isBlank() ? null : v.asText();
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    if (s % 3600 == 0 && s >= 3600) {
      return s / 3600 + "h";
    }
    if (s % 60 == 0 && s >= 60) {
      return s / 60 + "m";
    }
    return s + "s";
  }

  static long pollInterval(Context ctx) {
    String v = ctx.env.get("ESI_WAIT_INTERVAL_MS");
    try {
      return v == null ? 2000 : Math.max(10, Long.parseLong(v.strip()));
    } catch (NumberFormatException e) {
      return 2000;
    }
  }

  /**
   * Whether stderr is a terminal: ESI_PROGRESS=tty|plain decides when set; otherwise only the real
   * stderr can be one, and {@code test -t 2} in a child that inherits it tells.
   */
  static boolean terminal(Context ctx) {
    String forced = ctx.env.get("ESI_PROGRESS");
    if (forced != null && !forced.isBlank()) {
      return forced.strip().equalsIgnoreCase("tty");
    }
    if (ctx.err != System.err) {
      return false;
    }
    try {
      Process p = new ProcessBuilder("sh", "-c", "test -t 2")
          .redirectInput(ProcessBuilder.Redirect.INHERIT)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      return p.waitFor() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  /** The progress display: a rewritten spinner line on a terminal, plain lines on change otherwise. */
  static final class Progress {
    private final PrintStream err;
    private final boolean tty;
    private String last;
    private int frame;
    private int width;

    Progress(PrintStream err, boolean tty) {
      this.err = err;
      this.tty = tty;
    }

    void show(String state, Duration elapsed, boolean busy) {
      if (tty) {
        String line = (busy ? SPINNER[frame++ % SPINNER.length] : "*") + " " + state + " (" + human(elapsed.withNanos(0)) + ")";
        err.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
        width = line.length();
        err.flush();
      } else if (!state.equals(last)) {
        err.println(state);
      }
      last = state;
    }

    void finish() {
      if (tty && width > 0) {
        // Leave the last state on screen, without the spinner.
        err.print("\r" + last + " ".repeat(Math.max(0, width - last.length())) + "\n");
        err.flush();
        width = 0;
      }
    }
  }
}
