package org.esi.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.esi.http.SafeLog;
import org.esi.node.DriverRegistry;
import org.esi.node.Node;
import org.esi.node.NodeService;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;
import org.esi.spi.ConsoleStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pipes bytes between a client (a WebSocket, a socat TCP stream) and a node's BMC console. Every entry
 * point shares this: one session per node per instance, the BMC console closed when either side ends,
 * after an idle period or at the absolute limit, and a watchdog that ends the session once the caller
 * is no longer allowed (console disabled, token revoked, lease over), so access ends when rights do.
 */
public final class ConsoleBridge {
    private static final Logger log = LoggerFactory.getLogger(ConsoleBridge.class);
    public static final Duration DEFAULT_IDLE = Duration.ofMinutes(30);
    public static final Duration DEFAULT_ABSOLUTE = Duration.ofHours(8);
    /** How often an open session re-checks that its caller may still use the console. */
    public static final Duration DEFAULT_RECHECK = Duration.ofSeconds(2);
    /** WebSocket close codes (application range; 44xx mirror the HTTP statuses). */
    public static final int CLOSE_NORMAL = 1000;
    public static final int CLOSE_ERROR = 1011;
    public static final int CLOSE_REVOKED = 4403;
    public static final int CLOSE_BUSY = 4409;

    /** The client's half: where the machine's output goes, and how to hang up on it. */
    public interface Client {
        void send(byte[] data, int offset, int length) throws IOException;

        /** Ends the client side; {@code code} is a WebSocket close code (a raw stream just closes). */
        void close(int code, String reason);
    }

    /** Another session holds the node's console on this instance. */
    public static final class Busy extends Exception {
        Busy(UUID node) {
            super("The console of node " + node + " is in use by another session");
        }
    }

    private final NodeService nodes;
    private final DriverRegistry drivers;
    private final Duration idle;
    private final Duration absolute;
    private final Duration recheck;
    private final Map<UUID, Session> sessions = new ConcurrentHashMap<>();

    public ConsoleBridge(NodeService nodes, DriverRegistry drivers) {
        this(nodes, drivers, DEFAULT_IDLE, DEFAULT_ABSOLUTE, DEFAULT_RECHECK);
    }

    public ConsoleBridge(NodeService nodes, DriverRegistry drivers, Duration idle, Duration absolute, Duration recheck) {
        this.nodes = nodes;
        this.drivers = drivers;
        this.idle = idle;
        this.absolute = absolute;
        this.recheck = recheck;
    }

    public Duration idle() {
        return idle;
    }

    /** Whether a session holds the node's console here (advisory: {@link #open} is the atomic claim). */
    public boolean busy(UUID node) {
        return sessions.containsKey(node);
    }

    /** Number of open console sessions (for tests and metrics). */
    public int openSessions() {
        return sessions.size();
    }

    /**
     * Claims the node's console for {@code client} and starts piping the machine's output to it. The
     * caller feeds the client's input through {@link Session#toMachine} and calls {@link Session#close}
     * when its side ends. {@code stillAllowed} is asked every few seconds; false ends the session.
     */
    public Session open(Node node, Client client, BooleanSupplier stillAllowed) throws Busy, BmcException {
        Session s = new Session(node.uuid(), client, stillAllowed);
        if (sessions.putIfAbsent(node.uuid(), s) != null) {
            throw new Busy(node.uuid());
        }
        try {
            s.bmc = drivers.open(node, nodes.unsealedDriverInfo(node));
            s.console = s.bmc.openConsole();
        } catch (BmcException | RuntimeException e) {
            s.close("could not open: " + e.getMessage());
            throw e;
        }
        s.pump = Thread.ofVirtual().name("console-" + node.uuid()).start(s::pump);
        s.watchdog = Thread.ofVirtual().name("console-watch-" + node.uuid()).start(s::watch);
        return s;
    }

    /** One client on one node's console. */
    public final class Session {
        private final UUID node;
        private final Client client;
        private final BooleanSupplier stillAllowed;
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile long lastActivity = System.nanoTime();
        private volatile BmcSession bmc;
        private volatile ConsoleStream console;
        private volatile Thread pump;
        private volatile Thread watchdog;

        private Session(UUID node, Client client, BooleanSupplier stillAllowed) {
            this.node = node;
            this.client = client;
            this.stillAllowed = stillAllowed;
        }

        /** Client to machine. A failed write ends the session. */
        public void toMachine(byte[] data, int offset, int length) {
            if (closed.get() || console == null) {
                return;
            }
            lastActivity = System.nanoTime();
            try {
                OutputStream out = console.toMachine();
                out.write(data, offset, length);
                out.flush();
            } catch (IOException e) {
                hangUp(CLOSE_ERROR, "console write failed");
            }
        }

        public boolean isClosed() {
            return closed.get();
        }

        /** Machine to client, until the console or the client ends. */
        private void pump() {
            byte[] buf = new byte[8192];
            try {
                InputStream in = console.fromMachine();
                int n;
                while (!closed.get() && (n = in.read(buf)) >= 0) {
                    if (n > 0) {
                        lastActivity = System.nanoTime();
                        client.send(buf, 0, n);
                    }
                }
                hangUp(CLOSE_NORMAL, "console ended");
            } catch (IOException | RuntimeException e) {
                if (!closed.get()) {
                    log.debug("Console of node {} ended: {}", node, e.toString());
                }
                hangUp(CLOSE_ERROR, "console error");
            }
        }

        /** The limits and the re-check of the caller's right, in one place for every kind of client. */
        private void watch() {
            long start = System.nanoTime();
            try {
                while (!closed.get()) {
                    Thread.sleep(recheck);
                    long now = System.nanoTime();
                    if (now - start >= absolute.toNanos()) {
                        hangUp(CLOSE_NORMAL, "console session time limit reached");
                    } else if (now - lastActivity >= idle.toNanos()) {
                        hangUp(CLOSE_NORMAL, "console session idle");
                    } else if (!allowed()) {
                        hangUp(CLOSE_REVOKED, "console access was revoked");
                    }
                }
            } catch (InterruptedException e) {
                // the session ended first
            }
        }

        private boolean allowed() {
            try {
                return stillAllowed.getAsBoolean();
            } catch (RuntimeException e) {
                // A revocation needs the database too; a database hiccup must not cut every console.
                log.debug("Console of node {}: could not re-check access ({}); keeping the session", node, SafeLog.redacted(e).toString());
                return true;
            }
        }

        /** Ends the session from our side: the client is told why, then the BMC console is released. */
        private void hangUp(int code, String reason) {
            if (closed.get()) {
                return;
            }
            try {
                client.close(code, reason);
            } catch (RuntimeException e) {
                log.debug("Closing console client of node {}: {}", node, e.toString());
            }
            close(reason);
        }

        /** Releases the BMC console and the node's claim; idempotent, callable from any side. */
        public void close(String why) {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            log.debug("Console of node {} closing: {}", node, why);
            try {
                if (console != null) {
                    console.close();
                }
            } catch (RuntimeException e) {
                log.debug("Closing console of node {}: {}", node, e.toString());
            }
            try {
                if (bmc != null) {
                    bmc.close();
                }
            } catch (Exception e) {
                log.debug("Closing BMC session of node {}: {}", node, e.toString());
            }
            Thread w = watchdog;
            if (w != null) {
                w.interrupt();
            }
            sessions.remove(node, this);
        }
    }
}
