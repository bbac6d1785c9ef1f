package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code esi cluster ...}: upstream python-esiclient's cluster verbs, done with pools.
 *
 * <p>Mapping of upstream's orchestrate file: the cluster id is the file's {@code name} when it has
 * one, else a fresh UUID. Node config {@code i} (1-based) becomes pool {@code <cluster>-<i>} with
 * {@code desired_size = min_size = max_size = nodes.num_nodes}, resource class
 * {@code nodes.resource_class} and label {@code esi.cluster=<cluster>}. {@code network.network_uuid}
 * is the pool's network. Provisioning {@code image_url} (upstream boots {@code url} as an ISO) is
 * {@code deploy.boot_iso_url}; {@code image} needs a URL ({@code image_url}, or an {@code image_uuid}
 * that is an http(s) URL: ESI has no image service) with optional {@code image_checksum}, and
 * {@code ssh_key} (a public key file, as upstream) plus our {@code user_data_file} /
 * {@code user_data}. Refused before any request: {@code nodes.node_uuids} (pools pick nodes by
 * resource class), {@code network.tagged_network_uuids} and {@code network.fip_network_uuid}.
 * Upstream's node extra keys are the pools' label; undeploy deletes the pools, whose lease ends wipe the nodes.
 */
@Command(name = "cluster", description = "Upstream's cluster orchestration (orchestrate, list, undeploy), done with pools",
    subcommands = {ClusterCommands.Orchestrate.class, ClusterCommands.List_.class, ClusterCommands.Undeploy.class})
final class ClusterCommands extends Group {
  static final String LABEL = "esi.cluster";

  /** Pools carrying this cluster's label, or all labelled pools by cluster when {@code cluster} is null. */
  static Map<String, List<JsonNode>> pools(EsiClient c, String cluster) {
    Map<String, List<JsonNode>> byCluster = new LinkedHashMap<>();
    for (JsonNode p : c.listAll(PoolCommands.BASE, "pools", false)) {
      JsonNode label = p.path("labels").path(LABEL);
      if (label.isTextual() && (cluster == null || cluster.equals(label.asText()))) {
        byCluster.computeIfAbsent(label.asText(), k -> new ArrayList<>()).add(p);
      }
    }
    return byCluster;
  }

  static List<JsonNode> members(EsiClient c, JsonNode pool) {
    return c.listAll(PoolCommands.path(pool.path("uuid").asText()) + "/members", "members", false);
  }

  /** Checks the whole file, giving the pool bodies to create; throws before any request on anything unsupported. */
  static List<ObjectNode> plan(JsonNode config, Path file, String cluster) {
    JsonNode configs = config.path("node_configs");
    if (!configs.isArray() || configs.isEmpty()) {
      throw new CliException(file + " has no node_configs list");
    }
    List<ObjectNode> bodies = new ArrayList<>();
    for (int i = 0; i < configs.size(); i++) {
      bodies.add(poolBody(configs.get(i), cluster, i + 1, file));
    }
    return bodies;
  }

  private static ObjectNode poolBody(JsonNode nc, String cluster, int i, Path file) {
    String where = "node_configs[" + (i - 1) + "]";
    JsonNode nodes = nc.path("nodes");
    if (nodes.has("node_uuids")) {
      throw new CliException(where + " names nodes (node_uuids): pools pick nodes by resource class; give "
          + "\"num_nodes\" and \"resource_class\" instead, or lease those nodes directly (esi offer claim / esi lease create)");
    }
    int count = count(nodes.path("num_nodes"), where);
    String resourceClass = nodes.path("resource_class").asText("");
    if (resourceClass.isEmpty()) {
      throw new CliException(where + ".nodes needs resource_class");
    }
    JsonNode net = nc.path("network");
    if (net.has("tagged_network_uuids")) {
      throw new CliException(where + ".network.tagged_network_uuids: pools attach untagged networks only; "
          + "attach trunks afterwards with esi node network attach --trunk");
    }
    if (net.has("fip_network_uuid")) {
      throw new CliException(where + ".network.fip_network_uuid: ESI has no floating IPs; leave it out");
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("name", cluster + "-" + i);
    body.put("resource_class", resourceClass);
    body.put("min_size", count);
    body.put("max_size", count);
    body.put("desired_size", count);
    body.set("deploy", deploy(nc.path("provisioning"), where, file));
    if (net.hasNonNull("network_uuid")) {
      body.set("networks", PoolCommands.networks(List.of(net.get("network_uuid").asText())));
    }
    body.putObject("labels").put(LABEL, cluster);
    return body;
  }

  private static int count(JsonNode n, String where) {
    // Upstream's examples give the count as a string ("2").
    try {
      int v = n.isNumber() ? n.intValue() : Integer.parseInt(n.asText("").strip());
      if (v < 1) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new CliException(where + ".nodes needs num_nodes, a positive number (got " + (n.isMissingNode() ? "none" : n) + ")");
    }
  }

  private static ObjectNode deploy(JsonNode prov, String where, Path file) {
    String type = prov.path("provisioning_type").asText("");
    switch (type) {
      case "image_url" -> {
        String url = prov.path("url").asText("");
        if (url.isEmpty()) {
          throw new CliException(where + ".provisioning: url must be given for image_url provisioning");
        }
        return PoolCommands.isoDeploy(url);
      }
      case "image" -> {
        String url = prov.path("image_url").asText(prov.path("image_uuid").asText(""));
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
          throw new CliException(where + ".provisioning: ESI has no image service; give \"image_url\" "
              + "(an http(s) URL of a whole-disk image) instead of image_uuid '" + url + "'");
        }
        List<String> keys = new ArrayList<>();
        if (prov.hasNonNull("ssh_key")) {
          keys.add(TextFiles.sshPublicKey(near(file, prov.get("ssh_key").asText())));
        }
        String userData = prov.hasNonNull("user_data") ? prov.get("user_data").asText() : null;
        if (prov.hasNonNull("user_data_file")) {
          userData = TextFiles.read(near(file, prov.get("user_data_file").asText()), where + ".provisioning.user_data_file");
        }
        String checksum = prov.hasNonNull("image_checksum") ? prov.get("image_checksum").asText() : null;
        return PoolCommands.imageDeploy(url, checksum, userData, keys);
      }
      default -> throw new CliException(where + ".provisioning: unknown provisioning_type '" + type + "'; use image or image_url");
    }
  }

