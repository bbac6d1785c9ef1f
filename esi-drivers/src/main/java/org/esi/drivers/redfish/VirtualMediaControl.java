package org.esi.drivers.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.esi.spi.BmcException;
import org.esi.spi.BmcException.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A virtual CD/DVD: found under the system (Redfish 2021+) or its manager's VirtualMedia collection. */
final class VirtualMediaControl {
    private static final Logger log = LoggerFactory.getLogger(VirtualMediaControl.class);

    private final RedfishClient client;
    private final String systemPath;

    VirtualMediaControl(RedfishClient client, String systemPath) {
        this.client = client;
        this.systemPath = systemPath;
    }

    private record Media(String path, RedfishResponse resource) {
        JsonNode body() {
            return resource.body();
        }

        boolean inserted() {
            return body().path("Inserted").asBoolean(false);
        }

        String image() {
            return body().path("Image").asText("");
        }
    }

    void insert(URI image) throws BmcException {
        Media media = findCd();
        if (media.inserted() && media.image().equals(image.toString())) {
            log.debug("{} already holds {}", media.path(), image);
            return;
        }
        if (media.inserted()) {
            eject(media);
        }
        JsonNode action = media.body().path("Actions").path("#VirtualMedia.InsertMedia");
        if (action.isMissingNode()) {
            // VirtualMedia before v1.2 has no actions: the properties are written directly.
            ObjectNode body = Json.MAPPER.createObjectNode().put("Image", image.toString()).put("Inserted", true)
                    .put("WriteProtected", true);
            client.patch(media.path(), body, media.resource().etag());
        } else {
            insertByAction(media, action, image);
        }
        Media after = read(media.path());
        if (!after.inserted() || !after.image().equals(image.toString())) {
            throw new BmcException(Kind.DEVICE_ERROR, "the BMC accepted " + image + " for " + media.path()
                    + " but reports Inserted=" + after.inserted() + ", Image='" + after.image() + "'");
        }
    }

    private void insertByAction(Media media, JsonNode action, URI image) throws BmcException {
        String target = Json.text(action, "target").orElse(media.path() + "/Actions/VirtualMedia.InsertMedia");
        ObjectNode body = Json.MAPPER.createObjectNode().put("Image", image.toString()).put("Inserted", true)
                .put("WriteProtected", true);
        Optional<String> info = Json.text(action, "@Redfish.ActionInfo");
        if (info.isPresent()) {
            addRequiredParameters(client.get(info.get()).body(), body, image);
        }
        RedfishResponse response = client.send("POST", target, body);
        if (response.status() == 400 && !body.has("TransferProtocolType")
                && RedfishErrors.mentions(response.body(), "TransferProtocolType")) {
            // AMI/Supermicro demand the protocol without advertising it; they say so in the error.
            log.info("{} requires TransferProtocolType, retrying with it", target);
            body.put("TransferProtocolType", protocol(image, List.of()));
            response = client.send("POST", target, body);
        }
        if (response.status() == 400 && !body.has("TransferMethod")
                && RedfishErrors.mentions(response.body(), "TransferMethod")) {
            body.put("TransferMethod", "Stream");
            response = client.send("POST", target, body);
        }
        if (!response.ok()) {
            throw client.failure("POST", target, response);
        }
    }

    private void addRequiredParameters(JsonNode actionInfo, ObjectNode body, URI image) {
        for (JsonNode parameter : actionInfo.path("Parameters")) {
            String name = parameter.path("Name").asText();
            if (!parameter.path("Required").asBoolean(false) || body.has(name)) {
                continue;
            }
            List<String> allowed = Json.strings(parameter.path("AllowableValues"));
            switch (name) {
                case "TransferProtocolType" -> body.put(name, protocol(image, allowed));
                case "TransferMethod" -> body.put(name, allowed.isEmpty() || allowed.contains("Stream") ? "Stream" : allowed.get(0));
                default -> log.debug("InsertMedia parameter {} is required but has no value we can supply", name);
            }
        }
    }

    /** The Redfish TransferProtocolType for the image URL's scheme. */
    static String protocol(URI image, List<String> allowed) {
        String scheme = Optional.ofNullable(image.getScheme()).orElse("http").toUpperCase(Locale.ROOT);
        String wanted = switch (scheme) {
            case "SMB" -> "CIFS";
            default -> scheme;
        };
        if (allowed.isEmpty() || allowed.contains(wanted)) {
            return wanted;
        }
        return allowed.stream().filter(a -> a.equalsIgnoreCase(wanted)).findFirst().orElse(wanted);
    }

    void eject() throws BmcException {
        eject(findCd());
    }

    private void eject(Media media) throws BmcException {
        if (!media.inserted()) {
            return;
        }
        JsonNode action = media.body().path("Actions").path("#VirtualMedia.EjectMedia");
        if (action.isMissingNode()) {
            ObjectNode body = Json.MAPPER.createObjectNode().put("Inserted", false);
            body.putNull("Image");
            client.patch(media.path(), body, media.resource().etag());
        } else {
            client.post(Json.text(action, "target").orElse(media.path() + "/Actions/VirtualMedia.EjectMedia"),
                    Json.MAPPER.createObjectNode());
        }
        if (read(media.path()).inserted()) {
            throw new BmcException(Kind.DEVICE_ERROR, "the BMC accepted the eject but " + media.path() + " still reports media inserted");
        }
    }

    private Media read(String path) throws BmcException {
        return new Media(path, client.get(path));
    }

    private Media findCd() throws BmcException {
        List<String> collections = collections();
        List<Media> all = new ArrayList<>();
        for (String collection : collections) {
            for (String member : Json.members(client.get(collection).body())) {
                all.add(read(member));
            }
        }
        Optional<Media> cd = all.stream().filter(VirtualMediaControl::isOptical).findFirst();
        if (cd.isEmpty()) {
            // AMI lists its CD without MediaTypes; its Id says what it is.
            cd = all.stream().filter(m -> !m.body().has("MediaTypes"))
                    .filter(m -> (Json.text(m.body(), "Id").orElse("") + " " + Json.text(m.body(), "Name").orElse(""))
                            .toUpperCase(Locale.ROOT).contains("CD"))
                    .findFirst();
        }
        return cd.orElseThrow(() -> new BmcException(Kind.UNSUPPORTED, "no virtual CD/DVD found for system " + systemPath
                + (collections.isEmpty() ? " (no VirtualMedia collection)" : " in " + collections)));
    }

    private static boolean isOptical(Media media) {
        List<String> types = Json.strings(media.body().path("MediaTypes"));
        return types.contains("CD") || types.contains("DVD");
    }

    /** The system's own VirtualMedia, then each manager's: ManagedBy, the {@code Managers} quirk, or all managers. */
    private List<String> collections() throws BmcException {
        Set<String> out = new LinkedHashSet<>();
        JsonNode system = client.get(systemPath).body();
        Json.link(system, "VirtualMedia").ifPresent(out::add);
        List<String> managers = Json.links(system.path("Links").path("ManagedBy"));
        if (managers.isEmpty()) {
            managers = Json.links(system.path("Links").path("Managers"));
        }
        if (managers.isEmpty()) {
            Optional<String> all = Json.link(client.root(), "Managers");
            if (all.isPresent()) {
                managers = Json.members(client.get(all.get()).body());
            }
        }
        for (String manager : managers) {
            Json.link(client.get(manager).body(), "VirtualMedia").ifPresent(out::add);
        }
        return List.copyOf(out);
    }
}
