package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Hardware control verbs under {@code esi node}: power, boot device, maintenance and the provision
 * verbs (manage, provide, inspect, deploy, undeploy, clean, adopt, rebuild, abort). Power and provision
 * requests are accepted by the server with 202 and carried out in the background; the verbs wait for
 * the node to finish unless {@code --no-wait}.
 */
final class HardwareCommands {
  private HardwareCommands() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  enum PowerAction {
    on("power on", "power on"),
    off("power off", "power off"),
    reboot("rebooting", "power on"),
    soft_off("soft power off", "power off"),
    soft_reboot("soft rebooting", "power on");

    final String target;
    final String result;

    PowerAction(String target, String result) {
      this.target = target;
      this.result = result;
    }

    /** The word on the command line: soft-off, soft-reboot. */
    String word() {
      return name().replace('_', '-');
    }

    static PowerAction of(String word) {
      for (PowerAction a : values()) {
        if (a.word().equalsIgnoreCase(word)) {
          return a;
        }
      }
      throw new picocli.CommandLine.TypeConversionException("'" + word + "' is not a power action; use on, off, reboot, soft-off or soft-reboot");
    }
  }

  static final class PowerActionConverter implements picocli.CommandLine.ITypeConverter<PowerAction> {
    @Override
    public PowerAction convert(String value) {
      return PowerAction.of(value);
    }
  }

  @Command(name = "power", description = {"Power a node on or off, or reboot it (PUT /baremetal/v1/nodes/{node}/states/power).",
      "Waits until the node reaches the new power state unless --no-wait."})
  static final class Power extends Leaf {
    @Parameters(index = "0", paramLabel = "<action>", converter = PowerActionConverter.class,
        description = "on, off, reboot, soft-off or soft-reboot")
    PowerAction action;

    @Parameters(index = "1", paramLabel = "<node>", description = "Name or UUID")
    String node;

    @Option(names = "--power-timeout", paramLabel = "<seconds>", description = "How long the BMC may take for a soft power off or reboot")
    Integer powerTimeout;

    @Mixin
    NodeWait.Options wait;

    Power(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode().put("target", action.target);
      if (powerTimeout != null) {
        if (powerTimeout <= 0) {
          throw usage("--power-timeout must be a positive number of seconds");
        }
        body.put("timeout", powerTimeout);
      }
      EsiClient c = client();
      c.put(NodeCommands.path(node) + "/states/power", body);
      if (!wait.noWait) {
        new NodeWait(ctx, c, node, NodeWait.Kind.POWER).await(wait.timeout, "power " + action.word(), action.result);
      }
    }
  }

  @Command(name = "boot-device", description = "Show or set a node's boot device",
      subcommands = {BootDeviceSet.class, BootDeviceShow.class})
  static final class BootDevice extends Group {}

  enum Device { pxe, disk, cdrom, bios }

  @Command(name = "set", description = "Set the boot device (PUT /baremetal/v1/nodes/{node}/management/boot_device)")
  static final class BootDeviceSet extends Leaf {
    @Parameters(index = "0", paramLabel = "<node>", description = "Name or UUID")
    String node;

    @Parameters(index = "1", paramLabel = "<device>", description = "${COMPLETION-CANDIDATES}")
    Device device;

    @Option(names = "--persistent", description = "For every boot, not only the next one")
    boolean persistent;

    BootDeviceSet(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      client().put(NodeCommands.path(node) + "/management/boot_device",
          JsonNodeFactory.instance.objectNode().put("boot_device", device.name()).put("persistent", persistent));
    }
  }

  @Command(name = "show", description = "Show the boot device the BMC reports")
  static final class BootDeviceShow extends Leaf {
    @Parameters(paramLabel = "<node>", description = "Name or UUID")
    String node;

    BootDeviceShow(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      JsonNode r = client().get(NodeCommands.path(node) + "/management/boot_device");
      Map<String, JsonNode> fields = new LinkedHashMap<>();
      fields.put("boot_device", r.path("boot_device"));
      fields.put("persistent", r.path("persistent"));
      output().show(fields);
    }
  }

  @Command(name = "maintenance", description = "Put a node into or take it out of maintenance",
      subcommands = {MaintenanceSet.class, MaintenanceUnset.class})
  static final class Maintenance extends Group {}

  @Command(name = "set", description = "Put a node into maintenance (PUT /baremetal/v1/nodes/{node}/maintenance)")
  static final class MaintenanceSet extends Leaf {
    @Parameters(paramLabel = "<node>", description = "Name or UUID")
    String node;

    @Option(names = "--reason", description = "Why (recorded as maintenance_reason)")
    String reason;

