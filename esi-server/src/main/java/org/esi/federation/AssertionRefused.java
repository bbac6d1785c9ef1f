package org.esi.federation;

/**
 * Why an assertion was refused, for this site's log only: the caller gets one generic 401 whatever the reason, so
 * that probing cannot tell an unknown issuer from a bad signature or a replay.
 */
public final class AssertionRefused extends RuntimeException {
    public AssertionRefused(String reason) {
        super(reason, null, false, false);
    }
}
