package org.esi.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The transition table on its own: the paths leasing relies on exist, and nothing else sneaks in. */
class ProvisionStateMachineTest {
    @Test
    void theLeasingPathIsThere() {
        assertThat(walk("enroll", "manage")).isEqualTo("manageable");
        assertThat(walk("manageable", "provide")).isEqualTo("available");
        assertThat(walk("available", "deploy")).isEqualTo("active");
        assertThat(walk("active", "undeploy")).isEqualTo("available");
        assertThat(walk("manageable", "inspect")).isEqualTo("manageable");
        assertThat(walk("manageable", "adopt")).isEqualTo("active");
    }

    @Test
    void failuresLandInFailedStatesWithAWayOut() {
        assertThat(ProvisionStateMachine.transition("available", "active").orElseThrow().failed()).isEqualTo("deploy failed");
        assertThat(ProvisionStateMachine.transition("manageable", "provide").orElseThrow().failed()).isEqualTo("clean failed");
        for (String failed : Set.of("deploy failed", "clean failed", "inspect failed", "adopt failed", "error")) {
            assertThat(ProvisionStateMachine.verbsFrom(failed)).as("a way out of " + failed).isNotEmpty();
        }
    }

    @Test
    void verbsNotInTheTableAreRefused() {
        assertThat(ProvisionStateMachine.transition("enroll", "deploy")).isEmpty();
        assertThat(ProvisionStateMachine.transition("active", "provide")).isEmpty();
        assertThat(ProvisionStateMachine.transition("available", "abort")).isEmpty();
    }

    @Test
    void everyRowIsUniqueAndEndsOutsideWorkingStates() {
        Set<String> keys = new HashSet<>();
        for (var t : ProvisionStateMachine.table()) {
            assertThat(keys.add(t.from() + "/" + t.verb())).as("duplicate row " + t).isTrue();
            assertThat(ProvisionStateMachine.WORKING).contains(t.working());
            assertThat(ProvisionStateMachine.WORKING).doesNotContain(t.done(), t.failed());
        }
    }

    private static String walk(String from, String verb) {
        return ProvisionStateMachine.transition(from, verb).orElseThrow().done();
    }
}
