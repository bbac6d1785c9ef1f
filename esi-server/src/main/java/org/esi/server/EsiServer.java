package org.esi.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.esi.crypto.SecretBox;
import org.esi.http.Access;
import org.esi.http.BaseUrl;
import org.esi.http.HttpApi;
import org.esi.http.Jsons;
import org.esi.event.EventRoutes;
import org.esi.event.EventStore;
import org.esi.lease.LeaseHandback;
import org.esi.lease.LeaseRoutes;
import org.esi.network.NetworkRoutes;
import org.esi.network.NeutronRoutes;
import org.esi.network.PortService;
import org.esi.network.PortStore;
import org.esi.network.VifRoutes;
import org.esi.notify.Notifier;
import org.esi.notify.WebhookRoutes;
import org.esi.notify.WebhookRules;
import org.esi.notify.WebhookStore;
import org.esi.network.NetworkRules;
import org.esi.network.NetworkService;
import org.esi.network.NetworkStore;
import org.esi.network.SwitchOps;
import org.esi.spi.net.SwitchDriver;
import org.esi.lease.LeaseRules;
import org.esi.lease.LeaseService;
import org.esi.lease.LeaseStore;
import org.esi.lease.LeaseTimes;
import org.esi.lease.LeasingNodeRoutes;
import org.esi.lease.Lifecycle;
import org.esi.lease.LifecycleScheduler;
import org.esi.identity.IdentityRules;
import org.esi.identity.IdentityService;
import org.esi.identity.IdentityStore;
import org.esi.identity.Authenticator;
import org.esi.ui.UiRoutes;
import org.esi.identity.KeystoneRoutes;
import org.esi.identity.LoginThrottle;
import org.esi.identity.PasswordHasher;
import org.esi.identity.TokenService;
import org.esi.drivers.fake.FakeHardwareDriver;
import org.esi.drivers.ipmi.IpmiDriver;
import org.esi.drivers.redfish.RedfishDriver;
import org.esi.node.DriverRegistry;
import org.esi.node.FakeMachineStates;
import org.esi.node.HardwareRoutes;
import org.esi.node.NodeHandback;
import org.esi.node.NodeTasks;
import org.esi.node.NodeRoutes;
import org.esi.node.NodeRules;
import org.esi.node.NodeService;
import org.esi.node.NodeStore;
import org.esi.node.PortRoutes;
import org.esi.node.PxeBoot;
import org.esi.node.PxeBootRoutes;
import org.esi.persistence.Database;
import org.esi.persistence.EmbeddedPostgres;
import org.esi.policy.Policy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every component by hand from the configuration, in dependency order,
 * and closes them in reverse. Tests start it the same way (see {@code TestingEsiServer}).
 */
