package org.esi.spi;

import java.util.List;

/**
 * What inspection found. Sizes are in Ironic's units: memory in MiB, local disk in GiB
 * (the largest disk, as Ironic's {@code local_gb}).
 */
public record HardwareInventory(int cpus, String cpuArch, long memoryMb, long localGb, List<Nic> nics, List<Disk> disks) {
    public HardwareInventory {
        nics = List.copyOf(nics);
        disks = List.copyOf(disks);
    }

    /** A network interface; {@code mac} is lower-case colon-separated. */
    public record Nic(String name, String mac) {}

    public record Disk(String name, long sizeBytes) {}
}
