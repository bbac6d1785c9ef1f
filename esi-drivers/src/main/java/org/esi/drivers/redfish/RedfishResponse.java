package org.esi.drivers.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.net.http.HttpHeaders;
import java.util.Optional;

/** One answer from the BMC; {@code body} is a MissingNode when there was none or it was not JSON. */
record RedfishResponse(int status, HttpHeaders headers, JsonNode body) {
    RedfishResponse {
        body = body == null ? MissingNode.getInstance() : body;
    }

    boolean ok() {
        return status >= 200 && status < 300;
    }

    Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    /** The entity tag for If-Match: the ETag header, else the body's @odata.etag (many BMCs send only one). */
    Optional<String> etag() {
        return header("ETag").filter(s -> !s.isBlank())
                .or(() -> Json.text(body, "@odata.etag"));
    }
}
