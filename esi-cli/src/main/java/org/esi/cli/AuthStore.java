package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * The login state in {@code <configdir>/auth.json}. The file holds a bearer token, so it is
 * created with mode 0600 (in a 0700 directory) from the start: permissions are given at
 * creation, never fixed up afterwards, so there is no moment where others could read it.
 */
final class AuthStore {
  static final String FILE = "auth.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The stored login. {@code toString} leaves the token out so it never reaches a log. */
  record Auth(String url, String token, String expiresAt, String project, String user) {
    boolean expired(Instant now) {
      if (expiresAt == null || expiresAt.isBlank()) {
        return false;
      }
      try {
        return !Instant.parse(expiresAt.endsWith("Z") || expiresAt.matches(".*[+-]\\d\\d:\\d\\d$")
            ? expiresAt : expiresAt + "Z").isAfter(now);
      } catch (DateTimeParseException e) {
        return false;
      }
    }

    @Override
    public String toString() {
      return "Auth[url=" + url + ", user=" + user + ", project=" + project + ", expiresAt=" + expiresAt + "]";
    }
  }

  private final Path dir;

  AuthStore(Path dir) {
    this.dir = dir;
  }

  /** ESI_CONFIG_DIR, else $XDG_CONFIG_HOME/esi, else ~/.config/esi. */
  static Path configDir(Map<String, String> env) {
    String explicit = env.get("ESI_CONFIG_DIR");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = env.get("XDG_CONFIG_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "esi");
    }
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    return Path.of(home, ".config", "esi");
  }

  Path file() {
    return dir.resolve(FILE);
  }

  Auth read() {
    Path f = file();
    if (!Files.isRegularFile(f)) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(f.toFile());
      return new Auth(text(n, "url"), text(n, "token"), text(n, "expires_at"), text(n, "project"), text(n, "user"));
    } catch (IOException e) {
      throw new CliException("cannot read " + f + ": " + e.getMessage());
    }
  }

  void write(Auth auth) {
    ObjectNode n = JSON.createObjectNode();
    n.put("url", auth.url());
    n.put("token", auth.token());
    n.put("expires_at", auth.expiresAt());
    n.put("project", auth.project());
    n.put("user", auth.user());
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      // Write a 0600 temp file and rename it over the old one: readers never see half a file.
      Path tmp = Files.createTempFile(dir, ".auth-", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try {
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
        try {
          Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new CliException("cannot write " + file() + ": " + e.getMessage());
    }
  }

  boolean delete() {
    try {
      return Files.deleteIfExists(file());
    } catch (IOException e) {
      throw new CliException("cannot remove " + file() + ": " + e.getMessage());
    }
  }

  private static String text(JsonNode n, String key) {
    JsonNode v = n.path(key);
    return v.isTextual() ? v.asText() : null;
  }
}
