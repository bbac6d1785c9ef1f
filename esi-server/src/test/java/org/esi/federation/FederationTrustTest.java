package org.esi.federation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.esi.http.Caller;
import org.esi.http.Jsons;
import org.esi.server.ConfigException;
import org.esi.server.ConfigLoader;
import org.esi.testing.Poll;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two sites, A and B (B with two instances on one database), each with its own database, that register each other:
 * A's users reach B through signed assertions, as shadow projects with mapped roles and nothing more.
 */
class FederationTrustTest {
    private static final Clock CLOCK = Clock.systemUTC();
    private static TestingEsiServer a;
    private static TestingEsiServer b;
    private static TestingEsiServer b2;
    private static String aAdmin;
    private static String bAdmin;
    private static String bOwner;

    @BeforeAll
    static void start() {
        a = TestingEsiServer.start(Map.of("ESI_FEDERATION_SITE_NAME", "a"), CLOCK);
        b = TestingEsiServer.start(Map.of("ESI_FEDERATION_SITE_NAME", "b"), CLOCK);
        b2 = TestingEsiServer.sharing(b, Map.of("ESI_FEDERATION_SITE_NAME", "b"), CLOCK);
        aAdmin = a.adminToken();
        bAdmin = b.adminToken();
        register(a, aAdmin, "b", b);
        register(b, bAdmin, "a", a);
        bOwner = b.userToken("fed-b-owner", b.createProject("fed-b-owners", null), "owner");
    }

    @AfterAll
    static void stop() {
        b2.close();
        b.close();
        a.close();
    }

    /** As two admins do it: each reads the other's key from its /federation/v1/key and registers it. */
    private static void register(TestingEsiServer at, String admin, String name, TestingEsiServer peer) {
        JsonNode key = peer.client().get("/federation/v1/key", null).expect(200).json();
        assertThat(key.path("site").asText()).isEqualTo(name);
        assertThat(key.path("algorithm").asText()).isEqualTo("EdDSA");
        at.client().post("/federation/v1/peers", admin, Map.of("name", name, "url", peer.url(), "public_key", key.path("public_key").asText()))
                .expect(201);
    }

    private static Caller caller(TestingEsiServer site, String token) {
        return site.server().tokens().validate(token).orElseThrow();
    }

    private static String offerAtB(String node) {
        b.client().post("/baremetal/v1/nodes", bOwner, Map.of("name", node, "driver", "fake-hardware")).expect(201);
        return b.client().post("/lease/v1/offers", bOwner, Map.of("resource_uuid", node)).expect(201).json().path("uuid").asText();
    }

    @Test
    void aLesseeAtAClaimsAnOfferAtBAsTheShadowProject() throws Exception {
        String project = a.createProject("fed-lessees", null);
        String lessee = a.userToken("fed-lessee", project, "lessee");
        Caller home = caller(a, lessee);
        FederationClient.PeerToken t = a.server().federationClient().tokenFor(home, "b");
        assertThat(t.projectName()).isEqualTo("a/fed-lessees");
        assertThat(t.roles()).containsExactly("lessee");
        assertThat(t.expiresAt()).isBeforeOrEqualTo(Instant.now().plus(AssertionSigner.LIFETIME).plusSeconds(1));
        assertThat(t.toString()).doesNotContain(t.token());
        // Cached until shortly before it expires: a second call costs no exchange.
        assertThat(a.server().federationClient().tokenFor(home, "b").token()).isEqualTo(t.token());

        String offer = offerAtB("fed-node-1");
        JsonNode offers = b.client().get("/lease/v1/offers", t.token()).expect(200).json().path("offers");
        assertThat(offers.findValuesAsText("uuid")).contains(offer);
        Instant start = Instant.now().plusSeconds(1);
        JsonNode lease = b.client().post("/lease/v1/offers/" + offer + "/claim", t.token(),
                Map.of("start_time", start.toString(), "end_time", start.plusSeconds(3600).toString())).expect(201).json();
        assertThat(lease.path("project_id").asText()).isEqualTo(t.projectId());
        JsonNode node = Poll.until(() -> b.client().get("/baremetal/v1/nodes/fed-node-1", bOwner).expect(200).json(),
                n -> t.projectId().equals(n.path("lessee").asText()), Duration.ofSeconds(10), n -> "node never leased: " + n);
        assertThat(node.path("lessee").asText()).isEqualTo(t.projectId());
        JsonNode shadow = b.adminGet("/identity/v3/projects/" + t.projectId()).path("project");
        assertThat(shadow.path("name").asText()).isEqualTo("a/fed-lessees");
        assertThat(shadow.path("parent_id").asText()).isEqualTo("default");

        // Renamed at home: the same shadow project, renamed, not a second one.
        a.client().patch("/identity/v3/projects/" + project, aAdmin, Map.of("project", Map.of("name", "fed-lessees-2"))).expect(200);
        FederationClient.PeerToken renamed = a.server().federationClient().tokenFor(caller(a, lessee), "b");
        assertThat(renamed.projectId()).isEqualTo(t.projectId());
        assertThat(renamed.projectName()).isEqualTo("a/fed-lessees-2");
        assertThat(b.client().get("/lease/v1/leases", renamed.token()).expect(200).json().path("leases").findValuesAsText("uuid"))
                .contains(lease.path("uuid").asText());
    }

