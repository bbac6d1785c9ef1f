package org.esi.drivers.ipmi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.esi.spi.BmcException;
import org.esi.spi.BmcException.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs ipmitool, one process per command, bounded in time and in number.
 * The password travels in the child's environment ({@code -E} reads IPMI_PASSWORD), never in its
 * arguments, so it does not show in {@code ps} or in /proc/PID/cmdline to other users.
 */
final class Ipmitool {
    private static final Logger log = LoggerFactory.getLogger(Ipmitool.class);
    private static final int MAX_OUTPUT = 256 * 1024;
    // ipmitool's own defaults when driver_info leaves them unset (lanplus: 4 retries).
    private static final int IPMITOOL_DEFAULT_RETRIES = 4;

    private final String executable;
    private final Duration maxCommandTime;
    private final Semaphore processSlots;
    // Most BMCs have a handful of session slots and misbehave when one client opens several at once,
    // so commands to the same BMC take turns (as Ironic's per-node lock does).
    private final Map<String, Semaphore> perBmc = new ConcurrentHashMap<>();

    Ipmitool(String executable, Duration maxCommandTime, int maxProcesses) {
        this.executable = executable;
        this.maxCommandTime = maxCommandTime;
        this.processSlots = new Semaphore(maxProcesses, true);
    }

    /** How long one command may take before its process is killed. */
    Duration processTimeout(IpmiConfig config) {
        if (config.timeoutSeconds() == null) {
            return maxCommandTime;
        }
        int retries = config.retries() == null ? IPMITOOL_DEFAULT_RETRIES : config.retries();
        // Session setup is about five request/response exchanges, each retried on its own.
        Duration derived = Duration.ofSeconds((long) config.timeoutSeconds() * (retries + 1) * 6 + 3);
        return derived.compareTo(maxCommandTime) < 0 ? derived : maxCommandTime;
    }

    /** The command line without the subcommand. Contains no secret. */
    List<String> baseCommand(IpmiConfig config) {
        List<String> cmd = new ArrayList<>(List.of(executable, "-I", "lanplus", "-H", config.address(),
                "-p", Integer.toString(config.port())));
        if (config.username() != null) {
            cmd.addAll(List.of("-U", config.username()));
        }
        cmd.add("-E");
        cmd.addAll(List.of("-L", config.privLevel()));
        if (config.cipherSuite() != null) {
            cmd.addAll(List.of("-C", config.cipherSuite().toString()));
        }
        if (config.timeoutSeconds() != null) {
            cmd.addAll(List.of("-N", config.timeoutSeconds().toString()));
        }
        if (config.retries() != null) {
            cmd.addAll(List.of("-R", config.retries().toString()));
        }
        // -v is what makes ipmitool say "RAKP 2 HMAC is invalid"; without it a wrong password and a
        // dead BMC print the same line.
        cmd.add("-v");
        return cmd;
    }

    ProcessBuilder processBuilder(IpmiConfig config, List<String> args) {
        List<String> cmd = baseCommand(config);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.remove("IPMITOOL_PASSWORD");
        // Always set, even empty: with -E and no variable ipmitool would prompt on the terminal.
        env.put("IPMI_PASSWORD", config.password() == null ? "" : config.password().reveal());
        env.put("LC_ALL", "C"); // messages are matched as text
        return pb;
    }

    /** Runs one command to completion. Fails only when the process cannot run or outlives its timeout. */
    IpmitoolResult run(IpmiConfig config, List<String> args) throws BmcException {
        Duration timeout = processTimeout(config);
        String what = String.join(" ", args);
        Semaphore bmc = perBmc.computeIfAbsent(config.target(), k -> new Semaphore(1, true));
        boolean bmcHeld = false;
        boolean slotHeld = false;
        long start = System.nanoTime();
        try {
            bmcHeld = bmc.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!bmcHeld) {
                throw new BmcException(Kind.UNREACHABLE,
                        "ipmitool " + what + " on BMC " + config.target() + " waited " + timeout.toSeconds()
                                + "s for earlier commands to the same BMC to finish");
            }
            slotHeld = processSlots.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!slotHeld) {
                throw new BmcException(Kind.UNREACHABLE,
                        "ipmitool " + what + " on BMC " + config.target() + " found no free process slot in "
                                + timeout.toSeconds() + "s (too many BMC commands at once)");
            }
            return runProcess(config, args, what, timeout, start);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BmcException(Kind.UNREACHABLE, "ipmitool " + what + " on BMC " + config.target() + " was interrupted", e);
        } finally {
            if (slotHeld) {
                processSlots.release();
            }
            if (bmcHeld) {
                bmc.release();
            }
        }
    }

    private IpmitoolResult runProcess(IpmiConfig config, List<String> args, String what, Duration timeout, long start)
            throws BmcException, InterruptedException {
        Process process;
        try {
            process = processBuilder(config, args).start();
        } catch (IOException e) {
            throw new BmcException(Kind.DEVICE_ERROR,
                    "cannot run " + executable + " (is the ipmitool package installed?): " + e.getMessage(), e);
        }
        try {
            process.getOutputStream().close(); // nothing to say; EOF stops any prompt
        } catch (IOException ignored) {
            // the process may already be gone; its exit status will tell
        }
        // The only threads of our own: one per pipe, so a full pipe cannot stall the child.
        OutputCollector out = OutputCollector.start(process.getInputStream());
        OutputCollector err = OutputCollector.start(process.getErrorStream());
        boolean finished = false;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            if (!finished) {
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        }
        IpmitoolResult result = new IpmitoolResult(finished ? process.exitValue() : -1,
                out.text(), err.text(), Duration.ofNanos(System.nanoTime() - start));
        log.debug("ipmitool {} on {} -> exit {} in {} ms", what, config.target(), result.exitCode(), result.elapsed().toMillis());
        if (!finished) {
            String said = IpmitoolErrors.meaningful(result.stderr() + "\n" + result.stdout());
            throw new BmcException(Kind.UNREACHABLE, IpmitoolErrors.mask(
                    "ipmitool " + what + " on BMC " + config.target() + " did not finish in " + timeout.toSeconds()
                            + "s and was killed" + (said.isBlank() ? "" : " (ipmitool: " + said + ")"), config));
        }
        return result;
    }

    /** Drains one pipe on a virtual thread, keeping at most MAX_OUTPUT bytes. */
    private static final class OutputCollector {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final Thread thread;

        private OutputCollector(InputStream in) {
            this.thread = Thread.ofVirtual().name("ipmitool-output").start(() -> drain(in));
        }

        static OutputCollector start(InputStream in) {
            return new OutputCollector(in);
        }

        private void drain(InputStream in) {
            byte[] chunk = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(chunk)) >= 0) {
                    synchronized (buffer) {
                        if (buffer.size() < MAX_OUTPUT) {
                            buffer.write(chunk, 0, Math.min(n, MAX_OUTPUT - buffer.size()));
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process was killed; keep what arrived
            }
        }

        String text() throws InterruptedException {
            thread.join(Duration.ofSeconds(2));
            synchronized (buffer) {
                return buffer.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
