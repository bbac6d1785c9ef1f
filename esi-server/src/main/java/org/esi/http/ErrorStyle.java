package org.esi.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Each API family has the error body its upstream clients parse. Keeping the shape per prefix lets
 * {@code openstack}, {@code esisdk} and our CLI print the message instead of a parse failure.
 */
public enum ErrorStyle {
    /** Keystone: {@code {"error": {"code", "message", "title"}}}. */
    KEYSTONE,
    /** Ironic: {@code {"error_message": "<JSON string of faultcode/faultstring/debuginfo>"}}. */
    IRONIC,
    /** Neutron: {@code {"NeutronError": {"type", "message", "detail"}}}. */
    NEUTRON,
    /** ESI-Leap and our own APIs: {@code {"faultcode", "faultstring", "debuginfo"}}. */
    FAULT;

    public static ErrorStyle forPath(String path) {
        if (path.startsWith("/identity")) {
            return KEYSTONE;
        }
        if (path.startsWith("/baremetal")) {
            return IRONIC;
        }
        if (path.equals("/network") || path.startsWith("/network/v2.0")) {
            return NEUTRON;
        }
        return FAULT;
    }

    public Object body(ObjectMapper json, ErrorKind kind, String message) {
        return body(json, kind, message, null);
    }

    /** {@code type} names the error where the style has a place for it (Neutron); null derives it from the kind. */
    public Object body(ObjectMapper json, ErrorKind kind, String message, String type) {
        return switch (this) {
            case NEUTRON -> Map.of("NeutronError", orderedMap("type", type != null ? type : neutronType(kind), "message", message, "detail", ""));
            case KEYSTONE -> Map.of("error", orderedMap("code", kind.status(), "message", message, "title", kind.title()));
            case IRONIC -> {
                try {
                    yield Map.of("error_message", json.writeValueAsString(fault(kind, message)));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
            case FAULT -> fault(kind, message);
        };
    }

    /** Neutron names errors it has no specific class for after the HTTP status, as webob does ({@code HTTPNotFound}). */
    private static String neutronType(ErrorKind kind) {
        return kind == ErrorKind.FORBIDDEN ? "PolicyNotAuthorized" : "HTTP" + kind.title().replace(" ", "");
    }

    private static Map<String, Object> fault(ErrorKind kind, String message) {
        return orderedMap("faultcode", kind.isClientFault() ? "Client" : "Server", "faultstring", message, "debuginfo", null);
    }

    private static Map<String, Object> orderedMap(String k1, Object v1, String k2, Object v2, String k3, Object v3) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        m.put(k3, v3);
        return m;
    }
}
