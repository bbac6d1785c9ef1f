package org.esi.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import org.esi.crypto.SecretBox;
import org.esi.http.BaseUrl;
import org.esi.http.HttpApi;
import org.esi.node.DriverRegistry;
import org.esi.node.InBandAgent;
import org.esi.node.NodeService;
import org.esi.node.PxeBoot;

/** The in-band agent's parts, wired together, so the composition root needs few lines for them. */
public final class Agents implements AutoCloseable {
    /** Ironic's [agent] command timeout. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final AgentStore store;
    private final AgentRoutes routes;
    private final AgentBoot boot;
    private final AgentFlows flows;

    /** {@code serviceUrl} is where nodes reach this service (the agent's ipa-api-url and image URLs start there). */
    public Agents(NodeService nodes, DriverRegistry drivers, PxeBoot pxe, SecretBox secrets, ObjectMapper json, Clock clock,
                  BaseUrl baseUrl, Path imageDir, Supplier<String> serviceUrl) {
        this.store = new AgentStore(nodes.store().jdbi());
        AgentProtocol protocol = new AgentProtocol(nodes, store, json, secrets, clock);
        AgentRequests requests = new AgentRequests();
        this.routes = new AgentRoutes(protocol, baseUrl, imageDir);
        this.boot = new AgentBoot(store, pxe, imageDir, serviceUrl, json, clock, requests);
        this.flows = new AgentFlows(nodes, drivers, store, new AgentClient(json, COMMAND_TIMEOUT), requests, new ConfigDrive(json), pxe,
                secrets, json, clock);
        protocol.listen(flows);
    }

    public void register(HttpApi api) {
        routes.register(api);
    }

    /** The hook the node state machine hands its flows to. */
    public InBandAgent inBand() {
        return boot;
    }

    @Override
    public void close() {
        flows.close();
    }
}
