package org.esi.node;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** The hardware types nodes may name, and what each demands of driver_info (checked without the BMC). */
public interface DriverCatalog {
    Set<String> names();

    /** Problems in words; empty when usable. Only called with a name from {@link #names()}. */
    List<String> validate(String driver, Map<String, Object> driverInfo);

    /** driver_info entries the driver adds for a node that left them out; none by default. */
    default Map<String, Object> perNodeDefaults(String driver, String nodeUuid, Map<String, Object> driverInfo) {
        return Map.of();
    }
}
