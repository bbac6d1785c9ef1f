package org.esi.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;
import org.esi.testing.TestClient;

/** Waiting for the background node work of a real server, shared by the hardware tests. */
final class NodeWaits {
    private final TestClient http;
    private final String token;

    NodeWaits(TestClient http, String token) {
        this.http = http;
        this.token = token;
    }

    /** Asks for a provision verb and waits for the node to leave the working state, ending in {@code expected}. */
    JsonNode provision(String node, String verb, String expected) throws InterruptedException {
        http.put("/baremetal/v1/nodes/" + node + "/states/provision", token, Map.of("target", verb)).expect(202);
        JsonNode n = await(node, x -> !ProvisionStateMachine.WORKING.contains(x.path("provision_state").asText()));
        assertThat(n.path("provision_state").asText()).as("after " + verb + ": " + n.path("last_error")).isEqualTo(expected);
        return n;
    }

    /** Polls the node until {@code done} holds, for up to 15 seconds. */
    JsonNode await(String node, Predicate<JsonNode> done) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
        JsonNode n;
        do {
            n = http.get("/baremetal/v1/nodes/" + node, token).expect(200).json();
            if (done.test(n)) {
                return n;
            }
            Thread.sleep(50);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("node " + node + " never got there: " + n);
    }
}
