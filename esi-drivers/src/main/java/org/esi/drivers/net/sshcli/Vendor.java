package org.esi.drivers.net.sshcli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.esi.spi.net.PortConfig;

/**
 * Command templates per switch CLI. Each turns a wanted port state into the exact lines typed into the
 * switch's shell, and knows the words its CLI uses to say no.
 */
public enum Vendor {
    DELL_OS10("dell_os10") {
        @Override
        List<String> script(String port, PortConfig c) {
            List<String> l = new ArrayList<>(List.of("configure terminal", "interface ethernet " + port));
            switch (c) {
                case PortConfig.Idle i -> l.addAll(List.of("no switchport access vlan", "no switchport trunk allowed vlan", "shutdown"));
                case PortConfig.Access a -> l.addAll(List.of("switchport mode access", "switchport access vlan " + a.vlan(), "no shutdown"));
                case PortConfig.Trunk t -> {
                    l.add("switchport mode trunk");
                    if (t.nativeVlan() != null) {
                        l.add("switchport access vlan " + t.nativeVlan());
                    }
                    l.add("switchport trunk allowed vlan " + list(t));
                    l.add("no shutdown");
                }
            }
            l.addAll(List.of("end", "write memory"));
            return l;
        }
    },
    CISCO_NXOS("cisco_nxos") {
        @Override
        List<String> script(String port, PortConfig c) {
            return ciscoSession(List.of("configure terminal"), port, c, "copy running-config startup-config");
        }
    },
    ARISTA_EOS("arista_eos") {
        @Override
        List<String> script(String port, PortConfig c) {
            return ciscoSession(List.of("enable", "configure"), port, c, "write memory");
        }
    },
    JUNIPER_JUNOS("juniper_junos") {
        @Override
        List<String> script(String port, PortConfig c) {
            String unit = "set interfaces " + port + " unit 0 family ethernet-switching ";
            List<String> l = new ArrayList<>(List.of("configure", "delete interfaces " + port + " unit 0 family ethernet-switching",
                    "delete interfaces " + port + " native-vlan-id"));
            switch (c) {
                case PortConfig.Idle i -> l.add("set interfaces " + port + " disable");
                case PortConfig.Access a -> l.addAll(List.of("delete interfaces " + port + " disable",
                        unit + "interface-mode access", unit + "vlan members " + a.vlan()));
                case PortConfig.Trunk t -> {
                    l.addAll(List.of("delete interfaces " + port + " disable", unit + "interface-mode trunk"));
                    t.tagged().forEach(v -> l.add(unit + "vlan members " + v));
                    if (t.nativeVlan() != null) {
                        l.add("set interfaces " + port + " native-vlan-id " + t.nativeVlan());
                    }
                }
            }
            l.add("commit and-quit");
            return l;
        }
    },
    CUMULUS_NVUE("cumulus_nvue") {
        @Override
        List<String> script(String port, PortConfig c) {
            String base = "nv set interface " + port + " bridge domain br_default ";
            List<String> l = new ArrayList<>(List.of("nv unset interface " + port + " bridge domain br_default"));
            switch (c) {
                case PortConfig.Idle i -> l.add("nv set interface " + port + " link state down");
                case PortConfig.Access a -> l.addAll(List.of(base + "access " + a.vlan(), "nv set interface " + port + " link state up"));
                case PortConfig.Trunk t -> {
                    l.add(base + "vlan " + list(t));
                    if (t.nativeVlan() != null) {
                        l.add(base + "untagged " + t.nativeVlan());
                    }
                    l.add("nv set interface " + port + " link state up");
                }
            }
            l.add("nv config apply -y");
            return l;
        }
    };

    /** Words switch CLIs use when a line was refused. */
    static final Pattern REFUSED = Pattern.compile("(?im)^.*(% ?Invalid|Invalid input|% ?Error|^Error:|syntax error|unknown command|"
            + "not allowed|Invalid command|error: ).*$");

    private final String id;

    Vendor(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    abstract List<String> script(String port, PortConfig c);

    public static Vendor of(String id) {
        for (Vendor v : values()) {
            if (v.id.equals(id == null ? "" : id.toLowerCase(Locale.ROOT))) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown vendor '" + id + "'; use one of "
                + java.util.Arrays.stream(values()).map(Vendor::id).collect(Collectors.joining(", ")));
    }

    /** NX-OS and EOS share the interface lines; they differ in how a session enters and saves. */
    static List<String> ciscoSession(List<String> enter, String port, PortConfig c, String save) {
        List<String> l = new ArrayList<>(enter);
        vlans(c).forEach(v -> l.add("vlan " + v));
        l.add("interface " + port);
        ciscoLike(l, c);
        l.addAll(List.of("end", save));
        return l;
    }

    static void ciscoLike(List<String> l, PortConfig c) {
        switch (c) {
            case PortConfig.Idle i -> l.addAll(List.of("no switchport access vlan", "no switchport trunk allowed vlan", "shutdown"));
            case PortConfig.Access a -> l.addAll(List.of("switchport", "switchport mode access", "switchport access vlan " + a.vlan(), "no shutdown"));
            case PortConfig.Trunk t -> {
                l.addAll(List.of("switchport", "switchport mode trunk"));
                if (t.nativeVlan() != null) {
                    l.add("switchport trunk native vlan " + t.nativeVlan());
                }
                l.add("switchport trunk allowed vlan " + list(t));
                l.add("no shutdown");
            }
        }
    }

    static List<Integer> vlans(PortConfig c) {
        return switch (c) {
            case PortConfig.Idle i -> List.of();
            case PortConfig.Access a -> List.of(a.vlan());
            case PortConfig.Trunk t -> {
                List<Integer> all = new ArrayList<>();
                if (t.nativeVlan() != null) {
                    all.add(t.nativeVlan());
                }
                all.addAll(t.tagged());
                yield all;
            }
        };
    }

    static String list(PortConfig.Trunk t) {
        return vlans(t).stream().sorted().map(String::valueOf).collect(Collectors.joining(","));
    }
}
