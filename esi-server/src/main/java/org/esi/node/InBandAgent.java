package org.esi.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;

/**
 * The hook through which cleaning, deploying and inspection hand a node to the in-band agent
 * (org.esi.agent). The node package keeps the state machine; the agent package decides whether a node's
 * flow runs on an agent and, once it has booted one, drives the node out of its wait state itself.
 */
public interface InBandAgent {
    enum Flow {
        CLEAN("clean wait"), DEPLOY("wait call-back"), INSPECT("inspect wait");

        private final String waitState;

        Flow(String waitState) {
            this.waitState = waitState;
        }

        /** Ironic's state while the service waits for the agent's call-backs. */
        public String waitState() {
            return waitState;
        }
    }

    /** driver_internal_info keys of one agent flow; a new provision request starts without them. */
    List<String> FLOW_KEYS = List.of("clean_steps", "clean_step_index", "clean_step", "agent_cached_clean_steps",
            "deploy_steps", "deploy_step_index", "deploy_step", "agent_cached_deploy_steps", "hardware_manager_version",
            "agent_url", "agent_version", "agent_last_heartbeat");

    /** Whether this node's flow runs on an agent; false keeps what the service did before agents (out of band only). */
    boolean drives(Node node, Flow flow);

    /**
     * Boots the agent for the flow (PXE to its iPXE script, then a reboot). A node that must use an agent
     * but has none fails here with a CONFIGURATION error saying how to give it one.
     */
    void boot(Node node, BmcSession bmc, Flow flow) throws BmcException;

    /**
     * Checks a provision request before anything changes (400 on bad input) and returns what it adds to
     * driver_internal_info (e.g. a manual clean's step list), or an empty object.
     */
    ObjectNode accept(Node node, String verb, ObjectNode request);

    /** The iPXE script that boots the agent, while the node is booting one; empty otherwise. */
    java.util.Optional<String> bootScript(Node node);

    /** No agent anywhere: every flow stays out of band. */
    InBandAgent NONE = new InBandAgent() {
        @Override
        public boolean drives(Node node, Flow flow) {
            return false;
        }

        @Override
        public void boot(Node node, BmcSession bmc, Flow flow) throws BmcException {
            throw new BmcException(BmcException.Kind.UNSUPPORTED, "no in-band agent");
        }

        @Override
        public java.util.Optional<String> bootScript(Node node) {
            return java.util.Optional.empty();
        }

        @Override
        public ObjectNode accept(Node node, String verb, ObjectNode request) {
            if (request.has("clean_steps")) {
                throw org.esi.http.ApiException.badRequest("clean_steps need the in-band agent, which this service does not run");
            }
            return request.objectNode();
        }
    };
}
