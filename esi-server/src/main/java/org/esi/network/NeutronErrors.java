package org.esi.network;

import org.esi.http.ApiException;
import org.esi.http.ErrorKind;

/** Errors with the names Neutron gives them ({@code NeutronError.type}), which clients print next to the message. */
final class NeutronErrors {
    private NeutronErrors() {}

    static ApiException badRequest(String message) {
        return new ApiException(ErrorKind.USER_ERROR, "HTTPBadRequest", message);
    }

    static ApiException notFound(String type, String message) {
        return new ApiException(ErrorKind.NOT_FOUND, type, message);
    }

    static ApiException conflict(String type, String message) {
        return new ApiException(ErrorKind.CONFLICT, type, message);
    }
}