public final class EsiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EsiServer.class);

    private final EsiConfig config;
    private final EmbeddedPostgres embedded;
    private final Database database;
    private final Javalin app;
    private final Optional<Path> generatedAdminPassword;
    private final IdentityService identity;
    private final TokenService tokens;
    private final List<HttpApi.RouteSpec> routes;
    private final LifecycleScheduler scheduler;
    private final LeaseService leases;
    private final NodeTasks nodeTasks;
    private final FakeHardwareDriver fakeHardware;
    private final Notifier notifier;
    private final org.esi.console.ConsoleGateway consoleGateway;
    private org.esi.audit.AuditLoop auditLoop;
    private org.esi.market.HoldExpiry holdExpiry;
    private org.esi.market.BidMatcher bidMatcher;
    private org.esi.cluster.PoolReconciler poolReconciler;
    /** The cluster autoscaler's externalgrpc listener, when autoscaler.port is set. */
    private org.esi.cluster.autoscaler.AutoscalerServer autoscaler;
    private org.esi.federation.FederationClient federationClient;
    private org.esi.federation.AssertionSigner federationSigner;
    /** BMC operations one instance runs at once; more wait their turn (bounded threads, bounded processes). */
    static final int HARDWARE_CONCURRENCY = 64;

    private EsiServer(EsiConfig config, EmbeddedPostgres embedded, Database database, Javalin app,
                      Optional<Path> generatedAdminPassword, IdentityService identity, TokenService tokens,
                      List<HttpApi.RouteSpec> routes, LifecycleScheduler scheduler, LeaseService leases, NodeTasks nodeTasks,
                      FakeHardwareDriver fakeHardware, Notifier notifier, org.esi.console.ConsoleGateway consoleGateway) {
        this.notifier = notifier;
        this.consoleGateway = consoleGateway;
        this.nodeTasks = nodeTasks;
        this.fakeHardware = fakeHardware;
        this.routes = routes;
        this.scheduler = scheduler;
        this.leases = leases;
        this.config = config;
        this.embedded = embedded;
        this.database = database;
        this.app = app;
        this.generatedAdminPassword = generatedAdminPassword;
        this.identity = identity;
        this.tokens = tokens;
    }

    /** Options that exist for tests and benchmarks, never read from configuration. */
    public record Tuning(Clock clock, int passwordIterations, FakeHardwareDriver fakeHardware, List<SwitchDriver> switchDrivers) {
        public Tuning(Clock clock, int passwordIterations) {
            this(clock, passwordIterations, new FakeHardwareDriver(clock), SwitchDrivers.standard());
        }

        public Tuning(Clock clock, int passwordIterations, FakeHardwareDriver fakeHardware) {
            this(clock, passwordIterations, fakeHardware, SwitchDrivers.standard());
        }

        public static Tuning production() {
            return new Tuning(Clock.systemUTC(), 210_000);
        }
    }

    public static EsiServer start(EsiConfig config) throws IOException {
        return start(config, Tuning.production());
    }

    public static EsiServer start(EsiConfig config, Tuning tuning) throws IOException {
        Clock clock = tuning.clock();
        Map<String, String> rules = new LinkedHashMap<>();
        rules.putAll(IdentityRules.defaults());
        rules.putAll(NodeRules.defaults());
        rules.putAll(LeaseRules.defaults());
        rules.putAll(NetworkRules.defaults());
        rules.putAll(WebhookRules.defaults());
        rules.putAll(org.esi.console.ConsoleRules.defaults());
        rules.putAll(org.esi.audit.AuditRules.defaults());
        rules.putAll(org.esi.cluster.ClusterRules.defaults());
        rules.putAll(org.esi.market.MarketRules.defaults());
        rules.putAll(org.esi.quota.QuotaRules.defaults());
        rules.putAll(org.esi.federation.FederationRules.defaults());
        Policy policy = Policy.load(rules, config.policyFile().orElse(null));

        Files.createDirectories(config.dataDir());
        EmbeddedPostgres embedded = null;
        Database database;
        if (config.embeddedDatabase()) {
            embedded = EmbeddedPostgres.start(config.dataDir());
            database = Database.connect(embedded.jdbcUrl(EmbeddedPostgres.DEFAULT_DATABASE), Optional.of(embedded.user()),
                    Optional.of(embedded.password()), config.databasePoolSize(), config.databaseTimeouts());
        } else {
            database = Database.connect(jdbcUrl(config.databaseUrl().get()), config.databaseUser(), config.databasePassword(),
                    config.databasePoolSize(), config.databaseTimeouts());
        }
        LifecycleScheduler scheduler = null;
        NodeTasks nodeTasks = null;
        Notifier notifier = null;
        org.esi.console.ConsoleGateway consoleGateway = null;
        org.esi.audit.AuditLoop auditLoop = null;
        org.esi.market.HoldExpiry holdExpiry = null;
        org.esi.market.BidMatcher bidMatcher = null;
        org.esi.cluster.PoolReconciler poolReconciler = null;
        org.esi.cluster.autoscaler.AutoscalerServer autoscaler = null;
        try {
            ObjectMapper json = Jsons.newMapper();
            SecretBox secrets = SecretBox.loadOrCreate(config.secretKeyPath());
            IdentityStore identityStore = new IdentityStore(database.jdbi());
            TokenService tokens = new TokenService(identityStore, clock, config.tokenLifetime());
            IdentityService identity = new IdentityService(identityStore, new PasswordHasher(tuning.passwordIterations()), tokens);
            Optional<Path> generated = Bootstrap.ensureAdmin(identity, config.adminPassword(), config.dataDir());
            tokens.purgeExpired();

            BaseUrl baseUrl = new BaseUrl(config.publicUrl());
            Javalin app = HttpServerFactory.create(config, json);
            HttpApi api = new HttpApi(json, policy, tokens);
            var auditStore = new org.esi.audit.AuditStore(database.jdbi());
            api.audit(new org.esi.audit.RequestAuditor(auditStore, clock));
            new org.esi.audit.AuditRoutes(auditStore, baseUrl).register(api);
            auditLoop = new org.esi.audit.AuditLoop(auditStore, clock, config.auditRetention());
            api.get("/", Access.anonymous(), call -> call.ctx().json(RootDocument.body(baseUrl.of(call.ctx()))));
            Authenticator authenticator = new Authenticator(identity, tokens, 
                    new LoginThrottle(database.jdbi(), clock, 10, 30, Duration.ofMinutes(5)));
            new KeystoneRoutes(identity, tokens, authenticator, baseUrl, List.of(
                    new KeystoneRoutes.CatalogEntry("identity", "keystone", "/identity/v3"),
                    new KeystoneRoutes.CatalogEntry("baremetal", "ironic", "/baremetal"),
                    new KeystoneRoutes.CatalogEntry("lease", "esi-leap", "/lease"),
                    new KeystoneRoutes.CatalogEntry("network", "neutron", "/network"))).register(api);
            new UiRoutes(authenticator, tokens, clock).register(api);
            var federationStore = new org.esi.federation.FederationStore(database.jdbi());
            String siteName = config.federation().siteName();
            var siteKey = org.esi.federation.SiteKey.loadOrCreate(config.federationKeyPath());
            var federationSigner = new org.esi.federation.AssertionSigner(siteName, siteKey, json, clock);
            var tokenExchange = new org.esi.federation.TokenExchange(
                    new org.esi.federation.AssertionVerifier(siteName, federationStore, json, clock), federationStore, identityStore,
                    tokens, config.federation().roleMap(), clock);
            new org.esi.federation.FederationRoutes(siteName, siteKey, federationStore, tokenExchange, clock).register(api);
            var federationClient = new org.esi.federation.FederationClient(federationStore, federationSigner,
                    java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                            .followRedirects(java.net.http.HttpClient.Redirect.NEVER).build(),
                    json, clock, Duration.ofSeconds(10));
            var peerCalls = new org.esi.federation.PeerCalls(siteName, federationStore, federationClient,
                    java.net.http.HttpClient.newBuilder().connectTimeout(config.federation().peerTimeout())
                            .followRedirects(java.net.http.HttpClient.Redirect.NEVER).build(),
                    json, config.federation().peerTimeout(), java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            LeaseStore leaseStore = new LeaseStore(database.jdbi(), json);
            NodeStore nodeStore = new NodeStore(database.jdbi(), json);
            tuning.fakeHardware().keepStateIn(new FakeMachineStates(database.jdbi(), clock));
            DriverRegistry drivers = new DriverRegistry(List.of(tuning.fakeHardware(), new IpmiDriver(), new RedfishDriver()));
            NodeService nodes = new NodeService(nodeStore, identity, drivers, secrets, json, clock, leaseStore::hasLiveBookings);
            NodeRoutes nodeRoutes = new NodeRoutes(nodes, baseUrl);
            nodeRoutes.register(api);
            new PortRoutes(nodes, baseUrl, clock).register(api);
            new org.esi.node.DriverRoutes(drivers, baseUrl).register(api);
            EventStore events = new EventStore(database.jdbi());
            // Nodes reach the service at its public URL; without one, at the address it listens on (read once started).
            java.util.function.Supplier<String> nodeFacingUrl = () -> config.publicUrl().orElseGet(() -> localUrl(config, app.port()));
            PxeBoot pxe = new PxeBoot(nodeStore, clock, nodeFacingUrl);
            org.esi.agent.Agents agents = new org.esi.agent.Agents(nodes, drivers, pxe, secrets, json, clock, baseUrl,
                    config.dataDir().resolve("agent"), nodeFacingUrl);
            agents.register(api);
            new PxeBootRoutes(pxe, agents.inBand(), config.bootChainFrom(), nodeFacingUrl).register(api);
            nodeTasks = new NodeTasks(nodeStore, nodes, drivers, events, pxe, agents.inBand(), clock, HARDWARE_CONCURRENCY,
                    config.powerSyncInterval());
            new HardwareRoutes(nodes, nodeRoutes, drivers, nodeTasks, clock).register(api);
            NodeHandback handback = new NodeHandback(nodeStore, nodes, drivers, nodeTasks, clock, Duration.ofSeconds(20));

            NetworkService networks = new NetworkService(new NetworkStore(database.jdbi(), json), nodes,
                    new SwitchOps(tuning.switchDrivers(), database.jdbi(), secrets, 3, Duration.ofMillis(200)), secrets,
                    config.vlanRanges(), clock);
            new NetworkRoutes(networks, identity).register(api);
            PortService networkPorts = new PortService(new PortStore(database.jdbi(), json), networks, clock);
            new NeutronRoutes(networks, networkPorts, identity, baseUrl).register(api);
            new VifRoutes(networkPorts).register(api);

            var consoleTokens = new org.esi.console.ConsoleTokens(database.jdbi(), clock);
            var consoleBridge = new org.esi.console.ConsoleBridge(nodes, drivers);
            var consoleAdmission = new org.esi.console.ConsoleAdmission(nodes, policy, tokens, consoleTokens, consoleBridge);
            if (config.consoleGatewayPort().isPresent()) {
                consoleGateway = org.esi.console.ConsoleGateway.start(consoleAdmission, consoleBridge, config.listenAddress(),
                        config.consoleGatewayPort().getAsInt(), Duration.ofSeconds(10));
            }
            var gateway = Optional.ofNullable(consoleGateway);
            new org.esi.console.ConsoleApi(nodes, consoleTokens, baseUrl,
                    () -> gateway.map(g -> java.util.OptionalInt.of(g.port())).orElse(java.util.OptionalInt.empty())).register(api);

            LeaseHandback leaseHandback = (node, lessee) -> {
                consoleTokens.revokeNode(node); // first: the lessee is off the node, so are its console tokens
                networks.detachAll(node, lessee);
                handback.handBack(node);
            };
            WebhookStore webhooks = new WebhookStore(database.jdbi());
            notifier = new Notifier(webhooks, secrets, json, clock, config.leaseEndingSoon());
            new WebhookRoutes(webhooks, secrets, clock, baseUrl).register(api);
            var lateListeners = new org.esi.event.LateListeners();
            var market = new org.esi.market.MarketService(new org.esi.market.MarketStore(database.jdbi()), clock,
                    config.marketFeeBasisPoints(), events, notifier);
            var billing = new org.esi.market.LeaseCharges(market);
            Lifecycle lifecycle = new Lifecycle(leaseStore, nodeStore, events, leaseHandback, clock, List.of(notifier, lateListeners),
                    org.esi.audit.SystemAudit.into(auditStore, clock), billing);
            var quotas = new org.esi.quota.QuotaService(new org.esi.quota.QuotaStore(database.jdbi()), clock);
            LeaseService leases = new LeaseService(leaseStore, nodes, identity, events, lifecycle, clock,
                    config.leaseDefaultLength(), config.leaseMaxLength(), billing, quotas);
            new LeaseRoutes(leases, baseUrl, clock, peerCalls).register(api);
            new LeasingNodeRoutes(leases, baseUrl, clock).register(api);
            new org.esi.market.MarketRoutes(market, identity, baseUrl).register(api);
            new org.esi.market.ReportRoutes(new org.esi.market.MarketReports(database.jdbi()), market, identity, clock).register(api);
            new org.esi.quota.QuotaRoutes(quotas, identity, baseUrl, clock).register(api);
            holdExpiry = new org.esi.market.HoldExpiry(market, clock);
            var bidStore = new org.esi.market.BidStore(database.jdbi());
            var bidEvents = new org.esi.market.BidEvents(events);
            var bids = new org.esi.market.BidService(bidStore, bidEvents, leases, clock);
            new org.esi.market.BidRoutes(bids, baseUrl).register(api);
            bidMatcher = new org.esi.market.BidMatcher(bidStore, bidEvents, leases, json, clock);
            lateListeners.add(bidMatcher);
            new EventRoutes(events, baseUrl, p -> identity.findProject(p).map(org.esi.identity.Project::id),
                    LeaseTimes::parse, LeaseTimes::format).register(api);
            scheduler = new LifecycleScheduler(leaseStore, lifecycle, clock, 4, database::dedicatedConnection);
            var pools = new org.esi.cluster.PoolService(new org.esi.cluster.PoolStore(database.jdbi(), json), leases, clock,
                    config.leaseMaxLength());
            var openshiftStore = new org.esi.cluster.openshift.OpenShiftStore(database.jdbi());
            var assistedHttp = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                    .followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
            var openshiftMembers = new org.esi.cluster.openshift.OpenShiftMembers(openshiftStore, nodeStore, secrets,
                    new org.esi.cluster.openshift.SsoTokens(assistedHttp, json, java.time.InstantSource.system(), Duration.ofSeconds(20)),
                    assistedHttp, json, Duration.ofSeconds(20), java.time.InstantSource.system());
            new org.esi.cluster.PoolRoutes(pools, networks, clock,
                    new org.esi.cluster.openshift.OpenShiftOption(openshiftStore, secrets, json)).register(api);
            poolReconciler = new org.esi.cluster.PoolReconciler(pools, nodeTasks, networks, events, clock, openshiftMembers);
            lateListeners.add(poolReconciler);
            if (config.autoscaler().isPresent()) {
                // Before the HTTP listener: a missing certificate, key or CA stops the start with the setting's name.
                autoscaler = org.esi.cluster.autoscaler.AutoscalerServer.start(config.autoscaler().get(),
                        new org.esi.cluster.autoscaler.PoolAutoscaler(pools, clock));
            }

            api.install(app);
            new org.esi.console.ConsoleRoutes(consoleAdmission, consoleBridge).install(app);
            app.start(config.listenAddress(), config.listenPort());
            nodeTasks.start();
            scheduler.start();
            notifier.start();
            auditLoop.start();
            poolReconciler.start();
            holdExpiry.start();
            bidMatcher.start();
            EsiServer started = new EsiServer(config, embedded, database, app, generated, identity, tokens, api.routes(), scheduler,
                    leases, nodeTasks, tuning.fakeHardware(), notifier, consoleGateway);
            started.auditLoop = auditLoop;
            started.holdExpiry = holdExpiry;
            started.bidMatcher = bidMatcher;
            started.poolReconciler = poolReconciler;
            started.autoscaler = autoscaler;
            started.federationClient = federationClient;
            started.federationSigner = federationSigner;
            return started;
        } catch (RuntimeException | IOException e) {
            if (scheduler != null) {
                scheduler.close();
            }
            if (nodeTasks != null) {
                nodeTasks.close();
            }
            if (notifier != null) {
                notifier.close();
            }
            if (consoleGateway != null) {
                consoleGateway.close();
            }
            if (auditLoop != null) {
                auditLoop.close();
            }
            if (holdExpiry != null) {
                holdExpiry.close();
            }
            if (bidMatcher != null) {
                bidMatcher.close();
            }
            if (poolReconciler != null) {
                poolReconciler.close();
            }
            if (autoscaler != null) {
                autoscaler.close();
            }
            database.close();
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /** Accepts a JDBC URL or a libpq-style {@code postgresql://} URL. */
    static String jdbcUrl(String url) {
        if (url.startsWith("jdbc:")) {
            return url;
        }
        if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
            return "jdbc:postgresql://" + url.substring(url.indexOf("://") + 3);
        }
        throw new ConfigException("database.url must be a jdbc:postgresql:// or postgresql:// URL");
    }

    public int port() {
        return app.port();
    }

    public String url() {
        return localUrl(config, port());
    }

    private static String localUrl(EsiConfig config, int port) {
        return (config.tls() ? "https" : "http") + "://" + hostForUrl(config.listenAddress()) + ":" + port;
    }

    private static String hostForUrl(String address) {
        if (address.equals("0.0.0.0") || address.equals("::")) {
            return "127.0.0.1";
        }
        return address.contains(":") ? "[" + address + "]" : address;
    }

    public Optional<Path> generatedAdminPassword() {
        return generatedAdminPassword;
    }

    public Database database() {
        return database;
    }

    public EsiConfig config() {
        return config;
    }

    public IdentityService identity() {
        return identity;
    }

    /** Every route with its declared access, for tests that must cover all of them. */
    public List<HttpApi.RouteSpec> routes() {
        return routes;
    }

    public TokenService tokens() {
        return tokens;
    }

    public org.esi.market.BidMatcher bidMatcher() {
        return bidMatcher;
    }

    public org.esi.cluster.PoolReconciler poolReconciler() {
        return poolReconciler;
    }

    public LifecycleScheduler scheduler() {
        return scheduler;
    }

    /** The fake-hardware driver this server uses (demos and tests). */
    public FakeHardwareDriver fakeHardware() {
        return fakeHardware;
    }

    public LeaseService leases() {
        return leases;
    }

    /** The audit trail's housekeeping (retention purge), for tests that run a round now. */
    public org.esi.audit.AuditLoop auditLoop() {
        return auditLoop;
    }

    /** Signs assertions for this site's callers and exchanges them for tokens at peers (docs/federation.md). */
    public org.esi.federation.FederationClient federationClient() {
        return federationClient;
    }

    /** This site's assertion signer, for tests that craft assertions. */
    public org.esi.federation.AssertionSigner federationSigner() {
        return federationSigner;
    }

    /** The autoscaler listener's bound port, when it runs. */
    public java.util.OptionalInt autoscalerPort() {
        return autoscaler == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(autoscaler.port());
    }

    @Override
    public void close() {
        if (autoscaler != null) {
            autoscaler.close();
        }
        poolReconciler.close();
        bidMatcher.close();
        holdExpiry.close();
        auditLoop.close();
        scheduler.close();
        nodeTasks.close();
        notifier.close();
        if (consoleGateway != null) {
            consoleGateway.close();
        }
        try {
            app.stop();
        } catch (RuntimeException e) {
            log.warn("HTTP server did not stop cleanly", e);
        }
        database.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
