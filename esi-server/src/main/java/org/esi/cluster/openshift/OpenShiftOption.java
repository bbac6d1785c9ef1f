package org.esi.cluster.openshift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.esi.crypto.SecretBox;
import org.jdbi.v3.core.Handle;

/** A pool's {@code "openshift"} block on the API: checked and sealed on the way in, masked on the way out. */
public final class OpenShiftOption {
    public static final String FIELD = "openshift";
    private final OpenShiftStore store;
    private final SecretBox secrets;
    private final ObjectMapper json;

    public OpenShiftOption(OpenShiftStore store, SecretBox secrets, ObjectMapper json) {
        this.store = store;
        this.secrets = secrets;
        this.json = json;
    }

    public OpenShiftSettings parse(JsonNode block, String poolName) {
        return OpenShiftSettings.parse(block, poolName, secrets, json);
    }

    public void insert(Handle h, UUID pool, OpenShiftSettings s) {
        store.insert(h, pool, s);
    }

    /**
     * A PATCH of the block: a new {@code offline_token} and/or {@code pull_secret} (rotated secrets), nothing else.
     * Checked before anything changes; the returned step writes them (sealed) and lets a backed-off pool retry at once.
     */
    public java.util.function.Consumer<Handle> change(UUID pool, JsonNode block) {
        if (block == null || !block.isObject() || block.isEmpty()) {
            throw org.esi.http.ApiException.badRequest("openshift in a pool change must be an object with offline_token and/or pull_secret");
        }
        org.esi.http.Jsons.requireOnly((com.fasterxml.jackson.databind.node.ObjectNode) block, java.util.Set.of("offline_token", "pull_secret"),
                "an openshift change (only its secrets can be changed)");
        String offline = block.has("offline_token") ? secrets.seal(OpenShiftSettings.offlineToken((com.fasterxml.jackson.databind.node.ObjectNode) block)) : null;
        String pull = block.has("pull_secret") ? secrets.seal(OpenShiftSettings.pullSecret((com.fasterxml.jackson.databind.node.ObjectNode) block, json)) : null;
        if (store.find(pool).isEmpty()) {
            throw org.esi.http.ApiException.badRequest("This pool has no openshift option to change");
        }
        return h -> store.setSecrets(h, pool, offline, pull);
    }

    /** The block as the API shows it, with what the Assisted Installer made; empty for a pool without one. */
    public Optional<Map<String, Object>> describe(UUID pool) {
        return store.find(pool).map(o -> {
            Map<String, Object> m = new LinkedHashMap<>(o.settings().toJson());
            Map<String, Object> ai = new LinkedHashMap<>();
            ai.put("cluster_id", o.clusterId());
            ai.put("infra_env_id", o.infraEnvId());
            ai.put("cluster_status", o.clusterStatus());
            ai.put("install_requested", o.installRequested());
            ai.put("adding_workers", o.addingWorkers());
            m.put("assisted_installer", ai);
            m.put("last_error", o.lastError());
            return m;
        });
    }
}
