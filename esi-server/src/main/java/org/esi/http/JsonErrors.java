package org.esi.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.io.CharConversionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says in a caller's terms what is wrong with a JSON body. Jackson's own texts name its classes and
 * features ({@code ObjectNode}, {@code DeserializationFeature}, {@code java.lang.String}), which mean
 * nothing to a caller and describe our code, not their request.
 */
final class JsonErrors {
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']*)'");
    private static final Pattern CODE = Pattern.compile("\\s*\\(code \\d+\\)");
    /** Anything Jackson puts in backticks, and dotted Java names: never caller vocabulary. */
    private static final Pattern INTERNAL = Pattern.compile("`[^`]*`|\\b(?:com|java|javax|org|jakarta)\\.[\\w.$]+|\\b\\w*Exception\\b");

    private JsonErrors() {}

    static String describe(Exception e) {
        String where = e instanceof JsonProcessingException jpe ? at(jpe.getLocation()) : "";
        return what(e) + where;
    }

    private static String what(Exception e) {
        if (e instanceof StreamConstraintsException) {
            return "the document is too large or nested too deeply";
        }
        if (e instanceof JsonEOFException) {
            return "the document ends before it is complete";
        }
        if (e instanceof CharConversionException || (e.getMessage() != null && e.getMessage().contains("Invalid UTF-8"))) {
            return "the body is not valid UTF-8 text";
        }
        if (e instanceof JsonProcessingException jpe) {
            String original = jpe.getOriginalMessage() == null ? "" : jpe.getOriginalMessage();
            Matcher dup = DUPLICATE.matcher(original);
            if (dup.find()) {
                return "field '" + Jsons.clip(dup.group(1)) + "' appears more than once";
            }
            if (original.startsWith("Trailing token")) {
                return "there is more after the end of the JSON document";
            }
            if (e instanceof JsonMappingException) {
                return "a value has the wrong type" + field((JsonMappingException) e);
            }
            String plain = INTERNAL.matcher(CODE.matcher(original).replaceAll("")).replaceAll("").replaceAll("\\s+", " ").trim();
            return plain.isEmpty() ? "it is not valid JSON" : Jsons.clip(plain);
        }
        return "it could not be read";
    }

    private static String field(JsonMappingException e) {
        String path = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse("");
        return path.isEmpty() ? "" : " in field '" + Jsons.clip(path) + "'";
    }

    private static String at(JsonLocation loc) {
        return loc == null || loc.getLineNr() < 0 ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }
}
