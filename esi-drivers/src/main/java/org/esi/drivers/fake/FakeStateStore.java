package org.esi.drivers.fake;

import java.util.Optional;

/**
 * Where fake machines keep their power, boot device and virtual media when more than one service instance
 * drives them: a real machine has one state whichever instance asks, so its stand-in must too. The driver
 * never touches the database itself; the server hands it one of these.
 */
public interface FakeStateStore {
    /** The machine's stored state, empty before anything was stored for it. */
    Optional<FakeMachine.State> load(String key);

    void save(String key, FakeMachine.State state);
}
