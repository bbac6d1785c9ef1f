package org.esi.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.esi.http.ApiException;
import org.esi.node.Node;

/**
 * What an agent flow needs from the node, checked when the request is made so bad input is a 400 that
 * changes nothing, not a failure minutes later: the image and its checksum, the config drive, the
 * owner's erase and attestation settings.
 */
public final class AgentRequests {
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]+");
    private static final Set<String> DISK_FORMATS = Set.of("raw", "qcow2");

    /** A whole-disk image as IPA's image_info needs it (agent-protocol.md §6.2). */
    public record Image(String id, String url, String diskFormat, String hashAlgo, String hashValue) {}

    Image deployImage(Node n) {
        JsonNode info = n.instanceInfo();
        String source = info.path("image_source").asText("");
        if (source.isEmpty()) {
            throw ApiException.badRequest("instance_info.image_source (an http(s) URL of a whole-disk image) is required to deploy");
        }
        URI u;
        try {
            u = new URI(source);
        } catch (java.net.URISyntaxException e) {
            throw ApiException.badRequest("instance_info.image_source is not a URL");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
            throw ApiException.badRequest("instance_info.image_source must be an http:// or https:// URL");
        }
        String algo;
        String value;
        if (info.hasNonNull("image_os_hash_algo") || info.hasNonNull("image_os_hash_value")) {
            algo = info.path("image_os_hash_algo").asText("");
            value = info.path("image_os_hash_value").asText("");
        } else {
            String c = info.path("image_checksum").asText("");
            if (c.isEmpty()) {
                throw ApiException.badRequest("instance_info.image_checksum is required to deploy an image, e.g. sha256:<64 hex digits>");
            }
            int colon = c.indexOf(':');
            if (colon > 0) {
                algo = c.substring(0, colon);
                value = c.substring(colon + 1);
            } else {
                value = c;
                algo = switch (c.length()) {
                    case 64 -> "sha256";
                    case 128 -> "sha512";
                    default -> "";
                };
            }
        }
        algo = algo.toLowerCase(Locale.ROOT);
        int wanted = switch (algo) {
            case "sha256" -> 64;
            case "sha512" -> 128;
            default -> throw ApiException.badRequest("The image checksum must be sha256:<64 hex digits> or sha512:<128 hex digits>"
                    + " (md5 is not accepted)");
        };
        if (value.length() != wanted || !HEX.matcher(value).matches()) {
            throw ApiException.badRequest("The image checksum must be " + algo + ":<" + wanted + " hex digits>");
        }
        String format = info.path("image_disk_format").asText("");
        if (format.isEmpty()) {
            format = u.getPath() != null && u.getPath().endsWith(".qcow2") ? "qcow2" : "raw";
        }
        if (!DISK_FORMATS.contains(format)) {
            throw ApiException.badRequest("instance_info.image_disk_format must be raw or qcow2");
        }
        String path = u.getPath() == null ? "" : u.getPath();
        String id = path.substring(path.lastIndexOf('/') + 1);
        if (id.isEmpty() || !id.matches("[A-Za-z0-9._-]{1,200}")) {
            id = "image-" + HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(4).putInt(source.hashCode()).array());
        }
        return new Image(id, source, format, algo, value.toLowerCase(Locale.ROOT));
    }

    /** A config drive is a string (a URL, or gzipped base64 ISO, passed through) or Ironic's dict form, which we build. */
    void configDrive(JsonNode cd) {
        if (cd == null || cd.isNull() || cd.isTextual()) {
            if (cd != null && cd.isTextual() && cd.textValue().length() > 64 * 1024 * 1024) {
                throw ApiException.badRequest("configdrive is larger than 64 MiB");
            }
            return;
        }
        if (!cd.isObject()) {
            throw ApiException.badRequest("configdrive must be a string or an object {meta_data, user_data, network_data}");
        }
        for (var it = cd.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("meta_data", "user_data", "network_data", "vendor_data").contains(f)) {
                throw ApiException.badRequest("Unknown field '" + org.esi.http.Jsons.clip(f) + "' in configdrive; use meta_data, user_data, "
                        + "network_data, vendor_data");
            }
        }
        for (String f : Set.of("meta_data", "network_data", "vendor_data")) {
            if (cd.has(f) && !cd.get(f).isObject()) {
                throw ApiException.badRequest("configdrive." + f + " must be an object");
            }
        }
        JsonNode ud = cd.get("user_data");
        if (ud != null && !ud.isNull() && !ud.isTextual() && !ud.isContainerNode()) {
            throw ApiException.badRequest("configdrive.user_data must be a string (or a JSON document)");
        }
        JsonNode keys = cd.path("meta_data").get("public_keys");
        if (keys != null && !keys.isObject()) {
            throw ApiException.badRequest("configdrive.meta_data.public_keys must be an object {name: \"ssh-... key\"}");
        }
        if (keys != null) {
            for (JsonNode k : keys) {
                if (!k.isTextual() || !k.textValue().matches("(ssh-|ecdsa-|sk-)[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( [^\\n]*)?\\n?")) {
                    throw ApiException.badRequest("configdrive.meta_data.public_keys must hold OpenSSH public keys (one line each)");
                }
            }
        }
    }

    /** The owner's settings on the node: erase policy and attestation policy. */
    void checkDriverInfo(Node n) {
        JsonNode erase = n.driverInfo().get("erase");
        if (erase != null && !(erase.isTextual() && Set.of("full", "metadata", "none").contains(erase.textValue()))) {
            throw ApiException.badRequest("driver_info.erase must be full, metadata or none");
        }
        JsonNode a = Attestation.policy(n);
        if (a != null) {
            Attestation.Policy.of(a); // 400 when malformed
        }
    }
}
