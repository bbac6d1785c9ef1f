package org.esi.drivers.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import javax.net.ssl.SSLException;
import org.esi.spi.BmcException;
import org.esi.spi.BmcException.Kind;
import org.esi.spi.Secret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP to one BMC: JSON in and out, authentication, and the mapping of failures to {@link BmcException}.
 * Thread-safe. Credentials and the session token live only here and never reach a log line or a message.
 */
final class RedfishClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedfishClient.class);
    static final String SERVICE_ROOT = "/redfish/v1";
    private static final String DEFAULT_SESSIONS = "/redfish/v1/SessionService/Sessions";

    private enum Mode { UNDECIDED, SESSION, BASIC, NONE }

    private final HttpClient http;
    private final RedfishConfig config;
    private final Duration requestTimeout;

    // Guarded by this: the authentication state is shared by the threads using one session.
    private Mode mode = Mode.UNDECIDED;
    private Secret token;
    private String sessionPath;
    private JsonNode root;

    RedfishClient(HttpClient http, RedfishConfig config, Duration requestTimeout) {
        this.http = http;
        this.config = config;
        this.requestTimeout = requestTimeout;
    }

    RedfishConfig config() {
        return config;
    }

    /** The service root, read once; it needs no credentials, so this is also where an unreachable BMC shows. */
    synchronized JsonNode root() throws BmcException {
        if (root == null) {
            RedfishResponse response = exchange("GET", SERVICE_ROOT + "/", null, null, null);
            if (!response.ok()) {
                throw failure("GET", SERVICE_ROOT, response);
            }
            root = response.body();
        }
        return root;
    }

    RedfishResponse get(String path) throws BmcException {
        return checked("GET", path, null, null);
    }

    RedfishResponse post(String path, JsonNode body) throws BmcException {
        return checked("POST", path, body, null);
    }

    RedfishResponse patch(String path, JsonNode body, Optional<String> ifMatch) throws BmcException {
        return checked("PATCH", path, body, ifMatch.orElse(null));
    }

    /** Sends and returns the answer whatever its status, for callers that retry on particular errors. */
    RedfishResponse send(String method, String path, JsonNode body) throws BmcException {
        return authenticated(method, path, body, null);
    }

    RedfishResponse send(String method, String path, JsonNode body, Optional<String> ifMatch) throws BmcException {
        return authenticated(method, path, body, ifMatch.orElse(null));
    }

    private RedfishResponse checked(String method, String path, JsonNode body, String ifMatch) throws BmcException {
        RedfishResponse response = authenticated(method, path, body, ifMatch);
        if (!response.ok()) {
            throw failure(method, path, response);
        }
        return response;
    }

    /** A BmcException for a non-2xx answer, with the BMC's own words. */
    BmcException failure(String method, String path, RedfishResponse response) {
        int status = response.status();
        String what = method + " " + path;
        String detail = scrub(RedfishErrors.summary(response.body(), status));
        return switch (status) {
            case 401 -> new BmcException(Kind.AUTHENTICATION,
                    "the BMC at " + config.address() + " rejected the credentials of user '"
                            + config.username().orElse("") + "' (" + what + ": " + detail + ")");
            case 403 -> new BmcException(Kind.AUTHENTICATION,
                    "user '" + config.username().orElse("") + "' may not " + what + ": " + detail);
            case 405, 501 -> new BmcException(Kind.UNSUPPORTED, "the BMC does not support " + what + ": " + detail);
            default -> new BmcException(Kind.DEVICE_ERROR,
                    "the BMC refused " + what + " with HTTP " + status + ": " + detail);
        };
    }

    private RedfishResponse authenticated(String method, String path, JsonNode body, String ifMatch) throws BmcException {
        Optional<String> auth = authorization(false);
        RedfishResponse response = exchange(method, path, body, ifMatch, auth.orElse(null));
        if (response.status() == 401 && usingSession()) {
            // Sessions expire (idle timeout, BMC reboot): log in again once before calling the credentials bad.
            log.debug("session rejected on {} {}, logging in again", method, path);
            response = exchange(method, path, body, ifMatch, authorization(true).orElse(null));
        }
        return response;
    }

    private synchronized boolean usingSession() {
        return mode == Mode.SESSION;
    }

    /** The header pair to send, as "X-Auth-Token:value" or "Authorization:value". */
    private synchronized Optional<String> authorization(boolean renew) throws BmcException {
        if (renew || mode == Mode.UNDECIDED) {
            login();
        }
        return switch (mode) {
            case SESSION -> Optional.of("X-Auth-Token:" + token.reveal());
            case BASIC -> Optional.of("Authorization:Basic " + Base64.getEncoder().encodeToString(
                    (config.username().orElse("") + ":" + config.password().map(Secret::reveal).orElse(""))
                            .getBytes(StandardCharsets.UTF_8)));
            default -> Optional.empty();
        };
    }

    private void login() throws BmcException {
        token = null;
        if (config.username().isEmpty()) {
            mode = Mode.NONE; // a BMC without authentication (lab emulators)
            return;
        }
        if (config.authType() == AuthType.BASIC) {
            mode = Mode.BASIC;
            return;
        }
        String sessions = sessionsPath();
        ObjectNode credentials = Json.MAPPER.createObjectNode()
                .put("UserName", config.username().get())
                .put("Password", config.password().map(Secret::reveal).orElse(""));
        RedfishResponse response = exchange("POST", sessions, credentials, null, null);
        Optional<String> newToken = response.header("X-Auth-Token").filter(t -> !t.isBlank());
        if (response.ok() && newToken.isPresent()) {
            mode = Mode.SESSION;
            token = new Secret(newToken.get());
            // Some BMCs answer without Location; the body's @odata.id then names the session to delete.
            sessionPath = response.header("Location").map(RedfishClient::pathOf)
                    .or(() -> Json.link(response.body())).orElse(null);
            log.debug("opened a Redfish session on {}", config.address());
            return;
        }
        if (response.status() == 401 || response.status() == 403) {
            throw failure("POST", sessions, response);
        }
        if (config.authType() == AuthType.SESSION) {
            throw new BmcException(Kind.UNSUPPORTED, "the BMC offers no Redfish session (POST " + sessions + " answered HTTP "
                    + response.status() + ": " + scrub(RedfishErrors.summary(response.body(), response.status()))
                    + "); set redfish_auth_type to basic or auto");
        }
        log.info("the BMC at {} offers no session (HTTP {}), using basic authentication", config.address(), response.status());
        mode = Mode.BASIC;
    }

    private String sessionsPath() throws BmcException {
        JsonNode serviceRoot = root();
        return Json.link(serviceRoot.path("Links"), "Sessions").orElse(DEFAULT_SESSIONS);
    }

    /** Location may be absolute (https://bmc/redfish/v1/...) or a path. */
    private static String pathOf(String location) {
        URI uri = URI.create(location.trim());
        return Json.trimSlash(uri.getRawPath() == null ? location : uri.getRawPath());
    }

    private RedfishResponse exchange(String method, String path, JsonNode body, String ifMatch, String auth)
            throws BmcException {
        HttpRequest.Builder request = HttpRequest.newBuilder(config.address().resolve(path))
                .timeout(requestTimeout)
                .header("Accept", "application/json")
                .header("OData-Version", "4.0");
        if (auth != null) {
            int colon = auth.indexOf(':');
            request.header(auth.substring(0, colon), auth.substring(colon + 1));
        }
        if (ifMatch != null) {
            request.header("If-Match", ifMatch);
        }
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            log.debug("{} {} -> {}", method, path, response.statusCode());
            return new RedfishResponse(response.statusCode(), response.headers(), parse(response.body()));
        } catch (HttpTimeoutException e) {
            throw new BmcException(Kind.UNREACHABLE, "the BMC at " + config.address() + " did not answer " + method + " "
                    + path + " in time (" + e.getMessage() + ")", e);
        } catch (ConnectException e) {
            throw new BmcException(Kind.UNREACHABLE, "cannot connect to the BMC at " + config.address() + ": " + e, e);
        } catch (SSLException e) {
            throw new BmcException(Kind.CONFIGURATION, "TLS with the BMC at " + config.address()
                    + " failed (check redfish_verify_ca): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BmcException(Kind.UNREACHABLE, "talking to the BMC at " + config.address() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BmcException(Kind.UNREACHABLE, "interrupted while waiting for the BMC at " + config.address(), e);
        }
    }

    private static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return MissingNode.getInstance(); // some BMCs answer errors with HTML
        }
    }

    /** Removes the password and token from text the BMC wrote, in case it echoes a request back. */
    synchronized String scrub(String text) {
        String out = text;
        if (config.password().isPresent() && !config.password().get().reveal().isEmpty()) {
            out = out.replace(config.password().get().reveal(), "******");
        }
        if (token != null) {
            out = out.replace(token.reveal(), "******");
        }
        return out;
    }

    /** Ends the BMC session, which otherwise counts against the BMC's small session limit until it times out. */
    @Override
    public synchronized void close() {
        if (mode == Mode.SESSION && sessionPath != null) {
            try {
                RedfishResponse response = exchange("DELETE", sessionPath, null, null, "X-Auth-Token:" + token.reveal());
                log.debug("closed the Redfish session on {} (HTTP {})", config.address(), response.status());
            } catch (BmcException e) {
                log.debug("could not close the Redfish session on {}: {}", config.address(), e.getMessage());
            }
        }
        mode = Mode.UNDECIDED;
        token = null;
        sessionPath = null;
    }
}
