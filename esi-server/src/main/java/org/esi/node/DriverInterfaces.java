package org.esi.node;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each hardware type does, in Ironic's interface words, for {@code GET /baremetal/v1/drivers}. The names say
 * how this service drives the type, not how Ironic would: an IPMI deploy boots our iPXE script, a Redfish deploy
 * inserts virtual media (iPXE where the BMC has none), networking is our switch work on the node's ports (Ironic's
 * "neutron" interface), and nothing offers BIOS, RAID, rescue, storage or vendor steps.
 *
 * @param defaults interface kind (bios, boot, ...) to the interface a node of this type uses
 * @param enabled  interface kind to every interface this type may use, the default first
 */
record DriverInterfaces(Map<String, String> defaults, Map<String, List<String>> enabled) {
    static final List<String> KINDS = List.of("bios", "boot", "console", "deploy", "inspect", "management", "network",
            "power", "raid", "rescue", "storage", "vendor");

    private static final Map<String, DriverInterfaces> KNOWN = Map.of(
            "ipmi", of("no-bios", List.of("ipxe"), "ipmitool-socat", "ramdisk", "no-inspect", "ipmitool", "ipmitool"),
            "redfish", of("no-bios", List.of("redfish-virtual-media", "ipxe"), "no-console", "ramdisk", "redfish", "redfish", "redfish"),
            "fake-hardware", fake());

    /** A type without a description here (a driver added later) claims no interfaces: Ironic shows classic drivers so. */
    private static final DriverInterfaces UNDESCRIBED = new DriverInterfaces(Map.of(), Map.of());

    static DriverInterfaces of(String driver) {
        return KNOWN.getOrDefault(driver, UNDESCRIBED);
    }

    private static DriverInterfaces of(String bios, List<String> boot, String console, String deploy, String inspect,
                                       String management, String power) {
        Map<String, List<String>> enabled = new LinkedHashMap<>();
        enabled.put("bios", List.of(bios));
        enabled.put("boot", boot);
        enabled.put("console", List.of(console));
        enabled.put("deploy", List.of(deploy));
        enabled.put("inspect", List.of(inspect));
        enabled.put("management", List.of(management));
        enabled.put("network", List.of("neutron", "noop"));
        enabled.put("power", List.of(power));
        enabled.put("raid", List.of("no-raid"));
        enabled.put("rescue", List.of("no-rescue"));
        enabled.put("storage", List.of("noop"));
        enabled.put("vendor", List.of("no-vendor"));
        return from(enabled);
    }

    /** Ironic's fake-hardware: every hardware interface "fake", networking and storage as for real nodes. */
    private static DriverInterfaces fake() {
        Map<String, List<String>> enabled = new LinkedHashMap<>();
        for (String kind : KINDS) {
            enabled.put(kind, List.of("fake"));
        }
        enabled.put("network", List.of("neutron", "noop"));
        enabled.put("storage", List.of("noop"));
        return from(enabled);
    }

    private static DriverInterfaces from(Map<String, List<String>> enabled) {
        Map<String, String> defaults = new LinkedHashMap<>();
        enabled.forEach((kind, names) -> defaults.put(kind, names.get(0)));
        return new DriverInterfaces(Map.copyOf(defaults), Map.copyOf(enabled));
    }
}
