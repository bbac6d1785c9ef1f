package org.esi.node;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The per-deploy boot tokens of PXE deploys. A node that PXE-boots cannot log in, so its iPXE script is
 * served without authentication at {@code /boot/{node}/{token}/boot.ipxe}; the token, 128 random bits
 * issued afresh by every deploy, is what keeps one node (or anyone on the provisioning network) from
 * reading another node's script. A script is served only while its node is deploying or active, and the
 * token is dropped when the node leaves those states, so an undeployed node's old URL is dead at once.
 *
 * <p>The token is stored as issued, not hashed: the operator must be able to read the script URL back
 * (driver_internal_info.ipxe_script_url, shown only to readers of node secrets) to point DHCP at it, so a
 * hash in the database would hide nothing. Its protection is its randomness and its short life.
 */
public final class PxeBoot {
    /** The key in driver_internal_info that tells the operator where the node should chain to. */
    static final String SCRIPT_URL_KEY = "ipxe_script_url";
    /** Deploying or active for a PXE deploy; the agent's states while it boots the in-band agent. */
    static final Set<String> BOOTABLE_STATES = Set.of("deploying", "active", "wait call-back", "cleaning", "clean wait",
            "inspecting", "inspect wait");
    private static final Pattern TOKEN = Pattern.compile("[0-9a-f]{32}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final NodeStore store;
    private final Clock clock;
    private final Supplier<String> serviceUrl;

    /** {@code serviceUrl} is where nodes reach this service: the public URL, else the listening address. */
    public PxeBoot(NodeStore store, Clock clock, Supplier<String> serviceUrl) {
        this.store = store;
        this.clock = clock;
        this.serviceUrl = serviceUrl;
    }

    static String scriptPath(UUID node, String token) {
        return "/boot/" + node + "/" + token + "/boot.ipxe";
    }

    /** Gives the node a fresh token, replacing any earlier one, and records and returns its script URL. */
    public String issue(UUID node) {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        String url = serviceUrl.get() + scriptPath(node, token);
        store.jdbi().useHandle(h -> h.createUpdate("""
                        update node set boot_token = :t, updated_at = :now,
                          driver_internal_info = driver_internal_info || jsonb_build_object(:key, cast(:url as text))
                        where uuid = :u""")
                .bind("t", token).bind("key", SCRIPT_URL_KEY).bind("url", url).bind("now", NodeStore.utc(clock.instant()))
                .bind("u", node).execute());
        return url;
    }

    /** Drops the node's token and script URL; a no-op for a node that has none. */
    public void revoke(UUID node) {
        store.jdbi().useHandle(h -> h.createUpdate("""
                        update node set boot_token = null, driver_internal_info = driver_internal_info - :key, updated_at = :now
                        where uuid = :u and (boot_token is not null or jsonb_exists(driver_internal_info, :key))""")
                .bind("key", SCRIPT_URL_KEY).bind("now", NodeStore.utc(clock.instant())).bind("u", node).execute());
    }

    /** The node whose script this is: its token matches and it is deploying or active. Anything else is empty. */
    Optional<Node> bootable(UUID node, String token) {
        if (token == null || !TOKEN.matcher(token).matches()) {
            return Optional.empty();
        }
        Optional<String> stored = store.jdbi().withHandle(h -> h.createQuery("""
                        select boot_token from node where uuid = :u and boot_token is not null and provision_state in (<states>)""")
                .bindList("states", BOOTABLE_STATES.stream().toList()).bind("u", node).mapTo(String.class).findOne());
        // Compared in constant time, so response timing says nothing about how much of a guess was right.
        if (stored.isEmpty() || !MessageDigest.isEqual(stored.get().getBytes(StandardCharsets.US_ASCII),
                token.getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        return store.node(node).filter(n -> BOOTABLE_STATES.contains(n.provisionState()));
    }

    /**
     * The node owning the port with this MAC (empty for an unknown MAC), and whether it has a boot to
     * serve now: a token and a bootable state, as {@link #bootable} asks of a token URL.
     */
    Optional<Chain> byMac(String mac) {
        return store.portByAddress(mac).flatMap(p -> p.nodeUuid() == null ? Optional.empty() : store.node(p.nodeUuid()))
                .map(n -> new Chain(n, BOOTABLE_STATES.contains(n.provisionState()) && store.jdbi().withHandle(h -> h.createQuery(
                                "select boot_token is not null from node where uuid = :u").bind("u", n.uuid()).mapTo(Boolean.class).one())));
    }

    /** A node found by MAC, and whether it has something to PXE-boot now. */
    record Chain(Node node, boolean bootable) {}
}
