package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Turns names into the ids Keystone and Ironic need: ids pass through, names are looked up with ?name=. */
final class Resolver {
  private static final Pattern KEYSTONE_ID = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}");

  private Resolver() {}

  static boolean isUuid(String s) {
    return UUID.matcher(s).matches();
  }

  /** An id passes through unchecked (the call that uses it reports a bad one); a name is looked up. */
  static String projectId(EsiClient c, String nameOrId) {
    return nameOrId == null || KEYSTONE_ID.matcher(nameOrId).matches() ? nameOrId
        : identity(c, "projects", "project", nameOrId).path("id").asText();
  }

  static String userId(EsiClient c, String nameOrId) {
    return nameOrId == null || KEYSTONE_ID.matcher(nameOrId).matches() ? nameOrId
        : identity(c, "users", "user", nameOrId).path("id").asText();
  }

  /** Roles are few: list them all and match id or name. */
  static String roleId(EsiClient c, String nameOrId) {
    List<JsonNode> matches = new ArrayList<>();
    for (JsonNode r : c.listAll("/identity/v3/roles", "roles", true)) {
      if (nameOrId.equals(r.path("id").asText())) {
        return nameOrId;
      }
      if (nameOrId.equals(r.path("name").asText())) {
        matches.add(r);
      }
    }
    return one(matches, "role", nameOrId).path("id").asText();
  }

  /** The object for an id (32 hex characters, Keystone's form) or a unique name. */
  static JsonNode identity(EsiClient c, String collection, String kind, String nameOrId) {
    String base = "/identity/v3/" + collection;
    if (KEYSTONE_ID.matcher(nameOrId).matches()) {
      return c.get(base + "/" + nameOrId).path(kind);
    }
    List<JsonNode> matches = new ArrayList<>();
    for (JsonNode n : c.listAll(Query.path(base).add("name", nameOrId).toString(), collection, true)) {
      if (nameOrId.equals(n.path("name").asText())) {
        matches.add(n);
      }
    }
    return one(matches, kind, nameOrId);
  }

  private static JsonNode one(List<JsonNode> matches, String kind, String ident) {
    if (matches.isEmpty()) {
      throw new CliException("no " + kind + " with a name or ID of '" + ident + "' exists");
    }
    if (matches.size() > 1) {
      throw new CliException("more than one " + kind + " exists with the name '" + ident + "'; use its ID");
    }
    return matches.get(0);
  }

  /** Ironic owner/lessee are project ids: names are resolved through the identity API. */
  static String ownerProject(EsiClient c, String nameOrId) {
    return nameOrId == null || nameOrId.isEmpty() || isUuid(nameOrId) ? nameOrId : projectId(c, nameOrId);
  }
}
