package org.esi.market;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.esi.cluster.PropertyMatch;
import org.esi.lease.LeaseService;
import org.jdbi.v3.core.Handle;

/**
 * One matching round's picture of the free offer time of the resource classes open bids ask for, cheapest offer
 * first (free offers count as price 0; ties: the older offer, then the UUID). The matcher plans each bid against
 * it and takes a match's windows out once the match has committed, so later bids of the round do not plan on them.
 * The picture may be stale: the claim re-checks every window under its offer's lock, and a window lost meanwhile
 * fails the match, which is planned again next round.
 */
final class FreeWindows {
    /** An offer's free gaps, each {start, end}, in time order; they shrink as the round's matches take time. */
    static final class Offered {
        final UUID offer;
        final String lesseeId;
        final long price;
        final JsonNode nodeProperties;
        final List<Instant[]> free = new ArrayList<>();
        /**
         * Whether the node passes a filter (by its text), worked out once per round: many bids share a few filters,
         * and a filter's test parses numbers out of the node's properties each time.
         */
        private final Map<String, Boolean> passes = new HashMap<>(4);

        Offered(UUID offer, String lesseeId, long price, JsonNode nodeProperties) {
            this.offer = offer;
            this.lesseeId = lesseeId;
            this.price = price;
            this.nodeProperties = nodeProperties;
        }

        boolean passes(List<PropertyMatch> filters) {
            for (PropertyMatch f : filters) {
                if (!passes.computeIfAbsent(f.toString(), k -> f.test(nodeProperties))) {
                    return false;
                }
            }
            return true;
        }

        boolean fits(Instant start, Instant end) {
            for (Instant[] gap : free) {
                if (!gap[0].isAfter(start) && !gap[1].isBefore(end)) {
                    return true;
                }
            }
            return false;
        }

        void take(Instant start, Instant end) {
            List<Instant[]> left = new ArrayList<>();
            for (Instant[] gap : free) {
                if (!gap[1].isAfter(start) || !gap[0].isBefore(end)) {
                    left.add(gap);
                    continue;
                }
                if (gap[0].isBefore(start)) {
                    left.add(new Instant[] {gap[0], start});
                }
                if (gap[1].isAfter(end)) {
                    left.add(new Instant[] {end, gap[1]});
                }
            }
            free.clear();
            free.addAll(left);
        }
    }

    private final Map<String, List<Offered>> byClass;
    private final Map<UUID, Offered> byOffer = new HashMap<>();

    private FreeWindows(Map<String, List<Offered>> byClass) {
        this.byClass = byClass;
        byClass.values().forEach(list -> list.forEach(o -> byOffer.put(o.offer, o)));
    }

    /** The free gaps (ending after {@code now}) of the available offers on nodes of the given classes. */
    static FreeWindows load(Handle h, Collection<String> classes, Instant now, ObjectMapper json) {
        Map<String, List<Offered>> byClass = new HashMap<>();
        Map<UUID, Offered> seen = new LinkedHashMap<>();
        h.createQuery("""
                        select o.uuid, o.lessee_id, coalesce(o.price, 0) as price, n.resource_class, n.properties::text as props,
                          lower(g.during) as gs, upper(g.during) as ge
                        from offer o join node n on n.uuid = o.resource_uuid join offer_free_gap g on g.offer_uuid = o.uuid
                        where o.status = 'available' and n.resource_class = any(:classes) and upper(g.during) > :now
                        order by coalesce(o.price, 0), o.created_at, o.uuid, lower(g.during)""")
                .bind("classes", new TreeSet<>(classes).toArray(new String[0])).bind("now", now.atOffset(java.time.ZoneOffset.UTC))
                .setFetchSize(1000)
                .map((rs, c) -> {
                    UUID uuid = rs.getObject("uuid", UUID.class);
                    Offered o = seen.get(uuid);
                    if (o == null) {
                        JsonNode props;
                        try {
                            props = json.readTree(rs.getString("props"));
                        } catch (java.io.IOException e) {
                            throw new IllegalStateException("stored node properties are unreadable", e);
                        }
                        o = new Offered(uuid, rs.getString("lessee_id"), rs.getLong("price"), props);
                        seen.put(uuid, o);
                        byClass.computeIfAbsent(rs.getString("resource_class"), k -> new ArrayList<>()).add(o);
                    }
                    o.free.add(new Instant[] {rs.getObject("gs", OffsetDateTime.class).toInstant(), rs.getObject("ge", OffsetDateTime.class).toInstant()});
                    return o;
                })
                .forEach(o -> {});
        return new FreeWindows(byClass);
    }

