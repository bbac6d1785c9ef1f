package org.esi.http;

import java.util.UUID;
import java.util.regex.Pattern;

/** Identifier parsing shared by the APIs. */
public final class Ids {
    private static final Pattern UUID_TEXT =
            Pattern.compile("^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$");

    private Ids() {}

    public static boolean looksLikeUuid(String text) {
        return text != null && UUID_TEXT.matcher(text).matches();
    }

    /** Parses a UUID with or without dashes; anything else is 400 naming the field. */
    public static UUID parseUuid(String text, String field) {
        if (!looksLikeUuid(text)) {
            throw ApiException.badRequest("'" + field + "' must be a UUID, not '" + Jsons.clip(text) + "'");
        }
        String hex = text.replace("-", "");
        return new UUID(Long.parseUnsignedLong(hex.substring(0, 16), 16), Long.parseUnsignedLong(hex.substring(16), 16));
    }

    /** Keystone style ids: 32 lower-case hex characters. */
    public static String newHexId() {
        return UUID.randomUUID().toString().replace("-", "");
    }
}
