package org.esi.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Builds a path with an encoded query string; null values are left out. */
final class Query {
  private final StringBuilder sb;

  private Query(String path) {
    this.sb = new StringBuilder(path);
  }

  static Query path(String path) {
    return new Query(path);
  }

  Query add(String key, Object value) {
    if (value != null && !value.toString().isEmpty()) {
      sb.append(sb.indexOf("?") < 0 ? '?' : '&').append(encode(key)).append('=').append(encode(value.toString()));
    }
    return this;
  }

  @Override
  public String toString() {
    return sb.toString();
  }

  /** One path segment or query part; spaces as %20 (not '+') since statuses like "wait fulfill" contain them. */
  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
