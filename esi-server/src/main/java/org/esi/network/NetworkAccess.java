package org.esi.network;

import java.util.HashMap;
import java.util.Map;
import org.esi.http.Caller;

/** The policy target of a network, the same for both faces of the network API. */
final class NetworkAccess {
    private NetworkAccess() {}

    static Map<String, Object> target(NetworkStore store, Network n, Caller caller) {
        Map<String, Object> t = new HashMap<>();
        t.put("network.project_id", n.projectId());
        t.put("network.shared", n.shared());
        t.put("network.granted", store.granted(n.id(), caller.projectId()));
        return t;
    }
}
