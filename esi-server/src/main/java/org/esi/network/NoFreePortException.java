package org.esi.network;

import org.esi.http.ApiException;
import org.esi.http.ErrorKind;

/** A node has no cabled NIC left to attach; each API words this its own way (Ironic's VIF API does). */
public final class NoFreePortException extends ApiException {
    NoFreePortException(String message) {
        super(ErrorKind.CONFLICT, message);
    }
}
