package org.esi.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * ESI's agent image, built once per test run with bin/agent-image (which itself skips the build
 * when its stamp says the packages and the agent's sources are unchanged). Goes to
 * $ESI_AGENT_IMAGE_DIR, else target/agent-image of the repository.
 */
final class AgentImage {
    private static Path built;

    private AgentImage() {}

    static synchronized Path directory() throws IOException, InterruptedException {
        if (built != null) {
            return built;
        }
        Path repo = repository();
        String env = System.getenv("ESI_AGENT_IMAGE_DIR");
        Path out = env != null && !env.isBlank() ? Path.of(env) : repo.resolve("target/agent-image");
        Files.createDirectories(out);
        Path log = out.resolve("build.log");
        Process p = new ProcessBuilder(repo.resolve("bin/agent-image").toString(), "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("bin/agent-image failed:\n" + Files.readString(log));
        }
        built = out;
        return out;
    }

    static Path repository() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("bin/agent-image"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("bin/agent-image not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }
}
