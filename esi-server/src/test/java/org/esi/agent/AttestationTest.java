package org.esi.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attestation with real TPM 2.0 quotes: a software TPM (swtpm) and tpm2-tools make the attestation key
 * and sign each quote over the nonce the service sent, as an agent on a machine with a TPM would. The
 * service registers the key at inspection and checks every quote at cleaning, before the node is
 * available: a good quote passes; an altered golden PCR, or an old quote replayed, fails the clean and
 * puts the node in maintenance with the reason. Needs Debian's swtpm, swtpm-tools and tpm2-tools.
 */
class AttestationTest {
    static TestingEsiServer server;
    static TestClient http;
    static String admin;
    static Path dir;
    static Process swtpm;
    static String tcti;
    static final Pattern PCR_LINE = Pattern.compile("^\\s+(\\d+)\\s*:\\s*0x([0-9A-Fa-f]+)\\s*$", Pattern.MULTILINE);

    @BeforeAll
    static void start() throws Exception {
        server = TestingEsiServer.start();
        http = server.client();
        admin = server.adminToken();
        AgentContractTest.http = http;
        AgentContractTest.admin = admin;
        dir = Files.createTempDirectory("esi-swtpm-");
        Files.createDirectories(dir.resolve("state"));
        int port;
        int ctrl;
        // tpm2-tools' swtpm TCTI finds the control channel at the next port up.
        try (ServerSocket a = new ServerSocket(0)) {
            port = a.getLocalPort();
            ctrl = port + 1;
        }
        swtpm = new ProcessBuilder("swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + dir.resolve("state"),
                "--server", "type=tcp,port=" + port + ",bindaddr=127.0.0.1", "--ctrl", "type=tcp,port=" + ctrl + ",bindaddr=127.0.0.1",
                "--flags", "not-need-init,startup-clear").redirectErrorStream(true).redirectOutput(dir.resolve("swtpm.log").toFile()).start();
        tcti = "swtpm:host=127.0.0.1,port=" + port;
        for (int i = 0; i < 50; i++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                break;
            } catch (java.io.IOException e) {
                Thread.sleep(100);
            }
        }
        tpm("tpm2_createek", "-c", "ek.ctx", "-G", "ecc", "-u", "ek.pub");
        tpm("tpm2_flushcontext", "-t");
        tpm("tpm2_createak", "-C", "ek.ctx", "-c", "ak.ctx", "-G", "ecc", "-g", "sha256", "-s", "ecdsa", "-u", "ak.pem", "-f", "pem");
        tpm("tpm2_flushcontext", "-t");
        tpm("tpm2_flushcontext", "-s");
        tpm("tpm2_evictcontrol", "-c", "ak.ctx", "0x81010002");
        tpm("tpm2_flushcontext", "-t");
        // A measurement, so the PCRs are not all zero.
        tpm("tpm2_pcrextend", "7:sha256=" + "ab".repeat(32));
    }

    @AfterAll
    static void stop() {
        if (swtpm != null) {
            swtpm.destroy();
        }
        server.close();
    }

    static String tpm(String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("TPM2TOOLS_TCTI", tcti);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }

    /** The agent's attest.get_quote: tpm2_quote over the PCRs asked for, with the nonce sent. */
    static synchronized ObjectNode quote(ObjectNode params) {
        try {
            List<String> pcrs = new ArrayList<>();
            params.path("pcrs").forEach(p -> pcrs.add(p.asText()));
            String out = tpm("tpm2_quote", "-c", "0x81010002", "-l", params.path("hash_algo").asText() + ":" + String.join(",", pcrs),
                    "-q", params.path("nonce").asText(), "-m", "quote.msg", "-s", "quote.sig", "-o", "pcrs.out", "-g", "sha256");
            ObjectNode r = FakeIpa.JSON.createObjectNode();
            r.put("quote", Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve("quote.msg"))));
            r.put("signature", Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve("quote.sig"))));
            r.put("hash_algo", params.path("hash_algo").asText());
            ObjectNode values = r.putObject("pcrs");
            pcrValues(out).forEach(values::put);
            return r;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> pcrValues(String yaml) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = PCR_LINE.matcher(yaml);
        while (m.find()) {
            out.put(m.group(1), m.group(2).toLowerCase());
        }
        return out;
    }

    @Test
    void aGoodQuotePassesAnAlteredGoldenPcrOrAReplayedQuoteKeepsTheNodeFromLessees() throws Exception {
        String mac = "52:54:00:00:a0:01";
        AgentContractTest.agentNode("att-1", mac);
        String ak = Files.readString(dir.resolve("ak.pem"));
        try (FakeIpa ipa = new FakeIpa(server.url(), List.of(mac))) {
            http.put("/baremetal/v1/nodes/att-1/states/provision", admin, Map.of("target", "inspect")).expect(202);
            AgentContractTest.await("att-1", x -> x.path("provision_state").asText().equals("inspect wait"));
            ObjectNode inv = AgentContractTest.inventory(mac);
            inv.putObject("tpm").put(Attestation.AK_KEY, ak);
            assertThat(ipa.inspect(inv).statusCode()).isEqualTo(202);
            JsonNode n = AgentContractTest.await("att-1", x -> x.path("provision_state").asText().equals("manageable"));
            assertThat(n.path("driver_internal_info").path(Attestation.AK_KEY).asText()).isEqualTo(ak);
        }
        Map<String, String> golden = pcrValues(tpm("tpm2_pcrread", "sha256:0,7"));
        assertThat(golden).containsKeys("0", "7");
        setPolicy(golden);

        // Good: the quote verifies and the PCRs are the golden ones.
        try (FakeIpa ipa = new FakeIpa(server.url(), List.of(mac)).disk("/dev/sda", new byte[4096])) {
            ipa.tpm = AttestationTest::quote;
            JsonNode n = clean(ipa, "provide");
            assertThat(n.path("provision_state").asText()).as(n.path("last_error").asText()).isEqualTo("available");
            assertThat(n.path("maintenance").asBoolean()).isFalse();
            assertThat(ipa.commandNames()).containsExactly("get_clean_steps", "execute_clean_step", "execute_clean_step", "get_quote");
        }

        // An altered golden PCR 7: cleaning fails, maintenance with the reason, never available.
        Map<String, String> altered = new LinkedHashMap<>(golden);
        altered.put("7", "00".repeat(32));
        http.put("/baremetal/v1/nodes/att-1/states/provision", admin, Map.of("target", "manage")).expect(202);
        AgentContractTest.await("att-1", x -> x.path("provision_state").asText().equals("manageable"));
        setPolicy(altered);
        try (FakeIpa ipa = new FakeIpa(server.url(), List.of(mac)).disk("/dev/sda", new byte[4096])) {
            ipa.tpm = AttestationTest::quote;
            JsonNode n = clean(ipa, "provide");
            assertThat(n.path("provision_state").asText()).isEqualTo("clean failed");
            assertThat(n.path("maintenance").asBoolean()).isTrue();
            assertThat(n.path("maintenance_reason").asText()).contains("Attestation failed").contains("PCR 7 is " + golden.get("7"));
        }

        // A replayed quote (signed, but over an earlier nonce) fails even with the right golden values.
        http.delete("/baremetal/v1/nodes/att-1/maintenance", admin).expect(202);
        http.put("/baremetal/v1/nodes/att-1/states/provision", admin, Map.of("target", "manage")).expect(202);
        AgentContractTest.await("att-1", x -> x.path("provision_state").asText().equals("manageable"));
        setPolicy(golden);
        ObjectNode old = FakeIpa.JSON.createObjectNode().put("nonce", "11".repeat(32)).put("hash_algo", "sha256");
        old.putArray("pcrs").add(0).add(7);
        ObjectNode recorded = quote(old);
        try (FakeIpa ipa = new FakeIpa(server.url(), List.of(mac)).disk("/dev/sda", new byte[4096])) {
            ipa.tpm = params -> recorded;
            JsonNode n = clean(ipa, "provide");
            assertThat(n.path("provision_state").asText()).isEqualTo("clean failed");
            assertThat(n.path("maintenance_reason").asText()).contains("nonce");
        }

        // A forged quote body (a PCR value changed after signing) does not verify either.
        http.delete("/baremetal/v1/nodes/att-1/maintenance", admin).expect(202);
        http.put("/baremetal/v1/nodes/att-1/states/provision", admin, Map.of("target", "manage")).expect(202);
        AgentContractTest.await("att-1", x -> x.path("provision_state").asText().equals("manageable"));
        try (FakeIpa ipa = new FakeIpa(server.url(), List.of(mac)).disk("/dev/sda", new byte[4096])) {
            ipa.tpm = params -> {
                ObjectNode q = quote(params);
                ((ObjectNode) q.get("pcrs")).put("7", golden.get("7").replace(golden.get("7").charAt(0), golden.get("7").charAt(0) == 'a' ? 'b' : 'a'));
                return q;
            };
            JsonNode n = clean(ipa, "provide");
            assertThat(n.path("provision_state").asText()).isEqualTo("clean failed");
            assertThat(n.path("maintenance_reason").asText()).contains("not the ones the TPM signed");
        }
    }

    @Test
    void aMalformedPolicyIsRefusedAndChangesNothing() throws Exception {
        AgentContractTest.agentNode("att-bad", "52:54:00:00:a0:02");
        for (Object bad : List.of("yes", Map.of("pcrs", List.of(), "golden", Map.of()), Map.of("pcrs", List.of(99), "golden", Map.of()),
                Map.of("pcrs", List.of(7), "golden", Map.of("7", "zz")), Map.of("pcrs", List.of(7), "golden", Map.of("7", "00".repeat(32)),
                        "hash_algo", "md5"))) {
            http.patch("/baremetal/v1/nodes/att-bad", admin, List.of(Map.of("op", "add", "path", "/driver_info/attestation", "value", bad)))
                    .expect(200);
            http.put("/baremetal/v1/nodes/att-bad/states/provision", admin, Map.of("target", "provide")).expect(400);
            assertThat(http.get("/baremetal/v1/nodes/att-bad", admin).json().path("provision_state").asText()).isEqualTo("manageable");
        }
    }

    private static void setPolicy(Map<String, String> golden) {
        http.patch("/baremetal/v1/nodes/att-1", admin, List.of(Map.of("op", "add", "path", "/driver_info/attestation",
                "value", Map.of("pcrs", List.of(0, 7), "golden", golden, "hash_algo", "sha256")))).expect(200);
    }

    private static JsonNode clean(FakeIpa ipa, String verb) throws Exception {
        http.put("/baremetal/v1/nodes/att-1/states/provision", admin, Map.of("target", verb)).expect(202);
        AgentContractTest.await("att-1", x -> x.path("provision_state").asText().equals("clean wait"));
        ipa.boot();
        return AgentContractTest.await("att-1", x -> !x.path("provision_state").asText().equals("clean wait"));
    }
}
