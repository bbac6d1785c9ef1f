package org.esi.drivers.net.linuxbridge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.esi.spi.net.SwitchException;

/** Runs iproute2 commands, inside a namespace when asked, each bounded in time; a failure carries stderr. */
class Commands {
    static final long TIMEOUT_SECONDS = 10;

    record Result(int code, String out, String err) {}

    Result run(String netns, List<String> command) throws SwitchException {
        List<String> full = new ArrayList<>();
        if (netns.isEmpty()) {
            full.addAll(command);
        } else if (command.get(0).equals("ip") || command.get(0).equals("bridge")) {
            // "-n" enters the namespace in-process; "ip netns exec" would also remount /sys for a second program.
            full.add(command.get(0));
            full.addAll(List.of("-n", netns));
            full.addAll(command.subList(1, command.size()));
        } else {
            full.addAll(List.of("ip", "netns", "exec", netns));
            full.addAll(command);
        }
        try {
            Process p = new ProcessBuilder(full).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new SwitchException(SwitchException.Kind.UNREACHABLE, String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new SwitchException(SwitchException.Kind.CONFIGURATION, "cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SwitchException(SwitchException.Kind.UNREACHABLE, "interrupted", e);
        }
    }

    /** Runs and fails with the command's own words when it exits non-zero. */
    String check(String netns, List<String> command) throws SwitchException {
        Result r = run(netns, command);
        if (r.code() != 0) {
            throw new SwitchException(SwitchException.Kind.REJECTED, String.join(" ", command) + ": "
                    + (r.err().isEmpty() ? "exit code " + r.code() : r.err()));
        }
        return r.out();
    }
}
