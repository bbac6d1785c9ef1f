package org.esi.drivers.fake;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.esi.spi.BmcDriver;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;

/**
 * The {@code fake-hardware} hardware type: machines that exist only in memory, for demos and tests.
 * A node's machine is found by its driver_info: {@code fake_id} when present, otherwise its BMC address
 * (any key ending in {@code _address}, with a port or system id if given), otherwise one shared default
 * machine. So a node enrolled with {@code ipmi_address} can be switched to this driver and keeps its identity.
 * The server gives each node enrolled without either a {@code fake_id} of its own ({@link #perNodeDefaults}).
 * Thread-safe.
 */
public final class FakeHardwareDriver implements BmcDriver {
    public static final String NAME = "fake-hardware";
    public static final String DEFAULT_KEY = "default";

    private final Clock clock;
    private final Map<String, FakeMachine> machines = new ConcurrentHashMap<>();
    private volatile FakeStateStore store;

    public FakeHardwareDriver() {
        this(Clock.systemUTC());
    }

    public FakeHardwareDriver(Clock clock) {
        this.clock = Objects.requireNonNull(clock);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Accepts anything, an empty driver_info included, except a fake_id that is not a non-blank string. */
    @Override
    public List<String> validate(Map<String, Object> driverInfo) {
        List<String> problems = new ArrayList<>();
        if (driverInfo != null && driverInfo.containsKey("fake_id")) {
            Object id = driverInfo.get("fake_id");
            if (!(id instanceof String s) || s.isBlank()) {
                problems.add("fake_id must be a non-empty string");
            }
        }
        return problems;
    }

    @Override
    public BmcSession open(Map<String, Object> driverInfo) throws BmcException {
        List<String> problems = validate(driverInfo);
        if (!problems.isEmpty()) {
            throw new BmcException(BmcException.Kind.CONFIGURATION, "invalid driver_info: " + String.join("; ", problems));
        }
        return new FakeSession(machine(driverInfo));
    }

    /** The machine a node with this driver_info drives, created on first use. */
    public FakeMachine machine(Map<String, Object> driverInfo) {
        return machine(keyOf(driverInfo));
    }

    public FakeMachine machine(String key) {
        return machines.computeIfAbsent(key, k -> new FakeMachine(k, clock, () -> store));
    }

    /**
     * From now on the machines' power, boot device and virtual media live in {@code store}, so that every
     * service instance on one database sees one machine. Without a store they live in this object.
     */
    public void keepStateIn(FakeStateStore store) {
        this.store = Objects.requireNonNull(store);
    }

    /**
     * What a node enrolled without a machine of its own gets: {@code fake_id} set to its uuid, so that two
     * such nodes are two machines (they used to share the default one: powering one powered the other).
     */
    @Override
    public Map<String, Object> perNodeDefaults(String nodeUuid, Map<String, Object> driverInfo) {
        return keyOf(driverInfo).equals(DEFAULT_KEY) ? Map.of("fake_id", nodeUuid) : Map.of();
    }

    /** Every machine touched so far, by key. */
    public Map<String, FakeMachine> machines() {
        return Map.copyOf(machines);
    }

    /** Forgets every machine, for tests that share one driver. */
    public void reset() {
        machines.clear();
    }

    static String keyOf(Map<String, Object> driverInfo) {
        if (driverInfo == null || driverInfo.isEmpty()) {
            return DEFAULT_KEY;
        }
        if (driverInfo.get("fake_id") instanceof String id && !id.isBlank()) {
            return id;
        }
        // Sorted, so the same driver_info always gives the same key whatever the map's order.
        for (Map.Entry<String, Object> e : new TreeMap<>(driverInfo).entrySet()) {
            if (e.getKey().endsWith("_address") && e.getValue() != null && !e.getValue().toString().isBlank()) {
                String prefix = e.getKey().substring(0, e.getKey().length() - "_address".length());
                String key = e.getValue().toString().strip();
                Object port = driverInfo.get(prefix + "_port");
                Object system = driverInfo.get(prefix + "_system_id");
                if (port != null) {
                    key += ":" + port;
                }
                if (system != null) {
                    key += system.toString().startsWith("/") ? system.toString() : "/" + system;
                }
                return key;
            }
        }
        return DEFAULT_KEY;
    }
}
