package org.esi.drivers.ipmi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.esi.drivers.testing.Needs;

/**
 * Checks that the external programs a protocol-level test needs are installed ({@link Needs}: missing ones
 * skip the test, or fail it when CI=true); ESI_SKIP_HARDWARE_TESTS=1 skips these tests even in CI.
 */
final class HardwareTools {
    static final String SKIP_VARIABLE = "ESI_SKIP_HARDWARE_TESTS";
    /** Debian's python, which sees python3-pyghmi whatever python3 a pyenv puts first on PATH. */
    static final Path SYSTEM_PYTHON = Path.of("/usr/bin/python3");

    private HardwareTools() {}

    static void require(String what, String aptPackages, boolean present) {
        Needs.tool(what, aptPackages, present, SKIP_VARIABLE);
    }

    static void requireIpmitool() {
        require("ipmitool", "ipmitool", onPath("ipmitool"));
    }

    static void requirePyghmi() {
        requireIpmitool();
        require("pyghmi (Debian python3-pyghmi, for fakebmc)", "python3-pyghmi",
                Files.isExecutable(SYSTEM_PYTHON) && succeeds(List.of(SYSTEM_PYTHON.toString(), "-c", "import pyghmi.ipmi.bmc")));
    }

    static void requireIpmiSim() {
        requireIpmitool();
        require("ipmi_sim (Debian openipmi)", "openipmi", onPath("ipmi_sim"));
    }

    static boolean onPath(String program) {
        return Needs.onPath(program);
    }

    static boolean succeeds(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
