package org.esi.identity;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Slows password guessing without letting a stranger lock a user out. Failures are counted per (user,
 * client address) and, more loosely, per client address alone, in the database so that every instance
 * shares one count. A login from an address that has not failed is never refused because of failures from
 * somewhere else. Past a limit, attempts from that address are refused, before the password is checked,
 * until the window that opened with the first failure closes.
 */
public final class LoginThrottle {
    /** How long to wait before trying again; the caller turns it into {@code Retry-After}. */
    public record Refusal(Duration retryAfter) {}

    private final Jdbi jdbi;
    private final Clock clock;
    private final int perUserAndAddress;
    private final int perAddress;
    private final Duration window;

    public LoginThrottle(Jdbi jdbi, Clock clock, int perUserAndAddress, int perAddress, Duration window) {
        if (perUserAndAddress < 1 || perAddress < perUserAndAddress || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("login throttle limits must be positive, per address at least per user");
        }
        this.jdbi = jdbi;
        this.clock = clock;
        this.perUserAndAddress = perUserAndAddress;
        this.perAddress = perAddress;
        this.window = window;
    }

    /** Empty when the attempt may go ahead. */
    public Optional<Refusal> check(String user, String address) {
        Instant now = clock.instant();
        String client = client(address);
        List<Bucket> open = jdbi.withHandle(h -> h.createQuery("""
                        select bucket, failures, window_start from login_throttle
                        where bucket in (<buckets>) and window_start > :cutoff""")
                .bindList("buckets", List.of(userBucket(user, client), addressBucket(client)))
                .bind("cutoff", utc(now.minus(window)))
                .map((rs, c) -> new Bucket(rs.getString("bucket"), rs.getInt("failures"),
                        rs.getObject("window_start", OffsetDateTime.class).toInstant()))
                .list());
        Instant until = null;
        for (Bucket b : open) {
            int limit = b.name().startsWith("a:") ? perAddress : perUserAndAddress;
            if (b.failures() >= limit) {
                Instant closes = b.windowStart().plus(window);
                until = until == null || closes.isAfter(until) ? closes : until;
            }
        }
        if (until == null) {
            return Optional.empty();
        }
        Duration wait = Duration.between(now, until);
        return Optional.of(new Refusal(wait.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : wait));
    }

    public void failed(String user, String address) {
        Instant now = clock.instant();
        String client = client(address);
        jdbi.useTransaction(h -> {
            for (String bucket : List.of(userBucket(user, client), addressBucket(client))) {
                // One statement, so two instances counting the same bucket at once both count.
                h.createUpdate("""
                                insert into login_throttle (bucket, failures, window_start) values (:bucket, 1, :now)
                                on conflict (bucket) do update set
                                    failures = case when login_throttle.window_start <= :cutoff then 1
                                                    else login_throttle.failures + 1 end,
                                    window_start = case when login_throttle.window_start <= :cutoff then :now
                                                        else login_throttle.window_start end""")
                        .bind("bucket", bucket).bind("now", utc(now)).bind("cutoff", utc(now.minus(window)))
                        .execute();
            }
            // Closed windows are worth nothing; a failed login is rare enough to pay for the sweep.
            h.createUpdate("delete from login_throttle where window_start <= :cutoff")
                    .bind("cutoff", utc(now.minus(window))).execute();
        });
    }

    /** A good password forgives this address's failures for this user; the address's own count stays. */
    public void succeeded(String user, String address) {
        jdbi.useHandle(h -> h.createUpdate("delete from login_throttle where bucket = :bucket")
                .bind("bucket", userBucket(user, client(address))).execute());
    }

    private static String userBucket(String user, String client) {
        // No user has a longer name or id; a longer key still counts, in a bucket of its own prefix.
        return "u:" + client + " " + (user.length() > 255 ? user.substring(0, 255) : user);
    }

    private static String addressBucket(String client) {
        return "a:" + client;
    }

    /**
     * The unit one client controls: an IPv4 address, or the /64 an IPv6 host is usually handed (it can
     * pick any address inside it).
     */
    static String client(String address) {
        if (address == null || !address.matches("[0-9A-Fa-f:.]+")) {
            // Jetty hands us a literal address; never let anything else reach a name lookup.
            return String.valueOf(address);
        }
        try {
            byte[] raw = InetAddress.getByName(address).getAddress();
            if (raw.length == 16) {
                for (int i = 8; i < 16; i++) {
                    raw[i] = 0;
                }
                return InetAddress.getByAddress(raw).getHostAddress() + "/64";
            }
            return InetAddress.getByAddress(raw).getHostAddress();
        } catch (UnknownHostException e) {
            return address;
        }
    }

    private static OffsetDateTime utc(Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }

    private record Bucket(String name, int failures, Instant windowStart) {}
}
