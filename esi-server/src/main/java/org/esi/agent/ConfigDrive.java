package org.esi.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.esi.node.Node;
import org.esi.node.Port;

/**
 * The config drive an agent deploy writes to the disk: an ISO 9660 filesystem labelled {@code config-2}
 * with {@code openstack/latest/meta_data.json} (uuid, hostname, public_keys), {@code user_data} and
 * {@code network_data.json}, which stock cloud-init reads. Built as Ironic/openstacksdk build it: by
 * {@code genisoimage} (Debian package genisoimage), then gzipped and base64-encoded, the form IPA's
 * write_image takes. A string config drive (a URL, or one already encoded) passes through untouched.
 */
final class ConfigDrive {
    static final String GENISOIMAGE = "genisoimage";
    private static final long MAX_BYTES = 64L * 1024 * 1024;

    private final ObjectMapper json;

    ConfigDrive(ObjectMapper json) {
        this.json = json;
    }

    /** The configdrive parameter for write_image: null when the node asked for none. */
    String forDeploy(Node node, List<Port> ports) throws IOException, InterruptedException {
        JsonNode cd = node.instanceInfo().get("configdrive");
        if (cd == null || cd.isNull()) {
            return null;
        }
        if (cd.isTextual()) {
            return cd.textValue();
        }
        return Base64.getEncoder().encodeToString(gzip(iso(node, ports, (ObjectNode) cd)));
    }

    byte[] iso(Node node, List<Port> ports, ObjectNode cd) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("esi-configdrive-");
        try {
            ObjectNode meta = json.createObjectNode();
            meta.put("uuid", node.uuid().toString());
            String host = node.name() != null ? node.name() : node.uuid().toString();
            meta.put("name", host);
            meta.put("hostname", host);
            meta.put("launch_index", 0);
            meta.put("availability_zone", "");
            meta.set("public_keys", json.createObjectNode());
            if (cd.has("meta_data")) {
                meta.setAll((ObjectNode) cd.get("meta_data"));
            }
            JsonNode network = cd.has("network_data") ? cd.get("network_data") : defaultNetwork(ports);
            for (String version : List.of("2012-08-10", "latest")) {
                Path d = Files.createDirectories(dir.resolve("openstack").resolve(version));
                Files.writeString(d.resolve("meta_data.json"), json.writeValueAsString(meta));
                Files.writeString(d.resolve("network_data.json"), json.writeValueAsString(network));
                if (cd.has("vendor_data")) {
                    Files.writeString(d.resolve("vendor_data2.json"), json.writeValueAsString(cd.get("vendor_data")));
                }
                JsonNode ud = cd.get("user_data");
                if (ud != null && !ud.isNull()) {
                    Files.writeString(d.resolve("user_data"), ud.isTextual() ? ud.textValue() : json.writeValueAsString(ud));
                }
            }
            Path out = Files.createTempFile("esi-configdrive-", ".iso");
            try {
                Process p = new ProcessBuilder(GENISOIMAGE, "-o", out.toString(), "-ldots", "-allow-lowercase", "-allow-multidot",
                        "-l", "-publisher", "ESI", "-quiet", "-J", "-r", "-V", "config-2", dir.toString())
                        .redirectErrorStream(true).start();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("genisoimage did not finish within 60 s");
                }
                if (p.exitValue() != 0) {
                    throw new IOException("genisoimage failed: " + output.strip());
                }
                if (Files.size(out) > MAX_BYTES) {
                    throw new IOException("the config drive is larger than 64 MiB");
                }
                return Files.readAllBytes(out);
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Cannot run program")) {
                throw new IOException("cannot build the config drive: genisoimage is not installed (Debian package genisoimage)");
            }
            throw e;
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** DHCP on every port of the node, in OpenStack's network_data.json shape. */
    private ObjectNode defaultNetwork(List<Port> ports) {
        ObjectNode n = json.createObjectNode();
        ArrayNode links = n.putArray("links");
        ArrayNode networks = n.putArray("networks");
        int i = 0;
        for (Port p : ports) {
            String id = "port" + i;
            ObjectNode link = links.addObject();
            link.put("id", id);
            link.put("type", "phy");
            link.put("ethernet_mac_address", p.address());
            ObjectNode net = networks.addObject();
            net.put("id", "network" + i);
            net.put("type", "ipv4_dhcp");
            net.put("link", id);
            net.put("network_id", "network" + i);
            i++;
        }
        n.putArray("services");
        return n;
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
