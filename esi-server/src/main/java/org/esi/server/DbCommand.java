package org.esi.server;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.esi.persistence.DatabaseBackup;
import org.esi.persistence.EmbeddedPostgres;

/**
 * {@code esi db backup FILE} and {@code esi db restore FILE [--force]}, with the service's own configuration
 * ({@code --config FILE}, {@code ESI_*} variables). Backup works while the service runs (one snapshot); restore
 * is for the embedded database and wants the service stopped and a data directory without a database.
 */
public final class DbCommand {
    private DbCommand() {
    }

    static final String USAGE = """
            Usage: esi db backup FILE [--config esi.properties]
                   esi db restore FILE [--force] [--config esi.properties]
            backup:  a consistent dump of the database (the service may be running); see docs/operations.md.
            restore: into the configured data directory, which must hold no database (--force replaces it);
                     the service must be stopped. Keep secret.key from the same data directory with the dump.""";

    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        Optional<Path> configFile = Optional.ofNullable(env.get("ESI_CONFIG_FILE")).map(Path::of);
        boolean force = false;
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        err.println("esi db: --config needs a file");
                        return 2;
                    }
                    configFile = Optional.of(Path.of(args[++i]));
                }
                case "--force" -> force = true;
                case "--help", "-h" -> {
                    out.println(USAGE);
                    return 0;
                }
                default -> {
                    if (args[i].startsWith("-")) {
                        err.println("esi db: unknown option " + args[i]);
                        return 2;
                    }
                    words.add(args[i]);
                }
            }
        }
        if (words.size() != 2 || !(words.get(0).equals("backup") || words.get(0).equals("restore"))) {
            err.println(USAGE);
            return 2;
        }
        if (configFile.isEmpty() && Files.exists(Path.of("esi.properties"))) {
            configFile = Optional.of(Path.of("esi.properties"));
        }
        Path file = Path.of(words.get(1));
        try {
            EsiConfig config = ConfigLoader.load(configFile, env);
            if (words.get(0).equals("backup")) {
                DatabaseBackup.Summary s = backup(config, file);
                out.println("Backed up " + s.totalRows() + " rows of " + s.rows().size() + " tables (schema version "
                        + s.versions().get(s.versions().size() - 1) + ") to " + file);
            } else {
                if (force && !config.embeddedDatabase()) {
                    err.println("esi db restore: --force only applies to the embedded database");
                    return 2;
                }
                DatabaseBackup.Summary s = restore(config, file, force);
                out.println("Restored " + s.totalRows() + " rows of " + s.rows().size() + " tables into "
                        + config.dataDir().toAbsolutePath() + "; start the service to bring the schema up to date");
            }
            return 0;
        } catch (ConfigException e) {
            err.println("esi db: " + e.getMessage());
            return 1;
        } catch (IOException | SQLException | RuntimeException e) {
            err.println("esi db " + words.get(0) + ": " + e.getMessage());
            return 1;
        }
    }

    static DatabaseBackup.Summary backup(EsiConfig config, Path file) throws IOException, SQLException {
        if (!config.embeddedDatabase()) {
            try (Connection c = DriverManager.getConnection(EsiServer.jdbcUrl(config.databaseUrl().get()),
                    config.databaseUser().orElse(null), config.databasePassword().orElse(null))) {
                return DatabaseBackup.backup(c, file);
            }
        }
        Optional<Connection> live = runningEmbedded(config.dataDir());
        if (live.isPresent()) {
            try (Connection c = live.get()) {
                return DatabaseBackup.backup(c, file);
            }
        }
        if (!Files.isDirectory(config.dataDir().resolve("pgdata"))) {
            throw new IOException("There is no database in " + config.dataDir().toAbsolutePath() + " to back up");
        }
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(config.dataDir());
             Connection c = pg.connect(EmbeddedPostgres.DEFAULT_DATABASE)) {
            return DatabaseBackup.backup(c, file);
        }
    }

    static DatabaseBackup.Summary restore(EsiConfig config, Path file, boolean force) throws IOException, SQLException {
        DatabaseBackup.manifest(file); // refuse a file that is no backup before touching anything
        if (!config.embeddedDatabase()) {
            // An external database is the operator's: they create it empty, we load it (no --force here).
            return DatabaseBackup.restore(EsiServer.jdbcUrl(config.databaseUrl().get()), config.databaseUser().orElse(null),
                    config.databasePassword().orElse(null), file);
        }
        Path data = config.dataDir();
        Optional<Connection> live = runningEmbedded(data);
        if (live.isPresent()) {
            live.get().close();
            throw new IOException("The service is running on " + data.toAbsolutePath() + "; stop it before restoring");
        }
        Path pgdata = data.resolve("pgdata");
        if (Files.isDirectory(pgdata)) {
            if (!force) {
                throw new IOException(data.toAbsolutePath() + " already holds a database; restore into a fresh data directory, "
                        + "or add --force to replace it");
            }
            deleteTree(pgdata);
        }
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(data)) {
            return DatabaseBackup.restore(pg.jdbcUrl(EmbeddedPostgres.DEFAULT_DATABASE), pg.user(), pg.password(), file);
        }
    }

    /** A connection to the embedded PostgreSQL a running service started in {@code data}, if it answers. */
    static Optional<Connection> runningEmbedded(Path data) {
        Path port = data.resolve("postgres.port");
        Path password = data.resolve("postgres.password");
        if (!Files.isRegularFile(port) || !Files.isRegularFile(password)) {
            return Optional.empty();
        }
        try {
            Properties p = new Properties();
            p.setProperty("user", EmbeddedPostgres.USER);
            p.setProperty("password", Files.readString(password).trim());
            p.setProperty("connectTimeout", "3");
            return Optional.of(DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + Files.readString(port).trim() + "/"
                    + EmbeddedPostgres.DEFAULT_DATABASE, p));
        } catch (IOException | SQLException e) {
            return Optional.empty(); // not running (or another server took the port, which then refuses the password)
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
