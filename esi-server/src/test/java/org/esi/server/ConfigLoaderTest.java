package org.esi.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreTheDocumentedOnes() {
        EsiConfig c = ConfigLoader.load(Optional.empty(), Map.of());
        assertThat(c.listenAddress()).isEqualTo("127.0.0.1");
        assertThat(c.listenPort()).isEqualTo(7777);
        assertThat(c.embeddedDatabase()).isTrue();
        assertThat(c.tokenLifetime()).isEqualTo(Duration.ofHours(12));
        assertThat(c.leaseDefaultLength()).isEqualTo(Duration.ofDays(7));
        assertThat(c.leaseMaxLength()).isEqualTo(Duration.ofDays(21));
    }

    @Test
    void databaseWaitsAreBoundedByDefaultAndRefuseNonsense() {
        EsiConfig c = ConfigLoader.load(Optional.empty(), Map.of());
        assertThat(c.databaseTimeouts()).isEqualTo(org.esi.persistence.DatabaseTimeouts.DEFAULTS);
        assertThat(ConfigLoader.load(Optional.empty(), Map.of("ESI_DATABASE_LOCK_TIMEOUT", "250ms")).databaseTimeouts().lockWait())
                .isEqualTo(Duration.ofMillis(250));
        assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("ESI_DATABASE_POOL_WAIT", "100ms")))
                .hasMessageContaining("database.pool-wait");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("ESI_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", "0s")))
                .hasMessageContaining("database.idle-in-transaction-timeout");
    }

    @Test
    void theMarketFeeIsAPercentageOfAtMostTwoDecimals() {
        assertThat(ConfigLoader.load(Optional.empty(), Map.of()).marketFeeBasisPoints()).isZero();
        assertThat(ConfigLoader.load(Optional.empty(), Map.of("ESI_MARKET_FEE_PERCENT", "2.5")).marketFeeBasisPoints()).isEqualTo(250);
        for (String bad : java.util.List.of("-1", "100.01", "0.001", "two", "")) {
            assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("ESI_MARKET_FEE_PERCENT", bad)))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("market.fee-percent");
        }
    }

    @Test
    void environmentOverridesTheFile() throws Exception {
        Path file = Files.writeString(dir.resolve("esi.properties"), "listen.port=8000\ntoken.lifetime=PT1H\nlease.max-length=30d\n");
        EsiConfig c = ConfigLoader.load(Optional.of(file), Map.of("ESI_LISTEN_PORT", "9000"));
        assertThat(c.listenPort()).isEqualTo(9000);
        assertThat(c.tokenLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(c.leaseMaxLength()).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void unknownKeysStopStartUpWithTheirName() throws Exception {
        Path file = Files.writeString(dir.resolve("esi.properties"), "listen.prot=8000\n");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("listen.prot");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("ESI_LISTEN_PROT", "1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ESI_LISTEN_PROT");
        // The client's own variables share the prefix and are not server settings.
        ConfigLoader.load(Optional.empty(), Map.of("ESI_URL", "http://x", "ESI_TOKEN", "t"));
    }

    @Test
    void badValuesNameTheSetting() {
        assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("ESI_LISTEN_PORT", "seventy")))
                .hasMessageContaining("listen.port");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("ESI_TOKEN_LIFETIME", "forever")))
                .hasMessageContaining("token.lifetime");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("ESI_LEASE_DEFAULT_LENGTH", "30d")))
                .hasMessageContaining("lease.default-length");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("ESI_TLS_CERT", "/x.pem")))
                .hasMessageContaining("tls.key");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("ESI_NETWORK_VLAN_RANGES", "physnet1:10:5000")))
                .hasMessageContaining("network.vlan-ranges");
    }

    @Test
    void durationsInEitherForm() {
        assertThat(ConfigLoader.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(ConfigLoader.parseDuration("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(ConfigLoader.parseDuration("PT12H")).isEqualTo(Duration.ofHours(12));
    }

    @Test
    void durationsInEveryDocumentedSpelling() {
        assertThat(ConfigLoader.load(Optional.empty(), Map.of("ESI_TOKEN_LIFETIME", "12h")).tokenLifetime()).isEqualTo(Duration.ofHours(12));
        assertThat(ConfigLoader.load(Optional.empty(), Map.of("ESI_TOKEN_LIFETIME", "PT12H")).tokenLifetime()).isEqualTo(Duration.ofHours(12));
        assertThat(ConfigLoader.load(Optional.empty(), Map.of("ESI_LEASE_MAX_LENGTH", "7d")).leaseMaxLength()).isEqualTo(Duration.ofDays(7));
        assertThat(ConfigLoader.load(Optional.empty(), Map.of("ESI_LEASE_MAX_LENGTH", "P7D")).leaseMaxLength()).isEqualTo(Duration.ofDays(7));
        assertThat(ConfigLoader.parseDuration("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(ConfigLoader.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        for (String bad : new String[] {"", "12", "h", "12 hours", "-5h", "0s", "99999999999999999999d", "P", "12x"}) {
            assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("ESI_TOKEN_LIFETIME", bad)))
                    .as("token.lifetime = '%s'", bad).isInstanceOf(ConfigException.class).hasMessageContaining("token.lifetime");
        }
    }

    @Test
    void portsOutsideTheRangeAreRefused() {
        assertThat(ConfigLoader.load(Optional.empty(), Map.of("ESI_LISTEN_PORT", "0")).listenPort()).isZero();
        assertThat(ConfigLoader.load(Optional.empty(), Map.of("ESI_LISTEN_PORT", "65535")).listenPort()).isEqualTo(65535);
        for (String bad : new String[] {"65536", "-1", "", "80.5", "0x50", "99999999999"}) {
            assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("ESI_LISTEN_PORT", bad)))
                    .as("listen.port = '%s'", bad).isInstanceOf(ConfigException.class).hasMessageContaining("listen.port");
        }
    }

    @Test
    void fileValuesAreCheckedAndNamedToo() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.properties"), "token.lifetime=soon\n");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of())).hasMessageContaining("token.lifetime").hasMessageContaining("soon");
        // ...but the environment wins, so a bad file value overridden by a good variable is fine.
        assertThat(ConfigLoader.load(Optional.of(file), Map.of("ESI_TOKEN_LIFETIME", "3h")).tokenLifetime()).isEqualTo(Duration.ofHours(3));
        Path several = Files.writeString(dir.resolve("several.properties"), "listen.port=7000\nlisten.prot=1\ntoken.lifetim=2h\n");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(several), Map.of())).hasMessageContaining("listen.prot");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(dir.resolve("missing.properties")), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("missing.properties");
    }
}
