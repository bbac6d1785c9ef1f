package org.esi.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.esi.http.ApiException;
import org.esi.node.InBandAgent;
import org.esi.node.Node;
import org.esi.node.PxeBoot;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;
import org.esi.spi.BootDevice;
import org.esi.spi.BootSetting;
import org.esi.spi.PowerAction;

/**
 * Which nodes run their flows on the agent, and how the agent is booted: PXE, chaining to the node's
 * iPXE script (per-node token in its URL, see {@link PxeBoot}), which loads
 * {@code driver_info.deploy_kernel}/{@code deploy_ramdisk} when the operator gives them (a stock IPA
 * ramdisk, as in Ironic) and otherwise the service's own agent image from {@code <data.dir>/agent/}.
 *
 * <p>A node runs on the agent when it has one of those. Without one, a fake-hardware node keeps the
 * out-of-band behaviour of before (cleaning powers it off and forgets the deploy); any other node's
 * cleaning fails saying how to give it an agent, because a machine nobody wiped must not go to the next
 * lessee — unless its owner set {@code driver_info.erase} to {@code none}, which keeps the old behaviour
 * knowingly. The agent token is not put on the kernel command line: as in Ironic's PXE path, the first
 * lookup of the boot issues it.
 */
public final class AgentBoot implements InBandAgent {
    static final String FAKE_DRIVER = "fake-hardware";
    /** RFC 3986 characters without spaces or what iPXE expands or quotes ($ ' " \ #). */
    private static final Pattern SAFE_URL = Pattern.compile("[A-Za-z0-9._~:/?\\[\\]@!&()*+,;=%-]{1,2000}");
    private static final Pattern SAFE_ARGS = Pattern.compile("[A-Za-z0-9._,:/=+@%-]+( [A-Za-z0-9._,:/=+@%-]+)*");
    private static final Set<String> ERASE_POLICIES = Set.of("full", "metadata", "none");

    private final AgentStore store;
    private final PxeBoot pxe;
    private final Path imageDir;
    private final Supplier<String> serviceUrl;
    private final ObjectMapper json;
    private final Clock clock;
    private final AgentRequests requests;

    public AgentBoot(AgentStore store, PxeBoot pxe, Path imageDir, Supplier<String> serviceUrl, ObjectMapper json, Clock clock,
                     AgentRequests requests) {
        this.store = store;
        this.pxe = pxe;
        this.imageDir = imageDir;
        this.serviceUrl = serviceUrl;
        this.json = json;
        this.clock = clock;
        this.requests = requests;
    }

    /** Where the agent's kernel and ramdisk come from for this node, if anywhere. */
    record Source(String kernel, String ramdisk, boolean ours) {}

    Optional<Source> source(Node n) {
        String kernel = n.driverInfo().path("deploy_kernel").asText("");
        String ramdisk = n.driverInfo().path("deploy_ramdisk").asText("");
        if (!kernel.isEmpty() && !ramdisk.isEmpty()) {
            return Optional.of(new Source(kernel, ramdisk, false));
        }
        if (!n.driver().equals(FAKE_DRIVER) && Files.isRegularFile(imageDir.resolve("esi-agent.kernel"))
                && Files.isRegularFile(imageDir.resolve("esi-agent.initramfs"))) {
            String base = serviceUrl.get() + "/boot/agent/";
            return Optional.of(new Source(base + "esi-agent.kernel", base + "esi-agent.initramfs", true));
        }
        return Optional.empty();
    }

    /** The owner's erase policy: {@code full} (the default), {@code metadata} or {@code none}. */
    static String erasePolicy(Node n) {
        String p = n.driverInfo().path("erase").asText(n.properties().path("erase").asText("full"));
        return ERASE_POLICIES.contains(p) ? p : "full";
    }

    @Override
    public boolean drives(Node node, Flow flow) {
        boolean hasAgent = source(node).isPresent();
        return switch (flow) {
            case CLEAN -> !erasePolicy(node).equals("none") && (hasAgent || !node.driver().equals(FAKE_DRIVER));
            case DEPLOY -> hasAgent && !"ramdisk".equals(node.instanceInfo().path("deploy_interface").asText(""));
            case INSPECT -> hasAgent;
        };
    }

