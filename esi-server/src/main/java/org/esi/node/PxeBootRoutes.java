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
    /** One static DHCP boot file for every node: it chains to the by-MAC entry with iPXE's own ${mac}. */
    public static final String CHAIN_PATH = "/boot/chain.ipxe";
    private static final java.util.regex.Pattern MAC = java.util.regex.Pattern.compile("([0-9a-f]{2}[:-]){5}[0-9a-f]{2}");

    private final PxeBoot boot;
    private final InBandAgent agent;
    private final BootChainNetworks chainFrom;
    private final java.util.function.Supplier<String> serviceUrl;

    public PxeBootRoutes(PxeBoot boot, InBandAgent agent, BootChainNetworks chainFrom, java.util.function.Supplier<String> serviceUrl) {
        this.boot = boot;
        this.agent = agent;
        this.chainFrom = chainFrom;
        this.serviceUrl = serviceUrl;
    }

    public void register(HttpApi api) {
        api.get(SCRIPT_PATH, Access.anonymous(), this::script);
        // /boot/by-mac/{mac}/boot.ipxe has SCRIPT_PATH's shape (node "by-mac", token the MAC): script() serves both.
        api.get(CHAIN_PATH, Access.anonymous(), this::chain);
    }

    private void chain(Call call) {
        requireChainAllowed(call);
        call.ctx().header("Cache-Control", "no-store").contentType("text/plain; charset=utf-8")
                .result("#!ipxe\nchain --autofree " + serviceUrl.get() + "/boot/by-mac/${mac:hexhyp}/boot.ipxe\n");
    }

    /**
     * The script of the node that owns this MAC: its current boot when it has one, else {@code exit},
     * so the firmware goes on to the next boot device (the disk) instead of hanging on a 404.
     */
    private void byMac(Call call, String macText) {
        requireChainAllowed(call);
        String mac = macText.toLowerCase(java.util.Locale.ROOT);
        if (!MAC.matcher(mac).matches()) {
            throw ApiException.notFound("No boot script here: the MAC is not a node's.");
        }
        Optional<PxeBoot.Chain> chain = boot.byMac(mac.replace('-', ':'));
        if (chain.isEmpty()) {
            throw ApiException.notFound("No boot script here: the MAC is not a node's.");
        }
        if (!chain.get().bootable()) {
            call.ctx().header("Cache-Control", "no-store").contentType("text/plain; charset=utf-8").result("#!ipxe\nexit\n");
            return;
        }
        serve(call, chain.get().node());
    }

    private void requireChainAllowed(Call call) {
        if (!chainFrom.allows(call.ctx().ip())) {
            throw ApiException.notFound("No boot script here: MAC-addressed boot is not enabled for this address (boot.chain-from).");
        }
    }

    private void script(Call call) {
        String nodeText = call.pathParam("node");
        if (nodeText.equals("by-mac")) {
            byMac(call, call.pathParam("token"));
            return;
        }
        Optional<Node> node = Ids.looksLikeUuid(nodeText)
                ? boot.bootable(Ids.parseUuid(nodeText, "node"), call.pathParam("token")) : Optional.empty();
        if (node.isEmpty()) {
            throw ApiException.notFound("No boot script here: the node is unknown, not deploying or active, or the token is wrong.");
        }
        serve(call, node.get());
    }

    private void serve(Call call, Node node) {
        Optional<String> agentScript = agent.bootScript(node);
        if (agentScript.isPresent()) {
            call.ctx().header("Cache-Control", "no-store").contentType("text/plain; charset=utf-8").result(agentScript.get());
            return;
        }
        if (!Set.of("deploying", "active").contains(node.provisionState())) {
            throw ApiException.notFound("No boot script here: the node is unknown, not deploying or active, or the token is wrong.");
        }
        String script;
        try {
            script = PxeImage.from(node.instanceInfo()).script();
        } catch (IllegalArgumentException e) {
            // instance_info changed after the deploy checked it; the token holder may learn why.
            throw ApiException.conflict("Node " + node.uuid() + " cannot be PXE-booted: " + e.getMessage());
        }
        // The script follows instance_info, which may change while the URL stays; never let a cache keep an old one.
        call.ctx().header("Cache-Control", "no-store").contentType("text/plain; charset=utf-8").result(script);
    }
}
