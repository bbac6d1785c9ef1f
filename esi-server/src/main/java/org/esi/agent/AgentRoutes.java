package org.esi.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.BaseUrl;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.Query;
import org.esi.node.IronicVersion;

/**
 * The routes an agent ramdisk calls, at Ironic's paths and without authentication, as Ironic exposes
 * them (the agent has no Keystone credentials; the per-boot agent token guards the heartbeat): lookup,
 * heartbeat, continue_inspection; and the service's own agent image, read-only, for iPXE and virtual
 * media. Nothing else is reachable without a token. The versions document the agent reads first
 * ({@code GET /baremetal/}) is {@link org.esi.node.NodeRoutes}'.
 */
public final class AgentRoutes {
    public static final String IMAGE_PATH = "/boot/agent/{file}";
    /** The files the agent image build writes into {@code <data.dir>/agent/}; nothing else there is served. */
    public static final List<String> IMAGE_FILES = List.of("esi-agent.kernel", "esi-agent.initramfs", "esi-agent.iso");

    private final AgentProtocol protocol;
    private final BaseUrl baseUrl;
    private final Path imageDir;

    public AgentRoutes(AgentProtocol protocol, BaseUrl baseUrl, Path imageDir) {
        this.protocol = protocol;
        this.baseUrl = baseUrl;
        this.imageDir = imageDir;
    }

    public void register(HttpApi api) {
        api.get("/baremetal/v1/lookup", Access.anonymous(), this::lookup);
        api.post("/baremetal/v1/heartbeat/{node}", Access.anonymous(), this::heartbeat);
        api.post("/baremetal/v1/continue_inspection", Access.anonymous(), this::continueInspection);
        api.get(IMAGE_PATH, Access.anonymous(), this::image);
    }

    private void lookup(Call call) {
        int minor = minor(IronicVersion.negotiate(call.ctx()));
        Query q = call.query(Set.of("addresses", "node_uuid"));
        List<String> addresses = q.string("addresses").map(a -> Arrays.stream(a.split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).limit(64).toList()).orElse(List.of());
        call.ctx().json(protocol.lookup(minor, addresses, q.string("node_uuid").orElse(null), baseUrl.of(call.ctx())));
    }

    private void heartbeat(Call call) {
        int minor = minor(IronicVersion.negotiate(call.ctx()));
        call.query(Set.of());
        protocol.heartbeat(minor, call.pathParam("node"), call.bodyObject());
        call.ctx().status(202);
    }

    private void continueInspection(Call call) {
        boolean sent = call.ctx().header(IronicVersion.HEADER) != null;
        int minor = minor(IronicVersion.negotiate(call.ctx()));
        call.query(Set.of());
        call.ctx().status(202).json(protocol.continueInspection(sent, minor, call.bodyObject()));
    }

    /** One of the three image files, streamed; a missing image is the same 404 as an unknown name. */
    private void image(Call call) throws IOException {
        String name = call.pathParam("file");
        if (!IMAGE_FILES.contains(name)) {
            throw ApiException.notFound("No such agent image file; the agent image is " + String.join(", ", IMAGE_FILES));
        }
        Path file = imageDir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw ApiException.notFound("The agent image has not been built: " + name + " is not in the service's agent directory");
        }
        call.ctx().header("Content-Length", String.valueOf(Files.size(file)))
                .contentType(name.endsWith(".iso") ? "application/x-iso9660-image" : "application/octet-stream")
                .result(Files.newInputStream(file));
    }

    static int minor(String version) {
        return Integer.parseInt(version.substring(version.indexOf('.') + 1));
    }
}
