package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
  private static final ObjectMapper JSON = new ObjectMapper();

  static final List<Column> LIST_COLUMNS = List.of(Column.of("UUID", "uuid"), Column.of("Name", "name"),
      Column.of("Resource Class", "resource_class"), Column.of("Desired", "desired_size"),
      Column.of("Ready", "members.ready"), Column.of("Min", "min_size"), Column.of("Max", "max_size"));

  /** The path of a pool by name or UUID (the server takes either). */
  static String path(String pool) {
    return BASE + "/" + Query.encode(pool);
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

  /** The sizes in a pool body (or PATCH body), checked before any request: whole, not negative, min <= desired <= max. */
  static void checkSizes(JsonNode body) {
    Integer min = size(body, "min_size");
    Integer max = size(body, "max_size");
    Integer desired = size(body, "desired_size");
    if (min != null && max != null && min > max) {
      throw new CliException("min size " + min + " is larger than max size " + max);
    }
    if (desired != null && max != null && desired > max) {
      throw new CliException("desired size " + desired + " is larger than max size " + max);
    }
    if (desired != null && min != null && desired < min) {
      throw new CliException("desired size " + desired + " is smaller than min size " + min);
    }
  }

  private static Integer size(JsonNode body, String key) {
    JsonNode n = body.get(key);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new CliException(key + " must be a whole number (got " + n + ")");
    }
    if (n.intValue() < 0) {
      throw new CliException(key + " must not be negative (got " + n.intValue() + ")");
    }
    return n.intValue();
  }

  /** A JSON object from a file, with a clear message when it is not one. */
  static ObjectNode readJsonObject(Path file, String what) {
    JsonNode n;
    try {
      n = JSON.readTree(TextFiles.read(file, what));
    } catch (IOException e) {
      throw new CliException("invalid JSON in " + what + " " + file + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
    }
    if (n == null || !n.isObject()) {
      throw new CliException(what + " " + file + " must hold a JSON object");
    }
    return (ObjectNode) n;
  }

  static ArrayNode strings(List<String> values) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    values.forEach(a::add);
    return a;
  }

  /** Sizes and lease timing, as create and set take them. */
  static final class Sizing {
    @Option(names = {"--min", "--min-size"}, paramLabel = "<n>", description = "Fewest members (on create, default: 0)")
    Integer min;

    @Option(names = {"--max", "--max-size"}, paramLabel = "<n>", description = "Most members (required on create, unless in --file)")
    Integer max;

    @Option(names = "--lease-duration", paramLabel = "<duration>",
        description = "Length of each member's lease, ISO-8601, e.g. P3D (on create, default: P1D)")
    String leaseDuration;

    @Option(names = "--renew-before", paramLabel = "<duration>",
        description = "Renew or replace a member this long before its lease ends, ISO-8601, e.g. PT6H (on create, default: PT1H)")
    String renewBefore;

    boolean isEmpty() {
      return min == null && max == null && leaseDuration == null && renewBefore == null;
    }

    /** The given options into a pool body, durations checked. */
    void putInto(ObjectNode body) {
      if (min != null) {
        body.put("min_size", min);
      }
      if (max != null) {
        body.put("max_size", max);
      }
      OfferCommands.putIf(body, "lease_duration", duration(leaseDuration, "--lease-duration"));
      OfferCommands.putIf(body, "renew_before", duration(renewBefore, "--renew-before"));
    }
  }

  /** The networks of a pool body: {"network": name or id} each. */
  static ArrayNode networks(List<String> networks) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    networks.forEach(net -> a.addObject().put("network", net));
    return a;
  }

  @Command(name = "create", description = {"Create a pool: claim, deploy and keep --desired machines of a resource class.",
      "Deploy with --image-url (a whole-disk image, optionally with user data and SSH keys) or --boot-iso-url.",
      "--file gives the pool as the API's JSON body (docs/clusters.md); options given as well replace those fields, "
          + "and --label adds to the file's labels.",
      "The server answers 409 when the desired size cannot be met now; then nothing is claimed."})
  static final class Create extends Leaf {
    @Parameters(arity = "0..1", paramLabel = "<name>", description = "Name of the pool, unique in the project (required unless in --file)")
    String name;

    @Option(names = "--file", paramLabel = "<json file>", description = "The pool as a JSON object, the body of POST /cluster/v1/pools")
    Path file;

    @Option(names = "--resource-class", description = "Resource class of the nodes to lease (required unless in --file)")
    String resourceClass;

    @Option(names = "--property", paramLabel = "<key op value>",
        description = "Offers qualify only when their node's property matches, e.g. \"cpus>=32\" (repeatable)")
    List<String> properties;

    @Mixin
    Sizing sizing;

    @Option(names = {"--desired", "--desired-size"}, paramLabel = "<n>", description = "Members to claim now and keep (default: --min)")
    Integer desired;

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

    @Option(names = "--openshift-offline-token-file", paramLabel = "<file>",
        description = "With an \"openshift\" object in --file: the Red Hat offline token, read from this file (never put it in the JSON)")
    Path offlineTokenFile;

    @Option(names = "--openshift-pull-secret-file", paramLabel = "<file>",
        description = "With an \"openshift\" object in --file: the pull secret, read from this file")
    Path pullSecretFile;

    Create(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = file == null ? JsonNodeFactory.instance.objectNode() : readJsonObject(file, "--file");
      OfferCommands.putIf(body, "name", name);
      OfferCommands.putIf(body, "resource_class", resourceClass);
      if (properties != null) {
        PropertyFilter.parseAll(properties);
        body.set("properties", strings(properties));
      }
      sizing.putInto(body);
      if (desired != null) {
        body.put("desired_size", desired);
      }
      if (body.has("openshift")) {
        openshift(body);
      } else {
        if (offlineTokenFile != null || pullSecretFile != null) {
          throw usage("--openshift-offline-token-file and --openshift-pull-secret-file need an \"openshift\" object in --file");
        }
        body.set("deploy", deploy(body.get("deploy")));
      }
      if (networks != null) {
        body.set("networks", networks(networks));
      }
      if (labels != null) {
        ObjectNode merged = body.path("labels").isObject() ? (ObjectNode) body.get("labels") : body.putObject("labels");
        merged.setAll(KeyValues.toObject(labels, "--label", false));
      }
      require(body, "name", "<name>");
      require(body, "resource_class", "--resource-class");
      require(body, "max_size", "--max");
      checkSizes(body);
      show(ctx, client().post(BASE, body));
    }

    private void require(JsonNode body, String key, String option) {
      if (!body.hasNonNull(key)) {
        throw usage("missing " + option + (file == null ? "" : " (or \"" + key + "\" in " + file + ")"));
      }
    }

    /** An OpenShift pool boots the Assisted Installer's discovery ISO: no deploy of its own; secrets come from files. */
    private void openshift(ObjectNode body) {
      if (!body.get("openshift").isObject()) {
        throw usage("\"openshift\" in " + file + " must be an object");
      }
      if (imageUrl != null || bootIsoUrl != null || imageChecksum != null || userDataFile != null || sshKeyFiles != null
          || body.has("deploy")) {
        throw usage("an openshift pool boots the Assisted Installer's discovery ISO; leave out the deploy and its options");
      }
      ObjectNode os = (ObjectNode) body.get("openshift");
      if (offlineTokenFile != null) {
        os.put("offline_token", TextFiles.read(offlineTokenFile, "offline token").strip());
      }
      if (pullSecretFile != null) {
        os.put("pull_secret", TextFiles.read(pullSecretFile, "pull secret").strip());
      }
    }

    /** The file's deploy with the options applied: exactly one of an image or a boot ISO. */
    private ObjectNode deploy(JsonNode fromFile) {
      if (imageUrl != null && bootIsoUrl != null) {
        throw usage("give either --image-url or --boot-iso-url, not both");
      }
      ObjectNode d = fromFile != null && fromFile.isObject() ? (ObjectNode) fromFile.deepCopy() : JsonNodeFactory.instance.objectNode();
      if (bootIsoUrl != null) {
        d = isoDeploy(bootIsoUrl);
      }
      if (imageUrl != null) {
        d.remove("boot_iso_url");
        d.put("image_url", imageUrl);
      }
      OfferCommands.putIf(d, "image_checksum", imageChecksum);
      if (userDataFile != null) {
        d.put("user_data", TextFiles.read(userDataFile, "user data"));
      }
      if (sshKeyFiles != null) {
        d.set("ssh_keys", strings(sshKeyFiles.stream().map(TextFiles::sshPublicKey).toList()));
      }
      if (!d.has("image_url") && !d.has("boot_iso_url")) {
        throw usage("give --image-url or --boot-iso-url: how each member is deployed");
      }
      if (d.has("image_url") && d.has("boot_iso_url")) {
        throw usage("the deploy has both image_url and boot_iso_url; give one");
      }
      if (d.has("boot_iso_url") && (d.has("image_checksum") || d.has("user_data") || d.has("ssh_keys"))) {
        throw usage("--image-checksum, --user-data-file and --ssh-key-file go with --image-url, not --boot-iso-url");
      }
      return d;
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
      "Growing claims all the extra members at once or none: when not all fit, nothing changes, the exit status is 1",
      "and the message says how many fit. Shrinking releases the members whose leases end soonest, not-ready ones first."})
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
      JsonNode scaled;
      try {
        scaled = client().patch(path(pool), body);
      } catch (CliException e) {
        if (e.status() != 409) {
          throw e;
        }
        throw new CliException("pool " + pool + " not scaled to " + desiredSize + ": " + e.getMessage(), e.status());
      }
      show(ctx, scaled);
    }
  }

  @Command(name = "set", description = "Change a pool's sizes, labels or lease timing")
  static final class Set_ extends Leaf {
    @Parameters(paramLabel = "<pool>", description = "Pool name or UUID")
    String pool;

    @Mixin
    Sizing sizing;

    @Option(names = "--label", paramLabel = "<key=value>", description = "Add or change a label, keeping the others (repeatable)")
    List<String> labels;

    Set_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      if (sizing.isEmpty() && labels == null) {
        throw usage("nothing to set; give --min, --max, --label, --lease-duration or --renew-before");
      }
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      sizing.putInto(body);
      checkSizes(body);
      if (labels != null) {
        // PATCH replaces the labels object: send the pool's labels with the given ones added.
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        JsonNode current = client().get(path(pool)).path("labels");
        if (current.isObject()) {
          merged.setAll((ObjectNode) current);
        }
        merged.setAll(KeyValues.toObject(labels, "--label", false));
        body.set("labels", merged);
      }
      show(ctx, client().patch(path(pool), body));
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
        client().delete(path(p));
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
          Column.of("Reason", "reason")), client().listAll(path(pool) + "/history", "history", false));
    }
  }

  @Command(name = "member", description = "The machines of a pool",
      subcommands = {PoolCommands.MemberList.class, PoolCommands.MemberRemove.class})
  static final class Member extends Group {}

  /** A member's node by name, or by UUID when it has none. */
  static JsonNode memberNode(JsonNode member) {
    return member.hasNonNull("node_name") ? member.get("node_name") : member.path("node_uuid");
  }

  static final List<Column> MEMBER_COLUMNS = List.of(
      new Column("Node", PoolCommands::memberNode),
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
      output().list(cols, client().listAll(path(pool) + "/members", "members", false));
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
      client().delete(path(pool) + "/members/" + Query.encode(node));
      ctx.out.println("Removed node " + node + " from pool " + pool);
    }
  }
}
