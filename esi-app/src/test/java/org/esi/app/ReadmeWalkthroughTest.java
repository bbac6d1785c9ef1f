package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.esi.cli.EsiCli;
import org.esi.drivers.fake.FakeHardwareDriver;
import org.esi.server.SwitchDrivers;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walk-through, run as printed: every command between {@code <!-- walkthrough -->} and
 * {@code <!-- /walkthrough -->} in the indented or fenced code blocks, in order, against a test server
 * with the switch drivers {@code esi serve} offers. What stands in for a terminal:
 * <ul>
 *   <li>{@code bin/esi ...} is the in-process client, with {@code ESI_URL} set to the test server (the
 *   README's commands rely on the default URL, as a reader's do) and a config directory of its own;</li>
 *   <li>{@code ~} is a home directory whose {@code .local/share/esi/admin-password} holds the test server's
 *   admin password, where {@code esi serve} leaves it for a non-root user;</li>
 *   <li>{@code echo 'text' | bin/esi ...} and {@code bin/esi ... < file} are standard input; any other
 *   command reads an empty one (so {@code node console} ends at once, as with {@code < /dev/null});</li>
 *   <li>{@code a && b} runs b after a succeeded, a trailing backslash continues the line, {@code #} starts
 *   a comment, and words are quoted as in a POSIX shell.</li>
 * </ul>
 * Anything else (another program, {@code $(...)}, a variable) fails the test, so the section only holds
 * what a reader can paste. The test fails when any command exits non-zero.
 */
class ReadmeWalkthroughTest {
    static final String BEGIN = "<!-- walkthrough";
    static final String END = "<!-- /walkthrough -->";

    @TempDir
    Path home;
    @TempDir
    Path config;

    @Test
    void everyCommandOfTheReadmeWalkthroughSucceeds() throws Exception {
        List<String> commands = commands(Files.readString(readme()));
        assertThat(commands).as("walk-through commands in README.md").hasSizeGreaterThan(20);
        Path adminPassword = home.resolve(".local/share/esi/admin-password");
        Files.createDirectories(adminPassword.getParent());
        Files.writeString(adminPassword, TestingEsiServer.ADMIN_PASSWORD + "\n");
        try (TestingEsiServer server = TestingEsiServer.start(Map.of(), Clock.systemUTC(),
                new FakeHardwareDriver(Clock.systemUTC()), SwitchDrivers.standard())) {
            Map<String, String> printed = new HashMap<>();
            for (String line : commands) {
                for (List<String> words : chain(line)) {
                    Run r = run(server, words);
                    System.out.println("$ " + String.join(" ", words) + "\n" + r.out() + r.err());
                    assertThat(r.code()).as("README command `%s` failed:\n%s%s", line, r.out(), r.err()).isZero();
                    printed.merge(String.join(" ", words.subList(0, Math.min(4, words.size()))), r.out() + r.err(), String::concat);
                }
            }
            // What the text around the commands says they do, beyond their exit codes.
            assertThat(printed.get("bin/esi node network attach")).as("the attach configured the switch port")
                    .contains("52:54:00:12:34:56", "eth1", "blue (", "active");
            assertThat(printed.get("bin/esi node console n1")).contains("Connected to the console of node n1");
            assertThat(printed.get("bin/esi node power on")).contains("power on");
            assertThat(printed.get("bin/esi lease list --status")).as("nothing active: the header alone").contains("| UUID ")
                    .doesNotContain("n1");
        }
    }

    record Run(int code, String out, String err) {}

    /** One command: {@code [echo text |] bin/esi args [< file]}. */
    private Run run(TestingEsiServer server, List<String> words) throws IOException {
        List<String> w = new ArrayList<>(words);
        String stdin = "";
        int pipe = w.indexOf("|");
        if (pipe >= 0) {
            if (!w.get(0).equals("echo") || pipe == 0) {
                fail("only `echo text | bin/esi ...` may pipe: " + words);
            }
            stdin = String.join(" ", w.subList(1, pipe)) + "\n";
            w = new ArrayList<>(w.subList(pipe + 1, w.size()));
        }
        int redirect = w.indexOf("<");
        if (redirect >= 0) {
            assertThat(redirect).as("`< file` ends the command: " + words).isEqualTo(w.size() - 2);
            stdin = Files.readString(Path.of(w.get(redirect + 1).replaceFirst("^~", home.toString())));
            w = new ArrayList<>(w.subList(0, redirect));
        }
        if (w.isEmpty() || !w.get(0).equals("bin/esi")) {
            fail("the walk-through may only run bin/esi: " + words);
        }
        Map<String, String> env = new HashMap<>();
        env.put("ESI_URL", server.url());
        env.put("ESI_CONFIG_DIR", config.toString());
        env.put("HOME", home.toString());
        env.put("ESI_WAIT_INTERVAL_MS", "100");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = EsiCli.run(w.subList(1, w.size()).toArray(String[]::new),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The README, found from the module's directory (Maven runs tests there) or the repository root. */
    static Path readme() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("esi-app"))) {
                return dir.resolve("README.md");
            }
        }
        throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath());
    }

    /** The code lines of the marked section, continuation lines joined. */
    static List<String> commands(String markdown) {
        int begin = markdown.indexOf(BEGIN);
        int end = markdown.indexOf(END);
        assertThat(begin).as("README.md has a %s ... %s section", BEGIN, END).isNotNegative();
        assertThat(end).as("the walk-through section is closed by %s", END).isGreaterThan(begin);
        List<String> out = new ArrayList<>();
        boolean fenced = false;
        StringBuilder pending = new StringBuilder();
        for (String line : markdown.substring(markdown.indexOf('\n', begin) + 1, end).split("\n", -1)) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            String code = fenced ? line : line.startsWith("    ") ? line.substring(4) : null;
            if (code == null || (code.isBlank() && pending.isEmpty())) {
                continue;
            }
            if (code.endsWith("\\")) {
                pending.append(code, 0, code.length() - 1).append(' ');
                continue;
            }
            pending.append(code);
            out.add(pending.toString().strip());
            pending.setLength(0);
        }
        return out;
    }

    /** Words of a line as a POSIX shell splits them, commands separated by {@code &&}; a comment ends the line. */
    static List<List<String>> chain(String line) {
        List<List<String>> commands = new ArrayList<>();
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'' ) {
                int close = line.indexOf('\'', i + 1);
                assertThat(close).as("unclosed quote in: " + line).isPositive();
                word = (word == null ? new StringBuilder() : word).append(line, i + 1, close);
                i = close;
            } else if (c == '"') {
                int close = line.indexOf('"', i + 1);
                assertThat(close).as("unclosed quote in: " + line).isPositive();
                String inside = line.substring(i + 1, close);
                assertThat(inside).as("no expansions in: " + line).doesNotContain("$", "`", "\\");
                word = (word == null ? new StringBuilder() : word).append(inside);
                i = close;
            } else if (c == '$' || c == '`' || c == ';' || c == '>' || c == '*' || c == '\\') {
                fail("the walk-through has no shell expansions, lists or redirections to files: " + line);
            } else if (c == '#' && word == null) {
                break;
            } else if (Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else if (line.startsWith("&&", i)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                commands.add(words);
                words = new ArrayList<>();
                i++;
            } else {
                word = (word == null ? new StringBuilder() : word).append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        commands.add(words);
        return commands;
    }
}
