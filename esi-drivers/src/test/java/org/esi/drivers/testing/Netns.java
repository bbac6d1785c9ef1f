package org.esi.drivers.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Commands in network namespaces, for the tests and benchmarks that cable real bridges (the driver tests here
 * and the server's isolation test and lease-end benchmark, through this module's test jar).
 */
public final class Netns {
    private Netns() {
    }

    public record Result(int code, String out) {}

    /** Runs {@code cmd} (inside {@code ns} when not null) and fails with its output when it fails. */
    public static void ok(String ns, String... cmd) throws Exception {
        List<String> full = new ArrayList<>();
        if (ns != null) {
            full.addAll(List.of("ip", "netns", "exec", ns));
        }
        full.addAll(Arrays.asList(cmd));
        Result r = run(full.toArray(new String[0]));
        if (r.code() != 0) {
            throw new IllegalStateException(String.join(" ", full) + " failed: " + r.out());
        }
    }

    /** Runs {@code cmd}; a program that is not installed is a failed run (so clean-up without iproute2 passes). */
    public static Result run(String... cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            return new Result(-1, "cannot run " + cmd[0] + ": " + notInstalled.getMessage());
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out");
        }
        return new Result(p.exitValue(), out);
    }

    /** The bridge a port is enslaved to in {@code ns}, or "" when it is idle. */
    public static String master(String ns, String port) throws Exception {
        String out = run("ip", "netns", "exec", ns, "ip", "-j", "link", "show", "dev", port).out();
        int i = out.indexOf("\"master\":\"");
        return i < 0 ? "" : out.substring(i + 10, out.indexOf('"', i + 10));
    }

    /** Whether {@code ns} gets one answer from {@code ip} within a second. */
    public static boolean ping(String ns, String ip) throws Exception {
        return run("ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "1", ip).code() == 0;
    }

    /** Creates a namespace, or says why the caller cannot (not root, no iproute2). */
    public static boolean add(String ns) throws Exception {
        return run("ip", "netns", "add", ns).code() == 0;
    }
}
