package org.esi.drivers.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Expected values read straight from a mockup's files, without HTTP or driver code, so inspect() results
 * are checked against the capture rather than against themselves.
 */
record Capture(String machine) {
    Path dir() {
        return RedfishReplayServer.MOCKUPS.resolve(machine);
    }

    Optional<JsonNode> read(String odataPath) {
        Path file = dir().resolve(RedfishReplayServer.norm(odataPath).substring("/redfish/v1".length()).replaceFirst("^/", ""))
                .resolve("index.json");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonNode body = RedfishReplayServer.readJson(file);
        return body.has("error") ? Optional.empty() : Optional.of(body);
    }

    List<String> members(String collection) {
        List<String> out = new ArrayList<>();
        read(collection).ifPresent(c -> c.path("Members").forEach(m -> {
            String id = m.path("@odata.id").asText();
            if (!out.contains(id)) {
                out.add(id);
            }
        }));
        return out;
    }

    String systemPath() {
        List<String> systems = members("/redfish/v1/Systems");
        if (systems.size() != 1) {
            throw new IllegalStateException(machine + " has " + systems);
        }
        return RedfishReplayServer.norm(systems.get(0));
    }

    JsonNode system() {
        return read(systemPath()).orElseThrow();
    }

    String link(String property) {
        return system().path(property).path("@odata.id").asText("");
    }

    List<String> resetTypes() {
        JsonNode action = system().path("Actions").path("#ComputerSystem.Reset");
        if (action.has("ResetType@Redfish.AllowableValues")) {
            return RedfishReplayServer.strings(action.path("ResetType@Redfish.AllowableValues"));
        }
        for (JsonNode p : read(action.path("@Redfish.ActionInfo").asText()).orElseThrow().path("Parameters")) {
            if (p.path("Name").asText().equals("ResetType")) {
                return RedfishReplayServer.strings(p.path("AllowableValues"));
            }
        }
        return List.of();
    }

    int cpus() {
        int count = system().path("ProcessorSummary").path("Count").asInt(0);
        return count > 0 ? count : members(link("Processors")).size();
    }

    long memoryMb() {
        return Math.round(system().path("MemorySummary").path("TotalSystemMemoryGiB").asDouble(0) * 1024);
    }

    List<String> macs() {
        List<String> out = new ArrayList<>();
        if (link("EthernetInterfaces").isEmpty()) {
            return out;
        }
        for (String nic : members(link("EthernetInterfaces"))) {
            read(nic).map(n -> n.path("MACAddress").asText("")).filter(m -> !m.isEmpty())
                    .ifPresent(m -> out.add(m.toLowerCase(Locale.ROOT)));
        }
        return out;
    }

    long largestDiskBytes() {
        long largest = 0;
        if (!link("Storage").isEmpty()) {
            for (String storage : members(link("Storage"))) {
                for (JsonNode drive : read(storage).orElseThrow().path("Drives")) {
                    largest = Math.max(largest, read(drive.path("@odata.id").asText())
                            .map(d -> d.path("CapacityBytes").asLong(0)).orElse(0L));
                }
            }
        }
        if (largest == 0 && !link("SimpleStorage").isEmpty()) {
            for (String simple : members(link("SimpleStorage"))) {
                for (JsonNode device : read(simple).orElseThrow().path("Devices")) {
                    largest = Math.max(largest, device.path("CapacityBytes").asLong(0));
                }
            }
        }
        return largest;
    }

    String etag() {
        return system().path("@odata.etag").asText("");
    }
}