    MaintenanceSet(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      if (reason != null) {
        body.put("reason", reason);
      }
      client().put(NodeCommands.path(node) + "/maintenance", body);
    }
  }

  @Command(name = "unset", description = "Take a node out of maintenance (DELETE /baremetal/v1/nodes/{node}/maintenance)")
  static final class MaintenanceUnset extends Leaf {
    @Parameters(paramLabel = "<node>", description = "Name or UUID")
    String node;

    MaintenanceUnset(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      client().delete(NodeCommands.path(node) + "/maintenance");
    }
  }

  /**
   * A provision verb: PUT states/provision {target}, then wait for the node to leave its working
   * state. Success is the state Ironic's machine ends the verb in.
   */
  abstract static class ProvisionVerb extends Leaf {
    @Parameters(paramLabel = "<node>", description = "Name or UUID")
    String node;

    @Mixin
    NodeWait.Options wait;

    ProvisionVerb(Context ctx) {
      super(ctx);
    }

    /** The target word sent to the server. */
    abstract String target();

    /** The state that means success, or null when any non-failure state does (abort). */
    abstract String expected();

    /** Adds to the request body, and sends what must precede it. */
    void prepare(EsiClient c, ObjectNode body) {}

    @Override
    void run() {
      EsiClient c = client();
      ObjectNode body = JsonNodeFactory.instance.objectNode().put("target", target());
      prepare(c, body);
      c.put(NodeCommands.path(node) + "/states/provision", body);
      if (!wait.noWait) {
        new NodeWait(ctx, c, node, NodeWait.Kind.PROVISION).await(wait.timeout, spec.name(), expected());
      }
    }
  }

  /** deploy and rebuild: an image to write and a config drive to give it. */
  abstract static class DeployVerb extends ProvisionVerb {
    @Option(names = "--image", paramLabel = "<url>", description = "Image to deploy (PATCHes instance_info/image_source first)")
    String image;

    @Option(names = "--checksum", paramLabel = "<sha256:hex>",
        description = "The image's checksum, sha256:<hex> or sha512:<hex> (PATCHes instance_info/image_checksum); the agent checks it")
    String checksum;

    @Option(names = "--config-drive", paramLabel = "<file>",
        description = "Config drive: a JSON file (meta_data, user_data, network_data), a gzipped base64 ISO, a raw ISO (sent gzipped and base64-encoded), or an http(s) URL")
    String configDrive;

    @Option(names = "--ssh-key", paramLabel = "<file>",
        description = "An OpenSSH public key file for the config drive's public_keys (repeatable); the service builds the drive")
    java.util.List<Path> sshKeys = new java.util.ArrayList<>();

    @Option(names = "--user-data", paramLabel = "<file>", description = "cloud-init user data for the config drive")
    Path userData;

    DeployVerb(Context ctx) {
      super(ctx);
    }

    @Override
    void prepare(EsiClient c, ObjectNode body) {
      if (configDrive != null && (!sshKeys.isEmpty() || userData != null)) {
        throw usage("--config-drive cannot go with --ssh-key or --user-data (put the keys and user data in its meta_data and user_data)");
      }
      if (configDrive != null) {
        body.set("configdrive", configDrive(configDrive));
      } else if (!sshKeys.isEmpty() || userData != null) {
        body.set("configdrive", builtConfigDrive(sshKeys, userData));
      }
      JsonPatch patch = new JsonPatch();
      boolean any = false;
      if (image != null) {
        if (image.isBlank()) {
          throw usage("--image needs a URL");
        }
        patch.add("/instance_info/image_source", JsonNodeFactory.instance.textNode(image));
        any = true;
      }
      if (checksum != null) {
        if (!checksum.matches("(sha256:[0-9a-fA-F]{64}|sha512:[0-9a-fA-F]{128})")) {
          throw usage("--checksum must be sha256:<64 hex digits> or sha512:<128 hex digits>");
        }
        patch.add("/instance_info/image_checksum", JsonNodeFactory.instance.textNode(checksum));
        any = true;
      }
      if (any) {
        c.patch(NodeCommands.path(node), patch.toJson());
      }
    }
  }

  /** Ironic's dict config drive from key files and a user-data file; the service makes the ISO of it. */
  static ObjectNode builtConfigDrive(java.util.List<Path> keys, Path userData) {
    ObjectNode cd = JsonNodeFactory.instance.objectNode();
    ObjectNode publicKeys = cd.putObject("meta_data").putObject("public_keys");
    int i = 0;
    for (Path k : keys) {
      publicKeys.put(i == 0 ? "default" : "key-" + i, TextFiles.sshPublicKey(k));
      i++;
    }
    if (userData != null) {
      cd.put("user_data", TextFiles.read(userData, "user data"));
    }
    return cd;
  }

