package org.esi.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;
import org.esi.http.Access;
import org.esi.http.HttpApi;
import org.esi.http.Jsons;
import org.esi.policy.Policy;
import org.esi.policy.PolicyException;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What start-up guarantees: rules for every route, a malformed policy file stops it, secrets key 0600. */
class StartupTest {
    @TempDir
    Path dir;

    @Test
    void aRouteNamingAnUndefinedRuleStopsStartUp() {
        HttpApi api = new HttpApi(Jsons.newMapper(), Policy.load(Map.of("known", "@"), null), token -> java.util.Optional.empty());
        api.get("/ok", Access.rule("known"), c -> { });
        api.get("/typo", Access.rule("knwon"), c -> { });
        assertThatThrownBy(api::verifyRules).hasMessageContaining("knwon").hasMessageContaining("/typo");
        assertThatThrownBy(() -> api.get("/none", null, c -> { })).hasMessageContaining("declares no access rule");
    }

    @Test
    void aMalformedPolicyFileStopsStartUpNamingTheLine() throws Exception {
        Path policy = Files.writeString(dir.resolve("policy.yaml"), "# operator overrides\n\"baremetal:node:delete\": \"role:admin or\"\n");
        assertThatThrownBy(() -> TestingEsiServer.start(Map.of("ESI_POLICY_FILE", policy.toString()), Clock.systemUTC()))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("policy.yaml").hasMessageContaining("line 2");
    }

    @Test
    void aPolicyFileOverridesADefaultRule() throws Exception {
        Path policy = Files.writeString(dir.resolve("policy.yaml"), "\"baremetal:node:create\": \"!\"\n");
        try (TestingEsiServer server = TestingEsiServer.start(Map.of("ESI_POLICY_FILE", policy.toString()), Clock.systemUTC())) {
            server.client().post("/baremetal/v1/nodes", server.adminToken(), Map.of("driver", "fake-hardware")).expect(403);
        }
    }

    @Test
    void secretKeyFileIsPrivateAndVersionsAreNegotiated() throws Exception {
        try (TestingEsiServer server = TestingEsiServer.start()) {
            Path key = server.server().config().secretKeyPath();
            assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            TestClient http = server.client();
            String admin = server.adminToken();
            TestClient.Response tooNew = http.send("GET", "/baremetal/v1/nodes", admin, null, Map.of("X-OpenStack-Ironic-API-Version", "1.99"));
            assertThat(tooNew.status()).isEqualTo(406);
            assertThat(tooNew.header("X-OpenStack-Ironic-API-Maximum-Version")).isEqualTo("1.78");
            TestClient.Response latest = http.send("GET", "/baremetal/v1/nodes", admin, null, Map.of("X-OpenStack-Ironic-API-Version", "latest"));
            assertThat(latest.header("X-OpenStack-Ironic-API-Version")).isEqualTo("1.78");
            JsonNode root = http.get("/baremetal/", null).expect(200).json();
            assertThat(root.path("default_version").path("version").asText()).isEqualTo("1.78");
        }
    }
}
