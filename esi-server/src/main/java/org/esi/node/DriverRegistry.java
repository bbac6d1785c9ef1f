package org.esi.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esi.spi.BmcDriver;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;
import org.esi.spi.Secret;

/** The hardware types this server drives, by name. Validation is the driver's own, before any BMC is contacted. */
public final class DriverRegistry implements DriverCatalog {
    private final Map<String, BmcDriver> drivers = new LinkedHashMap<>();

    public DriverRegistry(List<BmcDriver> drivers) {
        drivers.forEach(d -> this.drivers.put(d.name(), d));
    }

    @Override
    public Set<String> names() {
        return drivers.keySet();
    }

    @Override
    public List<String> validate(String driver, Map<String, Object> driverInfo) {
        return drivers.get(driver).validate(driverInfo);
    }

    @Override
    public Map<String, Object> perNodeDefaults(String driver, String nodeUuid, Map<String, Object> driverInfo) {
        return drivers.get(driver).perNodeDefaults(nodeUuid, driverInfo);
    }

    public BmcDriver driver(String name) {
        return drivers.get(name);
    }

    /** Opens a BMC session with driver_info whose secrets were unsealed; secret values travel as {@link Secret}. */
    public BmcSession open(Node node, ObjectNode unsealedDriverInfo) throws BmcException {
        BmcDriver d = drivers.get(node.driver());
        if (d == null) {
            throw new BmcException(BmcException.Kind.CONFIGURATION, "unknown driver " + node.driver());
        }
        Map<String, Object> info = new LinkedHashMap<>();
        unsealedDriverInfo.fields().forEachRemaining(e -> info.put(e.getKey(), value(e.getKey(), e.getValue())));
        return d.open(info);
    }

    private static Object value(String key, JsonNode v) {
        if (v.isTextual()) {
            return NodeService.isSecretKey(key) ? new Secret(v.textValue()) : v.textValue();
        }
        if (v.isInt() || v.isLong()) {
            return v.longValue();
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        return v.isNull() ? null : v.toString();
    }
}