    @Override
    public void boot(Node node, BmcSession bmc, Flow flow) throws BmcException {
        Source src = source(node).orElseThrow(() -> new BmcException(BmcException.Kind.CONFIGURATION,
                "no in-band agent to erase the disks with: set driver_info.deploy_kernel and deploy_ramdisk (http(s) URLs of an "
                        + "IPA ramdisk), or build the service's agent image into its data directory (agent/), or set "
                        + "driver_info.erase to none to skip the wipe knowingly"));
        for (String url : new String[] {src.kernel(), src.ramdisk()}) {
            requireBootableUrl(url);
        }
        if (flow == Flow.DEPLOY) {
            requests.deployImage(node); // instance_info changed since the request was accepted: fail before booting
        }
        store.newBoot(node.uuid(), null, null, clock.instant());
        pxe.issue(node.uuid());
        bmc.setPower(PowerAction.OFF);
        bmc.setBootDevice(new BootSetting(BootDevice.PXE, false));
        store.jdbi().useHandle(h -> h.createUpdate("""
                        update node set provision_state = :wait, power_state = 'power on', provision_updated_at = :now, updated_at = :now,
                          driver_internal_info = driver_internal_info || cast(:knobs as jsonb)
                        where uuid = :u""")
                .bind("wait", flow.waitState()).bind("knobs", eraseKnobs().toString())
                .bind("now", org.esi.persistence.Columns.utc(clock.instant())).bind("u", node.uuid()).execute());
        bmc.setPower(PowerAction.ON);
    }

    /** Ironic's erase settings, put where IPA reads them (agent-protocol.md §6.1). */
    private ObjectNode eraseKnobs() {
        ObjectNode k = json.createObjectNode();
        k.put("agent_erase_devices_iterations", 1);
        k.put("agent_erase_devices_zeroize", true);
        k.put("agent_continue_if_secure_erase_failed", false);
        k.put("agent_continue_if_ata_erase_failed", false);
        k.put("agent_enable_nvme_secure_erase", true);
        k.put("agent_enable_ata_secure_erase", true);
        k.put("disk_erasure_concurrency", 4);
        k.put("agent_erase_skip_read_only", false);
        return k;
    }

    @Override
    public Optional<String> bootScript(Node node) {
        if (store.session(node.uuid()).isEmpty()) {
            return Optional.empty();
        }
        Optional<Source> src = source(node);
        if (src.isEmpty()) {
            return Optional.empty();
        }
        String api = serviceUrl.get() + "/baremetal";
        StringBuilder args = new StringBuilder("selinux=0 troubleshoot=0 text nofb vga=normal");
        String extra = node.driverInfo().path("kernel_append_params").asText("").strip();
        if (!extra.isEmpty() && SAFE_ARGS.matcher(extra).matches()) {
            args.append(' ').append(extra);
        }
        if (node.provisionState().equals("inspecting") || node.provisionState().equals("inspect wait")) {
            // Ironic's managed inspection: the inventory goes to continue_inspection, and no lookup follows.
            args.append(" ipa-inspection-callback-url=").append(api).append("/v1/continue_inspection");
        } else {
            args.append(" ipa-api-url=").append(api);
        }
        args.append(" ipa-global-request-id=req-").append(java.util.UUID.randomUUID());
        return Optional.of("#!ipxe\n"
                + "kernel " + src.get().kernel() + " " + args + " BOOTIF=${mac} initrd=ramdisk\n"
                + "initrd --name ramdisk " + src.get().ramdisk() + "\n"
                + "boot\n");
    }

    @Override
    public ObjectNode accept(Node node, String verb, ObjectNode request) {
        ObjectNode add = json.createObjectNode();
        requests.checkDriverInfo(node);
        if (request.has("clean_steps")) {
            add.set("clean_steps", CleanSteps.parse(request.get("clean_steps"), json));
        } else if (verb.equals("clean") && drives(node, Flow.CLEAN)) {
            throw ApiException.badRequest("A manual clean needs clean_steps, e.g. [{\"interface\": \"deploy\", \"step\": \"erase_devices\"}]");
        }
        if ((verb.equals("active") || verb.equals("rebuild")) && drives(withInfo(node, request), Flow.DEPLOY)) {
            requests.deployImage(withInfo(node, request));
            requests.configDrive(request.get("configdrive"));
        }
        return add;
    }

    private static Node withInfo(Node n, ObjectNode request) {
        if (!request.hasNonNull("configdrive")) {
            return n;
        }
        ObjectNode info = n.instanceInfo().deepCopy();
        info.set("configdrive", request.get("configdrive"));
        return n.withInstanceInfo(info);
    }

    static void requireBootableUrl(String url) throws BmcException {
        URI u;
        try {
            if (!SAFE_URL.matcher(url).matches()) {
                throw new IllegalArgumentException();
            }
            u = new URI(url);
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw new BmcException(BmcException.Kind.CONFIGURATION, "the agent's kernel and ramdisk must be http(s) URLs an iPXE script can carry");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
            throw new BmcException(BmcException.Kind.CONFIGURATION, "the agent's kernel and ramdisk must be http(s) URLs");
        }
    }

    static boolean isTrue(JsonNode n) {
        return n != null && n.asBoolean(false);
    }
}
