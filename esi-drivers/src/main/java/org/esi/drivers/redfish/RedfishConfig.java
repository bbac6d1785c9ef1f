package org.esi.drivers.redfish;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.esi.spi.Secret;

/**
 * A node's Redfish driver_info, parsed. Keys and defaults follow Ironic's redfish hardware type so that
 * node definitions carry over unchanged.
 */
public record RedfishConfig(
        URI address,
        Optional<String> systemId,
        Optional<String> username,
        Optional<Secret> password,
        TlsVerification tls,
        AuthType authType) {

    public static final String ADDRESS = "redfish_address";
    public static final String SYSTEM_ID = "redfish_system_id";
    public static final String USERNAME = "redfish_username";
    public static final String PASSWORD = "redfish_password";
    public static final String VERIFY_CA = "redfish_verify_ca";
    public static final String AUTH_TYPE = "redfish_auth_type";

    /** The problems in words, empty when {@link #parse} will succeed. */
    public static List<String> problems(Map<String, Object> info) {
        List<String> problems = new ArrayList<>();
        if (info == null) {
            return List.of("driver_info is missing");
        }
        Object address = info.get(ADDRESS);
        if (address == null || address.toString().isBlank()) {
            problems.add(ADDRESS + " is required");
        } else {
            addressProblem(address.toString()).ifPresent(problems::add);
        }
        Object systemId = info.get(SYSTEM_ID);
        if (systemId != null && !(systemId instanceof String)) {
            problems.add(SYSTEM_ID + " must be a string such as /redfish/v1/Systems/1");
        } else if (systemId != null && ((String) systemId).isBlank()) {
            problems.add(SYSTEM_ID + " must not be empty; leave it out to discover the system");
        }
        Object username = info.get(USERNAME);
        if (username != null && !(username instanceof String)) {
            problems.add(USERNAME + " must be a string");
        }
        Object password = info.get(PASSWORD);
        if (password != null && !(password instanceof String) && !(password instanceof Secret)) {
            problems.add(PASSWORD + " must be a string");
        }
        if (password != null && username == null) {
            problems.add(PASSWORD + " is set but " + USERNAME + " is not");
        }
        verifyProblem(info.get(VERIFY_CA)).ifPresent(problems::add);
        Object auth = info.get(AUTH_TYPE);
        if (auth != null && AuthType.parse(auth.toString()).isEmpty()) {
            problems.add(AUTH_TYPE + " must be one of session, basic, auto (got '" + auth + "')");
        }
        return problems;
    }

    /** Parses driver_info that {@link #problems} accepted; throws with all problems otherwise. */
    public static RedfishConfig parse(Map<String, Object> info) {
        List<String> problems = problems(info);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        Object password = info.get(PASSWORD);
        Optional<Secret> secret = password == null ? Optional.empty()
                : Optional.of(password instanceof Secret s ? s : new Secret(password.toString()));
        Object systemId = info.get(SYSTEM_ID);
        Object auth = info.get(AUTH_TYPE);
        return new RedfishConfig(
                normalizeAddress(info.get(ADDRESS).toString()),
                Optional.ofNullable((String) systemId).map(String::trim).map(RedfishConfig::systemPath),
                Optional.ofNullable((String) info.get(USERNAME)),
                secret,
                verification(info.get(VERIFY_CA)),
                auth == null ? AuthType.AUTO : AuthType.parse(auth.toString()).orElseThrow());
    }

    private static Optional<String> addressProblem(String text) {
        try {
            URI uri = normalizeAddress(text);
            if (uri.getHost() == null || uri.getHost().isBlank()) {
                return Optional.of(ADDRESS + " has no host: '" + text + "'");
            }
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(ADDRESS + " must be an http or https URL (" + e.getMessage() + ")");
        }
    }

    /** Ironic accepts a bare host and means https; anything but http(s) is refused. */
    static URI normalizeAddress(String text) {
        String trimmed = text.trim();
        if (!trimmed.contains("://")) {
            trimmed = "https://" + trimmed;
        }
        try {
            URI uri = new URI(trimmed);
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("scheme '" + scheme + "' is not http or https");
            }
            // Only scheme, host and port matter: Redfish paths are absolute from the service root.
            return new URI(scheme, null, uri.getHost(), uri.getPort(), null, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a URL");
        }
    }

    /** A bare system Id ("1") is taken as a member of the standard Systems collection. */
    private static String systemPath(String id) {
        String path = id.startsWith("/") ? id : "/redfish/v1/Systems/" + id;
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static Optional<String> verifyProblem(Object value) {
        if (value == null || value instanceof Boolean) {
            return Optional.empty();
        }
        String text = value.toString().trim();
        if (booleanWord(text).isPresent()) {
            return Optional.empty();
        }
        Path path = Path.of(text);
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            return Optional.of(VERIFY_CA + " must be true, false or a readable CA bundle file (no file at '" + text + "')");
        }
        return Optional.empty();
    }

    private static TlsVerification verification(Object value) {
        if (value == null) {
            return TlsVerification.SYSTEM;
        }
        if (value instanceof Boolean b) {
            return b ? TlsVerification.SYSTEM : TlsVerification.NONE;
        }
        String text = value.toString().trim();
        return booleanWord(text)
                .map(b -> b ? TlsVerification.SYSTEM : TlsVerification.NONE)
                .orElseGet(() -> TlsVerification.bundle(Path.of(text)));
    }

    private static Optional<Boolean> booleanWord(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> Optional.of(true);
            case "false", "no", "0", "off" -> Optional.of(false);
            default -> Optional.empty();
        };
    }
}
