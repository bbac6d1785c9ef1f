package org.esi.spi;

/**
 * A BMC operation failed. The message is meant for a person reading the node's {@code last_error}:
 * it says what went wrong in words and never carries a credential.
 */
public class BmcException extends Exception {
    /** Why, so the caller can decide whether a retry may help. */
    public enum Kind {
        /** Credentials rejected. Retrying will not help until the node's driver_info changes. */
        AUTHENTICATION,
        /** No answer in time, or the connection was refused. May recover. */
        UNREACHABLE,
        /** The BMC does not offer this operation. */
        UNSUPPORTED,
        /** The BMC answered with an error. */
        DEVICE_ERROR,
        /** driver_info is incomplete or malformed. */
        CONFIGURATION
    }

    private final Kind kind;

    public BmcException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public BmcException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
