package org.esi.drivers.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a Redfish error body into one line a person can act on. Vendors bend the schema: some send
 * {@code @Message.ExtendedInfo} as a single object instead of a list, Dell sends {@code MessageArgs} as a
 * string, and some leave out {@code Message} so only the id and arguments remain.
 */
final class RedfishErrors {
    private RedfishErrors() {}

    /** The messages in the body, most specific first; empty when the body carries no Redfish error. */
    static List<String> messages(JsonNode body) {
        JsonNode error = body.path("error");
        if (error.isMissingNode() || !error.isObject()) {
            return List.of();
        }
        Set<String> out = new LinkedHashSet<>();
        JsonNode info = error.path("@Message.ExtendedInfo");
        if (info.isArray()) {
            info.forEach(m -> describe(m).ifPresent(out::add));
        } else if (info.isObject()) {
            describe(info).ifPresent(out::add);
        }
        if (out.isEmpty()) {
            // The top-level message is usually "see ExtendedInfo"; only worth showing when nothing better exists.
            Json.text(error, "message").or(() -> Json.text(error, "code")).ifPresent(out::add);
        }
        return List.copyOf(out);
    }

    /** The messages joined, or a fallback naming the HTTP status when the body says nothing useful. */
    static String summary(JsonNode body, int status) {
        List<String> messages = messages(body);
        return messages.isEmpty() ? "HTTP " + status + " without a Redfish error message" : String.join("; ", messages);
    }

    /** True when any message id or argument names {@code word}: how BMCs say "parameter X is missing". */
    static boolean mentions(JsonNode body, String word) {
        return body.path("error").toString().contains(word);
    }

    private static Optional<String> describe(JsonNode message) {
        if (!message.isObject()) {
            return Optional.empty();
        }
        List<String> args = arguments(message.path("MessageArgs"));
        Optional<String> text = Json.text(message, "Message").map(m -> substitute(m, args));
        String id = Json.text(message, "MessageId").orElse("");
        String line = text.orElseGet(() -> args.isEmpty() ? id : id + " (" + String.join(", ", args) + ")");
        if (line.isBlank()) {
            return Optional.empty();
        }
        // Generic messages ("A general error has occurred. See Resolution...") only mean something with it.
        Optional<String> resolution = Json.text(message, "Resolution").filter(r -> !r.isBlank());
        if (resolution.isPresent() && line.contains("Resolution")) {
            line = line + " " + resolution.get();
        }
        return Optional.of(line.trim());
    }

    private static List<String> arguments(JsonNode args) {
        if (args.isArray()) {
            return Json.strings(args);
        }
        if (args.isValueNode() && !args.isNull()) {
            return List.of(args.asText()); // Dell: a bare string instead of a list
        }
        return List.of();
    }

    /** Registry messages may still hold %1, %2 placeholders when the BMC did not expand them. */
    private static String substitute(String message, List<String> args) {
        String out = message;
        for (int i = args.size(); i >= 1; i--) {
            out = out.replace("%" + i, args.get(i - 1));
        }
        return out;
    }

}
