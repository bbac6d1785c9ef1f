package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code esi market ...}: credits (accounts, their entries, grants and transfers), the price index, usage and
 * bids of {@code /market/v1} (market-api.md). Amounts and prices are decimal strings of credits, sent as typed:
 * the server checks them and says what is wrong.
 */
@Command(name = "market", description = "Credits, prices, usage and bids",
    subcommands = {MarketCommands.AccountGroup.class, MarketCommands.EntryGroup.class, MarketCommands.Grant.class,
        MarketCommands.Transfer.class, MarketCommands.PriceGroup.class, MarketCommands.Usage.class,
        MarketCommands.BidGroup.class})
final class MarketCommands extends Group {
  static final String BASE = "/market/v1";
  static final String ACCOUNTS = BASE + "/accounts";
  static final String BIDS = BASE + "/bids";
  static final List<String> ENTRY = List.of("id", "transaction_id", "kind", "amount", "balance_after", "counterparty",
      "lease_uuid", "bid_uuid", "memo", "created_at");

  static List<Column> accountColumns() {
    return List.of(Column.of("Project", "project"), Column.of("Project ID", "project_id"), Column.of("Balance", "balance"),
        Column.of("Held", "held"), Column.of("Available", "available"));
  }

  /** The account path of {@code project}, or of the project the token is scoped to (as Keystone's token validation says). */
  static String accountPath(Leaf leaf, String project) {
    if (project != null) {
      return ACCOUNTS + "/" + Query.encode(project);
    }
    String token = leaf.ctx.token();
    if (token == null) {
      throw new CliException("not logged in: run esi login (or name the project)");
    }
    JsonNode t = leaf.client().send("GET", "/identity/v3/auth/tokens", null, Map.of("X-Subject-Token", token)).body();
    String id = t.path("token").path("project").path("id").asText("");
    if (id.isEmpty()) {
      throw leaf.usage("your token is not scoped to a project: name the project");
    }
    return ACCOUNTS + "/" + Query.encode(id);
  }

  @Command(name = "account", description = "Credit accounts of projects",
      subcommands = {AccountList.class, AccountShow.class})
  static final class AccountGroup extends Group {}

  @Command(name = "list", description = "List accounts (admin: every project's; others: their own)")
  static final class AccountList extends Leaf {
    AccountList(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().list(accountColumns(), client().listAll(ACCOUNTS, "accounts", true));
    }
  }

  @Command(name = "show", description = "Show an account: balance, held and available credits")
  static final class AccountShow extends Leaf {
    @Parameters(arity = "0..1", paramLabel = "<project>", description = "Project ID or name (default: your project)")
    String project;

    AccountShow(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().show(Fields.only(client().get(accountPath(this, project)), List.of("project", "project_id", "balance", "held", "available")));
    }
  }

  @Command(name = "entry", description = "Ledger entries of an account", subcommands = {EntryList.class})
  static final class EntryGroup extends Group {}

  @Command(name = "list", description = "List an account's entries, newest first")
  static final class EntryList extends Leaf {
    @Parameters(arity = "0..1", paramLabel = "<project>", description = "Project ID or name (default: your project)")
    String project;

    @Option(names = "--kind", paramLabel = "<kind>", description = "grant, hold, settle, refund, transfer or fee")
    String kind;

    @Option(names = "--since", paramLabel = "<time>", description = "Entries at or after this time; " + When.FORMATS)
    When since;

    @Option(names = "--until", paramLabel = "<time>", description = "Entries before this time; " + When.FORMATS)
    When until;

    @Option(names = "--limit", paramLabel = "<n>", description = "At most this many, the newest (at most 1000; default: all)")
    Integer limit;

    EntryList(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      if (limit != null && limit < 1) {
        throw usage("--limit must be at least 1");
      }
      String path = Query.path(accountPath(this, project) + "/entries").add("kind", kind)
          .add("since", When.of(since)).add("until", When.of(until)).add("limit", limit).toString();
      output().list(List.of(Column.of("ID", "id"), Column.of("Created At", "created_at"), Column.of("Kind", "kind"),
          Column.of("Amount", "amount"), Column.of("Balance After", "balance_after"), Column.of("Counterparty", "counterparty"),
          Column.of("Lease UUID", "lease_uuid"), Column.of("Bid UUID", "bid_uuid"), Column.of("Memo", "memo")),
          client().listAll(path, "entries", limit == null));
    }
  }

  /** A payment verb: {@code <who> <amount> [--memo M]}, POSTed with an idempotency key; prints the caller's entry. */
  abstract static class Payment extends Leaf {
    @Parameters(index = "1", paramLabel = "<amount>", description = "Credits, a decimal with at most 4 fractional digits")
    String amount;

    @Option(names = "--memo", paramLabel = "<text>", description = "Why, kept with the entries")
    String memo;

    @Mixin
    IdempotencyKey idempotency;

    Payment(Context ctx) {
      super(ctx);
    }

