package org.esi.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.esi.persistence.EmbeddedPostgres;

/**
 * A PostgreSQL of one test's own, for tests that restart or break it: the shared one must stay up for
 * every other test in the JVM. Binaries come from the same cache as {@link SharedPostgres}.
 */
public final class OwnPostgres implements AutoCloseable {
    private final EmbeddedPostgres pg;

    public OwnPostgres() throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "esi-own-pg-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        pg = EmbeddedPostgres.start(dir.resolve("data"), Path.of("/tmp/esi-test-pg-binaries"));
    }

    public EmbeddedPostgres postgres() {
        return pg;
    }

    /** Settings for {@link TestingEsiServer#start(Map, java.time.Clock)} that point a server here. */
    public Map<String, String> serverSettings(String poolWait) {
        return Map.of("ESI_DATABASE_URL", pg.jdbcUrl(EmbeddedPostgres.DEFAULT_DATABASE), "ESI_DATABASE_USER", pg.user(),
                "ESI_DATABASE_PASSWORD", pg.password(), "ESI_DATABASE_POOL_WAIT", poolWait);
    }

    @Override
    public void close() {
        pg.close();
    }
}
