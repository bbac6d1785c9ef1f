package org.esi.drivers.net.linuxbridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.esi.spi.net.PortConfig;
import org.esi.spi.net.SwitchException;
import org.esi.spi.net.SwitchSession;

/**
 * One bridge. {@link #configure} replaces the port's whole VLAN membership (removing what is not wanted,
 * adding what is), so repeating it converges. An idle port carries no VLAN at all, not even the default
 * VLAN 1, so a port nobody attached passes no traffic.
 */
final class LinuxBridgeSession implements SwitchSession {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LinuxBridgeDriver.BridgeAddress address;
    private final Commands commands;

    LinuxBridgeSession(LinuxBridgeDriver.BridgeAddress address, Commands commands) {
        this.address = address;
        this.commands = commands;
    }

    /** Whether the kernel's bridge can filter VLANs; decided once per session by asking it. */
    private Boolean vlanFiltering;

    private boolean vlanFiltering() throws SwitchException {
        if (vlanFiltering == null) {
            Commands.Result r = commands.run(address.netns(),
                    List.of("ip", "link", "set", "dev", address.bridge(), "type", "bridge", "vlan_filtering", "1"));
            if (r.code() == 0) {
                vlanFiltering = true;
            } else if (r.err().contains("Operation not supported")) {
                vlanFiltering = false;
            } else {
                throw new SwitchException(SwitchException.Kind.REJECTED, "bridge " + address.bridge() + ": " + r.err());
            }
        }
        return vlanFiltering;
    }

    @Override
    public void configure(String port, PortConfig wanted) throws SwitchException {
        requirePort(port);
        if (!vlanFiltering()) {
            perVlanBridge(port, wanted);
            return;
        }
        Map<Integer, String> want = flags(wanted);
        Map<Integer, String> have = current(port);
        for (Integer vid : have.keySet()) {
            if (!want.containsKey(vid) || !want.get(vid).equals(have.get(vid))) {
                commands.check(address.netns(), List.of("bridge", "vlan", "del", "dev", port, "vid", vid.toString()));
            }
        }
        for (Map.Entry<Integer, String> e : want.entrySet()) {
            if (!e.getValue().equals(have.get(e.getKey()))) {
                List<String> cmd = new ArrayList<>(List.of("bridge", "vlan", "add", "dev", port, "vid", e.getKey().toString()));
                if (e.getValue().equals("native")) {
                    cmd.addAll(List.of("pvid", "untagged"));
                }
                commands.check(address.netns(), cmd);
            }
        }
    }

    /**
     * Kernels built without bridge VLAN filtering: each VLAN is a bridge of its own ({@code <bridge>v<vid>})
     * and an access port is enslaved to its VLAN's bridge; idle is no bridge at all. Tagged VLANs would
     * need 802.1Q sub-interfaces on the switch side, so trunks are refused on such a kernel.
     */
    private void perVlanBridge(String port, PortConfig wanted) throws SwitchException {
        switch (wanted) {
            case PortConfig.Idle idle -> commands.check(address.netns(), List.of("ip", "link", "set", "dev", port, "nomaster"));
            case PortConfig.Access a -> {
                String br = vlanBridge(a.vlan());
                Commands.Result made = commands.run(address.netns(), List.of("ip", "link", "add", br, "up", "type", "bridge"));
                if (made.code() != 0) {
                    if (!made.err().contains("File exists")) {
                        throw new SwitchException(SwitchException.Kind.REJECTED, "cannot create bridge " + br + ": " + made.err());
                    }
                    commands.check(address.netns(), List.of("ip", "link", "set", "dev", br, "up"));
                }
                commands.check(address.netns(), List.of("ip", "link", "set", "dev", port, "master", br, "up"));
            }
            case PortConfig.Trunk t -> throw new SwitchException(SwitchException.Kind.REJECTED,
                    "bridge " + address.bridge() + " cannot carry trunks: this kernel's bridge has no VLAN filtering");
        }
    }

