package org.esi.node;

import java.util.Optional;
import java.util.Set;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.Ids;

/**
 * {@code GET /boot/{node}/{token}/boot.ipxe}: the iPXE script of a node deployed over PXE. Anonymous,
 * because firmware has no credentials; the per-deploy token in the path stands in for them (see
 * {@link PxeBoot}). Every refusal, whatever its reason, is the same 404, so the route tells a guesser
 * neither which nodes exist nor which are deploying.
 */
public final class PxeBootRoutes {
    public static final String SCRIPT_PATH = "/boot/{node}/{token}/boot.ipxe";

    private final PxeBoot boot;
    private final InBandAgent agent;

    public PxeBootRoutes(PxeBoot boot, InBandAgent agent) {
        this.boot = boot;
        this.agent = agent;
    }

    public void register(HttpApi api) {
        api.get(SCRIPT_PATH, Access.anonymous(), this::script);
    }

    private void script(Call call) {
        String nodeText = call.pathParam("node");
        Optional<Node> node = Ids.looksLikeUuid(nodeText)
                ? boot.bootable(Ids.parseUuid(nodeText, "node"), call.pathParam("token")) : Optional.empty();
        if (node.isEmpty()) {
            throw ApiException.notFound("No boot script here: the node is unknown, not deploying or active, or the token is wrong.");
        }
        Optional<String> agentScript = agent.bootScript(node.get());
        if (agentScript.isPresent()) {
            call.ctx().header("Cache-Control", "no-store").contentType("text/plain; charset=utf-8").result(agentScript.get());
            return;
        }
        if (!Set.of("deploying", "active").contains(node.get().provisionState())) {
            throw ApiException.notFound("No boot script here: the node is unknown, not deploying or active, or the token is wrong.");
        }
        String script;
        try {
            script = PxeImage.from(node.get().instanceInfo()).script();
        } catch (IllegalArgumentException e) {
            // instance_info changed after the deploy checked it; the token holder may learn why.
            throw ApiException.conflict("Node " + node.get().uuid() + " cannot be PXE-booted: " + e.getMessage());
        }
        // The script follows instance_info, which may change while the URL stays; never let a cache keep an old one.
        call.ctx().header("Cache-Control", "no-store").contentType("text/plain; charset=utf-8").result(script);
    }
}
