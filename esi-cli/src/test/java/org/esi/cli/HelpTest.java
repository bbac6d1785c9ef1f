package org.esi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code esi ... --help} describes every option and argument of every verb, and says what a time may be. */
class HelpTest {
  private static CommandLine root() {
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    return EsiCli.commandLine(new Context(new ByteArrayInputStream(new byte[0]), quiet, quiet, Map.of(), Clock.systemUTC()));
  }

  private static List<CommandSpec> allCommands(CommandLine cl) {
    List<CommandSpec> all = new ArrayList<>();
    all.add(cl.getCommandSpec());
    cl.getSubcommands().values().forEach(sub -> all.addAll(allCommands(sub)));
    return all;
  }

  private static String name(CommandSpec c, ArgSpec a) {
    return c.qualifiedName() + " " + (a instanceof OptionSpec o ? o.longestName() : a.paramLabel());
  }

  @Test
  void everyOptionAndArgumentHasADescription() {
    List<CommandSpec> commands = allCommands(root());
    assertThat(commands).hasSizeGreaterThan(60);
    List<String> undescribed = new ArrayList<>();
    for (CommandSpec c : commands) {
      assertThat(c.usageMessage().description()).as(c.qualifiedName() + " has a description").isNotEmpty();
      for (ArgSpec a : c.args()) {
        if (String.join("", a.description()).isBlank()) {
          undescribed.add(name(c, a));
        }
      }
    }
    assertThat(undescribed).as("options and arguments without a description").isEmpty();
  }

  @Test
  void everyTimeOptionSaysWhatATimeMayBe() {
    List<String> times = new ArrayList<>();
    for (CommandSpec c : allCommands(root())) {
      for (ArgSpec a : c.args()) {
        boolean isTime = a.type() == When.class || List.of(a.auxiliaryTypes()).contains(When.class);
        if (isTime) {
          times.add(name(c, a));
          assertThat(String.join(" ", a.description())).as(name(c, a)).contains("2026-01-02T03:04:05", "now+1h", "now-30m");
        }
      }
    }
    assertThat(times).contains("esi offer create --start-time", "esi offer claim --end-time", "esi lease list --time-range",
        "esi lease update --end-time", "esi node schedule --start", "esi event list --last-notification-time");
  }

  @Test
  void helpOfAVerbShowsTheTimeFormats() {
    CliRun.Result r = new CliRun(java.nio.file.Path.of(System.getProperty("java.io.tmpdir"))).run("offer", "claim", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("--start-time=<time>").contains("now+1h");
  }
}