    @Test
    void aRemoteAdminIsNoAdminAtThePeer() {
        String adminUser = a.client().get("/identity/v3/users?name=admin", aAdmin).expect(200).json().path("users").get(0).path("id").asText();
        String adminProject = a.client().get("/identity/v3/projects?name=admin", aAdmin).expect(200).json()
                .path("projects").get(0).path("id").asText();
        a.client().put("/identity/v3/projects/" + adminProject + "/users/" + adminUser + "/roles/lessee", aAdmin, null).expect(204);
        String admin = a.adminToken();
        Caller home = caller(a, admin);
        assertThat(home.roles()).contains("admin", "lessee");
        FederationClient.PeerToken t = a.server().federationClient().tokenFor(home, "b");
        assertThat(t.roles()).containsExactly("lessee");
        assertThat(t.projectName()).isEqualTo("a/admin");

        TestClient http = b.client();
        JsonNode validated = http.send("GET", "/identity/v3/auth/tokens", t.token(), null, Map.of("X-Subject-Token", t.token()))
                .expect(200).json().path("token");
        assertThat(validated.path("roles").findValuesAsText("name")).containsExactly("lessee");
        http.post("/baremetal/v1/nodes", t.token(), Map.of("name", "fed-never", "driver", "fake-hardware")).expect(403);
        http.get("/federation/v1/peers", t.token()).expect(403);
        http.post("/identity/v3/projects", t.token(), Map.of("project", Map.of("name", "fed-never"))).expect(403);
        assertThat(http.get("/identity/v3/users", t.token()).expect(200).json().path("users")).hasSize(1);
        // Re-scoping the token with the token method keeps its few minutes: it does not become a full-length one.
        Map<String, Object> rescope = Map.of("auth", Map.of("identity", Map.of("methods", List.of("token"), "token", Map.of("id", t.token())),
                "scope", Map.of("project", Map.of("id", t.projectId()))));
        JsonNode again = http.post("/identity/v3/auth/tokens", null, rescope).expect(201).json().path("token");
        assertThat(Instant.parse(again.path("expires_at").asText())).isBeforeOrEqualTo(t.expiresAt());

        // An assertion whose only role is admin maps to nothing here: refused, whatever it names itself.
        AssertionSigner signer = a.server().federationSigner();
        AssertionClaims c = signer.claimsFor(home, "b");
        String onlyAdmin = signer.sign(new AssertionClaims(c.issuer(), c.audience(), c.subject(), c.projectId(), c.projectName(),
                List.of("admin", "esi_leap_admin"), c.issuedAt(), c.expiresAt(), c.jti()));
        refused(b, onlyAdmin);
    }

