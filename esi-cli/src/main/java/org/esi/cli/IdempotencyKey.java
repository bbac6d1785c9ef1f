package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.UUID;
import picocli.CommandLine.Option;

/**
 * {@code --idempotency-key}: every POST that moves credits carries an {@code Idempotency-Key} header, a fresh
 * UUID per run unless given, so a script that retries a run with the same key gets the first answer back and
 * nothing is paid twice (the server keeps keys for 24 hours).
 */
final class IdempotencyKey {
  @Option(names = "--idempotency-key", paramLabel = "<key>",
      description = "Idempotency-Key header (default: a fresh UUID); repeat a run with the same key to retry it safely")
  String key;

  /** POSTs {@code body} with the key; fails with the server's message as every call does. */
  JsonNode post(EsiClient client, String path, JsonNode body) {
    return client.send("POST", path, body, Map.of("Idempotency-Key", key != null ? key : UUID.randomUUID().toString())).body();
  }
}
