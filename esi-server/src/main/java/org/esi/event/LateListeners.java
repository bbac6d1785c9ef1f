package org.esi.event;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Listeners that join after the producer of events is built: the pool reconciler needs the lease service, which
 * needs the lifecycle that publishes lease events, so the reconciler can only start listening once it exists.
 */
public final class LateListeners implements EventListener {
    private final List<EventListener> listeners = new CopyOnWriteArrayList<>();

    public void add(EventListener listener) {
        listeners.add(listener);
    }

    @Override
    public void committed(Event event) {
        for (EventListener l : listeners) {
            l.committed(event);
        }
    }
}
