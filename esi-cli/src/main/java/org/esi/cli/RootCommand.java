package org.esi.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code esi}: the global options. They are inherited by every subcommand so that, as with the
 * OpenStack client, {@code esi node list -f json} and {@code esi -f json node list} both work.
 */
@Command(name = "esi", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "esi 0.1.0",
    description = "Client for ESI, the bare-metal leasing service.",
    subcommands = {
        LoginCommands.Login.class, LoginCommands.Logout.class,
        ProjectCommands.class, UserCommands.class, RoleCommands.class,
        NodeCommands.class, PortCommands.class,
        OfferCommands.class, LeaseCommands.class, EventCommands.class,
        NetworkCommands.class, TrunkCommands.class, SwitchCommands.class,
        PoolCommands.class, ClusterCommands.class, QuotaCommands.class,
        AuditCommands.class, MarketCommands.class, SiteCommands.class
    })
final class RootCommand extends Group {
  @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "<url>",
      description = "ESI server URL (env ESI_URL; default: the URL of the last login, else " + Context.DEFAULT_URL + ")")
  String url;

  @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "<token>",
      description = "Auth token (env ESI_TOKEN; default: the token stored by esi login)")
  String token;

  @Option(names = "--insecure", scope = ScopeType.INHERIT, description = "Accept any TLS certificate (self-signed servers)")
  boolean insecure;

  @Option(names = {"-f", "--format"}, scope = ScopeType.INHERIT, paramLabel = "<format>",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: table)")
  Output.Format format = Output.Format.table;

  @Option(names = {"-c", "--column"}, scope = ScopeType.INHERIT, paramLabel = "<column>",
      description = "Column to show (repeatable), by its heading")
  List<String> columns = new ArrayList<>();
}
