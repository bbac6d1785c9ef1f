package org.esi.event;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.BaseUrl;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.NextLink;
import org.esi.http.Query;

/** {@code GET /lease/v1/events}: the event log, oldest first, paged by {@code last_event_id}. */
public final class EventRoutes {
    private static final int DEFAULT_LIMIT = 1000;
    private final EventStore events;
    private final BaseUrl baseUrl;
    private final Function<String, Optional<String>> projectIds;
    private final java.util.function.BiFunction<String, String, java.time.Instant> timeParser;
    private final Function<java.time.Instant, String> timeFormatter;

    public EventRoutes(EventStore events, BaseUrl baseUrl, Function<String, Optional<String>> projectIds,
                       java.util.function.BiFunction<String, String, java.time.Instant> timeParser,
                       Function<java.time.Instant, String> timeFormatter) {
        this.events = events;
        this.baseUrl = baseUrl;
        this.projectIds = projectIds;
        this.timeParser = timeParser;
        this.timeFormatter = timeFormatter;
    }

    public void register(HttpApi api) {
        api.get("/lease/v1/events", Access.rule("esi_leap:event:list"), this::list);
    }

    private void list(Call call) {
        Query q = call.query(Set.of("last_event_id", "last_event_time", "event_type", "resource_type", "resource_uuid",
                "lessee_or_owner_id", "limit"));
        call.authorize(Map.of());
        boolean all = call.allowed("esi_leap:event:list_all", Map.of());
        Optional<Long> last = q.string("last_event_id").map(s -> {
            try {
                long v = Long.parseLong(s);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("last_event_id must be a non-negative integer");
            }
        });
        int limit = Math.min(q.positiveInt("limit").orElse(DEFAULT_LIMIT), DEFAULT_LIMIT);
        EventStore.Filter f = new EventStore.Filter(
                all ? Optional.empty() : Optional.of(call.caller().projectId()),
                last,
                q.string("last_event_time").map(t -> timeParser.apply(t, "last_event_time")),
                q.string("event_type"),
                q.string("resource_type"),
                q.uuid("resource_uuid"),
                q.string("lessee_or_owner_id").map(p -> projectIds.apply(p).orElse(p)),
                limit + 1);
        List<Event> found = events.list(f);
        boolean more = found.size() > limit;
        List<Event> page = more ? found.subList(0, limit) : found;
        List<Map<String, Object>> out = new ArrayList<>();
        for (Event e : page) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", e.id());
            m.put("event_type", e.eventType());
            m.put("event_time", timeFormatter.apply(e.eventTime()));
            m.put("object_type", e.objectType());
            m.put("object_uuid", e.objectUuid().toString());
            m.put("resource_type", e.resourceType());
            m.put("resource_uuid", e.resourceUuid() == null ? null : e.resourceUuid().toString());
            m.put("lessee_id", e.lesseeId());
            m.put("owner_id", e.ownerId());
            out.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("events", out);
        if (more) {
            body.put("next", NextLink.of(baseUrl.of(call.ctx()), call.ctx(), "last_event_id",
                    String.valueOf(page.get(page.size() - 1).id()), limit));
        }
        call.ctx().json(body);
    }
}
