package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A small JSON-over-HTTP client for the ESI server: adds the auth and Ironic microversion
 * headers, turns error bodies into {@link CliException}s, follows {@code next} links. It never
 * prints or logs requests, so the token cannot leak through it.
 */
public final class EsiClient {
  /** Ironic's microversion the commands are written against (1.65 added lessee). */
  static final String IRONIC_VERSION = "1.78";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A reply: status, headers and the parsed body (NullNode when empty). */
  public record Response(int status, HttpHeaders headers, JsonNode body) {}

  private final String baseUrl;
  private final String token;
  private final HttpClient http;

  public EsiClient(String baseUrl, String token, boolean insecure) {
    this.baseUrl = baseUrl.replaceAll("/+$", "");
    this.token = token;
    HttpClient.Builder b = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10));
    if (insecure) {
      // Self-signed certificates: trust any certificate and skip the host-name check. The
      // JDK client reads the host-name switch from a system property; this is a one-shot CLI process.
      System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
      b.sslContext(trustAll());
    }
    this.http = b.build();
  }

  public String baseUrl() {
    return baseUrl;
  }

  public JsonNode get(String path) {
    return send("GET", path, null).body();
  }

  public JsonNode post(String path, JsonNode body) {
    return send("POST", path, body).body();
  }

  public JsonNode patch(String path, JsonNode body) {
    return send("PATCH", path, body).body();
  }

  public JsonNode put(String path, JsonNode body) {
    return send("PUT", path, body).body();
  }

  public JsonNode delete(String path) {
    return send("DELETE", path, null).body();
  }

  /** Sends and fails with the server's message on any status of 400 or more. */
  public Response send(String method, String path, JsonNode body) {
    return send(method, path, body, Map.of());
  }

  public Response send(String method, String path, JsonNode body, Map<String, String> extraHeaders) {
    Response r = exchange(method, path, body, extraHeaders);
    if (r.status() >= 400) {
      throw new CliException(ApiErrors.message(r.status(), r.body().isTextual() ? r.body().asText() : r.body().toString()), r.status());
    }
    return r;
  }

  /** A GET of a non-JSON representation ({@code accept}, e.g. text/csv): the body as it came; errors as in {@link #send}. */
  public String text(String path, String accept) {
    HttpResponse<String> r = raw("GET", path, null, Map.of("Accept", accept));
    if (r.statusCode() >= 400) {
      JsonNode body = parse(r.body());
      throw new CliException(ApiErrors.message(r.statusCode(), body.isTextual() ? body.asText() : body.toString()), r.statusCode());
    }
    return r.body();
  }

  /** Status of a GET without failing on error statuses (used to probe which APIs the server offers). */
  public int probe(String path) {
    return exchange("GET", path, null, Map.of()).status();
  }

  /**
   * Every item of a collection: reads {@code key} from each page and follows the envelope's
   * {@code next} link until there is none (only the link's path and query are used, against our
   * base URL, so a server behind a proxy that names itself differently still works).
   */
  public List<JsonNode> listAll(String path, String key, boolean followNext) {
    List<JsonNode> items = new ArrayList<>();
    String next = path;
    int pages = 0;
    while (next != null) {
      JsonNode page = get(next);
      page.path(key).forEach(items::add);
      next = null;
      // Ironic and ESI-Leap put "next" in the envelope, Keystone under "links".
      JsonNode link = page.has("next") ? page.path("next") : page.path("links").path("next");
      if (followNext && link.isTextual() && !link.asText().isBlank() && ++pages < 10_000) {
        URI u = URI.create(link.asText());
        next = u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
      }
    }
    return items;
  }

  private Response exchange(String method, String path, JsonNode body, Map<String, String> extraHeaders) {
    HttpResponse<String> resp = raw(method, path, body, extraHeaders);
    return new Response(resp.statusCode(), resp.headers(), parse(resp.body()));
  }

  /** One request; an {@code Accept} among {@code extraHeaders} replaces the default application/json. */
  private HttpResponse<String> raw(String method, String path, JsonNode body, Map<String, String> extraHeaders) {
    HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(120))
        .header("Accept", extraHeaders.getOrDefault("Accept", "application/json"))
        .header("User-Agent", "esi-cli");
    if (token != null && !token.isBlank()) {
      rb.header("X-Auth-Token", token);
    }
    if (path.startsWith("/baremetal")) {
      rb.header("X-OpenStack-Ironic-API-Version", IRONIC_VERSION);
    }
    extraHeaders.forEach((k, v) -> {
      if (!k.equals("Accept")) {
        rb.header(k, v);
      }
    });
    if (body != null) {
      rb.header("Content-Type", "application/json");
      rb.method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    } else {
      rb.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      return http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
    } catch (HttpConnectTimeoutException e) {
      throw unreachable("connection timed out");
    } catch (HttpTimeoutException e) {
      throw new CliException("ESI at " + baseUrl + " did not answer in time");
    } catch (ConnectException e) {
      throw unreachable(e.getCause() instanceof UnresolvedAddressException ? "unknown host" : "connection refused");
    } catch (SSLException e) {
      throw new CliException("TLS error talking to " + baseUrl + ": " + e.getMessage() + " (use --insecure for a self-signed certificate)");
    } catch (IOException e) {
      throw unreachable(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    } catch (IllegalArgumentException e) {
      throw new CliException("invalid URL " + baseUrl + path);
    }
  }

  /**
   * Opens a WebSocket at {@code path} (ws:// or wss:// after our base URL's scheme), sending the token
   * in the {@code X-Auth-Token} header of the upgrade request, never in the URL. A refused upgrade
   * becomes a {@link CliException} carrying the HTTP status.
   */
  public WebSocket openWebSocket(String path, WebSocket.Listener listener) {
    URI uri = URI.create(baseUrl.replaceFirst("^http", "ws") + path);
    WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    if (token != null && !token.isBlank()) {
      b.header("X-Auth-Token", token);
    }
    try {
      return b.buildAsync(uri, listener).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof WebSocketHandshakeException h) {
        HttpResponse<?> r = h.getResponse();
        Object body = r.body();
        String text = body instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
            : body == null ? "" : body.toString();
        JsonNode parsed = parse(text);
        throw new CliException(ApiErrors.message(r.statusCode(), parsed.isTextual() ? parsed.asText() : parsed.toString()), r.statusCode());
      }
      if (cause instanceof HttpConnectTimeoutException) {
        throw unreachable("connection timed out");
      }
      if (cause instanceof ConnectException) {
        throw unreachable("connection refused");
      }
      if (cause instanceof SSLException) {
        throw new CliException("TLS error talking to " + baseUrl + ": " + cause.getMessage() + " (use --insecure for a self-signed certificate)");
      }
      throw unreachable(cause == null || cause.getMessage() == null ? String.valueOf(cause) : cause.getMessage());
    } catch (TimeoutException e) {
      throw new CliException("ESI at " + baseUrl + " did not answer in time");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    } catch (IllegalArgumentException e) {
      throw new CliException("invalid URL " + uri);
    }
  }

  private CliException unreachable(String why) {
    return new CliException("cannot reach ESI at " + baseUrl + ": " + why);
  }

  private static JsonNode parse(String text) {
    if (text == null || text.isBlank()) {
      return NullNode.getInstance();
    }
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      // Keep non-JSON bodies (proxies' HTML error pages) as text for the error message.
      return JSON.getNodeFactory().textNode(text);
    }
  }

  private static SSLContext trustAll() {
    TrustManager tm = new X509TrustManager() {
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
      @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
      @Override public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {tm}, new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new CliException("cannot set up TLS: " + e.getMessage());
    }
  }
}
