package org.esi.persistence;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;

/** The connection pool, the schema migrations and the JDBI handle every store uses. */
public final class Database implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource).installPlugin(new PostgresPlugin());
        jdbi.setTransactionHandler(new CommitAwareTransactionHandler(jdbi.getTransactionHandler()));
        jdbi.getConfig(org.jdbi.v3.core.statement.SqlStatements.class).addCustomizer(new BeforeCommit.AutocommitWatch());
    }

    /** Connects, then brings the schema up to date (Flyway takes a lock, so several instances may start at once). */
    public static Database connect(String jdbcUrl, Optional<String> user, Optional<String> password, int poolSize,
                                   DatabaseTimeouts timeouts) {
        // Migrations run before the pool exists, without the request timeouts: a long migration or
        // waiting for another instance's migration lock is expected at start-up.
        migrate(Flyway.configure().dataSource(jdbcUrl, user.orElse(null), password.orElse(null)));
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(jdbcUrl);
        user.ifPresent(cfg::setUsername);
        password.ifPresent(cfg::setPassword);
        cfg.setMaximumPoolSize(poolSize);
        cfg.setMinimumIdle(Math.min(2, poolSize));
        cfg.setPoolName("esi-db");
        cfg.setConnectionTimeout(timeouts.poolWait().toMillis());
        // Every session works in UTC so timestamptz renders the same on every instance, and waits are bounded.
        cfg.setConnectionInitSql(timeouts.sessionSql());
        return new Database(new HikariDataSource(cfg));
    }

    /**
     * Brings the schema forward. Versions were handed out to parallel work, so a later-numbered migration may
     * land after a database already has a higher one (V16 after V19): {@code outOfOrder} applies such gaps instead
     * of refusing. Migrations only go forward; a database that has versions this build does not know was migrated
     * by a newer ESI, and starting on it could misread its data, so that refuses with what to do instead.
     */
    static void migrate(FluentConfiguration cfg) {
        Flyway flyway = cfg.initSql("set time zone 'UTC'").locations("classpath:db/migration").outOfOrder(true).load();
        var info = flyway.info();
        java.util.function.Predicate<org.flywaydb.core.api.MigrationInfo> isFuture = m ->
                m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED;
        java.util.List<String> future = java.util.Arrays.stream(info.applied()).filter(isFuture)
                .map(m -> m.getVersion().getVersion()).toList();
        if (!future.isEmpty()) {
            String newest = java.util.Arrays.stream(info.all()).filter(isFuture.negate()).map(m -> m.getVersion())
                    .max(java.util.Comparator.naturalOrder()).map(v -> v.getVersion()).orElse("none");
            throw new SchemaTooNewException("The database schema has version(s) " + String.join(", ", future)
                    + " that this ESI does not know (it knows up to " + newest + "): it was migrated by a newer ESI. "
                    + "Run that newer version, or restore a backup taken before the upgrade (esi db restore); "
                    + "migrations only go forward.");
        }
        flyway.migrate();
    }

    /** The database was migrated by a newer version of ESI. */
    public static final class SchemaTooNewException extends IllegalStateException {
        SchemaTooNewException(String message) {
            super(message);
        }
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** A connection outside the pool, for a long-lived LISTEN; the caller closes it. */
    public java.sql.Connection dedicatedConnection() {
        try {
            java.util.Properties props = new java.util.Properties();
            if (dataSource.getUsername() != null) {
                props.setProperty("user", dataSource.getUsername());
            }
            if (dataSource.getPassword() != null) {
                props.setProperty("password", dataSource.getPassword());
            }
            return java.sql.DriverManager.getConnection(dataSource.getJdbcUrl(), props);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot open a database connection: " + e.getMessage(), e);
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
