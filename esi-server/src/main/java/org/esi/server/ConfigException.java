package org.esi.server;

/** A setting is missing, unknown or malformed; start-up stops with this message. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
