package org.esi.drivers.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.esi.spi.BmcException;
import org.esi.spi.BmcException.Kind;

/**
 * The ComputerSystem.Reset action of one system: its target and the ResetType values it accepts, read from
 * {@code ResetType@Redfish.AllowableValues} or from the action's ActionInfo resource (AMI, OpenBMC).
 */
record ResetTypes(String target, Optional<Set<String>> allowed) {

    static ResetTypes of(RedfishClient client, String systemPath, JsonNode system) throws BmcException {
        JsonNode action = system.path("Actions").path("#ComputerSystem.Reset");
        if (action.isMissingNode()) {
            throw new BmcException(Kind.UNSUPPORTED, "system " + systemPath + " offers no ComputerSystem.Reset action");
        }
        String target = Json.text(action, "target").orElse(systemPath + "/Actions/ComputerSystem.Reset");
        JsonNode inline = action.path("ResetType@Redfish.AllowableValues");
        if (inline.isArray()) {
            return new ResetTypes(target, Optional.of(Set.copyOf(Json.strings(inline))));
        }
        Optional<String> info = Json.text(action, "@Redfish.ActionInfo");
        if (info.isPresent()) {
            for (JsonNode parameter : client.get(info.get()).body().path("Parameters")) {
                if ("ResetType".equals(parameter.path("Name").asText()) && parameter.path("AllowableValues").isArray()) {
                    return new ResetTypes(target, Optional.of(Set.copyOf(Json.strings(parameter.path("AllowableValues")))));
                }
            }
        }
        // Nothing advertised: the schema's values are all the BMC promises, so try the standard ones.
        return new ResetTypes(target, Optional.empty());
    }

    boolean allows(String type) {
        return allowed.map(a -> a.contains(type)).orElse(true);
    }

    /** The first of {@code preferred} the BMC accepts. */
    Optional<String> first(String... preferred) {
        return Stream.of(preferred).filter(this::allows).findFirst();
    }

    String pick(String purpose, String... preferred) throws BmcException {
        return first(preferred).orElseThrow(() -> new BmcException(Kind.UNSUPPORTED,
                "the BMC cannot " + purpose + ": it accepts ResetType " + allowed.map(a -> a.stream().sorted().toList())
                        .orElse(List.of()) + ", none of " + List.of(preferred)));
    }
}
