package org.esi.http;

/** The small set of error types every API maps to an HTTP status in one place. */
public enum ErrorKind {
    USER_ERROR(400, "Bad Request"),
    UNAUTHORIZED(401, "Unauthorized"),
    /** The market: a balance that cannot cover what was asked. */
    PAYMENT_REQUIRED(402, "Payment Required"),
    FORBIDDEN(403, "Forbidden"),
    NOT_FOUND(404, "Not Found"),
    METHOD_NOT_ALLOWED(405, "Method Not Allowed"),
    NOT_ACCEPTABLE(406, "Not Acceptable"),
    CONFLICT(409, "Conflict"),
    TOO_LARGE(413, "Request Entity Too Large"),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported Media Type"),
    UNPROCESSABLE(422, "Unprocessable Entity"),
    TOO_MANY_REQUESTS(429, "Too Many Requests"),
    EXTERNAL(502, "Bad Gateway"),
    UNAVAILABLE(503, "Service Unavailable"),
    INTERNAL(500, "Internal Server Error");

    private final int status;
    private final String title;

    ErrorKind(int status, String title) {
        this.status = status;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** Client faults are the caller's to fix; upstream clients read this word from the body. */
    public boolean isClientFault() {
        return status < 500;
    }
}
