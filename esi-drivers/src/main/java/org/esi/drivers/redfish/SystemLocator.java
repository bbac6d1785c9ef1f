package org.esi.drivers.redfish;

import java.util.List;
import org.esi.spi.BmcException;
import org.esi.spi.BmcException.Kind;

/** Finds the ComputerSystem a node means: the configured one, or the only member of /redfish/v1/Systems. */
final class SystemLocator {
    private SystemLocator() {}

    static String locate(RedfishClient client) throws BmcException {
        if (client.config().systemId().isPresent()) {
            return client.config().systemId().get();
        }
        String systems = Json.link(client.root(), "Systems").orElse(RedfishClient.SERVICE_ROOT + "/Systems");
        List<String> members = Json.members(client.get(systems).body());
        if (members.size() == 1) {
            return members.get(0);
        }
        if (members.isEmpty()) {
            throw new BmcException(Kind.DEVICE_ERROR, "the BMC lists no system under " + systems);
        }
        // A chassis manager or multi-node BMC: guessing would drive the wrong machine.
        throw new BmcException(Kind.CONFIGURATION, "the BMC manages " + members.size() + " systems ("
                + String.join(", ", members) + "); set " + RedfishConfig.SYSTEM_ID + " to one of them");
    }
}
