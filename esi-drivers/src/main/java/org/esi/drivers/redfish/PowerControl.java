package org.esi.drivers.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import org.esi.spi.BmcException;
import org.esi.spi.BmcException.Kind;
import org.esi.spi.PowerAction;
import org.esi.spi.PowerState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Power through ComputerSystem.Reset, choosing among the reset types the BMC advertises. */
final class PowerControl {
    private static final Logger log = LoggerFactory.getLogger(PowerControl.class);

    private final RedfishClient client;
    private final String systemPath;
    private final PowerWait wait;

    PowerControl(RedfishClient client, String systemPath, PowerWait wait) {
        this.client = client;
        this.systemPath = systemPath;
        this.wait = wait;
    }

    PowerState state() throws BmcException {
        return stateOf(client.get(systemPath).body());
    }

    private PowerState stateOf(JsonNode system) throws BmcException {
        String state = Json.text(system, "PowerState").orElse("");
        // As Ironic: a transition counts as the state it is leaving, so a retry does not skip a needed reset.
        return switch (state) {
            case "On", "PoweringOff" -> PowerState.ON;
            case "Off", "PoweringOn" -> PowerState.OFF;
            default -> throw new BmcException(Kind.DEVICE_ERROR,
                    "system " + systemPath + " reports an unknown PowerState '" + state + "'");
        };
    }

    /**
     * Idempotent: a request for the state the machine is in sends nothing. Otherwise returns once a re-read
     * PowerState shows the result, so callers never act on the BMC's optimistic 204.
     */
    void set(PowerAction action) throws BmcException {
        JsonNode system = client.get(systemPath).body();
        PowerState current = stateOf(system);
        boolean already = switch (action) {
            case ON -> current == PowerState.ON;
            case OFF, SOFT_OFF -> current == PowerState.OFF;
            case REBOOT, SOFT_REBOOT -> false;
        };
        if (already) {
            log.debug("system {} is already {}, nothing to do for {}", systemPath, current, action);
            return;
        }
        ResetTypes resets = ResetTypes.of(client, systemPath, system);
        switch (action) {
            case ON -> reset(resets, resets.pick("power on", "On", "ForceOn"), PowerState.ON);
            case OFF -> reset(resets, resets.pick("power off", "ForceOff"), PowerState.OFF);
            case SOFT_OFF -> reset(resets, resets.pick("shut down gracefully", "GracefulShutdown"), PowerState.OFF);
            case REBOOT -> reboot(resets, current, false);
            case SOFT_REBOOT -> reboot(resets, current, true);
        }
    }

    /** A reboot of a machine that is off is a power on, as Ironic does it. */
    private void reboot(ResetTypes resets, PowerState current, boolean graceful) throws BmcException {
        if (current == PowerState.OFF) {
            reset(resets, resets.pick("power on", "On", "ForceOn"), PowerState.ON);
            return;
        }
        String restart = graceful ? "GracefulRestart" : "ForceRestart";
        if (resets.allows(restart)) {
            reset(resets, restart, PowerState.ON);
        } else if (!graceful && resets.allows("PowerCycle")) {
            reset(resets, "PowerCycle", PowerState.ON);
        } else {
            // No restart advertised (AMI lacks GracefulRestart): do it in two steps.
            reset(resets, resets.pick(graceful ? "shut down gracefully" : "power off",
                    graceful ? "GracefulShutdown" : "ForceOff"), PowerState.OFF);
            reset(resets, resets.pick("power on", "On", "ForceOn"), PowerState.ON);
        }
    }

    private void reset(ResetTypes resets, String type, PowerState expect) throws BmcException {
        log.info("system {}: ComputerSystem.Reset {}", systemPath, type);
        client.post(resets.target(), Json.MAPPER.createObjectNode().put("ResetType", type));
        await(type, expect);
    }

    /** Polls PowerState; a restart may pass through Off, so it is done once the state is (again) the expected one. */
    private void await(String type, PowerState expect) throws BmcException {
        Instant deadline = Instant.now().plus(wait.timeout());
        PowerState seen = state();
        while (seen != expect) {
            if (Instant.now().isAfter(deadline)) {
                throw new BmcException(Kind.DEVICE_ERROR, "system " + systemPath + " is still " + seen + " "
                        + wait.timeout().toSeconds() + "s after ResetType " + type);
            }
            sleep(wait.interval());
            seen = state();
        }
    }

    private static void sleep(Duration d) throws BmcException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BmcException(Kind.UNREACHABLE, "interrupted while waiting for a power change", e);
        }
    }
}