  /** A path from the file: as given (relative to the working directory, as upstream), else beside the file. */
  private static Path near(Path file, String name) {
    Path p = Path.of(name);
    if (p.isAbsolute() || Files.exists(p)) {
      return p;
    }
    Path dir = file.toAbsolutePath().getParent();
    return dir == null ? p : dir.resolve(p);
  }

  private static JsonNode joined(List<String> lines) {
    return lines.isEmpty() ? null : TextNode.valueOf(String.join("\n", lines));
  }

  @Command(name = "orchestrate", description = {
      "Create a cluster from upstream's orchestrate file, one pool per node config, and wait (as upstream does) until every node is deployed.",
      "Differences from upstream: config i (from 1) becomes pool <cluster>-<i> with desired = min = max = num_nodes and label "
          + "esi.cluster=<cluster>, where <cluster> is the file's \"name\", else a new UUID; the pools renew the leases.",
      "provisioning_type image_url boots \"url\" as an ISO; image needs \"image_url\" (ESI has no image service) and takes "
          + "ssh_key, user_data_file, user_data and image_checksum.",
      "node_uuids, tagged_network_uuids and fip_network_uuid are refused before anything is created (pools pick nodes by "
          + "resource class; there are no floating IPs), so the Port, Fixed IP and Floating columns stay empty.",
      "If one pool cannot be created, the pools already created are deleted."})
  static final class Orchestrate extends Leaf {
    @Parameters(paramLabel = "<cluster_config_file>", description = "JSON file describing the cluster (upstream's node_configs format)")
    Path file;

    @Mixin
    NodeWait.Options wait;

    Orchestrate(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode config = PoolCommands.readJsonObject(file, "cluster config file");
      JsonNode name = config.path("name");
      String cluster = name.isTextual() && !name.asText().isBlank() ? name.asText() : UUID.randomUUID().toString();
      List<ObjectNode> bodies = plan(config, file, cluster);
      if (!pools(client(), cluster).isEmpty()) {
        throw new CliException("cluster " + cluster + " exists already (pools labelled " + LABEL + "=" + cluster
            + "); undeploy it first or give the file another name");
      }
      List<JsonNode> created = new ArrayList<>();
      try {
        for (ObjectNode b : bodies) {
          created.add(client().post(PoolCommands.BASE, b));
        }
      } catch (CliException e) {
        for (JsonNode p : created) {
          try {
            client().delete(PoolCommands.path(p.path("uuid").asText()));
          } catch (CliException ignored) {
            ctx.err.println("esi: could not delete pool " + p.path("name").asText() + " after the failure: " + ignored.userMessage());
          }
        }
        throw new CliException("cluster " + cluster + " not created: pool " + bodies.get(created.size()).path("name").asText()
            + ": " + e.getMessage(), e.status());
      }
      ctx.err.println("Cluster " + cluster + ": " + created.size() + " pool(s)");
      Map<JsonNode, List<JsonNode>> members = wait.noWait ? members(created) : awaitReady(cluster, created);
      List<JsonNode> rows = new ArrayList<>();
      for (Map.Entry<JsonNode, List<JsonNode>> e : members.entrySet()) {
        List<String> nets = new ArrayList<>();
        e.getKey().path("networks").forEach(n -> nets.add(n.path("network").asText(n.toString())));
        for (JsonNode m : e.getValue()) {
          ObjectNode row = JsonNodeFactory.instance.objectNode();
          row.set("node", PoolCommands.memberNode(m));
          row.set("network", joined(nets));
          row.put("pool", e.getKey().path("name").asText());
          row.set("status", m.path("status"));
          rows.add(row);
        }
      }
      // Upstream's columns, then the pool and the member's status.
      output().list(List.of(Column.of("Node", "node"), Column.of("Port", "port"), Column.of("Network", "network"),
          Column.of("Fixed IP", "fixed_ip"), Column.of("Floating Network", "floating_network"),
          Column.of("Floating IP", "floating_ip"), Column.of("Pool", "pool"), Column.of("Status", "status")), rows);
    }

