package org.esi.spi.net;

import java.util.List;

/**
 * A kind of switch ESI can configure: {@code linux-bridge}, {@code ssh-cli}, {@code fake}. Drivers never
 * touch the database; the server hands them the switch's settings with secrets unsealed.
 * Implementations are thread-safe; the server serialises operations per switch.
 */
public interface SwitchDriver {
    String name();

    /** Problems with the settings in words, without contacting the switch; empty when usable. */
    List<String> validate(SwitchConfig config);

    /** Connects to the switch (lazily, if it likes). */
    SwitchSession open(SwitchConfig config) throws SwitchException;
}
