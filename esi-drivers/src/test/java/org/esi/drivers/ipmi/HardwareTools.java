package org.esi.drivers.ipmi;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Checks that the external programs a protocol-level test needs are installed. Missing tools fail the
 * test loudly, because a silently skipped BMC test looks like a passing one; set
 * ESI_SKIP_HARDWARE_TESTS=1 to skip them on purpose.
 */
final class HardwareTools {
    static final String SKIP_VARIABLE = "ESI_SKIP_HARDWARE_TESTS";
    /** Debian's python, which sees python3-pyghmi whatever python3 a pyenv puts first on PATH. */
    static final Path SYSTEM_PYTHON = Path.of("/usr/bin/python3");

    private HardwareTools() {}

    static void require(String what, String aptPackages, boolean present) {
        if (present) {
            return;
        }
        String message = what + " is not installed; install it with: apt-get install -y " + aptPackages
                + " (or set " + SKIP_VARIABLE + "=1 to skip the tests that talk to a real IPMI peer)";
        if ("1".equals(System.getenv(SKIP_VARIABLE))) {
            Assumptions.abort(message);
        }
        fail(message);
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
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
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
