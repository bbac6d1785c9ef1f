package org.esi.persistence;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
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
    }

    /** Connects, then brings the schema up to date (Flyway takes a lock, so several instances may start at once). */
    public static Database connect(String jdbcUrl, Optional<String> user, Optional<String> password, int poolSize,
                                   DatabaseTimeouts timeouts) {
        // Migrations run before the pool exists, without the request timeouts: a long migration or
        // waiting for another instance's migration lock is expected at start-up.
        Flyway.configure().dataSource(jdbcUrl, user.orElse(null), password.orElse(null)).initSql("set time zone 'UTC'")
                .locations("classpath:db/migration").load().migrate();
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
