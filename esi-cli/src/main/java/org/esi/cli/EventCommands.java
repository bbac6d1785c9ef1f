package org.esi.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code esi event list}: the leasing event log. */
@Command(name = "event", description = "Leasing events", subcommands = EventCommands.List_.class)
final class EventCommands extends Group {

  @Command(name = "list", description = "List events, oldest first")
  static final class List_ extends Leaf {
    @Option(names = "--project", description = "Events where this project is lessee or owner (ID or name)")
    String project;

    @Option(names = "--last-event-id", description = "Only events after this id")
    Integer lastEventId;

    @Option(names = "--last-notification-time", paramLabel = "<time>", description = "Only events after this time; " + When.FORMATS)
    When lastNotificationTime;

    @Option(names = "--event-type", description = "e.g. esi_leap.lease.fulfill.end")
    String eventType;

    @Option(names = "--resource-type", description = "Only events of this resource type (ironic_node)")
    String resourceType;

    @Option(names = "--resource-uuid", description = "Only events of this resource (node UUID)")
    String resourceUuid;

    List_(Context ctx) {
      super(ctx);
    }

    @Override
    void run() {
      String path = Query.path("/lease/v1/events")
          .add("lessee_or_owner_id", project).add("last_event_id", lastEventId)
          .add("last_event_time", When.of(lastNotificationTime)).add("event_type", eventType)
          .add("resource_type", resourceType).add("resource_uuid", resourceUuid).toString();
      output().list(List.of(Column.of("ID", "id"), Column.of("Event Type", "event_type"),
          Column.of("Event Time", "event_time"), Column.of("Object Type", "object_type"),
          Column.of("Object UUID", "object_uuid"), Column.of("Resource Type", "resource_type"),
          Column.of("Resource UUID", "resource_uuid"), Column.of("Lessee ID", "lessee_id"),
          Column.of("Owner ID", "owner_id")), client().listAll(path, "events", true));
    }
  }
}
