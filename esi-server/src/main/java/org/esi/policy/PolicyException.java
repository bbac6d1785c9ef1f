package org.esi.policy;

/**
 * A policy could not be loaded: a rule does not parse, references an unknown rule, takes part in a
 * reference cycle, or the operator's policy file is unreadable or malformed. The message is meant for
 * the operator, so it always names where the offending rule came from.
 */
public final class PolicyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PolicyException(String message) {
        super(message);
    }

    public PolicyException(String message, Throwable cause) {
        super(message, cause);
    }
}
