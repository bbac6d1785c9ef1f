package org.esi.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.esi.crypto.SecretBox;
import org.esi.node.DriverRegistry;
import org.esi.node.InBandAgent;
import org.esi.node.Node;
import org.esi.node.NodeHandback;
import org.esi.node.NodeReservations;
import org.esi.node.NodeService;
import org.esi.node.Port;
import org.esi.node.ProvisionStateMachine;
import org.esi.node.PxeBoot;
import org.esi.persistence.Columns;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;
import org.esi.spi.BootDevice;
import org.esi.spi.BootSetting;
import org.esi.spi.HardwareInventory;
import org.esi.spi.PowerAction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Design notes. The flows advance on the agent's heartbeats, as Ironic's do (agent_base.py heartbeat
 * processing): each accepted heartbeat of a node in {@code clean wait} or {@code wait call-back} takes
 * the node's reservation in the database (skipping the beat when another worker holds it, so across
 * instances one worker at a time drives an agent), reads the agent's commands, and starts the next step
 * or finishes the flow. All progress lives in driver_internal_info under Ironic's keys
 * ({@code clean_steps}, {@code clean_step_index}, {@code agent_cached_clean_steps},
 * {@code hardware_manager_version}, {@code deploy_step}), so any instance can take the next beat. The
 * agent forces a heartbeat when an asynchronous command ends, so a step's end is seen at once.
 */
