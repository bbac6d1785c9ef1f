package org.esi.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Files the user names on the command line (user data, SSH keys, JSON bodies), read with one clear message on failure. */
final class TextFiles {
  private TextFiles() {}

  /** The whole file as UTF-8; {@code what} names it in the message, e.g. "user data". */
  static String read(Path file, String what) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CliException(what + " file " + file + " does not exist");
    } catch (IOException | UncheckedIOException e) {
      throw new CliException("cannot read " + what + " file " + file + ": "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
  }

  /** The one OpenSSH public key in a file (a private key or anything else is refused). */
  static String sshPublicKey(Path file) {
    String key = read(file, "SSH key").strip();
    if (!key.matches("(ssh-|ecdsa-|sk-)[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( [^\\n]*)?")) {
      throw new CliException(file + " is not an OpenSSH public key (one line, e.g. ssh-ed25519 AAAA... you@host)");
    }
    return key;
  }
}
