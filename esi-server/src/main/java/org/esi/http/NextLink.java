package org.esi.http;

import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/** The URL of the next page: the same request with {@code marker} set to the last item shown. */
public final class NextLink {
    private NextLink() {}

    public static String of(String base, Context ctx, String marker, int limit) {
        return of(base, ctx, "marker", marker, limit);
    }

    /** The same, for APIs whose cursor has another name (the event log pages by {@code last_event_id}). */
    public static String of(String base, Context ctx, String cursorName, String cursor, int limit) {
        StringJoiner q = new StringJoiner("&");
        for (Map.Entry<String, List<String>> e : ctx.queryParamMap().entrySet()) {
            if (e.getKey().equals(cursorName) || e.getKey().equals("limit")) {
                continue;
            }
            for (String v : e.getValue()) {
                q.add(enc(e.getKey()) + "=" + enc(v));
            }
        }
        q.add("limit=" + limit);
        q.add(cursorName + "=" + enc(cursor));
        return base + ctx.path() + "?" + q;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
