package org.esi.spi.net;

import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a switch port should carry. Idle: no VLAN at all (the port passes no tenant traffic). Access:
 * one untagged VLAN. Trunk: an optional native (untagged) VLAN plus tagged VLANs.
 */
public sealed interface PortConfig {
    record Idle() implements PortConfig {}

    record Access(int vlan) implements PortConfig {
        public Access {
            requireVlan(vlan);
        }
    }

    record Trunk(Integer nativeVlan, SortedSet<Integer> tagged) implements PortConfig {
        public Trunk {
            if (nativeVlan != null) {
                requireVlan(nativeVlan);
            }
            tagged = new TreeSet<>(tagged);
            tagged.forEach(PortConfig::requireVlan);
            if (nativeVlan != null && tagged.contains(nativeVlan)) {
                throw new IllegalArgumentException("VLAN " + nativeVlan + " cannot be both native and tagged");
            }
        }

        public static Trunk of(Integer nativeVlan, Set<Integer> tagged) {
            return new Trunk(nativeVlan, new TreeSet<>(tagged));
        }
    }

    static PortConfig idle() {
        return new Idle();
    }

    private static void requireVlan(int vlan) {
        if (vlan < 1 || vlan > 4094) {
            throw new IllegalArgumentException("VLAN id " + vlan + " is outside 1..4094");
        }
    }
}