    private Map<JsonNode, List<JsonNode>> members(List<JsonNode> pools) {
      Map<JsonNode, List<JsonNode>> m = new LinkedHashMap<>();
      for (JsonNode p : pools) {
        JsonNode now = client().get(PoolCommands.path(p.path("uuid").asText()));
        m.put(now, ClusterCommands.members(client(), now));
      }
      return m;
    }

    /** Polls until every pool has desired_size ready members; the pools as they are now, with their members. */
    private Map<JsonNode, List<JsonNode>> awaitReady(String cluster, List<JsonNode> pools) {
      long deadline = System.nanoTime() + wait.timeout.toNanos();
      while (true) {
        Map<JsonNode, List<JsonNode>> m = members(pools);
        List<String> waiting = new ArrayList<>();
        m.forEach((p, ms) -> {
          long ready = ms.stream().filter(x -> x.path("status").asText().equals("ready")).count();
          if (ready < p.path("desired_size").asInt()) {
            List<String> others = ms.stream().filter(x -> !x.path("status").asText().equals("ready"))
                .map(x -> PoolCommands.memberNode(x).asText() + " " + x.path("status").asText()
                    + (x.hasNonNull("reason") ? ": " + x.get("reason").asText() : "")).toList();
            String error = p.hasNonNull("last_error") ? "; " + p.get("last_error").asText() : "";
            waiting.add(p.path("name").asText() + " " + ready + "/" + p.path("desired_size").asInt() + " ready"
                + (others.isEmpty() ? "" : " (" + String.join(", ", others) + ")") + error);
          }
        });
        if (waiting.isEmpty()) {
          return m;
        }
        if (System.nanoTime() > deadline) {
          throw new CliException("cluster " + cluster + " not deployed after " + NodeWait.human(wait.timeout) + ": "
              + String.join(", ", waiting) + "; the pools keep trying (esi cluster list), esi cluster undeploy removes them");
        }
        try {
          Thread.sleep(NodeWait.pollInterval(ctx));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CliException("interrupted while waiting for cluster " + cluster);
        }
      }
    }
  }

  @Command(name = "list", description = "List clusters: pools grouped by their esi.cluster label, with their members")
  static final class List_ extends Leaf {
    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      List<JsonNode> rows = new ArrayList<>();
      for (Map.Entry<String, List<JsonNode>> e : pools(client(), null).entrySet()) {
        List<String> nodes = new ArrayList<>();
        List<String> associated = new ArrayList<>();
        for (JsonNode p : e.getValue()) {
          for (JsonNode m : members(client(), p)) {
            nodes.add(PoolCommands.memberNode(m).asText());
            ObjectNode a = JsonNodeFactory.instance.objectNode();
            a.put("pool", p.path("name").asText());
            a.set("status", m.path("status"));
            a.set("lease", m.path("lease_uuid"));
            associated.add(a.toString());
          }
        }
        ObjectNode row = JsonNodeFactory.instance.objectNode();
        row.put("cluster", e.getKey());
        row.set("node", joined(nodes));
        row.set("associated", joined(associated));
        ArrayNode names = row.putArray("pools");
        e.getValue().forEach(p -> names.add(p.path("name").asText()));
        rows.add(row);
      }
      output().list(List.of(Column.of("Cluster", "cluster"), Column.of("Node", "node"), Column.of("Associated", "associated"),
          Column.of("Pools", "pools")), rows);
    }
  }

  @Command(name = "undeploy", description = "Undeploy a cluster: delete its pools (every lease ends, the nodes are wiped)")
  static final class Undeploy extends Leaf {
    @Parameters(paramLabel = "<cluster_uuid>", description = "Cluster id, as esi cluster list shows it")
    String cluster;

    Undeploy(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      List<JsonNode> pools = pools(client(), cluster).getOrDefault(cluster, List.of());
      if (pools.isEmpty()) {
        throw new CliException("no cluster " + cluster + " (no pool is labelled " + LABEL + "=" + cluster + ")");
      }
      for (JsonNode p : pools) {
        client().delete(PoolCommands.path(p.path("uuid").asText()));
        ctx.out.println("Deleted pool " + p.path("name").asText());
      }
      ctx.out.println("Undeployed cluster " + cluster + "; the nodes are wiped as their leases end");
    }
  }
}
