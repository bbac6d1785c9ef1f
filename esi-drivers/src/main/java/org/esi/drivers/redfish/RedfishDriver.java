package org.esi.drivers.redfish;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.esi.spi.BmcDriver;
import org.esi.spi.BmcException;
import org.esi.spi.BmcException.Kind;
import org.esi.spi.BmcSession;

/**
 * The {@code redfish} hardware type. driver_info keys follow Ironic's: redfish_address, redfish_system_id,
 * redfish_username, redfish_password, redfish_verify_ca, redfish_auth_type.
 */
public final class RedfishDriver implements BmcDriver {
    /** Bounded so a dead BMC costs a node's worker seconds, not minutes. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final PowerWait powerWait;
    // HttpClients are heavy (a selector thread each) and reusable: one per TLS setup, shared by all nodes.
    private final Map<TlsVerification, HttpClient> clients = new ConcurrentHashMap<>();

    public RedfishDriver() {
        this(CONNECT_TIMEOUT, REQUEST_TIMEOUT, PowerWait.DEFAULT);
    }

    public RedfishDriver(Duration connectTimeout, Duration requestTimeout, PowerWait powerWait) {
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.powerWait = Objects.requireNonNull(powerWait, "powerWait");
    }

    @Override
    public String name() {
        return "redfish";
    }

    @Override
    public List<String> validate(Map<String, Object> driverInfo) {
        return RedfishConfig.problems(driverInfo);
    }

    @Override
    public BmcSession open(Map<String, Object> driverInfo) throws BmcException {
        List<String> problems = validate(driverInfo);
        if (!problems.isEmpty()) {
            throw new BmcException(Kind.CONFIGURATION, "invalid redfish driver_info: " + String.join("; ", problems));
        }
        RedfishConfig config = RedfishConfig.parse(driverInfo);
        return new RedfishSession(new RedfishClient(httpClient(config.tls()), config, requestTimeout), powerWait);
    }

    private HttpClient httpClient(TlsVerification tls) throws BmcException {
        HttpClient existing = clients.get(tls);
        if (existing != null) {
            return existing;
        }
        HttpClient created = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER) // a redirect could carry credentials elsewhere
                .sslContext(TlsContexts.create(tls))
                .build();
        HttpClient raced = clients.putIfAbsent(tls, created);
        return raced == null ? created : raced;
    }
}
