package org.esi.persistence;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run as a child process from the binaries bundled in the zonky binaries artifact, for the
 * single-node "embedded" deployment and for tests.
 *
 * <h2>Layout of {@code dataDir}</h2>
 * <ul>
 *   <li>{@code pgdata/} &ndash; the cluster (mode 0700; owned by uid 65534 when the JVM is root)</li>
 *   <li>{@code pg-17.2.0/} &ndash; unpacked binaries (unless a shared binaries dir is passed)</li>
 *   <li>{@code postgres.password} &ndash; generated password of role {@code esi} (mode 0600, JVM user only)</li>
 *   <li>{@code postgres.port} &ndash; last port used, reused on restart if still free</li>
 *   <li>{@code postgres.log} &ndash; server and initdb output (rotated once at 10 MiB on start)</li>
 *   <li>{@code postgres.lock} &ndash; held by the owning JVM while the server runs</li>
 * </ul>
 *
 * <h2>Root</h2>
 * PostgreSQL refuses to run as root. When the JVM's effective uid is 0, initdb/postgres/pg_ctl are run through
 * {@code setpriv --reuid=65534 --regid=65534 --clear-groups} (util-linux), {@code pgdata} is chowned to 65534, and every
 * ancestor of {@code dataDir} must already be traversable by that uid &ndash; we do not chmod directories we do not own
 * (e.g. {@code /root}); instead start fails with a message suggesting {@code /var/lib/esi}. {@code dataDir} itself only
 * gets the search bit for others (o+x, not o+r), so its other contents stay private.
 *
 * <h2>A data directory that is already in use</h2>
 * Ownership is a {@link FileLock} on {@code postgres.lock}:
 * <ul>
 *   <li>held by another live instance (this JVM or another process): {@link #start} fails with an {@link IOException}
 *       saying the directory is in use. Silently sharing would leave two owners that each believe they may stop the
 *       server; stopping the other would pull the database from under a live ESI.</li>
 *   <li>not held, but a live postmaster is recorded in {@code pgdata/postmaster.pid}: the JVM that started it died
 *       without running its shutdown hook (kill -9, OOM). That orphan is stopped ({@code pg_ctl stop -m fast}) and
 *       a fresh server is started, so the running server always has our current settings, port and a parent that
 *       will stop it.</li>
 *   <li>a postmaster.pid naming a dead pid is left to PostgreSQL, which removes stale pid files itself.</li>
 * </ul>
 *
 * <h2>Authentication</h2>
 * The server listens on 127.0.0.1 only, unix sockets are disabled, and pg_hba requires scram-sha-256 for role
 * {@code esi} with a random password kept in {@code dataDir/postgres.password}. {@link #jdbcUrl} carries only the user
 * name so that URLs can be logged; pass {@link #password()} separately.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);

    public static final String USER = "esi";
    public static final String DEFAULT_DATABASE = "esi";

    /** uid/gid of {@code nobody}/{@code nogroup} on Debian-like systems; exists in every container image we use. */
    static final int UNPRIVILEGED_ID = 65534;

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(3);
    private static final long LOG_ROTATE_BYTES = 10L * 1024 * 1024;
    private static final int START_ATTEMPTS = 3;
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private final Path dataDir;
    private final Path pgdata;
    private final Path binDir;
    private final Path logFile;
    private final boolean dropPrivileges;
    private final String password;
    private final int port;
    /** Replaced by {@link #restartFast()}; read by the shutdown hook's thread. */
    private volatile Process process;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Thread shutdownHook;
    private boolean stopped;

    private EmbeddedPostgres(Path dataDir, Path pgdata, Path binDir, Path logFile, boolean dropPrivileges,
            String password, int port, Process process, FileChannel lockChannel, FileLock lock) {
        this.dataDir = dataDir;
        this.pgdata = pgdata;
        this.binDir = binDir;
        this.logFile = logFile;
        this.dropPrivileges = dropPrivileges;
        this.password = password;
        this.port = port;
        this.process = process;
        this.lockChannel = lockChannel;
        this.lock = lock;
        // Without this a JVM exit that skips close() would orphan the postmaster (it is reparented, not killed).
        this.shutdownHook = new Thread(this::stopQuietly, "embedded-postgres-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts the cluster in {@code dataDir/pgdata}, running initdb and creating database {@code esi} on first use;
     * binaries are unpacked once into {@code dataDir/pg-17.2.0}.
     */
    public static EmbeddedPostgres start(Path dataDir) throws IOException {
        return start(dataDir, null);
    }

    /**
     * As {@link #start(Path)}, with the binaries unpacked once into {@code binariesDir} (e.g. a cache shared by several
     * data directories). {@code null} means {@code dataDir/pg-17.2.0}.
     */
    public static EmbeddedPostgres start(Path dataDir, Path binariesDir) throws IOException {
        Instant begin = Instant.now();
        Path data = dataDir.toAbsolutePath().normalize();
        boolean root = runningAsRoot();
        if (!Files.isDirectory(data)) {
            Files.createDirectories(data.getParent());
            // Private by default; as root the unprivileged postgres uid only needs to pass through (search, no list).
            Files.createDirectory(data);
            Files.setPosixFilePermissions(data, PostgresBinaries.permissions(root ? 0711 : 0700));
        }
        if (root) {
            requireTraversableAncestors(data);
            grantSearch(data);
        }
        Path bins = binariesDir == null ? data.resolve(PostgresBinaries.defaultDirName())
                : binariesDir.toAbsolutePath().normalize();
        if (root && !bins.startsWith(data)) {
            Files.createDirectories(bins.getParent());
            requireTraversableAncestors(bins);
        }

        FileChannel channel = FileChannel.open(data.resolve("postgres.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("PostgreSQL data directory " + data + " is already in use by another running "
                    + "EmbeddedPostgres (in this JVM or another process, see " + data.resolve("postgres.lock")
                    + "); stop it first or use a different data directory");
        }
        EmbeddedPostgres pg;
        try {
            Path binDir = PostgresBinaries.ensureUnpacked(bins).resolve("bin");
            pg = launch(data, binDir, root, channel, lock);
        } catch (IOException | RuntimeException | Error e) {
            releaseLock(channel, lock);
            throw e;
        }
        try {
            pg.createDatabaseIfMissing(DEFAULT_DATABASE);
        } catch (SQLException | RuntimeException e) {
            pg.close();
            throw new IOException("Embedded PostgreSQL started but creating database " + DEFAULT_DATABASE
                    + " failed: " + e.getMessage(), e);
        }
        LOG.info("Embedded PostgreSQL {} ready on 127.0.0.1:{} (data {}, started in {} ms)",
                PostgresBinaries.VERSION, pg.port, pg.pgdata, Duration.between(begin, Instant.now()).toMillis());
        return pg;
    }

    private static EmbeddedPostgres launch(Path data, Path binDir, boolean root, FileChannel channel, FileLock lock)
            throws IOException {
        Path pgdata = data.resolve("pgdata");
        Path logFile = data.resolve("postgres.log");
        rotateLog(logFile);
        Path passwordFile = data.resolve("postgres.password");

        String password;
        if (!Files.isRegularFile(pgdata.resolve("PG_VERSION"))) {
            password = readOrCreatePassword(passwordFile);
            initdb(data, pgdata, binDir, logFile, root, password);
        } else {
            if (!Files.isRegularFile(passwordFile)) {
                throw new IOException("Cluster " + pgdata + " exists but its password file " + passwordFile
                        + " is missing; restore it or remove " + pgdata + " to re-initialise (DATA LOSS)");
            }
            password = readOrCreatePassword(passwordFile);
            if (root) {
                ensureOwnedByUnprivileged(pgdata);
            }
            stopOrphan(pgdata, binDir, logFile, root);
        }

        Path portFile = data.resolve("postgres.port");
        int port = previousPortIfFree(portFile).orElseGet(EmbeddedPostgres::freePort);
        IOException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            long logOffset = Files.exists(logFile) ? Files.size(logFile) : 0;
            Process process = startPostmaster(pgdata, binDir, logFile, root, port);
            try {
                awaitReady(process, port, password, logFile, logOffset);
                writePrivate(portFile, Integer.toString(port));
                return new EmbeddedPostgres(data, pgdata, binDir, logFile, root, password, port, process, channel,
                        lock);
            } catch (IOException e) {
                boolean exitedByItself = !process.isAlive();
                killAndWait(process, pgdata, binDir, logFile, root);
                last = e;
                String tail = logTail(logFile, logOffset);
                // Another process may grab the port between our probe and postgres binding it; retry elsewhere.
                if (!exitedByItself
                        || !(tail.contains("could not bind") || tail.contains("Address already in use"))) {
                    throw e;
                }
                LOG.warn("Port {} was taken before PostgreSQL could bind it, retrying on another port", port);
                port = freePort();
            }
        }
        throw last;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // public API

    /** JDBC URL for {@code database} on this server; contains the user but never the password (safe to log). */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=" + USER;
    }

    public String user() {
        return USER;
    }

    /** Password of {@link #user()}; keep it out of logs. */
    public String password() {
        return password;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Log file that receives the server's output. */
    public Path logFile() {
        return logFile;
    }

    /** Opens a new connection to {@code database} as {@link #user()}. */
    public Connection connect(String database) throws SQLException {
        return connect(port, database, password, Duration.ofSeconds(10));
    }

    /** Creates {@code name} (owned by {@link #user()}) unless it exists. Names are restricted to plain identifiers. */
    public void createDatabaseIfMissing(String name) throws SQLException {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Database name must match " + DATABASE_NAME + ": " + name);
        }
        try (Connection c = connect("postgres")) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return;
                    }
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE \"" + name + "\"");
                LOG.info("Created database {}", name);
            } catch (SQLException e) {
                // 42P04 duplicate_database: created concurrently by someone else, which is what we wanted.
                if (!"42P04".equals(e.getSQLState())) {
                    throw e;
                }
            }
        }
    }

    /** Fast shutdown ({@code pg_ctl stop -m fast}: open sessions are rolled back) and waits for the server to exit. */
    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or about to; stop() is idempotent.
        }
    }

    /**
     * {@code pg_ctl restart -m fast} on the same port and data: every open session is cut (clients see their
     * connections break mid-statement or mid-commit), then the server accepts connections again. For outage
     * tests and benchmarks; returns once the server is ready.
     */
    public synchronized void restartFast() throws IOException {
        if (stopped) {
            throw new IllegalStateException("PostgreSQL on port " + port + " is stopped");
        }
        pgCtlStop(pgdata, binDir, logFile, dropPrivileges);
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while restarting PostgreSQL", e);
        }
        long logOffset = Files.size(logFile);
        process = startPostmaster(pgdata, binDir, logFile, dropPrivileges, port);
        awaitReady(process, port, password, logFile, logOffset);
        LOG.info("Embedded PostgreSQL on port {} restarted", port);
    }

    @Override
    public String toString() {
        return "EmbeddedPostgres[127.0.0.1:" + port + ", " + pgdata + "]";
    }

    /**
     * Test hook simulating a JVM that died without stopping the server: releases ownership but leaves the postmaster
     * running, as an orphan.
     */
    void abandonForTest() {
        synchronized (this) {
            stopped = true;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // shutting down anyway
        }
        releaseLock(lockChannel, lock);
    }

    long pidForTest() {
        return process.pid();
    }

    private void stopQuietly() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        try {
            if (!process.isAlive()) {
                // Already gone, e.g. Ctrl-C in a terminal also reaches the postmaster (same process group).
                LOG.info("Embedded PostgreSQL on port {} had already exited", port);
                return;
            }
            Instant begin = Instant.now();
            pgCtlStop(pgdata, binDir, logFile, dropPrivileges);
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("PostgreSQL did not exit within {}, killing it", STOP_TIMEOUT);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            LOG.info("Embedded PostgreSQL on port {} stopped in {} ms", port,
                    Duration.between(begin, Instant.now()).toMillis());
        } catch (IOException e) {
            LOG.warn("pg_ctl stop failed ({}); sending SIGINT (fast shutdown) directly", e.getMessage());
            signalFastShutdown(process);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Interrupted while stopping PostgreSQL; it may still be shutting down");
        } finally {
            releaseLock(lockChannel, lock);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // process handling

    private static void initdb(Path data, Path pgdata, Path binDir, Path logFile, boolean root, String password)
            throws IOException {
        // initdb into a scratch dir that is renamed at the end: a crash half-way must not leave a non-empty pgdata
        // without PG_VERSION, which initdb would refuse to reuse and we could not start.
        Path initDir = data.resolve("pgdata.initializing");
        PostgresBinaries.deleteRecursively(initDir);
        Files.createDirectory(initDir);
        Files.setPosixFilePermissions(initDir, PostgresBinaries.permissions(0700));
        // initdb reads the password from a file; it must be readable by the (possibly unprivileged) initdb process.
        Path pwFile = data.resolve("pgdata.initializing.pw");
        writePrivate(pwFile, password);
        try {
            if (root) {
                chown(initDir);
                chown(pwFile);
            }
            List<String> cmd = new ArrayList<>(List.of(binDir.resolve("initdb").toString(),
                    "-D", initDir.toString(),
                    "-U", USER,
                    "--pwfile=" + pwFile,
                    "-E", "UTF8",
                    // C locale: identical sort order everywhere and no dependency on installed OS locales.
                    "--locale=C",
                    "--auth-host=scram-sha-256",
                    "--auth-local=scram-sha-256",
                    "--no-instructions"));
            LOG.info("Initialising PostgreSQL cluster in {} (first start)", pgdata);
            Instant begin = Instant.now();
            long offset = Files.exists(logFile) ? Files.size(logFile) : 0;
            int rc = runTool(cmd, root, logFile, INITDB_TIMEOUT);
            if (rc != 0) {
                throw new IOException("initdb failed with exit code " + rc + "; last lines of " + logFile + ":\n"
                        + logTail(logFile, offset));
            }
            Files.move(initDir, pgdata, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("initdb finished in {} ms", Duration.between(begin, Instant.now()).toMillis());
        } finally {
            Files.deleteIfExists(pwFile);
        }
    }

    private static Process startPostmaster(Path pgdata, Path binDir, Path logFile, boolean root, int port)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binDir.resolve("postgres").toString(), "-D", pgdata.toString()));
        // Settings go on the command line (they override postgresql.conf) so they are always exactly these.
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        settings.put("listen_addresses", "127.0.0.1");
        settings.put("port", Integer.toString(port));
        // No unix socket: nothing gets written to /tmp, and nobody else on the host can reach us that way.
        settings.put("unix_socket_directories", "");
        settings.put("max_connections", "200");
        settings.put("shared_buffers", "128MB");
        // Explicit although they are the defaults: the embedded database is the system of record.
        settings.put("fsync", "on");
        settings.put("full_page_writes", "on");
        settings.put("password_encryption", "scram-sha-256");
        // stderr already goes to our log file; a collector would only add another process.
        settings.put("logging_collector", "off");
        for (Map.Entry<String, String> s : settings.entrySet()) {
            cmd.add("-c");
            cmd.add(s.getKey() + "=" + s.getValue());
        }
        ProcessBuilder pb = processBuilder(cmd, root, logFile);
        return pb.start();
    }

    private static void awaitReady(Process process, int port, String password, Path logFile, long logOffset)
            throws IOException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        SQLException lastError = null;
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("PostgreSQL exited during startup with code " + process.exitValue()
                        + "; last lines of " + logFile + ":\n" + logTail(logFile, logOffset));
            }
            try (Connection c = connect(port, "postgres", password, Duration.ofSeconds(2))) {
                return;
            } catch (SQLException e) {
                // Connection refused while starting, or 57P03 "the database system is starting up".
                lastError = e;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while waiting for PostgreSQL to start", e);
            }
        }
        throw new IOException("PostgreSQL did not accept connections on 127.0.0.1:" + port + " within "
                + START_TIMEOUT + " (last error: " + (lastError == null ? "none" : lastError.getMessage())
                + "); last lines of " + logFile + ":\n" + logTail(logFile, logOffset));
    }

    private static Connection connect(int port, String database, String password, Duration timeout)
            throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", USER);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", Long.toString(Math.max(1, timeout.toSeconds())));
        props.setProperty("loginTimeout", Long.toString(Math.max(1, timeout.toSeconds())));
        // Direct driver use: no dependency on DriverManager's service-loader registration in shaded/app classloaders.
        Connection c = new org.postgresql.Driver().connect("jdbc:postgresql://127.0.0.1:" + port + "/" + database,
                props);
        if (c == null) {
            throw new SQLException("PostgreSQL JDBC driver did not accept the URL");
        }
        return c;
    }

    /**
     * If pgdata/postmaster.pid names a live postgres, a previous owner died without stopping it (we hold the lock, so
     * no live EmbeddedPostgres owns it). Stop it so that we start with our settings and own the process.
     */
    private static void stopOrphan(Path pgdata, Path binDir, Path logFile, boolean root) throws IOException {
        Path pidFile = pgdata.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        long pid;
        try (Stream<String> lines = Files.lines(pidFile, StandardCharsets.UTF_8)) {
            pid = Long.parseLong(lines.findFirst().orElse("").trim());
        } catch (NumberFormatException | IOException e) {
            return; // unreadable or half-written: postgres itself will judge it
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return; // dead pid: postgres removes stale pid files itself
        }
        if (!isPostgresProcess(pid)) {
            // The pid was recycled by an unrelated process. Never signal it; postgres would refuse to start because
            // the pid is alive, so remove the stale file ourselves.
            LOG.warn("Removing stale {} (pid {} is now an unrelated process)", pidFile, pid);
            Files.delete(pidFile);
            return;
        }
        LOG.warn("PostgreSQL (pid {}) left running by a previous ESI process still owns {}; stopping it", pid, pgdata);
        pgCtlStop(pgdata, binDir, logFile, root);
        ProcessHandle ph = handle.get();
        Instant deadline = Instant.now().plus(STOP_TIMEOUT);
        while (ph.isAlive() && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while stopping orphaned PostgreSQL", e);
            }
        }
        if (ph.isAlive()) {
            throw new IOException("Orphaned PostgreSQL (pid " + pid + ") on " + pgdata + " did not stop within "
                    + STOP_TIMEOUT);
        }
    }

    private static boolean isPostgresProcess(long pid) {
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            String argv0 = new String(cmdline, StandardCharsets.UTF_8).split("\0", 2)[0];
            return argv0.endsWith("postgres") || argv0.startsWith("postgres");
        } catch (IOException e) {
            return false;
        }
    }

    private static void pgCtlStop(Path pgdata, Path binDir, Path logFile, boolean root) throws IOException {
        List<String> cmd = List.of(binDir.resolve("pg_ctl").toString(), "stop", "-D", pgdata.toString(),
                "-m", "fast", "-w", "-t", Long.toString(STOP_TIMEOUT.toSeconds()), "-s");
        long offset = Files.exists(logFile) ? Files.size(logFile) : 0;
        int rc = runTool(cmd, root, logFile, STOP_TIMEOUT.plusSeconds(10));
        if (rc != 0) {
            throw new IOException("pg_ctl stop exited with " + rc + ": " + logTail(logFile, offset));
        }
    }

    private static void killAndWait(Process process, Path pgdata, Path binDir, Path logFile, boolean root) {
        if (!process.isAlive()) {
            return;
        }
        try {
            pgCtlStop(pgdata, binDir, logFile, root);
            process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            signalFastShutdown(process);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    /** SIGINT is PostgreSQL's "fast shutdown"; Process.destroy() would send SIGTERM ("smart", waits for clients). */
    private static void signalFastShutdown(Process process) {
        if (!process.isAlive()) {
            return; // never signal a pid that may have been recycled
        }
        try {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(5, TimeUnit.SECONDS);
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int runTool(List<String> cmd, boolean root, Path logFile, Duration timeout) throws IOException {
        Process p = processBuilder(cmd, root, logFile).start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd.get(0) + " did not finish within " + timeout);
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("Interrupted while running " + cmd.get(0), e);
        }
    }

    private static ProcessBuilder processBuilder(List<String> cmd, boolean root, Path logFile) throws IOException {
        List<String> full = new ArrayList<>();
        if (root) {
            full.addAll(List.of(setpriv(), "--reuid=" + UNPRIVILEGED_ID, "--regid=" + UNPRIVILEGED_ID,
                    "--clear-groups", "--"));
        }
        full.addAll(cmd);
        ProcessBuilder pb = new ProcessBuilder(full);
        Map<String, String> env = pb.environment();
        // Our own environment must not leak into the server (PGPASSWORD, PGDATA, odd locales...).
        env.keySet().removeIf(k -> k.startsWith("PG") || k.startsWith("LC_") || k.equals("LANG"));
        env.put("LC_ALL", "C");
        env.put("LANG", "C");
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        return pb;
    }

    private static String setpriv() throws IOException {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, "setpriv");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new IOException("Running as root: PostgreSQL must run as an unprivileged user, which needs 'setpriv' "
                + "from util-linux (apt-get install util-linux), or run ESI as a non-root user");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // root handling

    static boolean runningAsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    // Uid: real effective saved fs -- the effective uid decides what postgres would see.
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            // no procfs: fall through
        }
        return "root".equals(System.getProperty("user.name"));
    }

    /** Every ancestor of {@code dir} must let uid/gid 65534 (no supplementary groups) search it. */
    private static void requireTraversableAncestors(Path dir) throws IOException {
        Path real = dir.toRealPath();
        for (Path p = real.getParent(); p != null; p = p.getParent()) {
            int uid = (Integer) Files.getAttribute(p, "unix:uid");
            int gid = (Integer) Files.getAttribute(p, "unix:gid");
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            int bit = uid == UNPRIVILEGED_ID ? 0100 : gid == UNPRIVILEGED_ID ? 0010 : 0001;
            if ((mode & bit) == 0) {
                throw new IOException(String.format(
                        "Cannot use %s for the embedded PostgreSQL: ESI runs as root, so PostgreSQL runs as the "
                                + "unprivileged uid %d, but the ancestor directory %s (owner uid %d, mode %04o) is not "
                                + "traversable by that uid. Use a data directory outside it, such as /var/lib/esi, "
                                + "or grant search permission yourself (chmod o+x %s).",
                        dir, UNPRIVILEGED_ID, p, uid, mode & 07777, p));
            }
        }
    }

    /** Adds o+x (search only, not listing) to our own data directory so the unprivileged uid can reach pgdata. */
    private static void grantSearch(Path dir) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
        if (perms.add(PosixFilePermission.OTHERS_EXECUTE)) {
            LOG.info("Adding search permission (o+x) to {} so PostgreSQL's unprivileged user can reach its data", dir);
            Files.setPosixFilePermissions(dir, perms);
        }
    }

    private static void chown(Path p) throws IOException {
        Files.setAttribute(p, "unix:uid", UNPRIVILEGED_ID, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", UNPRIVILEGED_ID, LinkOption.NOFOLLOW_LINKS);
    }

    /** A cluster created by a non-root run (or restored from backup as root) must be re-owned before postgres runs. */
    private static void ensureOwnedByUnprivileged(Path pgdata) throws IOException {
        if ((Integer) Files.getAttribute(pgdata, "unix:uid", LinkOption.NOFOLLOW_LINKS) == UNPRIVILEGED_ID) {
            return;
        }
        LOG.warn("Changing owner of {} to uid {} so PostgreSQL can run unprivileged", pgdata, UNPRIVILEGED_ID);
        try (Stream<Path> walk = Files.walk(pgdata)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                chown(p);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // files

    private static String readOrCreatePassword(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            String pw = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (pw.isEmpty()) {
                throw new IOException("Password file " + file + " is empty");
            }
            return pw;
        }
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        String pw = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        writePrivate(file, pw);
        return pw;
    }

    /** Writes {@code content} to a 0600 file, atomically (temp file created with 0600 from the start, then renamed). */
    private static void writePrivate(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                PostgresBinaries.permissions(0600)));
        Files.writeString(tmp, content + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void rotateLog(Path logFile) throws IOException {
        if (Files.exists(logFile) && Files.size(logFile) > LOG_ROTATE_BYTES) {
            Files.move(logFile, logFile.resolveSibling(logFile.getFileName() + ".1"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.exists(logFile)) {
            // Server errors can quote SQL and data: keep the log as private as the database itself.
            Files.createFile(logFile, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    PostgresBinaries.permissions(0600)));
        }
    }

    /** Up to the last 30 lines written to the log since {@code offset}. */
    static String logTail(Path logFile, long offset) {
        try (RandomAccessFile raf = new RandomAccessFile(logFile.toFile(), "r")) {
            long len = raf.length();
            long from = Math.max(offset, len - 8192);
            if (from >= len) {
                return "(empty)";
            }
            byte[] buf = new byte[(int) (len - from)];
            raf.seek(from);
            raf.readFully(buf);
            String[] lines = new String(buf, StandardCharsets.UTF_8).split("\n");
            int start = Math.max(0, lines.length - 30);
            return String.join("\n", java.util.Arrays.copyOfRange(lines, start, lines.length));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static Optional<Integer> previousPortIfFree(Path portFile) {
        try {
            if (Files.isRegularFile(portFile)) {
                int p = Integer.parseInt(Files.readString(portFile).trim());
                if (p > 0 && p < 65536 && isFree(p)) {
                    return Optional.of(p);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // pick a new one
        }
        return Optional.empty();
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("No free TCP port on 127.0.0.1", e);
        }
    }

    private static void releaseLock(FileChannel channel, FileLock lock) {
        try {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
            channel.close();
        } catch (IOException e) {
            LOG.debug("Releasing postgres.lock failed", e);
        }
    }
}
