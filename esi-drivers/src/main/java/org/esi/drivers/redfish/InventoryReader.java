package org.esi.drivers.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.esi.spi.BmcException;
import org.esi.spi.HardwareInventory;
import org.esi.spi.HardwareInventory.Disk;
import org.esi.spi.HardwareInventory.Nic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what Ironic's redfish inspect reads. Sub-resources are best effort: BMCs link members that answer
 * 404 (Intel lists one missing drive 32 times), and one bad member should not fail the whole inspection.
 */
final class InventoryReader {
    private static final Logger log = LoggerFactory.getLogger(InventoryReader.class);
    private static final long GIB = 1024L * 1024 * 1024;

    private final RedfishClient client;
    private final String systemPath;

    InventoryReader(RedfishClient client, String systemPath) {
        this.client = client;
        this.systemPath = systemPath;
    }

    HardwareInventory read() throws BmcException {
        JsonNode system = client.get(systemPath).body();
        List<JsonNode> processors = members(system, "Processors");
        List<Disk> disks = disks(system);
        long localGb = disks.stream().mapToLong(Disk::sizeBytes).max().orElse(0) / GIB;
        return new HardwareInventory(cpus(system, processors), arch(processors), memoryMb(system), localGb,
                nics(system), disks);
    }

    private static int cpus(JsonNode system, List<JsonNode> processors) {
        JsonNode count = system.path("ProcessorSummary").path("Count");
        if (count.canConvertToInt() && count.asInt() > 0) {
            return count.asInt();
        }
        return (int) processors.stream().filter(InventoryReader::isCpu).filter(InventoryReader::present).count();
    }

    private static boolean isCpu(JsonNode processor) {
        return processor.path("ProcessorType").asText("CPU").equals("CPU");
    }

    private static boolean present(JsonNode resource) {
        return !resource.path("Status").path("State").asText("").equals("Absent");
    }

    /** Ironic's cpu_arch words from InstructionSet, else ProcessorArchitecture; null when the BMC says neither. */
    private static String arch(List<JsonNode> processors) {
        for (JsonNode p : processors) {
            if (!isCpu(p) || !present(p)) {
                continue;
            }
            Optional<String> fromSet = Json.text(p, "InstructionSet").flatMap(InventoryReader::archOfInstructionSet);
            Optional<String> arch = fromSet.or(() -> Json.text(p, "ProcessorArchitecture").flatMap(InventoryReader::archOfArchitecture));
            if (arch.isPresent()) {
                return arch.get();
            }
        }
        return null;
    }

    private static Optional<String> archOfInstructionSet(String set) {
        return Optional.ofNullable(switch (set) {
            case "x86-64" -> "x86_64";
            case "x86" -> "i686";
            case "ARM-A64" -> "aarch64";
            case "ARM-A32" -> "armv7l";
            case "PowerISA" -> "ppc64le";
            case "MIPS64" -> "mips64";
            case "IA-64" -> "ia64";
            default -> null;
        });
    }

    private static Optional<String> archOfArchitecture(String architecture) {
        return Optional.ofNullable(switch (architecture) {
            case "x86" -> "x86_64"; // servers that say only "x86" are 64-bit in practice
            case "ARM" -> "aarch64";
            case "Power" -> "ppc64le";
            case "MIPS" -> "mips64";
            case "IA-64" -> "ia64";
            default -> null;
        });
    }

    private long memoryMb(JsonNode system) throws BmcException {
        JsonNode gib = system.path("MemorySummary").path("TotalSystemMemoryGiB");
        if (gib.isNumber() && gib.asDouble() > 0) {
            return Math.round(gib.asDouble() * 1024);
        }
        // No summary: add up the DIMMs, which report MiB.
        return members(system, "Memory").stream().filter(InventoryReader::present)
                .mapToLong(m -> m.path("CapacityMiB").asLong(0)).sum();
    }

    private List<Nic> nics(JsonNode system) throws BmcException {
        List<Nic> nics = new ArrayList<>();
        for (JsonNode nic : members(system, "EthernetInterfaces")) {
            Optional<String> mac = Json.text(nic, "MACAddress").or(() -> Json.text(nic, "PermanentMACAddress"))
                    .map(InventoryReader::normalizeMac).filter(m -> !m.isEmpty());
            if (mac.isPresent()) {
                nics.add(new Nic(Json.text(nic, "Id").or(() -> Json.text(nic, "Name")).orElse(mac.get()), mac.get()));
            }
        }
        return nics;
    }

    /** Lower case and colons, as the SPI wants; BMCs send upper case and sometimes dashes. */
    static String normalizeMac(String mac) {
        String hex = mac.replaceAll("[^0-9A-Fa-f]", "").toLowerCase(Locale.ROOT);
        if (hex.length() != 12 || hex.equals("000000000000")) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 12; i += 2) {
            out.append(i == 0 ? "" : ":").append(hex, i, i + 2);
        }
        return out.toString();
    }

    /** Storage drives when there are any, else SimpleStorage devices; both are listed on AMI, so never add them up. */
    private List<Disk> disks(JsonNode system) throws BmcException {
        Map<String, Disk> drives = new LinkedHashMap<>();
        for (JsonNode storage : members(system, "Storage")) {
            for (String drive : Json.links(storage.path("Drives"))) {
                fetch(drive).ifPresent(d -> {
                    long size = d.path("CapacityBytes").asLong(0);
                    if (size > 0 && present(d)) {
                        drives.putIfAbsent(drive, new Disk(Json.text(d, "Name").orElse(drive).trim(), size));
                    }
                });
            }
        }
        if (!drives.isEmpty()) {
            return sorted(drives.values());
        }
        List<Disk> devices = new ArrayList<>();
        for (JsonNode simple : members(system, "SimpleStorage")) {
            for (JsonNode device : simple.path("Devices")) {
                long size = device.path("CapacityBytes").asLong(0);
                if (size > 0 && present(device)) {
                    devices.add(new Disk(Json.text(device, "Name").orElse("disk").trim(), size));
                }
            }
        }
        return sorted(devices);
    }

    private static List<Disk> sorted(java.util.Collection<Disk> disks) {
        return disks.stream().sorted(Comparator.comparingLong(Disk::sizeBytes).reversed()).toList();
    }

    /** The members of the collection the system links under {@code property}, skipping members that fail. */
    private List<JsonNode> members(JsonNode system, String property) throws BmcException {
        Optional<String> collection = Json.link(system, property);
        if (collection.isEmpty()) {
            return List.of();
        }
        Optional<JsonNode> body = fetch(collection.get());
        List<JsonNode> out = new ArrayList<>();
        if (body.isPresent()) {
            for (String member : Json.members(body.get())) {
                fetch(member).ifPresent(out::add);
            }
        }
        return out;
    }

    private Optional<JsonNode> fetch(String path) throws BmcException {
        RedfishResponse response = client.send("GET", path, null);
        if (response.ok()) {
            return Optional.of(response.body());
        }
        if (response.status() == 401 || response.status() == 403) {
            throw client.failure("GET", path, response);
        }
        log.warn("inspecting {}: skipping {} (HTTP {}: {})", systemPath, path, response.status(),
                client.scrub(RedfishErrors.summary(response.body(), response.status())));
        return Optional.empty();
    }
}
