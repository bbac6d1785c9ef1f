package org.esi.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.esi.http.ApiException;

/**
 * Step lists as Ironic declares them: {@code {"interface", "step", "args", "priority"}}. Automated
 * cleaning's list comes from the owner's erase policy; a manual clean brings its own, checked here for
 * shape and, once the agent has booted, against the steps the agent offers.
 */
final class CleanSteps {
    static final Set<String> INTERFACES = Set.of("deploy", "raid", "bios", "management", "power", "firmware");
    private static final Pattern STEP = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    /** A step this service runs itself through the agent (a TPM quote), not one of the agent's clean steps. */
    static final String ATTEST = "attest";

    private CleanSteps() {}

    /** A manual clean's list, normalised; 400 for anything Ironic's API would refuse. */
    static ArrayNode parse(JsonNode steps, ObjectMapper json) {
        if (steps == null || !steps.isArray() || steps.isEmpty()) {
            throw ApiException.badRequest("clean_steps must be a non-empty list of {\"interface\", \"step\", \"args\"}");
        }
        if (steps.size() > 20) {
            throw ApiException.badRequest("clean_steps may hold at most 20 steps");
        }
        ArrayNode out = json.createArrayNode();
        for (JsonNode s : steps) {
            if (!s.isObject()) {
                throw ApiException.badRequest("Each clean step must be an object");
            }
            for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!Set.of("interface", "step", "args", "order", "priority").contains(f)) {
                    throw ApiException.badRequest("Unknown field '" + org.esi.http.Jsons.clip(f) + "' in a clean step");
                }
            }
            String iface = s.path("interface").asText("");
            String step = s.path("step").asText("");
            if (!s.path("interface").isTextual() || !INTERFACES.contains(iface)) {
                throw ApiException.badRequest("A clean step's interface must be one of " + String.join(", ", INTERFACES.stream().sorted().toList()));
            }
            if (!s.path("step").isTextual() || !STEP.matcher(step).matches()) {
                throw ApiException.badRequest("A clean step's step must be a step name (lower case letters, digits and _)");
            }
            if (s.has("args") && !s.get("args").isObject()) {
                throw ApiException.badRequest("A clean step's args must be an object");
            }
            out.add(step(json, iface, step, s.has("args") ? (ObjectNode) s.get("args") : json.createObjectNode(), 0));
        }
        return out;
    }

    /** Automated cleaning by the owner's policy, in Ironic's priorities: metadata (99), then the full erase (10). */
    static ArrayNode automated(String policy, boolean attest, ObjectMapper json) {
        ArrayNode out = json.createArrayNode();
        out.add(step(json, "deploy", "erase_devices_metadata", json.createObjectNode(), 99));
        if (policy.equals("full")) {
            out.add(step(json, "deploy", "erase_devices", json.createObjectNode(), 10));
        }
        if (attest) {
            out.add(step(json, "deploy", ATTEST, json.createObjectNode(), 1));
        }
        return out;
    }

    static ObjectNode step(ObjectMapper json, String iface, String step, ObjectNode args, int priority) {
        ObjectNode o = json.createObjectNode();
        o.put("interface", iface);
        o.put("step", step);
        o.set("args", args);
        o.put("priority", priority);
        return o;
    }

    static boolean isAttest(JsonNode step) {
        return ATTEST.equals(step.path("step").asText());
    }

    static boolean same(JsonNode a, JsonNode b) {
        return a != null && b != null && a.path("interface").asText().equals(b.path("interface").asText())
                && a.path("step").asText().equals(b.path("step").asText());
    }

    static List<String> names(JsonNode steps) {
        return java.util.stream.StreamSupport.stream(steps.spliterator(), false)
                .map(s -> s.path("interface").asText() + "." + s.path("step").asText()).toList();
    }
}
