package org.esi.event;

/** Told about every event after the transaction that recorded it committed (e.g. to send webhooks). */
@FunctionalInterface
public interface EventListener {
    void committed(Event event);
}
