package org.esi.http;

import java.time.Duration;
import java.util.Optional;

/**
 * A failure whose message is safe to show the caller. Anything else thrown by a handler is an
 * internal fault: logged with its trace, answered with a generic 500 and no detail.
 */
public class ApiException extends RuntimeException {
    private final ErrorKind kind;
    private final String type;
    private final Duration retryAfter;

    public ApiException(ErrorKind kind, String message) {
        this(kind, null, message);
    }

    /** With the error's name for APIs whose bodies carry one (Neutron's {@code NeutronError.type}, e.g. {@code PortNotFound}). */
    public ApiException(ErrorKind kind, String type, String message) {
        this(kind, type, message, null);
    }

    private ApiException(ErrorKind kind, String type, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.kind = kind;
        this.type = type;
        this.retryAfter = retryAfter;
    }

    public ErrorKind kind() {
        return kind;
    }

    /** When the caller may usefully try again, sent as {@code Retry-After}. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public static ApiException tooManyRequests(String message, Duration retryAfter) {
        return new ApiException(ErrorKind.TOO_MANY_REQUESTS, null, message, retryAfter);
    }

    /** The error's name, or null to let the API style derive one from the kind. */
    public String type() {
        return type;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(ErrorKind.USER_ERROR, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(ErrorKind.NOT_FOUND, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(ErrorKind.CONFLICT, message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(ErrorKind.FORBIDDEN, message);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(ErrorKind.UNAUTHORIZED, message);
    }
}
