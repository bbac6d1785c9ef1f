package org.esi.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;
import org.esi.identity.IdentityService;
import org.esi.identity.Project;
import org.esi.identity.User;
import org.esi.persistence.SqlErrors;

/**
 * First start: project {@code admin}, user {@code admin} with role admin on it. The password comes
 * from {@code ESI_ADMIN_PASSWORD} or is generated, written to a 0600 file in the data directory and
 * printed once. Several instances starting together create it once (unique names decide).
 */
final class Bootstrap {
    private static final String ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private Bootstrap() {}

    /** The path of a generated password file, when this start created one. */
    static Optional<Path> ensureAdmin(IdentityService identity, Optional<String> configuredPassword, Path dataDir) throws IOException {
        if (identity.store().userByName("admin").isPresent()) {
            return Optional.empty();
        }
        String password = configuredPassword.orElseGet(Bootstrap::generate);
        Project project;
        try {
            project = identity.store().projectByName("admin")
                    .orElseGet(() -> identity.createProject("admin", "ESI administrators", null, true));
        } catch (RuntimeException e) {
            if (!SqlErrors.isUniqueViolation(e) && !(e instanceof org.esi.http.ApiException)) {
                throw e;
            }
            project = identity.store().projectByName("admin").orElseThrow();
        }
        User admin;
        try {
            admin = identity.createUser("admin", password, project.id(), true, null);
        } catch (org.esi.http.ApiException raced) {
            return Optional.empty();
        }
        identity.grant(project.id(), admin.id(), "admin");
        if (configuredPassword.isPresent()) {
            return Optional.empty();
        }
        Files.createDirectories(dataDir);
        Path file = dataDir.resolve("admin-password");
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, password + "\n", StandardOpenOption.TRUNCATE_EXISTING);
        return Optional.of(file);
    }

    private static String generate() {
        SecureRandom r = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
