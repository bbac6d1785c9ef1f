package org.esi.testing;

import java.util.Map;

/** An owner with one fake-hardware node on offer, and a lessee who may claim it: the start of most leasing tests. */
public record LeasingSetup(String ownerToken, String lesseeToken, String nodeName, String offer) {
    public static LeasingSetup create(TestingEsiServer server, String prefix) {
        String ownerProject = server.createProject(prefix + "-owner", null);
        String lesseeProject = server.createProject(prefix + "-lessee", null);
        String owner = server.userToken(prefix + "-owner-user", ownerProject, "owner");
        String lessee = server.userToken(prefix + "-lessee-user", lesseeProject, "lessee");
        String node = prefix + "-node";
        return new LeasingSetup(owner, lessee, node, offerNewNode(server, owner, node));
    }

    /** One more node of the same owner, on offer; returns the offer's UUID. */
    public String offerAnotherNode(TestingEsiServer server, String node) {
        return offerNewNode(server, ownerToken, node);
    }

    private static String offerNewNode(TestingEsiServer server, String owner, String node) {
        server.client().post("/baremetal/v1/nodes", owner, Map.of("name", node, "driver", "fake-hardware")).expect(201);
        return server.client().post("/lease/v1/offers", owner, Map.of("resource_uuid", node)).expect(201).json().path("uuid").asText();
    }
}
