package org.esi.identity;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The fixed role set, and ESI-Leap's role names accepted as aliases. */
public final class Roles {
    public static final List<String> ALL = List.of("admin", "owner", "lessee", "member", "reader");
    private static final Map<String, String> ALIASES = Map.of(
            "esi_leap_admin", "admin", "esi_leap_owner", "owner", "esi_leap_lessee", "lessee");

    private Roles() {}

    /** The canonical role for a name or alias (case-insensitive), empty when unknown. */
    public static Optional<String> canonical(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (ALL.contains(lower)) {
            return Optional.of(lower);
        }
        return Optional.ofNullable(ALIASES.get(lower));
    }
}
