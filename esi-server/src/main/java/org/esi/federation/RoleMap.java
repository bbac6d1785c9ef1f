package org.esi.federation;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.esi.identity.Roles;

/**
 * How a peer's roles become roles here ({@code federation.role-map}): {@code remote=local} pairs separated by
 * commas, a remote role listed twice gives both local roles, {@code none} maps nothing. Remote roles are
 * compared case-insensitively; local ones must be roles of this site. No pair may give the local admin role
 * (under any of its names), and {@link #map} drops it even so: a peer's admin is never an admin here.
 */
public final class RoleMap {
    public static final String DEFAULT = "lessee=lessee";
    private static final String ADMIN = "admin";
    private final Map<String, Set<String>> pairs;

    private RoleMap(Map<String, Set<String>> pairs) {
        this.pairs = pairs;
    }

    public static RoleMap parse(String text) {
        Map<String, Set<String>> pairs = new LinkedHashMap<>();
        String t = text == null ? "" : text.trim();
        if (t.equalsIgnoreCase("none")) {
            return new RoleMap(pairs);
        }
        for (String part : t.split(",")) {
            String[] f = part.trim().split("=", -1);
            if (f.length != 2 || f[0].isBlank() || f[1].isBlank()) {
                throw new IllegalArgumentException("expected remote=local pairs separated by commas (or none), got '" + part.trim() + "'");
            }
            String local = Roles.canonical(f[1].trim())
                    .orElseThrow(() -> new IllegalArgumentException("'" + f[1].trim() + "' is not a role of this site (" + Roles.ALL + ")"));
            if (local.equals(ADMIN)) {
                throw new IllegalArgumentException("no remote role may become the local admin role ('" + part.trim() + "')");
            }
            pairs.computeIfAbsent(f[0].trim().toLowerCase(Locale.ROOT), k -> new TreeSet<>()).add(local);
        }
        return new RoleMap(pairs);
    }

    /** The local roles for a caller's roles at its home site; never admin. */
    public Set<String> map(Iterable<String> remote) {
        Set<String> out = new TreeSet<>();
        for (String r : remote) {
            out.addAll(pairs.getOrDefault(r.toLowerCase(Locale.ROOT), Set.of()));
        }
        out.remove(ADMIN);
        return out;
    }

    @Override
    public String toString() {
        return pairs.toString();
    }
}
