package org.esi.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.Call;
import org.esi.http.ErrorKind;
import org.esi.http.HttpApi;
import org.esi.http.Jsons;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;
import org.esi.spi.BootDevice;
import org.esi.spi.BootSetting;

/**
 * Hardware control in Ironic's shape: power and provision requests answer 202 and are carried out by
 * {@link NodeTasks}; boot device reads and writes talk to the BMC during the request, as Ironic does.
 */
public final class HardwareRoutes {
    private static final Set<String> POWER_TARGETS = Set.of("power on", "power off", "rebooting", "soft power off", "soft rebooting");
    /** Verbs a lessee may use on the node it leases; the rest are the owner's. */
    private static final Set<String> LESSEE_VERBS = Set.of("active", "deleted", "rebuild");

    private final NodeService nodes;
    private final NodeRoutes nodeRoutes;
    private final DriverRegistry drivers;
    private final NodeTasks tasks;
    private final Clock clock;

    public HardwareRoutes(NodeService nodes, NodeRoutes nodeRoutes, DriverRegistry drivers, NodeTasks tasks, Clock clock) {
        this.nodes = nodes;
        this.nodeRoutes = nodeRoutes;
        this.drivers = drivers;
        this.tasks = tasks;
        this.clock = clock;
    }

    public void register(HttpApi api) {
        String n = "/baremetal/v1/nodes/{ident}";
        api.put(n + "/states/power", Access.rule("baremetal:node:set_power_state"), this::power);
        api.put(n + "/states/provision", Access.rule("baremetal:node:set_provision_state"), this::provision);
        api.get(n + "/management/boot_device", Access.rule("baremetal:node:get_boot_device"), this::getBootDevice);
        api.put(n + "/management/boot_device", Access.rule("baremetal:node:set_boot_device"), this::setBootDevice);
        api.get(n + "/management/boot_device/supported", Access.rule("baremetal:node:get_boot_device"), this::supportedBootDevices);
        api.put(n + "/states/console", Access.rule("baremetal:node:set_console_state"), this::console);
        // The VIF API (nodes/{ident}/vifs) configures switches, so it lives with the networks: org.esi.network.VifRoutes.
    }

    private void power(Call call) {
        IronicVersion.negotiate(call.ctx());
        Node node = nodeRoutes.visible(call);
        call.authorize(NodeRoutes.target(node));
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("target", "timeout"), "a power request");
        String target = Jsons.requireString(body, "target");
        if (!POWER_TARGETS.contains(target)) {
            throw ApiException.badRequest("Invalid power target '" + Jsons.clip(target) + "'; use one of " + String.join(", ", POWER_TARGETS));
        }
        if (body.has("timeout") && !(body.get("timeout").isInt() && body.get("timeout").asInt() > 0)) {
            throw ApiException.badRequest("timeout must be a positive integer (seconds)");
        }
        int changed = nodes.store().jdbi().withHandle(h -> h.createUpdate("""
                        update node set target_power_state = :t, last_error = null, updated_at = :now
                        where uuid = :u and target_power_state is null and reservation is null""")
                .bind("t", target).bind("now", NodeStore.utc(clock.instant())).bind("u", node.uuid()).execute());
        if (changed == 0) {
            throw NodeTasks.locked(node);
        }
        tasks.wake();
        call.ctx().status(202).header("Location", call.ctx().url().replace("/states/power", "/states"));
    }

    private void provision(Call call) {
        IronicVersion.negotiate(call.ctx());
        Node node = nodeRoutes.visible(call);
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("target", "configdrive", "clean_steps", "deploy_steps", "disable_ramdisk"), "a provision request");
        String verb = Jsons.requireString(body, "target");
        if (!ProvisionStateMachine.VERBS.contains(verb)) {
            throw ApiException.badRequest("Invalid provision target '" + Jsons.clip(verb) + "'; use one of "
                    + String.join(", ", ProvisionStateMachine.VERBS.stream().sorted().toList()));
        }
        call.authorize(NodeRoutes.target(node));
        String canonical = ProvisionStateMachine.canonicalVerb(verb);
        if (!LESSEE_VERBS.contains(canonical) && !call.allowed("baremetal:node:set_provision_state:manage", NodeRoutes.target(node))) {
            throw ApiException.forbidden("Access was denied: provision target '" + verb + "' is for the node's owner");
        }
        if (body.has("clean_steps") && !canonical.equals("clean")) {
            throw ApiException.badRequest("clean_steps go with target \"clean\" only");
        }
        tasks.requestProvision(node, verb, body, null);
        call.ctx().status(202).header("Location", call.ctx().url().replace("/states/provision", "/states"));
    }

    private void getBootDevice(Call call) throws Exception {
        IronicVersion.negotiate(call.ctx());
        Node node = nodeRoutes.visible(call);
        call.authorize(NodeRoutes.target(node));
        try (BmcSession bmc = drivers.open(node, nodes.unsealedDriverInfo(node))) {
            BootSetting s = bmc.bootDevice();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("boot_device", s.device().name().toLowerCase(Locale.ROOT));
            m.put("persistent", s.persistent());
            call.ctx().json(m);
        } catch (BmcException e) {
            throw bmcError(e);
        }
    }

    private void setBootDevice(Call call) throws Exception {
        IronicVersion.negotiate(call.ctx());
        Node node = nodeRoutes.visible(call);
        call.authorize(NodeRoutes.target(node));
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("boot_device", "persistent"), "a boot device request");
        String device = Jsons.requireString(body, "boot_device");
        BootDevice d;
        try {
            d = BootDevice.valueOf(device.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("Invalid boot_device '" + Jsons.clip(device) + "'; use pxe, disk, cdrom or bios");
        }
        boolean persistent = Optional.ofNullable(Jsons.optBoolean(body, "persistent")).orElse(false);
        if (node.reservation() != null) {
            throw NodeTasks.locked(node);
        }
        try (BmcSession bmc = drivers.open(node, nodes.unsealedDriverInfo(node))) {
            bmc.setBootDevice(new BootSetting(d, persistent));
        } catch (BmcException e) {
            throw bmcError(e);
        }
        call.ctx().status(204);
    }

    private void supportedBootDevices(Call call) {
        IronicVersion.negotiate(call.ctx());
        Node node = nodeRoutes.visible(call);
        call.authorize(NodeRoutes.target(node));
        call.ctx().json(Map.of("supported_boot_devices", List.of("pxe", "disk", "cdrom", "bios")));
    }

    private void console(Call call) {
        IronicVersion.negotiate(call.ctx());
        Node node = nodeRoutes.visible(call);
        call.authorize(NodeRoutes.target(node));
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("enabled"), "a console request");
        Boolean enabled = Jsons.optBoolean(body, "enabled");
        if (enabled == null) {
            throw ApiException.badRequest("enabled (true or false) is required");
        }
        nodes.store().jdbi().useHandle(h -> h.createUpdate("update node set console_enabled = :e, updated_at = :now where uuid = :u")
                .bind("e", enabled).bind("now", NodeStore.utc(clock.instant())).bind("u", node.uuid()).execute());
        call.ctx().status(202);
    }

    private static ApiException bmcError(BmcException e) {
        return switch (e.kind()) {
            case CONFIGURATION -> ApiException.badRequest("The node's driver_info cannot be used: " + e.getMessage());
            case UNSUPPORTED -> ApiException.badRequest(e.getMessage());
            case AUTHENTICATION, UNREACHABLE, DEVICE_ERROR -> new ApiException(ErrorKind.EXTERNAL, "The BMC did not do it: " + e.getMessage());
        };
    }
}
