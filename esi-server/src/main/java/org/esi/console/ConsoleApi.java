package org.esi.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Supplier;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.BaseUrl;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.Jsons;
import org.esi.node.IronicVersion;
import org.esi.node.Node;
import org.esi.node.NodeRoutes;
import org.esi.node.NodeService;

/**
 * The console's HTTP face. ESI-Leap's {@code POST /lease/v1/console_auth_tokens}
 * ({@code {"node_uuid_or_name", "token_ttl"}} → 201 {@code {"node_uuid", "token", "access_url"}}) and
 * {@code DELETE /lease/v1/console_auth_tokens/{node}} (revokes every token of the node, 204); and
 * Ironic's {@code GET /baremetal/v1/nodes/{ident}/states/console}, whose {@code console_info} is what
 * the upstream {@code openstack esi node console connect} hands to socat: a fresh token for the caller
 * inside a socat {@code PROXY} address of the {@link ConsoleGateway} (see docs/hardware.md).
 */
public final class ConsoleApi {
    static final String CREATE_RULE = "esi_leap:console_auth_token:create";
    static final String DELETE_RULE = "esi_leap:console_auth_token:delete";
    static final String TOKENS = "/lease/v1/console_auth_tokens";

    private final NodeService nodes;
    private final ConsoleTokens tokens;
    private final BaseUrl baseUrl;
    /** The gateway's port, once it listens; empty when the gateway is switched off. */
    private final Supplier<OptionalInt> gatewayPort;

    public ConsoleApi(NodeService nodes, ConsoleTokens tokens, BaseUrl baseUrl, Supplier<OptionalInt> gatewayPort) {
        this.nodes = nodes;
        this.tokens = tokens;
        this.baseUrl = baseUrl;
        this.gatewayPort = gatewayPort;
    }

    public void register(HttpApi api) {
        api.post(TOKENS, Access.rule(CREATE_RULE), this::create);
        api.delete(TOKENS + "/{node}", Access.rule(DELETE_RULE), this::delete);
        api.get("/baremetal/v1/nodes/{ident}/states/console", Access.rule(ConsoleAdmission.CONSOLE_RULE), this::state);
    }

    private void create(Call call) {
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("node_uuid_or_name", "token_ttl"), "a console auth token request");
        String ident = Jsons.requireString(body, "node_uuid_or_name");
        if (ident.isBlank()) {
            throw ApiException.badRequest("node_uuid_or_name must name a node");
        }
        Duration ttl = ttl(body.get("token_ttl"));
        Node node = authorized(call, ident);
        ConsoleTokens.Issued issued = tokens.issue(node.uuid(), call.caller().credentials(), ttl);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node_uuid", node.uuid().toString());
        out.put("token", issued.token());
        out.put("access_url", accessUrl(call, issued.token()));
        call.ctx().status(201).json(out);
    }

    private void delete(Call call) {
        Node node = authorized(call, call.pathParam("node"));
        tokens.revokeNode(node.uuid());
        call.ctx().status(204);
    }

    /** Ironic's console state; while the console is enabled, with a URL that opens it for this caller. */
    private void state(Call call) {
        IronicVersion.negotiate(call.ctx());
        Node node = authorized(call, call.pathParam("ident"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("console_enabled", node.consoleEnabled());
        m.put("console_info", node.consoleEnabled() ? consoleInfo(call, node) : null);
        call.ctx().json(m);
    }

    private Map<String, Object> consoleInfo(Call call, Node node) {
        String token = tokens.issue(node.uuid(), call.caller().credentials(), ConsoleTokens.DEFAULT_TTL).token();
        Map<String, Object> info = new LinkedHashMap<>();
        OptionalInt port = gatewayPort.get();
        if (port.isPresent()) {
            // socat PROXY:<gateway>:<token>:<port>,proxyport=<port>; esiclient strips the "//" and runs socat on it.
            String host = Optional.ofNullable(URI.create(baseUrl.of(call.ctx())).getHost()).orElse("127.0.0.1");
            info.put("type", "socat");
            info.put("url", "proxy://" + host + ":" + token + ":" + port.getAsInt() + ",proxyport=" + port.getAsInt());
        } else {
            info.put("type", "websocket");
            info.put("url", accessUrl(call, token));
        }
        return info;
    }

    /** The node, if the caller may see it (else 404, as the node API) and the route's rule allows (else 403). */
    private Node authorized(Call call, String ident) {
        Node node = nodes.lookup(ident).orElseThrow(() -> ApiException.notFound("Node " + Jsons.clip(ident) + " could not be found."));
        Map<String, Object> target = NodeRoutes.target(node);
        if (!call.allowed(ConsoleAdmission.GET_RULE, target)) {
            throw ApiException.notFound("Node " + Jsons.clip(ident) + " could not be found.");
        }
        call.authorize(target);
        return node;
    }

    private String accessUrl(Call call, String token) {
        return baseUrl.of(call.ctx()).replaceFirst("^http", "ws") + ConsoleRoutes.TOKEN_PATH + "?token=" + token;
    }

    /** ESI-Leap takes the TTL as a number or as the CLI's string of digits; seconds, in (0, MAX_TTL]. */
    static Duration ttl(JsonNode value) {
        if (value == null || value.isNull()) {
            return ConsoleTokens.DEFAULT_TTL;
        }
        long seconds;
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            seconds = value.longValue();
        } else if (value.isTextual() && value.textValue().trim().matches("-?\\d{1,9}")) {
            seconds = Long.parseLong(value.textValue().trim());
        } else {
            throw ApiException.badRequest("token_ttl must be a whole number of seconds");
        }
        if (seconds <= 0 || seconds > ConsoleTokens.MAX_TTL.toSeconds()) {
            throw ApiException.badRequest("token_ttl must be between 1 and " + ConsoleTokens.MAX_TTL.toSeconds() + " seconds, got " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }
}
