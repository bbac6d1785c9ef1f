package org.esi.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esi.persistence.DatabaseTimeouts;

/**
 * Reads settings: built-in defaults, then the properties file, then {@code ESI_*} environment variables
 * ({@code listen.port} is {@code ESI_LISTEN_PORT}). An unknown key in the file or an unknown
 * {@code ESI_*} variable stops start-up with its name, so a typo never silently means "default".
 */
public final class ConfigLoader {
    /** Every known key with its default ("" = unset). Order is the order of the docs. */
    static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("listen.address", "127.0.0.1");
        DEFAULTS.put("listen.port", "7777");
        DEFAULTS.put("public.url", "");
        DEFAULTS.put("database.url", "");
        DEFAULTS.put("database.user", "");
        DEFAULTS.put("database.password", "");
        DEFAULTS.put("database.pool-size", "16");
        DEFAULTS.put("database.pool-wait", "5s");
        DEFAULTS.put("database.lock-timeout", "5s");
        DEFAULTS.put("database.statement-timeout", "30s");
        DEFAULTS.put("database.idle-in-transaction-timeout", "30s");
        DEFAULTS.put("data.dir", "");
        DEFAULTS.put("secret.key-file", "");
        DEFAULTS.put("token.lifetime", "12h");
        DEFAULTS.put("lease.default-length", "7d");
        DEFAULTS.put("lease.max-length", "21d");
        DEFAULTS.put("lease.ending-soon", "24h");
        DEFAULTS.put("node.power-sync-interval", "60s");
        DEFAULTS.put("policy.file", "");
        DEFAULTS.put("tls.cert", "");
        DEFAULTS.put("tls.key", "");
        DEFAULTS.put("admin.password", "");
        DEFAULTS.put("network.vlan-ranges", "physnet1:100:3999");
        DEFAULTS.put("http.request-read-timeout", "30s");
        DEFAULTS.put("http.max-connections-per-address", "64");
        DEFAULTS.put("console.gateway-port", "0");
        DEFAULTS.put("boot.chain-from", "");
        DEFAULTS.put("audit.retention", "P365D");
        DEFAULTS.put("market.fee-percent", "0");
        // What peers register this site as; every site of a federation needs its own (docs/federation.md).
        DEFAULTS.put("federation.site-name", org.esi.federation.FederationSettings.DEFAULT_SITE_NAME);
        DEFAULTS.put("federation.role-map", org.esi.federation.RoleMap.DEFAULT);
        // How long a federated list waits for each peer (docs/federation.md, "Federated reads").
        DEFAULTS.put("federation.peer-timeout", "2s");
        // The cluster autoscaler's externalgrpc listener: off unless autoscaler.port is set.
        DEFAULTS.put("autoscaler.port", "");
        DEFAULTS.put("autoscaler.listen-address", "");
        DEFAULTS.put("autoscaler.tls-cert", "");
        DEFAULTS.put("autoscaler.tls-key", "");
        DEFAULTS.put("autoscaler.client-ca", "");
        DEFAULTS.put("autoscaler.clients", "");
    }

    /** Variables the CLI and launcher read; they share the ESI_ prefix but are not server settings. */
    static final Set<String> CLIENT_VARIABLES = Set.of("ESI_URL", "ESI_TOKEN", "ESI_CONFIG_DIR", "ESI_CONFIG_FILE",
            "ESI_JAVA_OPTS", "ESI_PROJECT", "ESI_USERNAME", "ESI_PASSWORD", "ESI_WAIT_INTERVAL_MS",
            // The tests' switches (docs/operations.md), exported in shells that also run esi serve.
            "ESI_SKIP_HARDWARE_TESTS", "ESI_SKIP_NETWORK_TESTS", "ESI_SKIP_OPENSTACK_CLIENT_TESTS");

    private static final Pattern DURATION = Pattern.compile("^(\\d+)\\s*(ms|s|m|h|d)$");

    private ConfigLoader() {}

    /** The variable name for a key: {@code lease.max-length} → {@code ESI_LEASE_MAX_LENGTH}. */
    static String envName(String key) {
        return "ESI_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public static EsiConfig load(Optional<Path> file, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        if (file.isPresent()) {
            Properties props = new Properties();
            try (Reader r = Files.newBufferedReader(file.get(), StandardCharsets.UTF_8)) {
                props.load(r);
            } catch (IOException e) {
                throw new ConfigException("Cannot read configuration file " + file.get() + ": " + e.getMessage());
            }
            Set<String> unknown = new TreeSet<>();
            for (String key : props.stringPropertyNames()) {
                if (!DEFAULTS.containsKey(key)) {
                    unknown.add(key);
                } else {
                    values.put(key, props.getProperty(key).trim());
                }
            }
            if (!unknown.isEmpty()) {
                throw new ConfigException("Unknown setting(s) in " + file.get() + ": " + String.join(", ", unknown)
                        + " (known: " + String.join(", ", DEFAULTS.keySet()) + ")");
            }
        }
        Map<String, String> byEnv = new LinkedHashMap<>();
        DEFAULTS.keySet().forEach(k -> byEnv.put(envName(k), k));
        Set<String> unknownEnv = new TreeSet<>();
        env.forEach((name, value) -> {
            if (!name.startsWith("ESI_")) {
                return;
            }
            String key = byEnv.get(name);
            if (key != null) {
                values.put(key, value.trim());
            } else if (!CLIENT_VARIABLES.contains(name)) {
                unknownEnv.add(name);
            }
        });
        if (!unknownEnv.isEmpty()) {
            throw new ConfigException("Unknown ESI_ environment variable(s): " + String.join(", ", unknownEnv)
                    + " (settings: " + String.join(", ", byEnv.keySet()) + ")");
        }
        return build(values, env);
    }

    private static EsiConfig build(Map<String, String> v, Map<String, String> env) {
        Duration defaultLength = duration(v, "lease.default-length");
        Duration maxLength = duration(v, "lease.max-length");
        if (defaultLength.compareTo(maxLength) > 0) {
            throw new ConfigException("lease.default-length (" + defaultLength + ") is longer than lease.max-length (" + maxLength + ")");
        }
        Optional<Path> cert = opt(v, "tls.cert").map(Path::of);
        Optional<Path> key = opt(v, "tls.key").map(Path::of);
        if (cert.isPresent() != key.isPresent()) {
            throw new ConfigException("tls.cert and tls.key must be set together");
        }
        Optional<String> publicUrl = opt(v, "public.url").map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
        publicUrl.ifPresent(u -> {
            if (!u.startsWith("http://") && !u.startsWith("https://")) {
                throw new ConfigException("public.url must start with http:// or https://, got '" + u + "'");
            }
        });
        return new EsiConfig(
                v.get("listen.address"),
                intIn(v, "listen.port", 0, 65535),
                publicUrl,
                opt(v, "database.url"),
                opt(v, "database.user"),
                opt(v, "database.password"),
                intIn(v, "database.pool-size", 2, 500),
                databaseTimeouts(v),
                opt(v, "data.dir").map(Path::of).orElseGet(() -> defaultDataDir(env)),
                opt(v, "secret.key-file").map(Path::of),
                positive(v, "token.lifetime"),
                defaultLength,
                maxLength,
                positive(v, "lease.ending-soon"),
                positive(v, "node.power-sync-interval"),
                opt(v, "policy.file").map(Path::of),
                cert,
                key,
                opt(v, "admin.password"),
                vlanRanges(v.get("network.vlan-ranges")),
                new HttpLimits(positive(v, "http.request-read-timeout"), intIn(v, "http.max-connections-per-address", 1, 100_000)),
                "off".equals(v.get("console.gateway-port")) ? java.util.OptionalInt.empty()
                        : java.util.OptionalInt.of(intIn(v, "console.gateway-port", 0, 65535)),
                bootChainFrom(v.get("boot.chain-from")),
                positive(v, "audit.retention"),
                autoscaler(v),
                feeBasisPoints(v.get("market.fee-percent")),
                federation(v));
    }

    static org.esi.federation.FederationSettings federation(Map<String, String> v) {
        return new org.esi.federation.FederationSettings(
                parse(v, "federation.site-name", s -> new org.esi.federation.FederationSettings(s, org.esi.federation.RoleMap.parse("none")))
                        .siteName(),
                parse(v, "federation.role-map", org.esi.federation.RoleMap::parse),
                atLeastMillisecond(v, "federation.peer-timeout"));
    }

    private static final java.util.List<String> AUTOSCALER_REQUIRED =
            java.util.List.of("autoscaler.tls-cert", "autoscaler.tls-key", "autoscaler.client-ca", "autoscaler.clients");

    /** The autoscaler listener: all of port, certificate, key, client CA and clients, or none of them. */
    static Optional<org.esi.cluster.autoscaler.AutoscalerSettings> autoscaler(Map<String, String> v) {
        if (opt(v, "autoscaler.port").isEmpty()) {
            java.util.List<String> stray = new java.util.ArrayList<>(AUTOSCALER_REQUIRED);
            stray.add("autoscaler.listen-address");
            stray.removeIf(k -> opt(v, k).isEmpty());
            if (!stray.isEmpty()) {
                throw new ConfigException(String.join(", ", stray) + " set but autoscaler.port is not: set autoscaler.port ("
                        + envName("autoscaler.port") + ") to serve the cluster autoscaler, or unset them");
            }
            return Optional.empty();
        }
        java.util.List<String> missing = AUTOSCALER_REQUIRED.stream().filter(k -> opt(v, k).isEmpty()).toList();
        if (!missing.isEmpty()) {
            throw new ConfigException("autoscaler.port is set, so the autoscaler listener also needs "
                    + String.join(", ", missing) + " (" + String.join(", ", missing.stream().map(ConfigLoader::envName).toList()) + ")");
        }
        Map<String, String> clients = parse(v, "autoscaler.clients", org.esi.cluster.autoscaler.AutoscalerSettings::parseClients);
        return Optional.of(new org.esi.cluster.autoscaler.AutoscalerSettings(
                opt(v, "autoscaler.listen-address").orElse(v.get("listen.address")),
                intIn(v, "autoscaler.port", 0, 65535),
                Path.of(v.get("autoscaler.tls-cert")),
                Path.of(v.get("autoscaler.tls-key")),
                Path.of(v.get("autoscaler.client-ca")),
                clients));
    }

    static org.esi.node.BootChainNetworks bootChainFrom(String text) {
        try {
            return org.esi.node.BootChainNetworks.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("Setting boot.chain-from: " + e.getMessage());
        }
    }

    /** {@code physnet:low:high[,physnet:low:high...]}: the VLANs tenant networks are given, per physical network. */
    static java.util.List<org.esi.network.VlanRange> vlanRanges(String text) {
        java.util.List<org.esi.network.VlanRange> out = new java.util.ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String part : text.split(",")) {
            String[] f = part.trim().split(":");
            try {
                if (f.length != 3 || f[0].isBlank()) {
                    throw new IllegalArgumentException("expected physnet:low:high");
                }
                int lo = Integer.parseInt(f[1]);
                int hi = Integer.parseInt(f[2]);
                if (lo < 1 || hi > 4094 || lo > hi) {
                    throw new IllegalArgumentException("VLAN range must lie within 1..4094 with low <= high");
                }
                out.add(new org.esi.network.VlanRange(f[0], lo, hi));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("Setting network.vlan-ranges entry '" + part.trim() + "' is invalid: " + e.getMessage());
            }
        }
        return out;
    }

    private static DatabaseTimeouts databaseTimeouts(Map<String, String> v) {
        // Hikari refuses a pool wait under 250 ms; PostgreSQL counts in whole milliseconds.
        Duration poolWait = positive(v, "database.pool-wait");
        if (poolWait.toMillis() < 250) {
            throw new ConfigException("Setting database.pool-wait must be at least 250ms");
        }
        return new DatabaseTimeouts(poolWait, atLeastMillisecond(v, "database.lock-timeout"),
                atLeastMillisecond(v, "database.statement-timeout"), atLeastMillisecond(v, "database.idle-in-transaction-timeout"));
    }

    private static Duration atLeastMillisecond(Map<String, String> v, String key) {
        Duration d = positive(v, key);
        if (d.toMillis() < 1) {
            throw new ConfigException("Setting " + key + " must be at least 1ms");
        }
        return d;
    }

    /** Root gets a system location the embedded database's unprivileged user can reach; others their XDG dir. */
    static Path defaultDataDir(Map<String, String> env) {
        if ("root".equals(System.getProperty("user.name"))) {
            return Path.of("/var/lib/esi");
        }
        String xdg = env.get("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("esi");
    }

    private static Optional<String> opt(Map<String, String> v, String key) {
        String value = v.get(key);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /** A percentage 0 to 100 with at most 2 fractional digits ("2.5"), as basis points. */
    static int feeBasisPoints(String text) {
        try {
            java.math.BigDecimal d = new java.math.BigDecimal(text.trim());
            if (d.signum() < 0 || d.compareTo(java.math.BigDecimal.valueOf(100)) > 0 || d.stripTrailingZeros().scale() > 2) {
                throw new NumberFormatException();
            }
            return d.movePointRight(2).intValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigException("market.fee-percent must be a percentage from 0 to 100 with at most 2 decimals, got '" + text + "'");
        }
    }

    private static int intIn(Map<String, String> v, String key, int min, int max) {
        return parse(v, key, s -> {
            int n = Integer.parseInt(s);
            if (n < min || n > max) {
                throw new IllegalArgumentException("must be between " + min + " and " + max);
            }
            return n;
        });
    }

    private static Duration positive(Map<String, String> v, String key) {
        Duration d = duration(v, key);
        if (d.isZero() || d.isNegative()) {
            throw new ConfigException("Setting " + key + " must be positive");
        }
        return d;
    }

    private static Duration duration(Map<String, String> v, String key) {
        return parse(v, key, ConfigLoader::parseDuration);
    }

    /** Accepts {@code 90s}, {@code 15m}, {@code 12h}, {@code 7d}, {@code 250ms} or ISO-8601 ({@code PT12H}, {@code P7D}). */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration (use e.g. 30s, 15m, 12h, 7d or PT12H)");
        }
    }

    private static <T> T parse(Map<String, String> v, String key, Function<String, T> parser) {
        String value = v.get(key);
        try {
            return parser.apply(value);
        } catch (RuntimeException e) {
            throw new ConfigException("Setting " + key + " = '" + value + "' is invalid: " + e.getMessage());
        }
    }
}