    /**
     * The windows that would give {@code bid} {@code need} more machines: the cheapest offers that fit, all starting at
     * the bid's start, or for a flexible bid at the earliest start (from {@code now} on) at which all of them fit.
     * When they cannot all fit, what fits the most (earliest such start): the caller decides whether fewer will do.
     */
    List<LeaseService.Window> plan(Bid bid, int need, Set<String> claimableFor, Instant now) {
        List<PropertyMatch> filters = bid.properties().stream().map(PropertyMatch::parse).toList();
        java.util.function.Predicate<Offered> eligible = o -> (o.lesseeId == null || claimableFor.contains(o.lesseeId))
                && o.passes(filters);
        List<Offered> offered = byClass.getOrDefault(bid.resourceClass(), List.of());
        Duration length = bid.length();
        if (!bid.flexible()) {
            // Walked lazily: the cheapest offers come first, so a bid usually stops after a few.
            return take(offered, bid.maxPrice(), eligible, bid.startTime(), bid.startTime().plus(length), need);
        }
        List<Offered> candidates = new ArrayList<>();
        for (Offered o : offered) {
            if (o.price > bid.maxPrice()) {
                break; // cheapest first: none after this one is affordable either
            }
            if (eligible.test(o)) {
                candidates.add(o);
            }
        }
        Instant earliest = bid.notBefore().isAfter(now) ? bid.notBefore() : now;
        Instant latest = bid.latestStart();
        // A start that fits more machines than `earliest` is the start of some free gap: try those, in time order.
        TreeSet<Instant> starts = new TreeSet<>();
        starts.add(earliest);
        for (Offered o : candidates) {
            for (Instant[] gap : o.free) {
                if (gap[0].isAfter(earliest) && !gap[0].isAfter(latest)) {
                    starts.add(gap[0]);
                }
            }
        }
        List<LeaseService.Window> best = List.of();
        for (Instant start : starts) {
            if (start.isAfter(latest)) {
                break;
            }
            List<LeaseService.Window> got = take(candidates, Long.MAX_VALUE, o -> true, start, start.plus(length), need);
            if (got.size() == need) {
                return got;
            }
            if (got.size() > best.size()) {
                best = got;
            }
        }
        return best;
    }

    /** The first {@code need} offers (in price order, up to {@code maxPrice}) that are eligible and free for the window. */
    private static List<LeaseService.Window> take(List<Offered> offered, long maxPrice, java.util.function.Predicate<Offered> eligible,
                                                  Instant start, Instant end, int need) {
        List<LeaseService.Window> out = new ArrayList<>();
        for (Offered o : offered) {
            if (out.size() == need || o.price > maxPrice) {
                break;
            }
            if (o.fits(start, end) && eligible.test(o)) {
                out.add(new LeaseService.Window(o.offer, start, end));
            }
        }
        return out;
    }

    /** A match committed: its windows are no longer free for the rest of the round. */
    void taken(List<LeaseService.Window> windows) {
        for (LeaseService.Window w : windows) {
            Offered o = byOffer.get(w.offer());
            if (o != null) {
                o.take(w.start(), w.end());
            }
        }
    }

    /** A match failed on a window the picture thought free: leave those offers to the next round's fresh picture. */
    void stale(List<LeaseService.Window> windows) {
        for (LeaseService.Window w : windows) {
            Offered o = byOffer.get(w.offer());
            if (o != null) {
                o.free.clear();
            }
        }
    }
}