  /** What Ironic's {@code configdrive} takes, from the user's file. */
  static JsonNode configDrive(String where) {
    if (where.startsWith("http://") || where.startsWith("https://")) {
      return JsonNodeFactory.instance.textNode(where);
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(Path.of(where));
    } catch (NoSuchFileException e) {
      throw new CliException("config drive file " + where + " does not exist");
    } catch (IOException e) {
      throw new CliException("cannot read config drive " + where + ": " + e.getMessage());
    }
    String text = new String(bytes, StandardCharsets.UTF_8).strip();
    if (text.startsWith("{")) {
      try {
        JsonNode n = JSON.readTree(text);
        if (n != null && n.isObject()) {
          return n;
        }
      } catch (IOException e) {
        throw new CliException("config drive " + where + " looks like JSON but is not: " + e.getMessage());
      }
    }
    if (!text.isEmpty() && text.matches("[A-Za-z0-9+/=\\s]+")) {
      return JsonNodeFactory.instance.textNode(text.replaceAll("\\s+", ""));
    }
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      z.write(bytes);
    } catch (IOException e) {
      throw new CliException("cannot compress config drive: " + e.getMessage());
    }
    return JsonNodeFactory.instance.textNode(Base64.getEncoder().encodeToString(gz.toByteArray()));
  }

  @Command(name = "manage", description = "Move a node to manageable, verifying its BMC credentials")
  static final class Manage extends ProvisionVerb {
    Manage(Context ctx) { super(ctx); }
    @Override String target() { return "manage"; }
    @Override String expected() { return "manageable"; }
  }

  @Command(name = "provide", description = "Clean a manageable node and make it available")
  static final class Provide extends ProvisionVerb {
    Provide(Context ctx) { super(ctx); }
    @Override String target() { return "provide"; }
    @Override String expected() { return "available"; }
  }

  @Command(name = "inspect", description = "Inspect a manageable node's hardware")
  static final class Inspect extends ProvisionVerb {
    Inspect(Context ctx) { super(ctx); }
    @Override String target() { return "inspect"; }
    @Override String expected() { return "manageable"; }
  }

  @Command(name = "clean", description = "Clean a manageable node with the given steps (manual cleaning)")
  static final class Clean extends ProvisionVerb {
    @Option(names = "--step", paramLabel = "<[interface.]step>",
        description = "A clean step, in order (repeatable), e.g. erase_devices or deploy.erase_devices_metadata; interface defaults to deploy")
    java.util.List<String> steps = new java.util.ArrayList<>();

    Clean(Context ctx) { super(ctx); }
    @Override String target() { return "clean"; }
    @Override String expected() { return "manageable"; }

    @Override
    void prepare(EsiClient c, ObjectNode body) {
      if (steps.isEmpty()) {
        return;
      }
      var list = body.putArray("clean_steps");
      for (String s : steps) {
        int dot = s.indexOf('.');
        String iface = dot < 0 ? "deploy" : s.substring(0, dot);
        String step = dot < 0 ? s : s.substring(dot + 1);
        if (iface.isEmpty() || step.isEmpty()) {
          throw usage("--step " + s + ": use <step> or <interface>.<step>");
        }
        list.addObject().put("interface", iface).put("step", step).putObject("args");
      }
    }
  }

  @Command(name = "adopt", description = "Adopt a manageable node that is already running an instance")
  static final class Adopt extends ProvisionVerb {
    Adopt(Context ctx) { super(ctx); }
    @Override String target() { return "adopt"; }
    @Override String expected() { return "active"; }
  }

  @Command(name = "undeploy", description = "Tear down a node's instance (target deleted); the node is cleaned and becomes available")
  static final class Undeploy extends ProvisionVerb {
    Undeploy(Context ctx) { super(ctx); }
    @Override String target() { return "deleted"; }
    @Override String expected() { return "available"; }
  }

  @Command(name = "abort", description = "Abort the node's current operation where Ironic allows it")
  static final class Abort extends ProvisionVerb {
    Abort(Context ctx) { super(ctx); }
    @Override String target() { return "abort"; }
    @Override String expected() { return null; }
  }

  @Command(name = "deploy", description = "Deploy an available node (target active)")
  static final class Deploy extends DeployVerb {
    Deploy(Context ctx) { super(ctx); }
    @Override String target() { return "active"; }
    @Override String expected() { return "active"; }
  }

  @Command(name = "rebuild", description = "Redeploy an active node's instance")
  static final class Rebuild extends DeployVerb {
    Rebuild(Context ctx) { super(ctx); }
    @Override String target() { return "rebuild"; }
    @Override String expected() { return "active"; }
  }
}
