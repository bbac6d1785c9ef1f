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
