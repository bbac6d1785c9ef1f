package org.esi.event;

import java.time.Instant;
import java.util.UUID;

/** One recorded transition, as ESI-Leap's event list shows it. */
public record Event(long id, String eventType, Instant eventTime, String objectType, UUID objectUuid, String resourceType,
                    UUID resourceUuid, String lesseeId, String ownerId) {}
