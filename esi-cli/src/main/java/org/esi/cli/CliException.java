package org.esi.cli;

/** A failure reported to the user as one line on stderr; {@code status} is the HTTP status or 0. */
public class CliException extends RuntimeException {
  private final int status;

  public CliException(String message) {
    this(message, 0);
  }

  public CliException(String message, int status) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }

  /** The line printed after "esi: ", always one line so scripts can parse stderr. */
  public String userMessage() {
    String msg = getMessage() == null ? "error" : getMessage().replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    return status > 0 ? msg + " (HTTP " + status + ")" : msg;
  }
}
