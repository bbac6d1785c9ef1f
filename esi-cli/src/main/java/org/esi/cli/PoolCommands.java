package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code esi pool ...}: pools at /cluster/v1, a project's standing request for machines of one
 * resource class, deployed one way, kept at {@code desired_size} (leases renewed or replaced).
 */
@Command(name = "pool", description = "Pools of leased machines kept at a size (elastic clusters)",
    subcommands = {PoolCommands.Create.class, PoolCommands.List_.class, PoolCommands.Show.class,
        PoolCommands.Scale.class, PoolCommands.Set_.class, PoolCommands.Delete.class, PoolCommands.History.class,
        PoolCommands.Member.class})
final class PoolCommands extends Group {
  static final String BASE = "/cluster/v1/pools";

  static final List<Column> LIST_COLUMNS = List.of(Column.of("UUID", "uuid"), Column.of("Name", "name"),
      Column.of("Resource Class", "resource_class"), Column.of("Desired", "desired_size"),
      Column.of("Ready", "members.ready"), Column.of("Min", "min_size"), Column.of("Max", "max_size"));

  /** The path of a pool: a UUID as it is, a name looked up once (so every route gets the UUID). */
  static String path(EsiClient c, String pool) {
    if (Resolver.isUuid(pool)) {
      return BASE + "/" + Query.encode(pool);
    }
    String uuid = c.get(BASE + "/" + Query.encode(pool)).path("uuid").asText("");
    if (uuid.isEmpty()) {
      throw new CliException("pool '" + pool + "' has no uuid in the server's answer");
    }
    return BASE + "/" + Query.encode(uuid);
  }

  static void show(Context ctx, JsonNode pool) {
    ctx.output().show(Fields.sorted(pool, Set.of()));
  }

  /** An ISO-8601 duration (P3D, PT6H, P1DT12H; also periods like P1W), checked here so a typo fails before any request. */
  static String duration(String text, String option) {
    if (text == null) {
      return null;
    }
    try {
      Duration.parse(text);
      return text;
    } catch (DateTimeParseException notDuration) {
      try {
        Period.parse(text);
        return text;
      } catch (DateTimeParseException e) {
        throw new CliException("invalid " + option + " '" + text + "': expected an ISO-8601 duration such as P3D or PT6H");
      }
    }
  }

  /** A file's whole text, with a clear message when it cannot be read. */
  static String readFile(Path file, String what) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CliException("cannot read " + what + " " + file + ": no such file");
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new CliException("cannot read " + what + " " + file + ": "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
  }

  /** The public keys in a key file: each non-empty line that is not a comment. */
  static List<String> sshKeys(Path file, String what) {
    List<String> keys = readFile(file, what).lines().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    if (keys.isEmpty()) {
      throw new CliException(what + " " + file + " holds no public key");
    }
    if (keys.stream().anyMatch(k -> k.contains("PRIVATE KEY"))) {
      throw new CliException(what + " " + file + " is a private key; give the public key (.pub)");
    }
    return keys;
  }

  /** deploy for a whole-disk image written by the agent; null members are left out. */
  static ObjectNode imageDeploy(String url, String checksum, String userData, List<String> keys) {
    ObjectNode d = JsonNodeFactory.instance.objectNode();
    d.put("image_url", url);
    OfferCommands.putIf(d, "image_checksum", checksum);
    OfferCommands.putIf(d, "user_data", userData);
    if (keys != null && !keys.isEmpty()) {
      ArrayNode a = d.putArray("ssh_keys");
      keys.forEach(a::add);
    }
    return d;
  }

  static ObjectNode isoDeploy(String url) {
    ObjectNode d = JsonNodeFactory.instance.objectNode();
    d.put("boot_iso_url", url);
    return d;
  }

