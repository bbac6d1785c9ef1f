package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code esi site ...}: the peer sites this one trusts, at /federation/v1 (docs/federation.md). Registering a
 * peer is the admin's; each site's admin registers the other, so trust is mutual and explicit.
 */
@Command(name = "site", description = "Peer sites of the federation and this site's public key",
    subcommands = {SiteCommands.List_.class, SiteCommands.Add.class, SiteCommands.Remove.class, SiteCommands.Key.class})
final class SiteCommands extends Group {
  static final String BASE = "/federation/v1";

  static final List<Column> LIST_COLUMNS = List.of(Column.of("Name", "name"), Column.of("URL", "url"),
      Column.of("Public Key", "public_key"), Column.of("Created", "created_at"));

  @Command(name = "list", description = "List the peer sites this site trusts (admin)")
  static final class List_ extends Leaf {
    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().list(LIST_COLUMNS, client().listAll(BASE + "/peers", "peers", false));
    }
  }

  @Command(name = "add", description = {"Trust a peer site (admin): its name is its federation.site-name.",
      "Give its key with --public-key (from 'esi site key' run there), or --from-url to read it from the peer."})
  static final class Add extends Leaf {
    @Parameters(paramLabel = "<name>", description = "The peer's site name")
    String name;

    // Not --url: that is the global option naming the server this CLI talks to.
    @Option(names = "--site-url", required = true, paramLabel = "<url>", description = "The peer's base URL, e.g. https://esi.example.org")
    String url;

    @ArgGroup(multiplicity = "1")
    KeySource key;

    static final class KeySource {
      @Option(names = "--public-key", paramLabel = "<key>", description = "The peer's Ed25519 public key (base64url of the raw 32 bytes)")
      String publicKey;

      @Option(names = "--from-url", description = "Fetch the key from --site-url's /federation/v1/key (check it with the peer's admin)")
      boolean fromUrl;
    }

    Add(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      String publicKey = key.publicKey;
      if (key.fromUrl) {
        JsonNode fetched = ctx.client(url, null).get(BASE + "/key");
        if (!name.equals(fetched.path("site").asText())) {
          throw new CliException("the site at " + url + " calls itself '" + fetched.path("site").asText() + "', not '" + name + "'");
        }
        publicKey = fetched.path("public_key").asText();
        ctx.err.println("Fetched the key of " + name + ": " + publicKey + " (confirm it with that site's admin)");
      }
      ObjectNode body = JsonNodeFactory.instance.objectNode().put("name", name).put("url", url).put("public_key", publicKey);
      output().show(Fields.sorted(client().post(BASE + "/peers", body), Set.of()));
    }
  }

  @Command(name = "remove", description = "Stop trusting a peer site (admin); its users' tokens here end at once")
  static final class Remove extends Leaf {
    @Parameters(paramLabel = "<name>", description = "The peer's site name")
    String name;

    Remove(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      client().delete(BASE + "/peers/" + Query.encode(name));
      ctx.out.println("Removed peer site " + name);
    }
  }

  @Command(name = "key", description = "Show this site's name and public key, for the admins of peer sites")
  static final class Key extends Leaf {
    Key(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().show(Fields.sorted(client().get(BASE + "/key"), Set.of()));
    }
  }
}
