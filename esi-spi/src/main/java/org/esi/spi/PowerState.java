package org.esi.spi;

/** What a BMC reports about the machine's power. Ironic's words are in {@link #ironicName()}. */
public enum PowerState {
    ON("power on"),
    OFF("power off");

    private final String ironicName;

    PowerState(String ironicName) {
        this.ironicName = ironicName;
    }

    public String ironicName() {
        return ironicName;
    }
}
