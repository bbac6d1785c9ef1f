package org.esi.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test double for the ESI server: answers canned replies by "METHOD path" (or "METHOD
 * path?query" for an exact match) and records every request, so tests can check the HTTP a
 * command sends. Unknown routes answer 404 with an ESI-Leap fault body.
 */
final class RecordingServer implements AutoCloseable {
  record Request(String method, String uri, Map<String, List<String>> headers, String body) {
    String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }

    String path() {
      int q = uri.indexOf('?');
      return q < 0 ? uri : uri.substring(0, q);
    }
  }

  record Reply(int status, String body, Map<String, String> headers) {}

  private final HttpServer server;
  private final Map<String, Reply> routes = new LinkedHashMap<>();
  private final Map<String, java.util.Deque<Reply>> sequences = new java.util.concurrent.ConcurrentHashMap<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();

  RecordingServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  RecordingServer on(String method, String pathAndQuery, int status, String body) {
    return on(method, pathAndQuery, status, body, Map.of());
  }

  RecordingServer on(String method, String pathAndQuery, int status, String body, Map<String, String> headers) {
    routes.put(method + " " + pathAndQuery, new Reply(status, body, headers));
    return this;
  }

  /** Successive replies to "METHOD path" (200 each), the last one repeating: a node moving through states. */
  RecordingServer onSequence(String method, String path, String... bodies) {
    return onSequence(method, path, java.util.Arrays.stream(bodies).map(b -> Map.entry(200, b)).toList());
  }

  /** Successive (status, body) replies to "METHOD path", the last one repeating. */
  RecordingServer onSequence(String method, String path, List<Map.Entry<Integer, String>> replies) {
    java.util.Deque<Reply> q = new java.util.concurrent.ConcurrentLinkedDeque<>();
    for (Map.Entry<Integer, String> r : replies) {
      q.add(new Reply(r.getKey(), r.getValue(), Map.of()));
    }
    sequences.put(method + " " + path, q);
    return this;
  }

  /** Requests other than the /lease/v1 probe, as "METHOD uri". */
  List<String> calls() {
    List<String> out = new ArrayList<>();
    for (Request r : requests) {
      out.add(r.method() + " " + r.uri());
    }
    return out;
  }

  Request last(String method, String path) {
    Request found = null;
    for (Request r : requests) {
      if (r.method().equals(method) && r.path().equals(path)) {
        found = r;
      }
    }
    return found;
  }

  private void handle(HttpExchange ex) throws IOException {
    String uri = ex.getRequestURI().getRawPath() + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    requests.add(new Request(ex.getRequestMethod(), uri, Map.copyOf(ex.getRequestHeaders()), body));
    Reply reply = null;
    java.util.Deque<Reply> seq = sequences.get(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath());
    if (seq != null) {
      synchronized (seq) {
        reply = seq.size() > 1 ? seq.poll() : seq.peek();
      }
    }
    if (reply == null) {
      reply = routes.get(ex.getRequestMethod() + " " + uri);
    }
    if (reply == null) {
      reply = routes.get(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath());
    }
    if (reply == null) {
      reply = new Reply(404, "{\"faultcode\": \"Client\", \"faultstring\": \"no route " + uri + "\", \"debuginfo\": null}", Map.of());
    }
    reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    byte[] bytes = reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      ex.getResponseBody().write(bytes);
    }
    ex.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
