package org.esi.drivers.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine (a Debian package's program, root for network namespaces). Present: the
 * test goes on. Missing: the test is skipped, saying what to install, so {@code bin/test} passes on a fresh
 * machine and {@code bin/test-deps} (which {@code bin/test} runs first) has already listed what is missing;
 * but with {@code CI=true} it fails, because CI installs everything and a skipped peer test there would look
 * like a passing one. A test's own skip variable (e.g. {@code ESI_SKIP_HARDWARE_TESTS=1}) skips it even in CI.
 * Public for the server's tests, through this module's test jar.
 */
public final class Needs {
    private Needs() {}

    public static void tool(String what, String debianPackages, boolean present) {
        tool(what, debianPackages, present, null);
    }

    public static void tool(String what, String debianPackages, boolean present, String skipVariable) {
        if (present) {
            return;
        }
        String message = what + " is missing: apt-get install -y " + debianPackages + " (bin/test-deps does it when run as root)";
        if (skipVariable != null && "1".equals(System.getenv(skipVariable))) {
            Assumptions.abort(message + "; skipped because " + skipVariable + "=1");
        }
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(message + " (CI=true: this test must run in CI)");
        }
        Assumptions.abort(message + "; skipped because CI is not \"true\"");
    }

    public static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
