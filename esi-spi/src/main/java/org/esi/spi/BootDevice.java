package org.esi.spi;

/** Boot targets every driver understands; Ironic's names in lower case. */
public enum BootDevice {
    PXE, DISK, CDROM, BIOS
}
