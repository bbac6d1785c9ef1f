package org.esi.cluster.openshift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The calls ESI makes to the Assisted Installer (assisted-service REST API v2, {@code swagger.yaml} of
 * openshift/assisted-service), each with a timeout and a bearer token from {@link SsoTokens}; a 401 gets a fresh
 * token and one more try. Errors carry the service's {@code reason}, never a request body (which may hold the
 * pull secret) nor a token.
 */
public final class AssistedInstaller {
    private final HttpClient http;
    private final ObjectMapper json;
    private final SsoTokens tokens;
    private final Duration timeout;
    private final String apiUrl;
    private final String tokenUrl;
    private final String offlineToken;

    /** {@code apiUrl} is the service's base, e.g. {@code https://api.openshift.com/api/assisted-install}; paths start at {@code /v2}. */
    public AssistedInstaller(HttpClient http, ObjectMapper json, SsoTokens tokens, Duration timeout, String apiUrl, String tokenUrl,
                             String offlineToken) {
        this.http = http;
        this.json = json;
        this.tokens = tokens;
        this.timeout = timeout;
        this.apiUrl = apiUrl;
        this.tokenUrl = tokenUrl;
        this.offlineToken = offlineToken;
    }

    /** v2RegisterCluster: a new cluster definition; its {@code id}. */
    public JsonNode registerCluster(ObjectNode params) throws AssistedInstallerException {
        return call("POST", "/v2/clusters", params, 201);
    }

    /** v2ImportCluster: an existing OpenShift cluster, imported to add hosts to (day 2). */
    public JsonNode importCluster(ObjectNode params) throws AssistedInstallerException {
        return call("POST", "/v2/clusters/import", params, 201);
    }

    /** v2GetCluster. */
    public JsonNode cluster(String clusterId) throws AssistedInstallerException {
        return call("GET", "/v2/clusters/" + clusterId, null, 200);
    }

    /** v2InstallCluster: installs every host bound to the cluster (day 1). */
    public JsonNode installCluster(String clusterId) throws AssistedInstallerException {
        return call("POST", "/v2/clusters/" + clusterId + "/actions/install", null, 202);
    }

    /** TransformClusterToDay2: an installed cluster takes more workers, each installed with {@link #installHost}. */
    public JsonNode allowAddWorkers(String clusterId) throws AssistedInstallerException {
        return call("POST", "/v2/clusters/" + clusterId + "/actions/allow-add-workers", null, 202);
    }

    /** RegisterInfraEnv: what the discovery ISO is made of. */
    public JsonNode registerInfraEnv(ObjectNode params) throws AssistedInstallerException {
        return call("POST", "/v2/infra-envs", params, 201);
    }

    /** GetInfraEnvDownloadURL: a fresh URL of the discovery ISO (it expires: ask for each deploy). */
    public String imageUrl(String infraEnvId) throws AssistedInstallerException {
        String url = call("GET", "/v2/infra-envs/" + infraEnvId + "/downloads/image-url", null, 200).path("url").asText("");
        if (!url.matches("(?i)https?://\\S+")) {
            throw new AssistedInstallerException(200, "the Assisted Installer gave no http(s) URL for the discovery ISO of infra-env " + infraEnvId);
        }
        return url;
    }

    /** v2ListHosts: the hosts registered to the infra-env. */
    public ArrayNode hosts(String infraEnvId) throws AssistedInstallerException {
        JsonNode hosts = call("GET", "/v2/infra-envs/" + infraEnvId + "/hosts", null, 200);
        if (!hosts.isArray()) {
            throw new AssistedInstallerException(200, "the Assisted Installer's host list is not a list");
        }
        return (ArrayNode) hosts;
    }

    /** v2UpdateHost: role and hostname ({@code host_role}, {@code host_name}). */
    public JsonNode updateHost(String infraEnvId, String hostId, ObjectNode params) throws AssistedInstallerException {
        return call("PATCH", "/v2/infra-envs/" + infraEnvId + "/hosts/" + hostId, params, 201);
    }

    /** BindHost: a host of a late-binding infra-env joins the cluster. */
    public JsonNode bindHost(String infraEnvId, String hostId, String clusterId) throws AssistedInstallerException {
        return call("POST", "/v2/infra-envs/" + infraEnvId + "/hosts/" + hostId + "/actions/bind", json.createObjectNode().put("cluster_id", clusterId), 200);
    }

    /** v2InstallHost: installs one host into an existing cluster (day 2). */
    public JsonNode installHost(String infraEnvId, String hostId) throws AssistedInstallerException {
        return call("POST", "/v2/infra-envs/" + infraEnvId + "/hosts/" + hostId + "/actions/install", null, 202);
    }

    /** v2DeregisterHost; a host that is gone already counts as deleted. */
    public void deleteHost(String infraEnvId, String hostId) throws AssistedInstallerException {
        deleting("/v2/infra-envs/" + infraEnvId + "/hosts/" + hostId);
    }

    /** DeregisterInfraEnv; one that is gone already counts as deleted. */
    public void deleteInfraEnv(String infraEnvId) throws AssistedInstallerException {
        deleting("/v2/infra-envs/" + infraEnvId);
    }

    /** v2DeregisterCluster: the Assisted Installer's record of the cluster (not the cluster's machines). */
    public void deleteCluster(String clusterId) throws AssistedInstallerException {
        deleting("/v2/clusters/" + clusterId);
    }

    private void deleting(String path) throws AssistedInstallerException {
        try {
            call("DELETE", path, null, 204);
        } catch (AssistedInstallerException e) {
            if (e.status() != 404) {
                throw e;
            }
        }
    }

    private JsonNode call(String method, String path, ObjectNode body, int expected) throws AssistedInstallerException {
        HttpResponse<String> resp = send(method, path, body, tokens.accessToken(tokenUrl, offlineToken));
        if (resp.statusCode() == 401) {
            // Expired or revoked before we thought: a new one, once.
            tokens.invalidate(tokenUrl, offlineToken);
            resp = send(method, path, body, tokens.accessToken(tokenUrl, offlineToken));
        }
        int s = resp.statusCode();
        if (s != expected && (s < 200 || s > 299)) {
            throw new AssistedInstallerException(s, method + " " + path + " answered " + s + ": " + reason(resp.body(), json));
        }
        try {
            String text = resp.body();
            return text == null || text.isBlank() ? json.createObjectNode() : json.readTree(text);
        } catch (IOException e) {
            throw new AssistedInstallerException(s, method + " " + path + " answered with text that is not JSON");
        }
    }

    private HttpResponse<String> send(String method, String path, ObjectNode body, String token) throws AssistedInstallerException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(apiUrl + path)).timeout(timeout)
                .header("Authorization", "Bearer " + token).header("Accept", "application/json");
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssistedInstallerException(0, method + " " + path + " failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssistedInstallerException(0, method + " " + path + " was interrupted");
        }
    }

    /** The {@code reason} of an assisted-service error (or an OAuth {@code error_description}), clipped. */
    static String reason(String body, ObjectMapper json) {
        if (body == null || body.isBlank()) {
            return "no reason given";
        }
        try {
            JsonNode n = json.readTree(body);
            for (String f : new String[] {"reason", "error_description", "error", "message"}) {
                if (n.path(f).isTextual()) {
                    return clip(n.path(f).asText());
                }
            }
        } catch (IOException notJson) {
            // fall through
        }
        return "no reason given";
    }

    private static String clip(String s) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() > 300 ? one.substring(0, 297) + "..." : one;
    }
}
