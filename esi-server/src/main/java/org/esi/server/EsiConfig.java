package org.esi.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Every setting of the service. Built by {@link ConfigLoader} from defaults, an optional
 * {@code esi.properties} file and {@code ESI_*} environment variables, in that order of precedence.
 */
public record EsiConfig(
        String listenAddress,
        int listenPort,
        Optional<String> publicUrl,
        Optional<String> databaseUrl,
        Optional<String> databaseUser,
        Optional<String> databasePassword,
        int databasePoolSize,
        org.esi.persistence.DatabaseTimeouts databaseTimeouts,
        Path dataDir,
        Optional<Path> secretKeyFile,
        Duration tokenLifetime,
        Duration leaseDefaultLength,
        Duration leaseMaxLength,
        Duration leaseEndingSoon,
        Duration powerSyncInterval,
        Optional<Path> policyFile,
        Optional<Path> tlsCert,
        Optional<Path> tlsKey,
        Optional<String> adminPassword,
        java.util.List<org.esi.network.VlanRange> vlanRanges,
        HttpLimits http,
        java.util.OptionalInt consoleGatewayPort,
        org.esi.node.BootChainNetworks bootChainFrom,
        Duration auditRetention,
        /* The cluster autoscaler's externalgrpc listener, when autoscaler.port is set. */
        Optional<org.esi.cluster.autoscaler.AutoscalerSettings> autoscaler,
        /* market.fee-percent in basis points (1/100 of a percent): the operator's share of each settled hold. */
        int marketFeeBasisPoints,
        /* federation.site-name and federation.role-map (docs/federation.md). */
        org.esi.federation.FederationSettings federation) {

    public boolean embeddedDatabase() {
        return databaseUrl.isEmpty();
    }

    public boolean tls() {
        return tlsCert.isPresent();
    }

    /** This site's Ed25519 signing key; every instance of the site must have the same file. */
    public Path federationKeyPath() {
        return dataDir.resolve("federation").resolve("site.key");
    }

    public Path secretKeyPath() {
        return secretKeyFile.orElse(dataDir.resolve("secret.key"));
    }
}
