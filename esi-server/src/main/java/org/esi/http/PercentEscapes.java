package org.esi.http;

/**
 * Refuses a URL part with a broken escape such as {@code %zz}, {@code %u002e} or a trailing {@code %}.
 * Decoders either throw on one (a 500) or drop the parameter, and a list whose filter silently vanished
 * answers with everything.
 */
final class PercentEscapes {
    private PercentEscapes() {}

    static void require(String raw, String part) {
        if (raw == null) {
            return;
        }
        for (int i = raw.indexOf('%'); i >= 0; i = raw.indexOf('%', i + 1)) {
            if (i + 2 >= raw.length() || Character.digit(raw.charAt(i + 1), 16) < 0 || Character.digit(raw.charAt(i + 2), 16) < 0) {
                throw ApiException.badRequest("The " + part + " has a malformed percent-escape near '"
                        + Jsons.clip(raw.substring(i, Math.min(raw.length(), i + 3))) + "'; write a literal '%' as %25");
            }
        }
    }
}
