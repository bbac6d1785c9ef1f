package org.esi.console;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.esi.http.ApiException;
import org.esi.http.Caller;
import org.esi.http.TokenValidator;
import org.esi.node.Node;
import org.esi.node.NodeRoutes;
import org.esi.node.NodeService;
import org.esi.policy.Credentials;
import org.esi.policy.Policy;

/**
 * Who may open a node's console, decided the same way for every entry point: the node must be visible
 * to the caller (else 404, as the node API answers), {@code baremetal:node:get_console} must allow it
 * (403), the console must be enabled and free (409). A console token stands for the caller it was
 * issued to, checked against the node as it is now. The admitted session gets the same test to repeat.
 */
public final class ConsoleAdmission {
    static final String GET_RULE = "baremetal:node:get";
    static final String CONSOLE_RULE = "baremetal:node:get_console";

    private final NodeService nodes;
    private final Policy policy;
    private final TokenValidator keystone;
    private final ConsoleTokens tokens;
    private final ConsoleBridge bridge;

    public ConsoleAdmission(NodeService nodes, Policy policy, TokenValidator keystone, ConsoleTokens tokens, ConsoleBridge bridge) {
        this.nodes = nodes;
        this.policy = policy;
        this.keystone = keystone;
        this.tokens = tokens;
        this.bridge = bridge;
    }

    /** A node whose console may be opened now, and the test an open session repeats. */
    public record Admitted(Node node, BooleanSupplier stillAllowed) {}

    /** By the caller's Keystone token, for the node named in the request. */
    public Admitted byKeystoneToken(String keystoneToken, String ident) {
        Caller caller = keystone.validate(keystoneToken.trim())
                .orElseThrow(() -> ApiException.unauthorized("The token is unknown, expired or revoked."));
        Node node = check(caller.credentials(), nodes.lookup(ident), ident);
        UUID uuid = node.uuid();
        Credentials who = caller.credentials();
        String held = keystoneToken.trim();
        return new Admitted(node, () -> keystone.validate(held).isPresent() && stillMay(who, uuid));
    }

    /** By a console token: the node is the token's. */
    public Admitted byConsoleToken(String consoleToken) {
        ConsoleTokens.Grant grant = tokens.validate(consoleToken)
                .orElseThrow(() -> ApiException.unauthorized("The console token is unknown, expired or revoked."));
        Node node = check(grant.holder(), nodes.lookup(grant.node().toString()), grant.node().toString());
        return new Admitted(node, () -> tokens.notRevoked(grant) && stillMay(grant.holder(), grant.node()));
    }

    private Node check(Credentials who, Optional<Node> found, String ident) {
        Node node = found.orElseThrow(() -> ApiException.notFound("Node " + ident + " could not be found."));
        Map<String, Object> target = NodeRoutes.target(node);
        if (!policy.enforce(GET_RULE, who, target)) {
            throw ApiException.notFound("Node " + ident + " could not be found.");
        }
        if (!policy.enforce(CONSOLE_RULE, who, target)) {
            throw ApiException.forbidden("Access was denied to this resource (policy " + CONSOLE_RULE + ")");
        }
        if (!node.consoleEnabled()) {
            throw ApiException.conflict("The console of node " + node.uuid() + " is disabled; enable it with PUT /baremetal/v1/nodes/"
                    + node.uuid() + "/states/console {\"enabled\": true}");
        }
        if (bridge.busy(node.uuid())) {
            throw ApiException.conflict("The console of node " + node.uuid() + " is in use by another session");
        }
        return node;
    }

    /** The session's re-check: the node still exists, its console is on, and the rule still allows this caller. */
    private boolean stillMay(Credentials who, UUID node) {
        Optional<Node> now = nodes.lookup(node.toString());
        if (now.isEmpty() || !now.get().consoleEnabled()) {
            return false;
        }
        Map<String, Object> target = NodeRoutes.target(now.get());
        return policy.enforce(GET_RULE, who, target) && policy.enforce(CONSOLE_RULE, who, target);
    }
}
