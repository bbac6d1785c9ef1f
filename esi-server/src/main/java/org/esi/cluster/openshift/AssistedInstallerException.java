package org.esi.cluster.openshift;

/** A call to the Assisted Installer (or its SSO) that failed: {@code status} is the HTTP status, 0 when none came back. */
public final class AssistedInstallerException extends Exception {
    private final int status;

    public AssistedInstallerException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
