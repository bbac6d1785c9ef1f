package org.esi.spi.net;

/** A switch operation failed; the message is for a person and never carries a credential. */
public class SwitchException extends Exception {
    public enum Kind { AUTHENTICATION, UNREACHABLE, REJECTED, CONFIGURATION }

    private final Kind kind;

    public SwitchException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public SwitchException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
