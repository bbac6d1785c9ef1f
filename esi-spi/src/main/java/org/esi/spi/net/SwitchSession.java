package org.esi.spi.net;

/**
 * Operations on one switch. Every operation is idempotent: configuring a port the way it already is
 * succeeds. {@link #configure} replaces the port's whole VLAN membership, so a retried or repeated call
 * converges on the requested state rather than adding to it.
 */
public interface SwitchSession extends AutoCloseable {
    void configure(String port, PortConfig config) throws SwitchException;

    /** What the port carries now, read from the switch. */
    PortConfig read(String port) throws SwitchException;

    @Override
    default void close() {}
}
