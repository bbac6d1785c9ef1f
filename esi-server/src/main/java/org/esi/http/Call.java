package org.esi.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.esi.policy.Policy;

/**
 * One API request as handlers see it: the caller, the declared rule, strict query and body readers.
 * Handlers authorize through {@link #authorize}; the router refuses to answer for a rule route whose
 * handler never did, so a forgotten check is a failing test rather than an open door.
 */
public final class Call {
    private final Context ctx;
    private final Caller caller;
    private final Access access;
    private final Policy policy;
    private final ObjectMapper json;
    private boolean authorized;

    Call(Context ctx, Caller caller, Access access, Policy policy, ObjectMapper json) {
        this.ctx = ctx;
        this.caller = caller;
        this.access = access;
        this.policy = policy;
        this.json = json;
    }

    public Context ctx() {
        return ctx;
    }

    /** The authenticated caller; only absent on anonymous routes. */
    public Caller caller() {
        if (caller == null) {
            throw new IllegalStateException("anonymous route asked for its caller");
        }
        return caller;
    }

    public Optional<Caller> callerIfAny() {
        return Optional.ofNullable(caller);
    }

    boolean authorizedOrAnonymous() {
        return authorized || access instanceof Access.Anonymous;
    }

    /**
     * Enforces the route's rule against the target the handler loaded. Denied is 403; handlers that must
     * hide an object's existence check visibility first and answer 404 themselves.
     */
    public void authorize(Map<String, Object> target) {
        String rule = ((Access.Rule) access).name();
        authorized = true;
        if (!policy.enforce(rule, caller().credentials(), target)) {
            throw ApiException.forbidden("Access was denied to this resource (policy " + rule + ")");
        }
    }

    /** Evaluates any rule without failing, e.g. to decide what to mask. */
    public boolean allowed(String rule, Map<String, Object> target) {
        return policy.enforce(rule, caller().credentials(), target);
    }

    public String pathParam(String name) {
        return ctx.pathParam(name);
    }

    /** Fails with 400 naming any query parameter the route does not know. */
    public Query query(Collection<String> allowed) {
        Map<String, List<String>> params = ctx.queryParamMap();
        Set<String> unknown = new TreeSet<>(params.keySet());
        unknown.removeAll(allowed);
        if (!unknown.isEmpty()) {
            throw ApiException.badRequest("Unknown query parameter(s): " + String.join(", ", unknown));
        }
        return new Query(params);
    }

    /** The body as a JSON object; malformed JSON or another JSON type is 400. */
    public ObjectNode bodyObject() {
        JsonNode node = bodyJson();
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest("The request body must be a JSON object");
        }
        return object;
    }

    public JsonNode bodyJson() {
        byte[] body = ctx.bodyAsBytes();
        if (body.length == 0) {
            throw ApiException.badRequest("The request body is empty; a JSON document is required");
        }
        try {
            JsonNode node = json.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ApiException.badRequest("The request body is empty; a JSON document is required");
            }
            requireStorable(node, 0);
            return node;
        } catch (IOException e) {
            throw ApiException.badRequest("Malformed JSON in request body: " + Jsons.describe(e));
        }
    }

    /** Deepest nesting a body may have; stored documents must stay readable by the server's own parser. */
    static final int MAX_BODY_DEPTH = 64;

    /**
     * Refuses what the database cannot store (NUL characters, in values or names) and nesting no API
     * needs, so such a body is a 400 here rather than a 500 from the database or an unreadable row later.
     */
    private static void requireStorable(JsonNode node, int depth) {
        if (depth > MAX_BODY_DEPTH) {
            throw ApiException.badRequest("The request body is nested more than " + MAX_BODY_DEPTH + " levels deep");
        }
        if (node.isTextual() && node.textValue().indexOf('\0') >= 0) {
            throw ApiException.badRequest("Text in the request body must not contain NUL (\\u0000) characters");
        }
        if (node.isContainerNode()) {
            for (var it = node.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().indexOf('\0') >= 0) {
                    throw ApiException.badRequest("Field names in the request body must not contain NUL (\\u0000) characters");
                }
            }
            for (JsonNode child : node) {
                requireStorable(child, depth + 1);
            }
        }
    }

    public ObjectMapper json() {
        return json;
    }
}