    abstract String path();

    /** The body's members besides amount and memo. */
    abstract void addTo(ObjectNode body);

    @Override
    void run() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("amount", amount);
      OfferCommands.putIf(body, "memo", memo);
      addTo(body);
      output().show(Fields.only(idempotency.post(client(), path(), body), ENTRY));
    }
  }

  @Command(name = "grant", description = "Grant credits to a project (admin): they come from the mint")
  static final class Grant extends Payment {
    @Parameters(index = "0", paramLabel = "<project>", description = "Project ID or name")
    String project;

    Grant(Context ctx) {
      super(ctx);
    }

    @Override
    String path() {
      return ACCOUNTS + "/" + Query.encode(project) + "/grants";
    }

    @Override
    void addTo(ObjectNode body) {}
  }

  @Command(name = "transfer", description = "Pay credits from your project to another")
  static final class Transfer extends Payment {
    @Parameters(index = "0", paramLabel = "<to>", description = "Receiving project ID or name")
    String to;

    Transfer(Context ctx) {
      super(ctx);
    }

    @Override
    String path() {
      return BASE + "/transfers";
    }

    @Override
    void addTo(ObjectNode body) {
      body.put("to", to);
    }
  }

  /** {@code --start} and {@code --end}: the window a report covers, the server's default when not given. */
  static final class Window {
    @Option(names = "--start", paramLabel = "<time>", description = "Window start (default: the server's); " + When.FORMATS)
    When start;

    @Option(names = "--end", paramLabel = "<time>", description = "Window end (default: the server's); " + When.FORMATS)
    When end;

    Query query(String path) {
      return Query.path(path).add("start", When.of(start)).add("end", When.of(end));
    }
  }

  @Command(name = "price", description = "The price index", subcommands = {PriceList.class})
  static final class PriceGroup extends Group {}

  @Command(name = "list", description = "Asking prices of free offers per resource class (credits per node-hour)")
  static final class PriceList extends Leaf {
    @Option(names = "--resource-class", paramLabel = "<class>", description = "Only this resource class")
    String resourceClass;

    @Mixin
    Window window;

    PriceList(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      String path = window.query(BASE + "/prices").add("resource_class", resourceClass).toString();
      output().list(List.of(Column.of("Resource Class", "resource_class"), Column.of("Priced Offers", "offers"),
          Column.of("Free Offers", "free_offers"), Column.of("Min", "min"), Column.of("Median", "median"), Column.of("Max", "max")),
          client().listAll(path, "prices", false));
    }
  }

  /** What one usage row is broken down by. */
  enum By { project, owner, lessee, node }

  @Command(name = "usage", description = {"Node-hours and credits per project: used and spent as lessee, lent and earned as owner.",
      "--by owner, lessee or node breaks each project's row down; --csv prints the server's CSV as it comes."})
  static final class Usage extends Leaf {
    @Mixin
    Window window;

    @Option(names = "--project", paramLabel = "<project>", description = "Only this project (admin: any; others: their own)")
    String project;

    @Option(names = "--by", paramLabel = "<by>", description = "project (default), owner, lessee or node")
    By by = By.project;

    @Option(names = "--csv", description = "The server's CSV (Accept: text/csv) instead of a table")
    boolean csv;

    Usage(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      String path = window.query(BASE + "/usage").add("project", project).toString();
      if (csv) {
        ctx.out.print(client().text(path, "text/csv"));
        return;
      }
      List<JsonNode> projects = client().listAll(path, "projects", false);
      Column project = Column.of("Project", "project");
      switch (by) {
        case project -> output().list(List.of(project, Column.of("Project ID", "project_id"),
            Column.of("Node-Hours Used", "node_hours_used"), Column.of("Credits Spent", "credits_spent"),
            Column.of("Node-Hours Lent", "node_hours_lent"), Column.of("Credits Earned", "credits_earned")), projects);
        case owner, lessee -> output().list(List.of(project, Column.of(by == By.owner ? "Owner" : "Lessee", "part.project"),
            Column.of("Node-Hours", "part.node_hours"), Column.of("Credits", "part.credits")), parts(projects, "by_" + by));
        case node -> output().list(List.of(project, Column.of("Node", "part.node"), Column.of("Node UUID", "part.node_uuid"),
            Column.of("Node-Hours Lent", "part.node_hours_lent"), Column.of("Credits Earned", "part.credits_earned")),
            parts(projects, "by_node"));
      }
    }

    /** One row per member of each project's {@code key} list: {"project": ..., "part": member}. */
    private static List<JsonNode> parts(List<JsonNode> projects, String key) {
      List<JsonNode> rows = new ArrayList<>();
      for (JsonNode p : projects) {
        for (JsonNode part : p.path(key)) {
          ObjectNode row = JsonNodeFactory.instance.objectNode();
          row.set("project", p.path("project"));
          row.set("part", part);
          rows.add(row);
        }
      }
      return rows;
    }
  }

  @Command(name = "bid", description = "Bids: N machines matching a spec for a window, at most a price",
      subcommands = {BidCreate.class, BidList.class, BidShow.class, BidCancel.class})
  static final class BidGroup extends Group {}

  static List<Column> bidColumns() {
    return List.of(Column.of("UUID", "uuid"), Column.of("Status", "status"), Column.of("Quantity", "quantity"),
        Column.of("Resource Class", "resource_class"), Column.of("Start Time", "start_time"), Column.of("End Time", "end_time"),
        Column.of("Duration", "duration"), Column.of("Max Price", "max_price"), Column.of("Cost", "cost"));
  }

  @Command(name = "create", description = {"Bid for --quantity machines of a resource class, at most --max-price credits per node-hour.",
      "Give a fixed window (--start-time and --end-time) or a --duration to place between --not-before and --not-after.",
      "All or nothing unless --partial."})
  static final class BidCreate extends Leaf {
    @Option(names = "--quantity", required = true, paramLabel = "<n>", description = "How many machines")
    int quantity;

    @Option(names = "--resource-class", required = true, paramLabel = "<class>", description = "Resource class of the machines")
    String resourceClass;

    @Option(names = "--property", paramLabel = "<key op value>", description = "Machines must match, e.g. \"cpus>=32\" (repeatable)")
    List<String> properties;

    @Option(names = "--start-time", paramLabel = "<time>", description = "Fixed window start; " + When.FORMATS)
    When startTime;

    @Option(names = "--end-time", paramLabel = "<time>", description = "Fixed window end; " + When.FORMATS)
    When endTime;

    @Option(names = "--duration", paramLabel = "<iso duration>", description = "Flexible: how long, e.g. PT48H")
    String duration;

    @Option(names = "--not-before", paramLabel = "<time>", description = "With --duration: the earliest start; " + When.FORMATS)
    When notBefore;

    @Option(names = "--not-after", paramLabel = "<time>", description = "With --duration: the latest end; " + When.FORMATS)
    When notAfter;

    @Option(names = "--max-price", required = true, paramLabel = "<price>", description = "At most this many credits per node-hour")
    String maxPrice;

    @Option(names = "--partial", description = "Take fewer than --quantity machines when not all fit (default: all or nothing)")
    boolean partial;

    @Option(names = "--expires-at", paramLabel = "<time>", description = "The bid expires unmatched at this time; " + When.FORMATS)
    When expiresAt;

    @Mixin
    IdempotencyKey idempotency;

    BidCreate(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      boolean fixed = startTime != null || endTime != null;
      boolean flexible = duration != null || notBefore != null || notAfter != null;
      if (fixed == flexible) {
        throw usage("give either --start-time and --end-time, or --duration with --not-before and --not-after");
      }
      if (fixed && (startTime == null || endTime == null)) {
        throw usage("--start-time and --end-time go together");
      }
      if (flexible && (duration == null || notBefore == null || notAfter == null)) {
        throw usage("--duration needs --not-before and --not-after");
      }
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("quantity", quantity);
      body.put("resource_class", resourceClass);
      ArrayNode props = body.putArray("properties");
      (properties == null ? List.<String>of() : properties).forEach(props::add);
      OfferCommands.putIf(body, "start_time", When.of(startTime));
      OfferCommands.putIf(body, "end_time", When.of(endTime));
      OfferCommands.putIf(body, "duration", duration);
      OfferCommands.putIf(body, "not_before", When.of(notBefore));
      OfferCommands.putIf(body, "not_after", When.of(notAfter));
      body.put("max_price", maxPrice);
      body.put("all_or_nothing", !partial);
      OfferCommands.putIf(body, "expires_at", When.of(expiresAt));
      output().show(Fields.sorted(idempotency.post(client(), BIDS, body), Set.of()));
    }
  }

  @Command(name = "list", description = "List bids (admin: every project's; others: their own)")
  static final class BidList extends Leaf {
    BidList(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().list(bidColumns(), client().listAll(BIDS, "bids", true));
    }
  }

  @Command(name = "show", description = "Show a bid, with its leases and cost once matched")
  static final class BidShow extends Leaf {
    @Parameters(paramLabel = "<uuid>", description = "Bid UUID")
    String uuid;

    BidShow(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      output().show(Fields.sorted(client().get(BIDS + "/" + Query.encode(uuid)), Set.of()));
    }
  }

  @Command(name = "cancel", description = "Cancel open bids (a matched bid cannot be cancelled: end its leases)")
  static final class BidCancel extends Leaf {
    @Parameters(paramLabel = "<uuid>", arity = "1..*", description = "Bid UUIDs")
    List<String> uuids;

    BidCancel(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      for (String u : uuids) {
        client().delete(BIDS + "/" + Query.encode(u));
        ctx.out.println("Cancelled bid " + u);
      }
    }
  }
}