  /** Sizes as the server will see them (min 0 and desired = min by default), checked before any request. */
  static void checkSizes(Integer min, Integer max, Integer desired) {
    for (Map.Entry<String, Integer> e : sizes(min, max, desired).entrySet()) {
      if (e.getValue() != null && e.getValue() < 0) {
        throw new CliException(e.getKey() + " must not be negative (got " + e.getValue() + ")");
      }
    }
    if (min != null && max != null && min > max) {
      throw new CliException("--min-size " + min + " is larger than --max-size " + max);
    }
    if (desired != null && max != null && desired > max) {
      throw new CliException("--desired-size " + desired + " is larger than --max-size " + max);
    }
    if (desired != null && min != null && desired < min) {
      throw new CliException("--desired-size " + desired + " is smaller than --min-size " + min);
    }
  }

  private static Map<String, Integer> sizes(Integer min, Integer max, Integer desired) {
    Map<String, Integer> m = new java.util.LinkedHashMap<>();
    m.put("--min-size", min);
    m.put("--max-size", max);
    m.put("--desired-size", desired);
    return m;
  }

  /** The POST body of a pool; null options are left to the server's defaults. */
  static ObjectNode body(String name, String resourceClass, List<String> properties, Integer min, int max, Integer desired,
      String leaseDuration, String renewBefore, ObjectNode deploy, List<String> networks, ObjectNode labels) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.put("name", name);
    b.put("resource_class", resourceClass);
    if (properties != null && !properties.isEmpty()) {
      ArrayNode p = b.putArray("properties");
      properties.forEach(p::add);
    }
    if (min != null) {
      b.put("min_size", min);
    }
    b.put("max_size", max);
    if (desired != null) {
      b.put("desired_size", desired);
    }
    OfferCommands.putIf(b, "lease_duration", leaseDuration);
    OfferCommands.putIf(b, "renew_before", renewBefore);
    b.set("deploy", deploy);
    if (networks != null && !networks.isEmpty()) {
      ArrayNode n = b.putArray("networks");
      networks.forEach(net -> n.addObject().put("network", net));
    }
    if (labels != null && !labels.isEmpty()) {
      b.set("labels", labels);
    }
    return b;
  }

  @Command(name = "create", description = {"Create a pool: claim, deploy and keep --desired-size machines of a resource class.",
      "Deploy with --image-url (a whole-disk image, optionally with user data and SSH keys) or --boot-iso-url.",
      "The server answers 409 when the desired size cannot be met now; then nothing is claimed."})
  static final class Create extends Leaf {
    @Parameters(paramLabel = "<name>", description = "Name of the pool (unique in the project)")
    String name;

    @Option(names = "--resource-class", required = true, description = "Resource class of the nodes to lease")
    String resourceClass;

    @Option(names = "--property", paramLabel = "<key op value>",
        description = "Offers qualify only when their node's property matches, e.g. \"cpus>=32\" (repeatable)")
    List<String> properties;

    @Option(names = "--min-size", paramLabel = "<n>", description = "Fewest members (default: 0)")
    Integer minSize;

    @Option(names = "--max-size", required = true, paramLabel = "<n>", description = "Most members")
    Integer maxSize;

    @Option(names = "--desired-size", paramLabel = "<n>", description = "Members to keep now (default: --min-size)")
    Integer desiredSize;

    @Option(names = "--lease-duration", paramLabel = "<duration>", description = "Length of each member's lease, ISO-8601 (default: P1D), e.g. P3D")
    String leaseDuration;

    @Option(names = "--renew-before", paramLabel = "<duration>",
        description = "Renew or replace a member this long before its lease ends, ISO-8601 (default: PT1H), e.g. PT6H")
    String renewBefore;

    @Option(names = "--image-url", paramLabel = "<url>", description = "Whole-disk image written to each member")
    String imageUrl;

    @Option(names = "--image-checksum", paramLabel = "<checksum>", description = "With --image-url: e.g. sha256:<hex>")
    String imageChecksum;

    @Option(names = "--user-data-file", paramLabel = "<file>", description = "With --image-url: cloud-init or ignition text for each member")
    Path userDataFile;

    @Option(names = "--ssh-key-file", paramLabel = "<file>", description = "With --image-url: public key file to install (repeatable)")
    List<Path> sshKeyFiles;

    @Option(names = "--boot-iso-url", paramLabel = "<url>", description = "Boot each member from this ISO instead of writing an image (e.g. a discovery ISO)")
    String bootIsoUrl;

    @Option(names = "--network", paramLabel = "<network>", description = "Network to attach each member to, name or id (repeatable)")
    List<String> networks;

    @Option(names = "--label", paramLabel = "<key=value>", description = "Label of the pool (repeatable)")
    List<String> labels;

    Create(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      if (imageUrl != null && bootIsoUrl != null) {
        throw usage("give either --image-url or --boot-iso-url, not both");
      }
      if (imageUrl == null && bootIsoUrl == null) {
        throw usage("give --image-url or --boot-iso-url: how each member is deployed");
      }
      if (bootIsoUrl != null && (imageChecksum != null || userDataFile != null || sshKeyFiles != null)) {
        throw usage("--image-checksum, --user-data-file and --ssh-key-file go with --image-url, not --boot-iso-url");
      }
      PropertyFilter.parseAll(properties);
      checkSizes(minSize, maxSize, desiredSize);
      ObjectNode labelObject = KeyValues.toObject(labels, "--label", false);
      ObjectNode deploy;
      if (imageUrl != null) {
        String userData = userDataFile == null ? null : readFile(userDataFile, "--user-data-file");
        List<String> keys = new ArrayList<>();
        if (sshKeyFiles != null) {
          sshKeyFiles.forEach(f -> keys.addAll(sshKeys(f, "--ssh-key-file")));
        }
        deploy = imageDeploy(imageUrl, imageChecksum, userData, keys);
      } else {
        deploy = isoDeploy(bootIsoUrl);
      }
      ObjectNode body = body(name, resourceClass, properties, minSize, maxSize, desiredSize,
          duration(leaseDuration, "--lease-duration"), duration(renewBefore, "--renew-before"), deploy, networks, labelObject);
      show(ctx, client().post(BASE, body));
    }
  }

  @Command(name = "list", description = "List pools")
  static final class List_ extends Leaf {
    @Option(names = "--long", description = "More columns")
    boolean longFormat;

    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      List<Column> cols = new ArrayList<>(LIST_COLUMNS);
      if (longFormat) {
        cols.addAll(List.of(Column.of("Properties", "properties"), Column.of("Lease Duration", "lease_duration"),
            Column.of("Renew Before", "renew_before"), Column.of("Networks", "networks"), Column.of("Labels", "labels"),
            Column.of("Members", "members"), Column.of("Project", "project_id")));
      }
      output().list(cols, client().listAll(BASE, "pools", false));
    }
  }

  @Command(name = "show", description = "Show a pool")
  static final class Show extends Leaf {
    @Parameters(paramLabel = "<pool>", description = "Pool name or UUID")
    String pool;

    Show(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      show(ctx, client().get(BASE + "/" + Query.encode(pool)));
    }
  }

  @Command(name = "scale", description = {"Set a pool's desired size.",
      "Growing claims all the extra members at once or none (409 with how many fit); shrinking releases the members "
          + "whose leases end soonest, not-ready ones first."})
  static final class Scale extends Leaf {
    @Parameters(index = "0", paramLabel = "<pool>", description = "Pool name or UUID")
    String pool;

    @Parameters(index = "1", paramLabel = "<desired_size>", description = "Members to keep")
    int desiredSize;

    Scale(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      if (desiredSize < 0) {
        throw usage("<desired_size> must not be negative");
      }
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("desired_size", desiredSize);
      show(ctx, client().patch(path(client(), pool), body));
    }
  }

  @Command(name = "set", description = "Change a pool's sizes, labels or lease timing")
  static final class Set_ extends Leaf {
    @Parameters(paramLabel = "<pool>", description = "Pool name or UUID")
    String pool;

    @Option(names = "--min-size", paramLabel = "<n>", description = "Fewest members")
    Integer minSize;

    @Option(names = "--max-size", paramLabel = "<n>", description = "Most members")
    Integer maxSize;

    @Option(names = "--label", paramLabel = "<key=value>", description = "Add or change a label, keeping the others (repeatable)")
    List<String> labels;

    @Option(names = "--lease-duration", paramLabel = "<duration>", description = "Length of new and renewed leases, ISO-8601, e.g. P3D")
    String leaseDuration;

    @Option(names = "--renew-before", paramLabel = "<duration>", description = "Renew this long before a lease ends, ISO-8601, e.g. PT6H")
    String renewBefore;

    Set_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      if (minSize == null && maxSize == null && labels == null && leaseDuration == null && renewBefore == null) {
        throw usage("nothing to set; give --min-size, --max-size, --label, --lease-duration or --renew-before");
      }
      checkSizes(minSize, maxSize, null);
      ObjectNode added = KeyValues.toObject(labels, "--label", false);
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      if (minSize != null) {
        body.put("min_size", minSize);
      }
      if (maxSize != null) {
        body.put("max_size", maxSize);
      }
      OfferCommands.putIf(body, "lease_duration", duration(leaseDuration, "--lease-duration"));
      OfferCommands.putIf(body, "renew_before", duration(renewBefore, "--renew-before"));
      String path;
      if (labels != null) {
        // PATCH replaces the labels object: send the pool's labels with the given ones added.
        JsonNode current = client().get(BASE + "/" + Query.encode(pool));
        path = BASE + "/" + Query.encode(current.path("uuid").asText(pool));
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = current.path("labels").fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          merged.set(e.getKey(), e.getValue());
        }
        merged.setAll(added);
        body.set("labels", merged);
      } else {
        path = path(client(), pool);
      }
      show(ctx, client().patch(path, body));
    }
  }

  @Command(name = "delete", description = "Delete pools; every member's lease ends and its node is wiped")
  static final class Delete extends Leaf {
    @Parameters(paramLabel = "<pool>", arity = "1..*", description = "Pool names or UUIDs")
    List<String> pools;

    Delete(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      for (String p : pools) {
        client().delete(path(client(), p));
        ctx.out.println("Deleted pool " + p);
      }
    }
  }

  @Command(name = "history", description = "A pool's size changes: when, from, to and why")
  static final class History extends Leaf {
    @Parameters(paramLabel = "<pool>", description = "Pool name or UUID")
    String pool;

    History(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().list(List.of(Column.of("Time", "time"), Column.of("From", "from"), Column.of("To", "to"),
          Column.of("Reason", "reason")), client().listAll(path(client(), pool) + "/history", "history", false));
    }
  }

  @Command(name = "member", description = "The machines of a pool",
      subcommands = {PoolCommands.MemberList.class, PoolCommands.MemberRemove.class})
  static final class Member extends Group {}

  static final List<Column> MEMBER_COLUMNS = List.of(
      new Column("Node", m -> m.hasNonNull("node_name") ? m.get("node_name") : m.path("node_uuid")),
      Column.of("Provider ID", "provider_id"), Column.of("Status", "status"), Column.of("Lease", "lease_uuid"),
      Column.of("Lease End", "lease_end"), Column.of("Reason", "reason"));

  @Command(name = "list", description = "List a pool's members with their leases")
  static final class MemberList extends Leaf {
    @Parameters(paramLabel = "<pool>", description = "Pool name or UUID")
    String pool;

    @Option(names = "--long", description = "More columns")
    boolean longFormat;

    MemberList(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      List<Column> cols = new ArrayList<>(MEMBER_COLUMNS);
      if (longFormat) {
        cols.addAll(List.of(Column.of("Node UUID", "node_uuid"), Column.of("Created At", "created_at"),
            Column.of("Updated At", "updated_at")));
      }
      output().list(cols, client().listAll(path(client(), pool) + "/members", "members", false));
    }
  }

  @Command(name = "remove", description = "Release one machine of a pool (its lease ends; the desired size drops by one)")
  static final class MemberRemove extends Leaf {
    @Parameters(index = "0", paramLabel = "<pool>", description = "Pool name or UUID")
    String pool;

    @Parameters(index = "1", paramLabel = "<node>", description = "Member's node name or UUID")
    String node;

    MemberRemove(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      client().delete(path(client(), pool) + "/members/" + Query.encode(node));
      ctx.out.println("Removed node " + node + " from pool " + pool);
    }
  }
}
