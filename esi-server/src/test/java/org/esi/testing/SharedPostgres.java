package org.esi.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.esi.persistence.EmbeddedPostgres;

/**
 * One real PostgreSQL per test JVM; every test server gets a fresh database in it. The directory is
 * under /tmp with mode 0755 because, when tests run as root, PostgreSQL runs as an unprivileged user
 * that must be able to reach it.
 */
public final class SharedPostgres {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres instance;

    private SharedPostgres() {}

    public static synchronized EmbeddedPostgres get() {
        if (instance == null) {
            try {
                Path dir = Files.createTempDirectory(Path.of("/tmp"), "esi-test-pg-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
                Path binaries = Path.of("/tmp/esi-test-pg-binaries");
                Files.createDirectories(binaries);
                binaries.toFile().setReadable(true, false);
                binaries.toFile().setExecutable(true, false);
                instance = EmbeddedPostgres.start(dir.resolve("data"), binaries);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** A new empty database; returns its JDBC URL. */
    public static String newDatabase() {
        String name = "t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try {
            get().createDatabaseIfMissing(name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return get().jdbcUrl(name);
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // best effort: /tmp is cleaned by the system anyway
        }
    }
}