    @Test
    void noRoleMapMakesAnAdminAndTheMapIsParsedStrictly() {
        for (String map : List.of("admin=admin", "lessee=esi_leap_admin", "member=ADMIN", "lessee", "x=nosuchrole", "=lessee")) {
            assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("ESI_FEDERATION_ROLE_MAP", map)))
                    .as(map).isInstanceOf(ConfigException.class).hasMessageContaining("federation.role-map");
        }
        assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("ESI_FEDERATION_SITE_NAME", "a/b")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("federation.site-name");
        RoleMap m = RoleMap.parse("lessee=lessee, Owner=reader, owner=member, admin=reader");
        assertThat(m.map(List.of("LESSEE", "owner"))).containsExactly("lessee", "member", "reader");
        assertThat(m.map(List.of("admin"))).containsExactly("reader");
        assertThat(RoleMap.parse("none").map(List.of("lessee"))).isEmpty();
        assertThat(RoleMap.parse(RoleMap.DEFAULT).map(List.of("admin", "owner", "member", "reader"))).isEmpty();
    }

    @Test
    void forgedExpiredReplayedAndMisaddressedAssertionsAre401AndChangeNothing() throws Exception {
        String project = a.createProject("fed-probers", null);
        Caller home = caller(a, a.userToken("fed-prober", project, "lessee"));
        AssertionSigner real = a.server().federationSigner();
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        AssertionClaims good = real.claimsFor(home, "b");

        String before = counts(b);
        List<String> bad = new ArrayList<>();
        bad.add(new AssertionSigner("a", SiteKey.generate(), Jsons.newMapper(), CLOCK).sign(good)); // forged: another key as "a"
        bad.add(real.sign(with(good, "a", "b", now.minusSeconds(600), now.minusSeconds(300)))); // expired
        bad.add(real.sign(with(good, "a", "c", now, now.plusSeconds(300)))); // for another site
        bad.add(real.sign(with(good, "a", "a", now, now.plusSeconds(300)))); // for its own site
        bad.add(real.sign(with(good, "a", "b", now, now.plusSeconds(3600)))); // longer than 5 minutes
        bad.add(real.sign(with(good, "a", "b", now.plusSeconds(120), now.plusSeconds(300)))); // issued in the future
        bad.add(new AssertionSigner("zzz", SiteKey.generate(), Jsons.newMapper(), CLOCK).sign(with(good, "zzz", "b", now, now.plusSeconds(300))));
        String[] parts = real.sign(good).split("\\.");
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        bad.add(b64.encodeToString("{\"alg\":\"none\",\"kid\":\"a\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".");
        bad.add(b64.encodeToString("{\"alg\":\"none\",\"kid\":\"a\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + "." + parts[2]);
        bad.add(parts[0] + "." + b64.encodeToString("{\"iss\":\"a\",\"aud\":\"b\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[2]);
        bad.add(real.sign(new AssertionClaims("a", "b", good.subject(), good.projectId(), good.projectName(), good.roles(),
                now, now.plusSeconds(300), "j".repeat(129)))); // a jti longer than the table holds
        bad.add(real.sign(new AssertionClaims("a", "b", good.subject(), good.projectId(), "no/slash", good.roles(),
                now, now.plusSeconds(300), good.jti() + "-slash"))); // a project name no local name could be
                bad.add("not.a.jws");
        bad.add("");
        bad.add("x".repeat(20_000));
        for (String jws : bad) {
            refused(b, jws);
        }
        assertThat(counts(b)).as("refused assertions changed B").isEqualTo(before);

        // A home clock up to 30 s ahead is tolerated.
        b.client().post("/federation/v1/tokens", null, Map.of("assertion",
                real.sign(with(good, "a", "b", now.plusSeconds(20), now.plusSeconds(200))))).expect(201);

        // The good one, once: 201 at B; again at B's second instance on the same database: refused, nothing more made.
        String jws = real.sign(good);
        TestClient.Response first = b.client().post("/federation/v1/tokens", null, Map.of("assertion", jws)).expect(201);
        assertThat(first.header("X-Subject-Token")).isNotBlank();
        assertThat(first.body()).doesNotContain(first.header("X-Subject-Token"));
        JsonNode token = first.json().path("token");
        assertThat(token.path("project").path("name").asText()).isEqualTo("a/fed-probers");
        assertThat(token.path("user").path("name").asText()).isEqualTo("a/" + home.userId());
        assertThat(token.path("roles").toString()).isEqualTo("[\"lessee\"]");
        assertThat(Instant.parse(token.path("expires_at").asText())).isBeforeOrEqualTo(good.expiresAt());
        String afterFirst = counts(b);
        refused(b2, jws);
        refused(b, jws);
        assertThat(counts(b)).isEqualTo(afterFirst);

        // The same fresh assertion to both instances at once: exactly one token.
        String raced = real.sign(real.claimsFor(home, "b"));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> answers = new ArrayList<>();
            for (TestingEsiServer site : List.of(b, b2)) {
                Callable<Integer> send = () -> {
                    go.await();
                    return site.client().post("/federation/v1/tokens", null, Map.of("assertion", raced)).status();
                };
                answers.add(pool.submit(send));
            }
            go.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : answers) {
                statuses.add(f.get());
            }
            assertThat(statuses).containsExactlyInAnyOrder(201, 401);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void removingAPeerEndsItsUsersTokensThere() {
        String project = a.createProject("fed-removed", null);
        Caller home = caller(a, a.userToken("fed-removed-user", project, "lessee"));
        FederationClient.PeerToken t = a.server().federationClient().tokenFor(home, "b");
        b.client().get("/lease/v1/offers", t.token()).expect(200);
        String key = b.client().get("/federation/v1/peers/a", bAdmin).expect(200).json().path("public_key").asText();
        b.client().delete("/federation/v1/peers/a", bAdmin).expect(204);
        try {
            b.client().get("/lease/v1/offers", t.token()).expect(401);
            refused(b, a.server().federationSigner().sign(a.server().federationSigner().claimsFor(home, "b")));
        } finally {
            b.client().post("/federation/v1/peers", bAdmin, Map.of("name", "a", "url", a.url(), "public_key", key)).expect(201);
        }
        // Trusted again: the home site's cached token stays revoked until forgotten; then a fresh exchange works.
        FederationClient client = a.server().federationClient();
        b.client().get("/lease/v1/offers", client.tokenFor(home, "b").token()).expect(401);
        client.forget(home, "b");
        b.client().get("/lease/v1/offers", client.tokenFor(home, "b").token()).expect(200);
    }

    @Test
    void peersAreTheAdminsAndBadInputIsRefused() throws Exception {
        TestClient http = a.client();
        String user = a.userToken("fed-plain", a.createProject("fed-plain", null), "lessee", "owner", "member");
        http.get("/federation/v1/peers", user).expect(403);
        http.get("/federation/v1/peers/b", user).expect(403);
        http.delete("/federation/v1/peers/b", user).expect(403);
        String key = SiteKey.generate().publicKeyText();
        http.post("/federation/v1/peers", user, Map.of("name", "c", "url", "http://192.0.2.1:7777", "public_key", key)).expect(403);
        http.get("/federation/v1/peers", null).expect(401);

        Map<String, Map<String, Object>> badBodies = new LinkedHashMap<>();
        badBodies.put("slash in name", Map.of("name", "c/d", "url", "http://192.0.2.1", "public_key", key));
        badBodies.put("own name", Map.of("name", "a", "url", "http://192.0.2.1", "public_key", key));
        badBodies.put("ftp url", Map.of("name", "c", "url", "ftp://192.0.2.1", "public_key", key));
        badBodies.put("no host", Map.of("name", "c", "url", "http://", "public_key", key));
        badBodies.put("url with query", Map.of("name", "c", "url", "http://192.0.2.1/?x=1", "public_key", key));
        badBodies.put("relative url", Map.of("name", "c", "url", "192.0.2.1", "public_key", key));
        badBodies.put("short key", Map.of("name", "c", "url", "http://192.0.2.1", "public_key", key.substring(0, 40)));
        badBodies.put("not base64", Map.of("name", "c", "url", "http://192.0.2.1", "public_key", "!!!!"));
        badBodies.put("missing key", Map.of("name", "c", "url", "http://192.0.2.1"));
        String before = http.get("/federation/v1/peers", aAdmin).expect(200).body();
        for (var e : badBodies.entrySet()) {
            TestClient.Response r = http.post("/federation/v1/peers", aAdmin, e.getValue());
            assertThat(r.status()).as(e.getKey() + ": " + r.body()).isEqualTo(400);
            assertThat(r.json().path("faultstring").asText()).as(e.getKey()).isNotBlank();
        }
        http.post("/federation/v1/peers", aAdmin, Map.of("name", "b", "url", "http://192.0.2.1", "public_key", key)).expect(409);
        assertThat(http.get("/federation/v1/peers", aAdmin).expect(200).body()).isEqualTo(before);
        http.get("/federation/v1/peers/nope", aAdmin).expect(404);
        http.delete("/federation/v1/peers/nope", aAdmin).expect(404);

        // The key as X.509 SubjectPublicKeyInfo (standard base64) is the same key, stored raw.
        SiteKey other = SiteKey.generate();
        String spki = Base64.getEncoder().encodeToString(SiteKey.fromRaw(other.rawPublicKey()).getEncoded());
        JsonNode created = http.post("/federation/v1/peers", aAdmin, Map.of("name", "c", "url", "https://c.example.org/", "public_key", spki))
                .expect(201).json();
        assertThat(created.path("public_key").asText()).isEqualTo(other.publicKeyText());
        assertThat(created.path("url").asText()).isEqualTo("https://c.example.org");
        assertThat(http.get("/federation/v1/peers", aAdmin).expect(200).json().path("peers").findValuesAsText("name")).contains("b", "c");
        http.delete("/federation/v1/peers/c", aAdmin).expect(204);
        http.get("/federation/v1/peers/c", aAdmin).expect(404);

        // The site's own key: public at /key, private in a 0600 file of the data directory, never in an answer.
        JsonNode own = http.get("/federation/v1/key", null).expect(200).json();
        assertThat(own.path("site").asText()).isEqualTo("a");
        assertThat(Base64.getUrlDecoder().decode(own.path("public_key").asText())).hasSize(32);
        var file = a.dataDir().resolve("federation").resolve("site.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String privateHalf = Files.readString(file).trim().split("\\s+")[0];
        assertThat(http.get("/federation/v1/key", null).body()).doesNotContain(privateHalf);
        assertThat(SiteKey.loadOrCreate(file).publicKeyText()).isEqualTo(own.path("public_key").asText());
    }

    private static AssertionClaims with(AssertionClaims c, String issuer, String audience, Instant iat, Instant exp) {
        return new AssertionClaims(issuer, audience, c.subject(), c.projectId(), c.projectName(), c.roles(), iat, exp,
                c.jti() + "-" + audience + iat.getEpochSecond() + exp.getEpochSecond());
    }

    private static void refused(TestingEsiServer site, String jws) {
        TestClient.Response r = site.client().post("/federation/v1/tokens", null, Map.of("assertion", jws));
        assertThat(r.status()).as("assertion %s", jws.length() > 60 ? jws.substring(0, 60) : jws).isEqualTo(401);
        assertThat(r.json().path("faultstring").asText()).isEqualTo(TokenExchange.REFUSED);
        assertThat(r.header("X-Subject-Token")).isNull();
    }

    /** Rows of every table a refused exchange must leave alone. */
    private static String counts(TestingEsiServer site) {
        return site.server().database().jdbi().withHandle(h -> {
            StringBuilder sb = new StringBuilder();
            for (String table : List.of("project", "esi_user", "role_assignment", "token", "federation_jti",
                    "federation_shadow_project", "federation_shadow_user")) {
                sb.append(table).append('=').append(h.createQuery("select count(*) from " + table).mapTo(Long.class).one()).append(' ');
            }
            return sb.toString();
        });
    }
}