public final class AgentFlows implements AgentProtocol.Events, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentFlows.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final NodeService nodes;
    private final DriverRegistry drivers;
    private final AgentStore store;
    private final AgentClient client;
    private final AgentRequests requests;
    private final ConfigDrive configDrive;
    private final PxeBoot pxe;
    private final SecretBox secrets;
    private final ObjectMapper json;
    private final Clock clock;
    private final NodeReservations reservations;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    AgentFlows(NodeService nodes, DriverRegistry drivers, AgentStore store, AgentClient client, AgentRequests requests,
               ConfigDrive configDrive, PxeBoot pxe, SecretBox secrets, ObjectMapper json, Clock clock) {
        this.nodes = nodes;
        this.drivers = drivers;
        this.store = store;
        this.client = client;
        this.requests = requests;
        this.configDrive = configDrive;
        this.pxe = pxe;
        this.secrets = secrets;
        this.json = json;
        this.clock = clock;
        this.reservations = new NodeReservations(nodes.store().jdbi(), clock, "agent");
    }

    @Override
    public void heartbeat(UUID node) {
        executor.submit(() -> {
            // A beat that lands while another beat's work holds the node is dropped by reserved(); the agent beats
            // once when an async step ends and then not for a long while, so such a beat would leave the flow
            // waiting. The holder looks again if a beat was recorded after its work began (on any instance).
            for (int round = 0; round < 5; round++) {
                Instant began = clock.instant();
                if (!reserved(node, this::advance)) {
                    return;
                }
                Optional<Instant> last = store.session(node).map(AgentSession::lastHeartbeat);
                if (last.isEmpty() || !last.get().isAfter(began)) {
                    return;
                }
            }
        });
    }

    @Override
    public void inspected(Node node, ObjectNode body) {
        executor.submit(() -> reserved(node.uuid(), n -> finishInspection(n, body)));
    }

    private interface Work {
        void run(Node node) throws Exception;
    }

    /** Runs {@code work} holding the node's reservation; false when another worker holds it. */
    private boolean reserved(UUID uuid, Work work) {
        if (!reservations.take(uuid)) {
            return false; // another worker drives this node now; it looks again for beats that came meanwhile
        }
        try {
            Optional<Node> n = nodes.store().node(uuid);
            if (n.isPresent()) {
                work.run(n.get());
            }
        } catch (Exception e) {
            log.error("Agent work on node {} failed unexpectedly", uuid, org.esi.http.SafeLog.redacted(e));
        } finally {
            reservations.release(uuid);
        }
        return true;
    }

    private void advance(Node n) {
        switch (n.provisionState()) {
            case "clean wait" -> guarded(n, this::clean);
            case "wait call-back" -> guarded(n, this::deploy);
            default -> { } // record-only states, as in Ironic: the heartbeat was stored, nothing more happens
        }
    }

    private void guarded(Node n, Work step) {
        try {
            step.run(n);
        } catch (AgentClient.AgentBusy e) {
            log.debug("Agent of node {} busy; next heartbeat", n.uuid());
        } catch (AgentClient.AgentException | BmcException e) {
            fail(n, e.getMessage(), false);
        } catch (org.esi.http.ApiException e) {
            fail(n, e.getMessage(), false);
        } catch (Exception e) {
            log.error("Agent flow of node {} failed", n.uuid(), org.esi.http.SafeLog.redacted(e));
            fail(n, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), false);
        }
    }

    // --- cleaning

    private void clean(Node n) throws Exception {
        AgentSession s = session(n);
        String token = token(s);
        JsonNode dii = n.driverInternalInfo();
        if (!dii.has("agent_cached_clean_steps")) {
            AgentClient.Command got = client.execute(s, token, "clean.get_clean_steps", commonParams(n), true);
            if (!"SUCCEEDED".equals(got.status())) {
                throw new AgentClient.AgentException("the agent could not list its clean steps: " + got.errorText());
            }
            JsonNode offered = got.result().path("clean_steps");
            ArrayNode steps = dii.has("clean_steps") && dii.get("clean_steps").isArray() && !dii.get("clean_steps").isEmpty()
                    ? (ArrayNode) dii.get("clean_steps")
                    : CleanSteps.automated(AgentBoot.erasePolicy(n), Attestation.policy(n) != null, json);
            Set<String> available = new HashSet<>();
            ObjectNode cache = json.createObjectNode();
            offered.fields().forEachRemaining(manager -> {
                for (JsonNode step : manager.getValue()) {
                    available.add(step.path("interface").asText() + "." + step.path("step").asText());
                    cache.withArray(step.path("interface").asText()).add(step);
                }
            });
            List<String> missing = new ArrayList<>();
            for (JsonNode step : steps) {
                String name = step.path("interface").asText() + "." + step.path("step").asText();
                if (!CleanSteps.isAttest(step) && !available.contains(name)) {
                    missing.add(name);
                }
            }
            if (!missing.isEmpty()) {
                throw new AgentClient.AgentException("the agent does not offer clean step(s) " + String.join(", ", missing));
            }
            ObjectNode patch = json.createObjectNode();
            patch.set("agent_cached_clean_steps", cache);
            patch.set("hardware_manager_version", got.result().path("hardware_manager_version"));
            patch.set("clean_steps", steps);
            patch.put("clean_step_index", 0);
            patchDii(n.uuid(), patch);
            startCleanStep(reload(n), s, token);
            return;
        }
        ArrayNode steps = (ArrayNode) dii.get("clean_steps");
        int index = dii.path("clean_step_index").asInt();
        JsonNode current = steps.get(index);
        Optional<AgentClient.Command> last = lastOf(client.commands(s, token), "execute_clean_step");
        if (last.isEmpty() || dii.path("clean_step").isEmpty()) {
            startCleanStep(n, s, token); // freshly booted: the step was never started on this boot
            return;
        }
        AgentClient.Command c = last.get();
        switch (c.status()) {
            case "RUNNING" -> { }
            case "FAILED" -> fail(n, "Clean step " + name(current) + " failed: " + c.errorText(), false);
            case "CLEAN_VERSION_MISMATCH" -> {
                // The agent's hardware managers changed: list the steps again and start over, as Ironic does.
                patchDii(n.uuid(), json.createObjectNode());
                dropDii(n.uuid(), List.of("agent_cached_clean_steps", "clean_step", "clean_step_index"));
            }
            case "SUCCEEDED" -> {
                if (!CleanSteps.same(c.result().path("clean_step"), current)) {
                    return; // the result of an earlier step; ours has not ended yet
                }
                nextCleanStep(n, s, token, index + 1);
            }
            default -> fail(n, "the agent reported status '" + org.esi.http.Jsons.clip(c.status()) + "' for " + name(current), false);
        }
    }

    private void nextCleanStep(Node n, AgentSession s, String token, int index) throws Exception {
        ObjectNode patch = json.createObjectNode();
        patch.put("clean_step_index", index);
        patch.set("clean_step", json.createObjectNode());
        patchDii(n.uuid(), patch);
        startCleanStep(reload(n), s, token);
    }

    private void startCleanStep(Node n, AgentSession s, String token) throws Exception {
        ArrayNode steps = (ArrayNode) n.driverInternalInfo().get("clean_steps");
        int index = n.driverInternalInfo().path("clean_step_index").asInt();
        if (index >= steps.size()) {
            finishClean(n);
            return;
        }
        JsonNode step = steps.get(index);
        if (CleanSteps.isAttest(step)) {
            if (attest(n, s, token)) {
                nextCleanStep(n, s, token, index + 1);
            }
            return;
        }
        ObjectNode full = ((ObjectNode) step).deepCopy();
        full.put("reboot_requested", false);
        full.put("abortable", true);
        full.put("requires_ramdisk", true);
        if (!full.has("args")) {
            full.set("args", json.createObjectNode());
        }
        ObjectNode params = commonParams(n);
        params.set("step", full);
        params.set("clean_version", n.driverInternalInfo().path("hardware_manager_version"));
        AgentClient.Command c = client.execute(s, token, "clean.execute_clean_step", params, false);
        // Recorded once the agent took it: a busy agent leaves clean_step empty, so the next beat starts it again.
        ObjectNode patch = json.createObjectNode();
        patch.set("clean_step", full);
        patchDii(n.uuid(), patch);
        if ("FAILED".equals(c.status())) {
            fail(n, "Clean step " + name(step) + " failed: " + c.errorText(), false);
        } else if ("SUCCEEDED".equals(c.status()) && CleanSteps.same(c.result().path("clean_step"), step)) {
            nextCleanStep(n, s, token, index + 1);
        }
        // RUNNING: the agent beats again when the step ends
    }

    private void finishClean(Node n) throws BmcException {
        String done = ProvisionStateMachine.running("cleaning", n.targetProvisionState()).map(t -> t.done()).orElse("manageable");
        tearDown(n);
        nodes.eraseDeployment(n.uuid()); // what the deploy wrote is gone from the disk; forget it here too
        ObjectNode patch = json.createObjectNode();
        if (NodeHandback.OWED.equals(n.driverInternalInfo().path(NodeHandback.ERASE_MARK).asText(null))) {
            patch.put(NodeHandback.ERASE_MARK, NodeHandback.ERASED); // the lease end waiting for this erase may go on
        }
        finish(n.uuid(), done, null, "power off", patch);
        log.info("Node {} cleaned by its agent; now {}", n.uuid(), done);
    }

    // --- attestation

    /** TPM quote with a fresh nonce, checked against the owner's policy; false (and the node failed) when it does not pass. */
    private boolean attest(Node n, AgentSession s, String token) throws Exception {
        Attestation.Policy policy = Attestation.Policy.of(Attestation.policy(n));
        String ak = n.driverInternalInfo().path(Attestation.AK_KEY).asText("");
        if (ak.isEmpty()) {
            fail(n, "Attestation failed: the node has no attestation key registered (inspect it with the agent first)", true);
            return false;
        }
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        ObjectNode params = json.createObjectNode();
        params.put("nonce", HexFormat.of().formatHex(nonce));
        ArrayNode pcrs = params.putArray("pcrs");
        policy.pcrs().forEach(pcrs::add);
        params.put("hash_algo", policy.bank().word());
        AgentClient.Command c = client.execute(s, token, "attest.get_quote", params, true);
        if (!"SUCCEEDED".equals(c.status())) {
            fail(n, "Attestation failed: the agent gave no quote: " + c.errorText(), true);
            return false;
        }
        Attestation.Verdict v = Attestation.verify(policy, ak, nonce, c.result());
        if (!v.passed()) {
            fail(n, "Attestation failed: " + v.reason(), true);
            return false;
        }
        patchDii(n.uuid(), json.createObjectNode().put("attestation_passed_at", clock.instant().toString()));
        log.info("Node {} passed attestation", n.uuid());
        return true;
    }

    // --- deploy

    private void deploy(Node n) throws Exception {
        AgentSession s = session(n);
        String token = token(s);
        JsonNode dii = n.driverInternalInfo();
        if (!dii.has("deploy_step")) {
            AgentClient.Command got = client.execute(s, token, "deploy.get_deploy_steps", commonParams(n), true);
            if (!"SUCCEEDED".equals(got.status())) {
                throw new AgentClient.AgentException("the agent could not list its deploy steps: " + got.errorText());
            }
            AgentRequests.Image image = requests.deployImage(n);
            ObjectNode info = json.createObjectNode();
            info.put("id", image.id());
            info.putArray("urls").add(image.url());
            info.put("disk_format", image.diskFormat());
            info.put("container_format", "bare");
            info.put("stream_raw_images", true);
            info.put("checksum", image.hashValue());
            info.put("os_hash_algo", image.hashAlgo());
            info.put("os_hash_value", image.hashValue());
            info.put("node_uuid", n.uuid().toString());
            ObjectNode args = json.createObjectNode();
            args.set("image_info", info);
            String drive = configDrive.forDeploy(n, ports(n));
            if (drive == null) {
                args.putNull("configdrive");
            } else {
                args.put("configdrive", drive);
            }
            ObjectNode step = CleanSteps.step(json, "deploy", "write_image", args, 80);
            ObjectNode params = commonParams(n);
            params.set("step", step);
            params.set("deploy_version", got.result().path("hardware_manager_version"));
            ObjectNode patch = json.createObjectNode();
            patch.set("hardware_manager_version", got.result().path("hardware_manager_version"));
            patch.set("deploy_step", CleanSteps.step(json, "deploy", "write_image", json.createObjectNode(), 80));
            patch.put("is_whole_disk_image", true);
            patchDii(n.uuid(), patch);
            log.info("Node {}: writing image {} through its agent", n.uuid(), AgentProtocol.withoutCredentials(image.url()));
            AgentClient.Command c = client.execute(s, token, "deploy.execute_deploy_step", params, false);
            if ("FAILED".equals(c.status())) {
                fail(n, "Deploy step write_image failed: " + c.errorText(), false);
            } else if ("SUCCEEDED".equals(c.status())) {
                afterWriteImage(reload(n), s, token);
            }
            return;
        }
        Optional<AgentClient.Command> last = lastOf(client.commands(s, token), "execute_deploy_step");
        if (last.isEmpty()) {
            return;
        }
        AgentClient.Command c = last.get();
        switch (c.status()) {
            case "RUNNING" -> { }
            case "FAILED" -> fail(n, "Deploy step write_image failed: " + c.errorText(), false);
            case "SUCCEEDED" -> afterWriteImage(n, s, token);
            default -> fail(n, "the agent reported status '" + org.esi.http.Jsons.clip(c.status()) + "' for write_image", false);
        }
    }

    /** prepare_instance_boot, tear_down_agent, boot_instance: boot from disk, agent off, machine on. */
    private void afterWriteImage(Node n, AgentSession s, String token) throws Exception {
        AgentClient.Command uuids = client.execute(s, token, "standby.get_partition_uuids", json.createObjectNode(), true);
        ObjectNode patch = json.createObjectNode();
        if ("SUCCEEDED".equals(uuids.status()) && uuids.result() != null) {
            patch.put("root_uuid_or_disk_id", uuids.result().path("root uuid").asText(null));
        }
        try (BmcSession bmc = bmc(n)) {
            bmc.setBootDevice(new BootSetting(BootDevice.DISK, true));
            try {
                client.execute(s, token, "standby.power_off", json.createObjectNode(), false);
            } catch (AgentClient.AgentException e) {
                log.debug("Agent of node {} went away at power off: {}", n.uuid(), e.getMessage()); // expected: it is powering off
            }
            bmc.setPower(PowerAction.OFF);
            bmc.setPower(PowerAction.ON);
        }
        store.forget(n.uuid());
        pxe.revoke(n.uuid());
        finish(n.uuid(), "active", null, "power on", patch);
        log.info("Node {} deployed by its agent", n.uuid());
    }

    // --- inspection

    private void finishInspection(Node n, ObjectNode body) throws Exception {
        if (!n.provisionState().equals("inspect wait")) {
            return;
        }
        JsonNode inv = body.path("inventory");
        List<HardwareInventory.Nic> nics = new ArrayList<>();
        for (JsonNode i : inv.path("interfaces")) {
            String mac = i.path("mac_address").asText("");
            if (mac.matches("([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}")) {
                nics.add(new HardwareInventory.Nic(i.path("name").asText(""), mac.toLowerCase().replace('-', ':')));
            }
        }
        List<HardwareInventory.Disk> disks = new ArrayList<>();
        for (JsonNode d : inv.path("disks")) {
            disks.add(new HardwareInventory.Disk(d.path("name").asText(""), d.path("size").asLong(0)));
        }
        long memoryMb = inv.path("memory").path("physical_mb").asLong(0);
        if (memoryMb <= 0) {
            memoryMb = inv.path("memory").path("total").asLong(0) / (1024 * 1024);
        }
        // Ironic's local_gb: the root disk (given, else the smallest of at least 4 GiB, else the largest), in GiB less one for partitioning.
        long rootBytes = body.path("root_disk").path("size").asLong(0);
        if (rootBytes <= 0) {
            rootBytes = disks.stream().mapToLong(HardwareInventory.Disk::sizeBytes).filter(b -> b >= 4L << 30).min()
                    .orElse(disks.stream().mapToLong(HardwareInventory.Disk::sizeBytes).max().orElse(0));
        }
        long localGb = Math.max(0, rootBytes / (1L << 30) - 1);
        String arch = inv.path("cpu").path("architecture").asText(null);
        HardwareInventory hw = new HardwareInventory(inv.path("cpu").path("count").asInt(0), arch, memoryMb, localGb, nics, disks);
        nodes.recordInspection(n.uuid(), hw);
        ObjectNode patch = json.createObjectNode();
        String ak = inv.path("tpm").path(Attestation.AK_KEY).asText("");
        if (!ak.isEmpty()) {
            try {
                Attestation.publicKey(ak);
                patch.put(Attestation.AK_KEY, ak);
            } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
                log.warn("Node {} reported an attestation key that cannot be read; none registered", n.uuid());
            }
        }
        if (inv.path("boot").path("current_boot_mode").isTextual()) {
            patch.put("inspected_boot_mode", inv.path("boot").path("current_boot_mode").asText());
        }
        try (BmcSession bmc = bmc(n)) {
            bmc.setPower(PowerAction.OFF);
            bmc.setBootDevice(new BootSetting(BootDevice.DISK, true));
        }
        store.forget(n.uuid());
        pxe.revoke(n.uuid());
        String done = ProvisionStateMachine.running("inspecting", n.targetProvisionState()).map(t -> t.done()).orElse("manageable");
        finish(n.uuid(), done, null, "power off", patch);
        log.info("Node {} inspected by its agent: {} CPUs, {} MiB, {} GiB, {} NICs", n.uuid(), hw.cpus(), memoryMb, localGb, nics.size());
    }

    // --- common

    /** The flow failed: its failure state with the reason (and maintenance for a failed attestation); the agent is switched off. */
    private void fail(Node n, String reason, boolean maintenance) {
        String working = ProvisionStateMachine.workingOf(n.provisionState());
        String failed = ProvisionStateMachine.running(working, n.targetProvisionState()).map(t -> t.failed())
                .orElse(working.equals("deploying") ? "deploy failed" : working.equals("inspecting") ? "inspect failed" : "clean failed");
        try {
            tearDown(n);
        } catch (BmcException | RuntimeException e) {
            reason = reason + " (and powering the node off failed: " + e.getMessage() + ")";
        }
        String why = reason.length() > 2000 ? reason.substring(0, 2000) : reason;
        nodes.store().jdbi().useHandle(h -> h.createUpdate("""
                        update node set maintenance = case when :m then true else maintenance end,
                          maintenance_reason = case when :m then :why else maintenance_reason end where uuid = :u""")
                .bind("m", maintenance).bind("why", why).bind("u", n.uuid()).execute());
        finish(n.uuid(), failed, why, null, json.createObjectNode());
        log.warn("Node {}: {} -> {}: {}", n.uuid(), n.provisionState(), failed, why);
    }

    /** Agent off: BMC power off, boot from disk, the boot's token and script dead. */
    private void tearDown(Node n) throws BmcException {
        store.forget(n.uuid());
        pxe.revoke(n.uuid());
        try (BmcSession bmc = bmc(n)) {
            bmc.setPower(PowerAction.OFF);
            bmc.setBootDevice(new BootSetting(BootDevice.DISK, true));
        }
    }

    private void finish(UUID uuid, String state, String error, String power, ObjectNode patch) {
        nodes.store().jdbi().useHandle(h -> h.createUpdate("""
                        update node set provision_state = :s, target_provision_state = null, last_error = :err,
                          power_state = coalesce(:power, power_state), provision_updated_at = :now, updated_at = :now,
                          driver_internal_info = ((driver_internal_info - cast(:drop as text[])) || cast(:patch as jsonb)),
                          """ + NodeReservations.RELEASED_BY_ME + """
                        where uuid = :u""")
                .bind("s", state).bind("err", error).bind("power", power).bind("now", Columns.utc(clock.instant()))
                .bind("drop", InBandAgent.FLOW_KEYS.toArray(new String[0])).bind("patch", patch.toString()).bind("me", reservations.owner()).bind("u", uuid).execute());
    }

    private BmcSession bmc(Node n) throws BmcException {
        return drivers.open(n, nodes.unsealedDriverInfo(n));
    }

    private AgentSession session(Node n) throws AgentClient.AgentException {
        AgentSession s = store.session(n.uuid()).orElseThrow(() -> new AgentClient.AgentException("the agent's boot is over"));
        if (s.agentUrl() == null || s.tokenSealed() == null) {
            throw new AgentClient.AgentBusy("the agent has not said where it listens yet");
        }
        return s;
    }

    private String token(AgentSession s) {
        return secrets.open(s.tokenSealed());
    }

    /** Ironic's common command params: the node with its secrets masked, and its ports. */
    private ObjectNode commonParams(Node n) {
        ObjectNode node = json.createObjectNode();
        node.put("uuid", n.uuid().toString());
        node.put("name", n.name());
        node.set("properties", n.properties());
        ObjectNode info = n.instanceInfo().deepCopy();
        info.remove("configdrive");
        node.set("instance_info", info);
        ObjectNode di = json.createObjectNode();
        n.driverInfo().fields().forEachRemaining(e -> di.set(e.getKey(), NodeService.isSecretKey(e.getKey())
                ? json.getNodeFactory().textNode(NodeService.MASK) : e.getValue()));
        node.set("driver_info", di);
        ObjectNode dii = n.driverInternalInfo().deepCopy();
        dii.remove("ipxe_script_url");
        node.set("driver_internal_info", dii);
        ObjectNode params = json.createObjectNode();
        params.set("node", node);
        ArrayNode ports = params.putArray("ports");
        for (Port p : ports(n)) {
            ObjectNode o = ports.addObject();
            o.put("uuid", p.uuid().toString());
            o.put("address", p.address());
            o.put("pxe_enabled", p.pxeEnabled());
        }
        return params;
    }

    private List<Port> ports(Node n) {
        return nodes.store().ports(Optional.of(n.uuid()), Optional.empty(), Optional.empty(), Optional.empty(), 1000);
    }

    private static Optional<AgentClient.Command> lastOf(List<AgentClient.Command> commands, String name) {
        for (int i = commands.size() - 1; i >= 0; i--) {
            if (commands.get(i).name().equals(name)) {
                return Optional.of(commands.get(i));
            }
        }
        return Optional.empty();
    }

    private Node reload(Node n) {
        return nodes.store().node(n.uuid()).orElseThrow();
    }

    private void patchDii(UUID uuid, ObjectNode patch) {
        nodes.store().jdbi().useHandle(h -> h.createUpdate(
                        "update node set driver_internal_info = driver_internal_info || cast(:p as jsonb) where uuid = :u")
                .bind("p", patch.toString()).bind("u", uuid).execute());
    }

    private void dropDii(UUID uuid, List<String> keys) {
        nodes.store().jdbi().useHandle(h -> h.createUpdate(
                        "update node set driver_internal_info = driver_internal_info - cast(:k as text[]) where uuid = :u")
                .bind("k", keys.toArray(new String[0])).bind("u", uuid).execute());
    }

    private static String name(JsonNode step) {
        return step == null ? "(none)" : step.path("interface").asText() + "." + step.path("step").asText();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
