package org.esi.node;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * driver_info rules for {@code ipmi}, {@code redfish} and {@code fake-hardware} that hold before any
 * BMC is contacted: the address is present and the port is a number.
 */
public final class BasicDriverCatalog implements DriverCatalog {
    @Override
    public Set<String> names() {
        return Set.of("ipmi", "redfish", "fake-hardware");
    }

    @Override
    public List<String> validate(String driver, Map<String, Object> info) {
        List<String> problems = new ArrayList<>();
        switch (driver) {
            case "ipmi" -> {
                requireText(info, "ipmi_address", problems);
                port(info, "ipmi_port", problems);
            }
            case "redfish" -> {
                requireText(info, "redfish_address", problems);
                Object address = info.get("redfish_address");
                if (address instanceof String s && !s.isBlank() && !s.matches("^(https?://)?[^\\s/]+(/.*)?$")) {
                    problems.add("redfish_address must be a host or an http(s) URL");
                }
            }
            default -> { }
        }
        return problems;
    }

    private static void requireText(Map<String, Object> info, String key, List<String> problems) {
        Object v = info.get(key);
        if (!(v instanceof String s) || s.isBlank()) {
            problems.add(key + " is required");
        }
    }

    private static void port(Map<String, Object> info, String key, List<String> problems) {
        Object v = info.get(key);
        if (v == null) {
            return;
        }
        try {
            int p = v instanceof Number n ? n.intValue() : Integer.parseInt(v.toString().trim());
            if (v instanceof Number n && n.doubleValue() != p || p < 1 || p > 65535) {
                problems.add(key + " must be a port number between 1 and 65535");
            }
        } catch (NumberFormatException e) {
            problems.add(key + " must be a number, not '" + v + "'");
        }
    }
}
