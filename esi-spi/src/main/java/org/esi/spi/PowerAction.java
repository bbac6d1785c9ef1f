package org.esi.spi;

/** A power request. Every action is idempotent: asking for the state the machine is already in succeeds. */
public enum PowerAction {
    ON, OFF, SOFT_OFF, REBOOT, SOFT_REBOOT
}
