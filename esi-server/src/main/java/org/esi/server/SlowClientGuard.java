package org.esi.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps clients that send slowly from tying up the instance. Jetty's idle timeout restarts with every
 * byte, so a client dribbling one byte every few seconds could otherwise hold a connection (and the
 * thread reading its body) forever. Two rules, applied to every accepted connection:
 * <ul>
 *   <li>one client address may hold at most {@code maxConnectionsPerAddress} connections; the rest are
 *       closed as soon as they are accepted, before a byte is read;</li>
 *   <li>a request's headers, and then its body, must each arrive within {@code readTimeout}; a client
 *       still sending after that has its connection closed.</li>
 * </ul>
 */
final class SlowClientGuard implements Connection.Listener {
    private static final Logger log = LoggerFactory.getLogger(SlowClientGuard.class);

    private final long readTimeoutMs;
    private final int maxConnectionsPerAddress;
    private final ConcurrentHashMap<InetAddress, AtomicInteger> open = new ConcurrentHashMap<>();
    /** A closed socket no longer knows its peer, so each counted connection remembers whom it counts against. */
    private final ConcurrentHashMap<Connection, InetAddress> counted = new ConcurrentHashMap<>();

    SlowClientGuard(HttpLimits limits) {
        this.readTimeoutMs = limits.requestReadTimeout().toMillis();
        this.maxConnectionsPerAddress = limits.maxConnectionsPerAddress();
    }

    @Override
    public void onOpened(Connection connection) {
        // Under TLS the same socket carries two connections (TLS, then HTTP); count only the outer one.
        InetAddress address = networkAddress(connection);
        if (address != null) {
            counted.put(connection, address);
            int count = open.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
            if (count > maxConnectionsPerAddress) {
                log.warn("Closing a connection from {}: it already holds {} (http.max-connections-per-address)",
                        address.getHostAddress(), maxConnectionsPerAddress);
                connection.getEndPoint().close();
                return;
            }
        }
        if (connection instanceof HttpConnection http) {
            new Watch(http).schedule();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        InetAddress address = counted.remove(connection);
        if (address != null) {
            open.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
        }
    }

    private static InetAddress networkAddress(Connection connection) {
        EndPoint endPoint = connection.getEndPoint();
        if (endPoint instanceof org.eclipse.jetty.io.SocketChannelEndPoint
                && endPoint.getRemoteSocketAddress() instanceof InetSocketAddress remote) {
            return remote.getAddress();
        }
        return null;
    }

    /**
     * Looks at one connection a few times per timeout. The parser tells whether the client is part-way
     * through sending a request; the request counter tells whether it is still the same request.
     */
    private final class Watch implements Runnable {
        private final HttpConnection http;
        private long request = -1;
        private long readingSince;

        Watch(HttpConnection http) {
            this.http = http;
        }

        void schedule() {
            http.getConnector().getScheduler().schedule(this, Math.max(1, readTimeoutMs / 4), TimeUnit.MILLISECONDS);
        }

        @Override
        public void run() {
            EndPoint endPoint = http.getEndPoint();
            // An upgraded connection (the console's WebSocket) is no longer HTTP requests to time.
            if (!endPoint.isOpen() || endPoint.getConnection() != http) {
                return;
            }
            HttpParser parser = http.getParser();
            boolean reading = (parser.inHeaderState() && !parser.isStart()) || parser.inContentState();
            long now = System.nanoTime();
            long messages = http.getMessagesIn();
            if (!reading) {
                request = -1;
            } else if (request != messages) {
                // Headers complete bump the counter, so the body gets its own full allowance.
                request = messages;
                readingSince = now;
            } else if (TimeUnit.NANOSECONDS.toMillis(now - readingSince) >= readTimeoutMs) {
                log.info("Closing a connection from {}: its request took longer than {} ms to arrive (http.request-read-timeout)",
                        addressOf(endPoint), readTimeoutMs);
                endPoint.close();
                return;
            }
            schedule();
        }
    }

    private static String addressOf(EndPoint endPoint) {
        return endPoint.getRemoteSocketAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "?";
    }
}
