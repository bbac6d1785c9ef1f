package org.esi.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /}: ESI-Leap's version document, which the upstream leasing client reads first. */
final class RootDocument {
    private RootDocument() {}

    static Map<String, Object> body(String base) {
        Map<String, Object> v1 = new LinkedHashMap<>();
        v1.put("id", "v1.0");
        v1.put("status", "CURRENT");
        v1.put("links", List.of(Map.of("href", base + "/lease/v1/", "rel", "self")));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "ESI");
        m.put("description", "Elastic Secure Infrastructure: identity at /identity/v3, bare metal at /baremetal/v1, leasing at /lease/v1");
        m.put("default_version", v1);
        m.put("versions", List.of(v1));
        return m;
    }
}
