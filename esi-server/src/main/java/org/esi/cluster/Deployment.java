package org.esi.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.esi.http.ApiException;
import org.esi.http.Jsons;

/**
 * How a pool's machines are set up: a whole-disk image written by the agent (with user-data and keys in a config
 * drive), or an ISO booted as it is (a discovery ISO). In user-data, {@code ${ESI_PROVIDER_ID}} becomes the
 * member's {@code esi://<node uuid>} (for the kubelet's {@code --provider-id}) and {@code ${ESI_NODE_NAME}} its name.
 */
public record Deployment(String imageUrl, String imageChecksum, String userData, List<String> sshKeys, String bootIsoUrl) {
    private static final Set<String> FIELDS = Set.of("image_url", "image_checksum", "user_data", "ssh_keys", "boot_iso_url");
    static final int USER_DATA_MAX = 64 * 1024;

    public Deployment {
        sshKeys = List.copyOf(sshKeys);
    }

    public static Deployment parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("deploy must be an object: {\"image_url\", \"image_checksum\", \"user_data\", \"ssh_keys\"} or {\"boot_iso_url\"}");
        }
        ObjectNode o = (ObjectNode) node;
        Jsons.requireOnly(o, FIELDS, "deploy");
        String image = Jsons.optString(o, "image_url", 2048);
        String iso = Jsons.optString(o, "boot_iso_url", 2048);
        if ((image == null) == (iso == null)) {
            throw ApiException.badRequest("deploy needs exactly one of image_url (a whole-disk image) and boot_iso_url (an ISO to boot)");
        }
        requireHttp(image != null ? image : iso, image != null ? "image_url" : "boot_iso_url");
        String checksum = Jsons.optString(o, "image_checksum", 200);
        String userData = Jsons.optString(o, "user_data", USER_DATA_MAX);
        List<String> keys = new ArrayList<>();
        JsonNode k = o.get("ssh_keys");
        if (k != null && !k.isNull()) {
            if (!k.isArray()) {
                throw ApiException.badRequest("deploy.ssh_keys must be a list of OpenSSH public keys");
            }
            for (JsonNode key : k) {
                if (!key.isTextual() || !key.textValue().matches("(ssh-|ecdsa-|sk-)[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( [^\\n]*)?")) {
                    throw ApiException.badRequest("deploy.ssh_keys must hold OpenSSH public keys (one line each)");
                }
                keys.add(key.textValue());
            }
        }
        if (iso != null && (checksum != null || userData != null || !keys.isEmpty())) {
            throw ApiException.badRequest("An ISO boots as it is: image_checksum, user_data and ssh_keys go with image_url only");
        }
        return new Deployment(image, checksum, userData, keys, iso);
    }

    private static void requireHttp(String url, String field) {
        if (!url.matches("(?i)https?://[^\\s/]+(/\\S*)?")) {
            throw ApiException.badRequest("deploy." + field + " must be an http:// or https:// URL");
        }
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        if (imageUrl != null) {
            o.put("image_url", imageUrl);
            if (imageChecksum != null) {
                o.put("image_checksum", imageChecksum);
            }
            if (userData != null) {
                o.put("user_data", userData);
            }
            o.putArray("ssh_keys").addAll(sshKeys.stream().map(JsonNodeFactory.instance::textNode).toList());
        } else {
            o.put("boot_iso_url", bootIsoUrl);
        }
        return o;
    }

    /** What goes into the node's instance_info for this deployment. */
    ObjectNode instanceInfo() {
        ObjectNode info = JsonNodeFactory.instance.objectNode();
        if (imageUrl != null) {
            info.put("image_source", imageUrl);
            if (imageChecksum != null) {
                info.put("image_checksum", imageChecksum);
            }
        } else {
            // Booted as it is, out of band (virtual media, else PXE sanboot): the ramdisk deploy, no agent writing a disk.
            info.put("image_source", bootIsoUrl);
            info.put("deploy_interface", "ramdisk");
        }
        return info;
    }

    /** The provision request's body: the config drive with the member's identity, keys and user-data. */
    ObjectNode provisionBody(java.util.UUID node, String nodeName) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        if (imageUrl == null) {
            return body;
        }
        ObjectNode cd = body.putObject("configdrive");
        ObjectNode meta = cd.putObject("meta_data");
        meta.put("uuid", node.toString());
        meta.put("name", nodeName == null ? node.toString() : nodeName);
        meta.put("hostname", nodeName == null ? node.toString() : nodeName);
        ObjectNode keys = meta.putObject("public_keys");
        for (int i = 0; i < sshKeys.size(); i++) {
            keys.put("key-" + i, sshKeys.get(i));
        }
        meta.putObject("meta").put("provider_id", providerId(node));
        if (userData != null) {
            cd.put("user_data", userData.replace("${ESI_PROVIDER_ID}", providerId(node))
                    .replace("${ESI_NODE_NAME}", nodeName == null ? node.toString() : nodeName));
        }
        return body;
    }

    public static String providerId(java.util.UUID node) {
        return "esi://" + node;
    }
}
