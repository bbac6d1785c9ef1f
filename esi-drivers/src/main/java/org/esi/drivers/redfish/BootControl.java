package org.esi.drivers.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import org.esi.spi.BmcException;
import org.esi.spi.BmcException.Kind;
import org.esi.spi.BootDevice;
import org.esi.spi.BootSetting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-time or persistent boot override, through the system's Boot property. Some BMCs (Nokia, Dell
 * for some properties) take changes only on the {@code @Redfish.Settings} SettingsObject; it is used when
 * it carries the override properties, as sushy does, since Lenovo's settings object carries only BootOrder.
 */
final class BootControl {
    private static final Logger log = LoggerFactory.getLogger(BootControl.class);

    private final RedfishClient client;
    private final String systemPath;

    BootControl(RedfishClient client, String systemPath) {
        this.client = client;
        this.systemPath = systemPath;
    }

    /** Where the override is written and read back, with its current body. */
    private record Target(String path, RedfishResponse resource) {
        JsonNode boot() {
            return resource.body().path("Boot");
        }
    }

    BootSetting get() throws BmcException {
        return settingOf(target(client.get(systemPath)));
    }

    void set(BootSetting setting) throws BmcException {
        RedfishResponse system = client.get(systemPath);
        Target target = target(system);
        String wanted = BootTargets.target(setting.device());
        String enabled = setting.persistent() ? "Continuous" : "Once";
        requireAllowed(system.body().path("Boot"), target.boot(), "BootSourceOverrideTarget", wanted);
        requireAllowed(system.body().path("Boot"), target.boot(), "BootSourceOverrideEnabled", enabled);
        if (matches(target.boot(), wanted, enabled)) {
            log.debug("system {} already boots {} {}", systemPath, wanted, enabled);
            return;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putObject("Boot").put("BootSourceOverrideTarget", wanted).put("BootSourceOverrideEnabled", enabled);
        log.info("system {}: boot override {} {} via {}", systemPath, wanted, enabled, target.path());
        RedfishResponse response = client.send("PATCH", target.path(), body, target.resource().etag());
        if (response.status() == 412) {
            // Someone changed the resource between our GET and PATCH: retry once with the fresh ETag.
            response = client.send("PATCH", target.path(), body, client.get(target.path()).etag());
        }
        if (!response.ok()) {
            throw client.failure("PATCH", target.path(), response);
        }
        Target after = new Target(target.path(), client.get(target.path()));
        if (!matches(after.boot(), wanted, enabled)) {
            throw new BmcException(Kind.DEVICE_ERROR, "the BMC accepted boot override " + wanted + "/" + enabled
                    + " but " + target.path() + " reads back " + after.boot().path("BootSourceOverrideTarget").asText()
                    + "/" + after.boot().path("BootSourceOverrideEnabled").asText());
        }
    }

    private Target target(RedfishResponse system) throws BmcException {
        Optional<String> settings = Json.link(system.body().path("@Redfish.Settings"), "SettingsObject");
        if (settings.isPresent() && !settings.get().equals(systemPath)) {
            RedfishResponse pending = client.get(settings.get());
            JsonNode boot = pending.body().path("Boot");
            if (boot.has("BootSourceOverrideTarget") || boot.has("BootSourceOverrideEnabled")) {
                return new Target(settings.get(), pending);
            }
        }
        return new Target(systemPath, system);
    }

    private static boolean matches(JsonNode boot, String target, String enabled) {
        return target.equals(boot.path("BootSourceOverrideTarget").asText())
                && enabled.equals(boot.path("BootSourceOverrideEnabled").asText());
    }

    /** Refuses a value the BMC says it does not take, naming the ones it does, instead of a vague 400. */
    private void requireAllowed(JsonNode systemBoot, JsonNode targetBoot, String property, String value) throws BmcException {
        JsonNode allowed = targetBoot.path(property + "@Redfish.AllowableValues");
        if (!allowed.isArray()) {
            allowed = systemBoot.path(property + "@Redfish.AllowableValues");
        }
        if (allowed.isArray()) {
            List<String> values = Json.strings(allowed);
            if (!values.contains(value)) {
                throw new BmcException(Kind.UNSUPPORTED, "system " + systemPath + " does not accept " + property + " "
                        + value + "; it accepts " + values);
            }
        }
    }

    /**
     * With no override the machine follows its own boot order, which the SPI cannot express; disk, persistent,
     * is what that means for a provisioned machine, and it is what Ironic shows for such nodes in practice.
     */
    private BootSetting settingOf(Target target) {
        JsonNode boot = target.boot();
        String enabled = boot.path("BootSourceOverrideEnabled").asText("Disabled");
        Optional<BootDevice> device = BootTargets.device(boot.path("BootSourceOverrideTarget").asText("None"));
        if (device.isEmpty() || enabled.equals("Disabled")) {
            return new BootSetting(BootDevice.DISK, true);
        }
        return new BootSetting(device.get(), enabled.equals("Continuous"));
    }
}
