package org.esi.event;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The event log. Events are written in the same transaction as the transition they describe, so the
 * log never claims a change that did not happen nor misses one that did.
 */
public final class EventStore {
    private final Jdbi jdbi;

    public EventStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Event record(Handle h, String type, Instant time, String objectType, UUID objectUuid, String resourceType,
                        UUID resourceUuid, String lesseeId, String ownerId) {
        long id = h.createQuery("""
                        insert into event (event_type, event_time, object_type, object_uuid, resource_type, resource_uuid, lessee_id, owner_id)
                        values (:t, :time, :ot, :ou, :rt, :ru, :l, :o) returning id""")
                .bind("t", type).bind("time", time.atOffset(ZoneOffset.UTC)).bind("ot", objectType).bind("ou", objectUuid)
                .bind("rt", resourceType).bind("ru", resourceUuid).bind("l", lesseeId).bind("o", ownerId)
                .mapTo(Long.class).one();
        return new Event(id, type, time, objectType, objectUuid, resourceType, resourceUuid, lesseeId, ownerId);
    }

    /**
     * Records {@code events} (their ids ignored) in one statement, in list order: ids are drawn row by row as the
     * ordered rows are inserted, so they follow the list as separate {@link #record} calls would. Answers the
     * events with their ids.
     */
    public List<Event> recordAll(Handle h, List<Event> events) {
        if (events.isEmpty()) {
            return List.of();
        }
        List<Long> ids = h.createQuery("""
                        insert into event (event_type, event_time, object_type, object_uuid, resource_type, resource_uuid, lessee_id, owner_id)
                        select t, time, ot, ou, rt, ru, l, o
                        from unnest(cast(:t as text[]), cast(:time as timestamptz[]), cast(:ot as text[]), cast(:ou as uuid[]),
                          cast(:rt as text[]), cast(:ru as uuid[]), cast(:l as text[]), cast(:o as text[])) with ordinality
                          e(t, time, ot, ou, rt, ru, l, o, i)
                        order by i returning id""")
                .bind("t", events.stream().map(Event::eventType).toArray(String[]::new))
                .bind("time", events.stream().map(e -> e.eventTime().toString()).toArray(String[]::new))
                .bind("ot", events.stream().map(Event::objectType).toArray(String[]::new))
                .bind("ou", events.stream().map(Event::objectUuid).toArray(UUID[]::new))
                .bind("rt", events.stream().map(Event::resourceType).toArray(String[]::new))
                .bind("ru", events.stream().map(Event::resourceUuid).toArray(UUID[]::new))
                .bind("l", events.stream().map(Event::lesseeId).toArray(String[]::new))
                .bind("o", events.stream().map(Event::ownerId).toArray(String[]::new))
                .mapTo(Long.class).list().stream().sorted().toList();
        List<Event> out = new java.util.ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            out.add(new Event(ids.get(i), e.eventType(), e.eventTime(), e.objectType(), e.objectUuid(), e.resourceType(),
                    e.resourceUuid(), e.lesseeId(), e.ownerId()));
        }
        return out;
    }

    /** Filters of {@code GET /lease/v1/events}; {@code visibleTo} limits to events of one project. */
    public record Filter(Optional<String> visibleTo, Optional<Long> lastEventId, Optional<Instant> lastEventTime,
                         Optional<String> eventType, Optional<String> resourceType, Optional<UUID> resourceUuid,
                         Optional<String> lesseeOrOwner, int limit) {}

    public List<Event> list(Filter f) {
        StringBuilder sql = new StringBuilder("select * from event where true");
        Map<String, Object> args = new LinkedHashMap<>();
        f.visibleTo().ifPresent(p -> {
            sql.append(" and (lessee_id = :visible or owner_id = :visible)");
            args.put("visible", p);
        });
        f.lesseeOrOwner().ifPresent(p -> {
            sql.append(" and (lessee_id = :lo or owner_id = :lo)");
            args.put("lo", p);
        });
        f.lastEventId().ifPresent(id -> {
            sql.append(" and id > :last");
            args.put("last", id);
        });
        f.lastEventTime().ifPresent(t -> {
            sql.append(" and event_time > :lastTime");
            args.put("lastTime", t.atOffset(ZoneOffset.UTC));
        });
        f.eventType().ifPresent(t -> {
            // upstream matches a prefix too: esi_leap.lease matches every lease event
            sql.append(" and (event_type = :type or event_type like :typePrefix)");
            args.put("type", t);
            args.put("typePrefix", t.replace("%", "\\%").replace("_", "\\_") + ".%");
        });
        f.resourceType().ifPresent(t -> {
            sql.append(" and resource_type = :rt");
            args.put("rt", t);
        });
        f.resourceUuid().ifPresent(u -> {
            sql.append(" and resource_uuid = :ru");
            args.put("ru", u);
        });
        sql.append(" order by id limit :limit");
        args.put("limit", f.limit());
        return jdbi.withHandle(h -> {
            var q = h.createQuery(sql.toString());
            args.forEach(q::bind);
            return q.map((rs, c) -> event(rs)).list();
        });
    }

    private static Event event(ResultSet rs) throws SQLException {
        return new Event(rs.getLong("id"), rs.getString("event_type"), rs.getObject("event_time", OffsetDateTime.class).toInstant(),
                rs.getString("object_type"), rs.getObject("object_uuid", UUID.class), rs.getString("resource_type"),
                rs.getObject("resource_uuid", UUID.class), rs.getString("lessee_id"), rs.getString("owner_id"));
    }
}
