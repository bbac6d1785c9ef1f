package org.esi.node;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * One worker's hold on nodes (Ironic's conductor lock), in the node row so that every instance sees it: taken
 * when free or expired, released by its holder. A worker that ends a node's operation ends its hold in the same
 * statement ({@link #RELEASED_BY_ME}), so a client that sees the stable state can ask for the next step at once.
 */
public final class NodeReservations {
    static final Duration TTL = Duration.ofMinutes(10);

    /** SET columns for an UPDATE of node that also ends the hold if {@code :me} (bind {@link #owner()}) has it. */
    public static final String RELEASED_BY_ME = """
            reservation = case when reservation = :me then null else reservation end,
            reservation_expires = case when reservation = :me then null else reservation_expires end
            """;

    private final Jdbi jdbi;
    private final Clock clock;
    private final String owner;

    /** {@code kind} names the worker in the column, e.g. "esi" or "agent", with a random suffix per process. */
    public NodeReservations(Jdbi jdbi, Clock clock, String kind) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.owner = kind + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public String owner() {
        return owner;
    }

    public boolean take(UUID node) {
        Instant now = clock.instant();
        return jdbi.withHandle(h -> h.createUpdate("""
                        update node set reservation = :me, reservation_expires = :until
                        where uuid = :u and (reservation is null or reservation_expires < :now)""")
                .bind("me", owner).bind("until", NodeStore.utc(now.plus(TTL))).bind("now", NodeStore.utc(now))
                .bind("u", node).execute()) == 1;
    }

    public void release(UUID node) {
        jdbi.useHandle(h -> h.createUpdate("update node set reservation = null, reservation_expires = null where uuid = :u and reservation = :me")
                .bind("u", node).bind("me", owner).execute());
    }
}
