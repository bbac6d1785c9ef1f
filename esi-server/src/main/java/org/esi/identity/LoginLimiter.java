package org.esi.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed logins per user name and per client address over a sliding window; past the limit,
 * further attempts are refused before the password is even checked. Per instance by design: it slows
 * guessing without a database write on every failure.
 */
public final class LoginLimiter {
    private final Clock clock;
    private final int maxFailures;
    private final Duration window;
    private final ConcurrentHashMap<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

    public LoginLimiter(Clock clock, int maxFailures, Duration window) {
        this.clock = clock;
        this.maxFailures = maxFailures;
        this.window = window;
    }

    public boolean blocked(String userName, String address) {
        return count("u:" + userName) >= maxFailures || count("a:" + address) >= maxFailures * 3;
    }

    public void failed(String userName, String address) {
        add("u:" + userName);
        add("a:" + address);
    }

    public void succeeded(String userName) {
        failures.remove("u:" + userName);
    }

    private int count(String key) {
        Deque<Instant> q = failures.get(key);
        if (q == null) {
            return 0;
        }
        synchronized (q) {
            prune(q);
            return q.size();
        }
    }

    private void add(String key) {
        if (failures.size() > 50_000) {
            failures.clear();
        }
        Deque<Instant> q = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (q) {
            prune(q);
            q.addLast(clock.instant());
        }
    }

    private void prune(Deque<Instant> q) {
        Instant cutoff = clock.instant().minus(window);
        while (!q.isEmpty() && q.peekFirst().isBefore(cutoff)) {
            q.removeFirst();
        }
    }
}