    private String vlanBridge(int vid) throws SwitchException {
        String name = address.bridge() + "v" + vid;
        if (name.length() > 15) {
            throw new SwitchException(SwitchException.Kind.CONFIGURATION, "bridge name " + address.bridge()
                    + " is too long to name per-VLAN bridges (at most 10 characters)");
        }
        return name;
    }

    @Override
    public PortConfig read(String port) throws SwitchException {
        requirePort(port);
        if (!vlanFiltering()) {
            String out = commands.check(address.netns(), List.of("ip", "-j", "link", "show", "dev", port));
            try {
                String master = JSON.readTree(out).path(0).path("master").asText("");
                if (master.isEmpty()) {
                    return PortConfig.idle();
                }
                String prefix = address.bridge() + "v";
                return master.startsWith(prefix) ? new PortConfig.Access(Integer.parseInt(master.substring(prefix.length())))
                        : new PortConfig.Access(1); // the base bridge: everyone's default VLAN
            } catch (IOException | NumberFormatException e) {
                throw new SwitchException(SwitchException.Kind.REJECTED, "cannot read port " + port + ": " + e.getMessage());
            }
        }
        Map<Integer, String> have = current(port);
        Integer nativeVlan = have.entrySet().stream().filter(e -> e.getValue().equals("native")).map(Map.Entry::getKey).findFirst().orElse(null);
        TreeSet<Integer> tagged = new TreeSet<>();
        have.forEach((vid, kind) -> {
            if (kind.equals("tagged")) {
                tagged.add(vid);
            }
        });
        if (nativeVlan == null && tagged.isEmpty()) {
            return PortConfig.idle();
        }
        if (tagged.isEmpty()) {
            return new PortConfig.Access(nativeVlan);
        }
        return new PortConfig.Trunk(nativeVlan, tagged);
    }

    /** vid → "native" (pvid, untagged) or "tagged". */
    static Map<Integer, String> flags(PortConfig config) {
        Map<Integer, String> m = new LinkedHashMap<>();
        switch (config) {
            case PortConfig.Idle idle -> { }
            case PortConfig.Access a -> m.put(a.vlan(), "native");
            case PortConfig.Trunk t -> {
                if (t.nativeVlan() != null) {
                    m.put(t.nativeVlan(), "native");
                }
                t.tagged().forEach(v -> m.put(v, "tagged"));
            }
        }
        return m;
    }

    private Map<Integer, String> current(String port) throws SwitchException {
        String out = commands.check(address.netns(), List.of("bridge", "-j", "vlan", "show", "dev", port));
        return parse(out, port);
    }

    /** Parses {@code bridge -j vlan show dev PORT}; a port with no VLANs may be missing from the output. */
    static Map<Integer, String> parse(String json, String port) throws SwitchException {
        Map<Integer, String> m = new LinkedHashMap<>();
        try {
            JsonNode root = json.isBlank() ? JSON.createArrayNode() : JSON.readTree(json);
            for (JsonNode entry : root) {
                if (!port.equals(entry.path("ifname").asText())) {
                    continue;
                }
                for (JsonNode v : entry.path("vlans")) {
                    int vid = v.path("vlan").asInt();
                    int end = v.path("vlanEnd").asInt(vid);
                    boolean pvid = false;
                    boolean untagged = false;
                    for (JsonNode f : v.path("flags")) {
                        pvid |= f.asText().equals("PVID");
                        untagged |= f.asText().equals("Egress Untagged");
                    }
                    for (int i = vid; i <= end; i++) {
                        m.put(i, pvid && untagged ? "native" : untagged ? "untagged" : "tagged");
                    }
                }
            }
        } catch (IOException e) {
            throw new SwitchException(SwitchException.Kind.REJECTED, "cannot read the VLANs of " + port + ": " + e.getMessage());
        }
        return m;
    }

    private static void requirePort(String port) throws SwitchException {
        if (port == null || !LinuxBridgeDriver.IFNAME.matcher(port).matches()) {
            throw new SwitchException(SwitchException.Kind.CONFIGURATION, "port '" + port + "' is not a valid interface name");
        }
    }
}
