package org.esi.spi;

import java.util.List;
import java.util.Map;

/**
 * A hardware type (Ironic's "driver"): {@code ipmi}, {@code redfish}, {@code fake-hardware}.
 * Drivers never touch the database; the server hands them the node's decrypted driver_info.
 * Implementations are thread-safe: many nodes are driven at once.
 */
public interface BmcDriver {
    /** The name nodes use in their {@code driver} field. */
    String name();

    /**
     * Checks driver_info without talking to the BMC, so the API can refuse a bad node with a 400.
     * Returns the problems in words, empty when the configuration is usable.
     */
    List<String> validate(Map<String, Object> driverInfo);

    /**
     * Connects to the BMC described by driver_info. Values that are secrets arrive as {@link Secret}.
     * Opening is cheap; the session may connect lazily.
     */
    BmcSession open(Map<String, Object> driverInfo) throws BmcException;

    /**
     * driver_info entries the server adds when a node is enrolled with (or switched to) this driver, e.g. an
     * identity the node needs and the caller left out. Not secrets. None by default.
     */
    default Map<String, Object> perNodeDefaults(String nodeUuid, Map<String, Object> driverInfo) {
        return Map.of();
    }
}
