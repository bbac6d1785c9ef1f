package org.esi.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * {@code esi db backup} / {@code esi db restore}: a logical dump of ESI's tables, taken like pg_dump takes one.
 *
 * <p>Why not pg_dump: the bundled (zonky) binaries carry only initdb, pg_ctl and postgres, and Debian's newest
 * client here (postgresql-client-15) refuses to dump a PostgreSQL 17 server. So the dump is written over JDBC:
 * one {@code REPEATABLE READ READ ONLY} transaction (one snapshot, as pg_dump's), every table's rows with
 * {@code COPY ... TO STDOUT (FORMAT binary)}, and the sequences' positions. The file is a zip: {@code data/<table>}
 * entries and a {@code manifest.json} naming the schema versions, columns and row counts.
 *
 * <p>The schema is not in the file: restore runs this build's migrations up to the backup's newest version, loads
 * the rows, and leaves later migrations to the next start of the service (forward only).
 */
public final class DatabaseBackup {
    static final String FORMAT = "esi-backup-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DatabaseBackup() {
    }

    /** What a backup holds. */
    public record Summary(List<String> versions, Map<String, Long> rows) {
        public long totalRows() {
            return rows.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Writes a consistent dump of the database {@code c} is connected to into {@code file} (replaced atomically). */
    public static Summary backup(Connection c, Path file) throws IOException, SQLException {
        Path tmp = file.resolveSibling(file.getFileName() + ".partial");
        Summary summary;
        try (OutputStream out = Files.newOutputStream(tmp)) {
            summary = backup(c, out);
        } catch (IOException | SQLException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return summary;
    }

    static Summary backup(Connection c, OutputStream out) throws IOException, SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("set transaction isolation level repeatable read, read only");
            List<String> versions = versions(c);
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("format", FORMAT);
            manifest.put("taken_at", Instant.now().toString());
            versions.forEach(manifest.putArray("schema_versions")::add);
            ObjectNode tables = manifest.putObject("tables");
            Map<String, Long> rows = new LinkedHashMap<>();
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                for (String table : tables(c)) {
                    List<String> columns = columns(c, table);
                    zip.putNextEntry(new ZipEntry("data/" + table));
                    long n = copy.copyOut("copy " + ident(table) + " (" + idents(columns) + ") to stdout (format binary)",
                            new NonClosing(zip));
                    zip.closeEntry();
                    ObjectNode t = tables.putObject(table);
                    columns.forEach(t.putArray("columns")::add);
                    t.put("rows", n);
                    rows.put(table, n);
                }
                ObjectNode seqs = manifest.putObject("sequences");
                try (ResultSet rs = st.executeQuery(
                        "select sequencename, last_value from pg_sequences where schemaname = current_schema() order by 1")) {
                    while (rs.next()) {
                        long v = rs.getLong(2);
                        if (!rs.wasNull()) {
                            seqs.put(rs.getString(1), v);
                        }
                    }
                }
                zip.putNextEntry(new ZipEntry("manifest.json"));
                zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
                zip.closeEntry();
            }
            c.commit();
            return new Summary(versions, rows);
        } finally {
            if (!c.isClosed()) {
                c.rollback();
                c.setAutoCommit(autoCommit);
            }
        }
    }

    /** Reads a backup's manifest, refusing a file that is not one. */
    public static JsonNode manifest(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry e = zip.getEntry("manifest.json");
            if (e == null) {
                throw new IOException(file + " is not an ESI backup (no manifest.json)");
            }
            JsonNode m = JSON.readTree(zip.getInputStream(e));
            if (!FORMAT.equals(m.path("format").asText())) {
                throw new IOException(file + " is not an ESI backup of format " + FORMAT + " (it says " + m.path("format") + ")");
            }
            return m;
        } catch (java.util.zip.ZipException e) {
            throw new IOException(file + " is not an ESI backup (not a zip file)", e);
        }
    }

    /**
     * Loads a backup into an empty database: migrates it to the backup's schema, then loads every table in one
     * transaction with triggers and foreign-key checks off ({@code session_replication_role = replica}, which
     * needs a superuser, as the embedded database's role is), then sets the sequences.
     */
    public static Summary restore(String jdbcUrl, String user, String password, Path file) throws IOException, SQLException {
        JsonNode manifest = manifest(file);
        List<String> versions = new ArrayList<>();
        manifest.path("schema_versions").forEach(v -> versions.add(v.asText()));
        migrateTo(jdbcUrl, user, password, versions);
        Map<String, Long> rows = new LinkedHashMap<>();
        try (Connection c = java.sql.DriverManager.getConnection(jdbcUrl, user, password); ZipFile zip = new ZipFile(file.toFile())) {
            c.setAutoCommit(false);
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            List<String> present = tables(c);
            try (Statement st = c.createStatement()) {
                st.execute("set local session_replication_role = replica");
                List<String> names = new ArrayList<>();
                manifest.path("tables").fieldNames().forEachRemaining(names::add);
                for (String table : names) {
                    if (!present.contains(table)) {
                        throw new IOException("The backup has table " + table + ", which this ESI's schema does not");
                    }
                    List<String> columns = new ArrayList<>();
                    manifest.path("tables").path(table).path("columns").forEach(col -> columns.add(col.asText()));
                    if (!new TreeSet<>(columns(c, table)).containsAll(columns)) {
                        throw new IOException("Table " + table + " of the backup has columns " + columns
                                + " that do not match this ESI's schema " + columns(c, table));
                    }
                }
                // Migrations seed some rows (the audit chain head); the backup's rows replace them.
                if (!present.isEmpty()) {
                    st.execute("truncate " + idents(present));
                }
                for (String table : names) {
                    List<String> columns = new ArrayList<>();
                    manifest.path("tables").path(table).path("columns").forEach(col -> columns.add(col.asText()));
                    ZipEntry e = zip.getEntry("data/" + table);
                    long n;
                    try (InputStream in = zip.getInputStream(e)) {
                        n = copy.copyIn("copy " + ident(table) + " (" + idents(columns) + ") from stdin (format binary)", in);
                    }
                    long expected = manifest.path("tables").path(table).path("rows").asLong();
                    if (n != expected) {
                        throw new IOException("Table " + table + ": loaded " + n + " rows, the backup says " + expected);
                    }
                    rows.put(table, n);
                }
                var seqs = manifest.path("sequences").fields();
                while (seqs.hasNext()) {
                    var s = seqs.next();
                    try (PreparedStatement ps = c.prepareStatement("select setval(quote_ident(?), ?)")) {
                        ps.setString(1, s.getKey());
                        ps.setLong(2, s.getValue().asLong());
                        ps.executeQuery().close();
                    }
                }
            }
            c.commit();
        }
        return new Summary(versions, rows);
    }

    /** Runs this build's migrations up to the backup's newest version; refuses a backup from a newer schema. */
    private static void migrateTo(String jdbcUrl, String user, String password, List<String> versions) throws IOException {
        var cfg = Flyway.configure().dataSource(jdbcUrl, user, password).locations("classpath:db/migration").outOfOrder(true);
        Set<String> known = new TreeSet<>();
        for (var m : cfg.load().info().all()) {
            known.add(m.getVersion().getVersion());
        }
        List<String> unknown = versions.stream().filter(v -> !known.contains(v)).toList();
        if (!unknown.isEmpty()) {
            throw new IOException("The backup's schema has version(s) " + unknown + " that this ESI does not know: it was taken "
                    + "by a newer ESI; restore it with that version");
        }
        MigrationVersion newest = versions.stream().map(MigrationVersion::fromVersion).max(MigrationVersion::compareTo)
                .orElseThrow(() -> new IOException("The backup names no schema version"));
        var flyway = cfg.target(newest).load();
        if (flyway.info().applied().length > 0) {
            throw new IOException("The database to restore into is not empty; restore into a fresh one");
        }
        flyway.migrate();
    }

    private static List<String> versions(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select version from flyway_schema_history where success and version is not null "
                     + "order by installed_rank")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static List<String> tables(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                     where n.nspname = current_schema() and c.relkind = 'r' and c.relname <> 'flyway_schema_history'
                     order by c.relname""")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static List<String> columns(Connection c, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                select attname from pg_attribute where attrelid = quote_ident(?)::regclass and attnum > 0
                and not attisdropped and attgenerated = '' order by attnum""")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static String idents(List<String> names) {
        return String.join(", ", names.stream().map(DatabaseBackup::ident).toList());
    }

    /** The zip stays open across entries; COPY's client closes what it writes to. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
