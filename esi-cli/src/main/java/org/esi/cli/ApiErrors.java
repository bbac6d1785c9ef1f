package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Pulls the human message out of an error body. Each API family has its own shape:
 * ESI-Leap {@code {"faultstring": ...}}, Keystone {@code {"error": {"message": ...}}}, Ironic
 * {@code {"error_message": "<JSON string holding faultstring>"}}.
 */
final class ApiErrors {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ApiErrors() {}

  static String message(int status, String body) {
    String fromJson = fromJson(body);
    if (fromJson != null && !fromJson.isBlank()) {
      return fromJson;
    }
    if (body != null && !body.isBlank() && !body.stripLeading().startsWith("{") && !body.stripLeading().startsWith("<")) {
      String line = body.strip().lines().findFirst().orElse("");
      return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
    return reason(status);
  }

  private static String fromJson(String body) {
    JsonNode n;
    try {
      n = body == null || body.isBlank() ? null : JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
    if (n == null || !n.isObject()) {
      return null;
    }
    if (n.path("faultstring").isTextual()) {
      return n.get("faultstring").asText();
    }
    JsonNode err = n.path("error");
    if (err.isObject() && err.path("message").isTextual()) {
      return err.get("message").asText();
    }
    if (err.isTextual()) {
      return err.asText();
    }
    JsonNode em = n.path("error_message");
    if (em.isTextual()) {
      // Ironic double-encodes: the field is a JSON document as a string.
      String inner = fromJson(em.asText());
      return inner != null ? inner : em.asText();
    }
    if (em.isObject() && em.path("faultstring").isTextual()) {
      return em.get("faultstring").asText();
    }
    if (n.path("message").isTextual()) {
      return n.get("message").asText();
    }
    return null;
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> "bad request";
      case 401 -> "not authenticated: run esi login";
      case 403 -> "forbidden";
      case 404 -> "not found";
      case 409 -> "conflict";
      default -> status >= 500 ? "server error" : "request failed";
    };
  }
}
