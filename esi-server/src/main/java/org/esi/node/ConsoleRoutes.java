package org.esi.node;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.websocket.WsContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.esi.http.ApiException;
import org.esi.http.BrowserSession;
import org.esi.http.Caller;
import org.esi.http.TokenValidator;
import org.esi.policy.Policy;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;
import org.esi.spi.ConsoleStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interactive serial console over a WebSocket: {@code /baremetal/v1/nodes/{ident}/console/stream}.
 * The upgrade request authenticates with the {@code X-Auth-Token} header, or the web console's session
 * cookie from a page of this origin (never a query parameter, so the token stays out of URLs and access logs) and is refused with an HTTP error before any upgrade: 401
 * without a valid token, 404 for a node the caller may not see, 403 when the console rule denies, 409
 * when the node's console is disabled or another session holds it. Bytes are piped both ways between the
 * socket (binary frames; text frames are taken as UTF-8) and the driver's {@link ConsoleStream}; the BMC
 * console is closed when the socket closes, after an idle period, or at the absolute session limit.
 * One session per node per server instance.
 */
public final class ConsoleRoutes {
    private static final Logger log = LoggerFactory.getLogger(ConsoleRoutes.class);
    public static final String PATH = "/baremetal/v1/nodes/{ident}/console/stream";
    public static final Duration DEFAULT_IDLE = Duration.ofMinutes(30);
    public static final Duration DEFAULT_ABSOLUTE = Duration.ofHours(8);
    private static final String NODE_ATTR = "esi.console.node";
    private static final String SESSION_ATTR = "esi.console.session";
    /** Close code for "the console is taken or gone" (application range 4000-4999; 4409 mirrors HTTP 409). */
    static final int CLOSE_BUSY = 4409;

    private final NodeService nodes;
    private final DriverRegistry drivers;
    private final TokenValidator tokens;
    private final Policy policy;
    private final Duration idle;
    private final Duration absolute;
    private final Map<UUID, Session> sessions = new ConcurrentHashMap<>();

    public ConsoleRoutes(NodeService nodes, DriverRegistry drivers, TokenValidator tokens, Policy policy) {
        this(nodes, drivers, tokens, policy, DEFAULT_IDLE, DEFAULT_ABSOLUTE);
    }

    public ConsoleRoutes(NodeService nodes, DriverRegistry drivers, TokenValidator tokens, Policy policy,
                         Duration idle, Duration absolute) {
        this.nodes = nodes;
        this.drivers = drivers;
        this.tokens = tokens;
        this.policy = policy;
        this.idle = idle;
        this.absolute = absolute;
    }

    public void install(Javalin app) {
        app.wsBeforeUpgrade(PATH, this::beforeUpgrade);
        app.ws(PATH, ws -> {
            ws.onConnect(this::connected);
            ws.onBinaryMessage(ctx -> toMachine(ctx, ctx.data(), ctx.offset(), ctx.length()));
            ws.onMessage(ctx -> {
                byte[] b = ctx.message().getBytes(StandardCharsets.UTF_8);
                toMachine(ctx, b, 0, b.length);
            });
            ws.onClose(ctx -> end(ctx, "socket closed"));
            ws.onError(ctx -> end(ctx, "socket error"));
        });
    }

    /** Number of open console sessions (for tests and metrics). */
    public int openSessions() {
        return sessions.size();
    }

    /** Every refusal happens here, as an ordinary HTTP error answer, so clients see a status and no upgrade. */
    private void beforeUpgrade(Context ctx) {
        String token = ctx.header("X-Auth-Token");
        if (token == null || token.isBlank()) {
            token = BrowserSession.websocketToken(ctx).orElseThrow(
                    () -> ApiException.unauthorized("The request you have made requires authentication (no X-Auth-Token)."));
        }
        Caller caller = tokens.validate(token.trim()).orElseThrow(() -> ApiException.unauthorized("The token is unknown, expired or revoked."));
        String ident = ctx.pathParam("ident");
        Node node = nodes.lookup(ident).orElseThrow(() -> ApiException.notFound("Node " + ident + " could not be found."));
        Map<String, Object> target = NodeRoutes.target(node);
        if (!policy.enforce("baremetal:node:get", caller.credentials(), target)) {
            throw ApiException.notFound("Node " + ident + " could not be found.");
        }
        if (!policy.enforce("baremetal:node:get_console", caller.credentials(), target)) {
            throw ApiException.forbidden("Access was denied to this resource (policy baremetal:node:get_console)");
        }
        if (!node.consoleEnabled()) {
            throw ApiException.conflict("The console of node " + node.uuid() + " is disabled; enable it with PUT /baremetal/v1/nodes/"
                    + node.uuid() + "/states/console {\"enabled\": true}");
        }
        if (sessions.containsKey(node.uuid())) {
            throw ApiException.conflict("The console of node " + node.uuid() + " is in use by another session");
        }
        ctx.attribute(NODE_ATTR, node);
    }

    private void connected(WsContext ctx) {
        Node node = ctx.attribute(NODE_ATTR);
        if (node == null) {
            ctx.closeSession(1011, "no node");
            return;
        }
        Session s = new Session(node.uuid(), ctx);
        // The check before the upgrade is advisory; this is the atomic claim.
        if (sessions.putIfAbsent(node.uuid(), s) != null) {
            ctx.closeSession(CLOSE_BUSY, "console in use by another session");
            return;
        }
        ctx.attribute(SESSION_ATTR, s);
        try {
            s.bmc = drivers.open(node, nodes.unsealedDriverInfo(node));
            s.console = s.bmc.openConsole();
        } catch (BmcException | RuntimeException e) {
            log.info("Console of node {} could not be opened: {}", node.uuid(), e.getMessage());
            s.close();
            ctx.closeSession(1011, e instanceof BmcException ? "BMC: " + clip(e.getMessage()) : "console unavailable");
            return;
        }
        ctx.session.setIdleTimeout(idle);
        s.pump = Thread.ofVirtual().name("console-" + node.uuid()).start(() -> pump(s));
        s.deadline = Thread.ofVirtual().name("console-limit-" + node.uuid()).start(() -> {
            try {
                Thread.sleep(absolute);
                s.ctx.closeSession(1000, "console session time limit reached");
            } catch (InterruptedException e) {
                // session ended first
            } catch (RuntimeException e) {
                s.close();
            }
        });
    }

    /** Machine to socket, until the console ends. */
    private void pump(Session s) {
        byte[] buf = new byte[8192];
        try {
            InputStream in = s.console.fromMachine();
            int n;
            while (!s.closed.get() && (n = in.read(buf)) >= 0) {
                if (n > 0) {
                    s.ctx.send(ByteBuffer.wrap(buf, 0, n));
                }
            }
            if (!s.closed.get()) {
                s.ctx.closeSession(1000, "console ended");
            }
        } catch (IOException | RuntimeException e) {
            if (!s.closed.get()) {
                log.debug("Console of node {} ended: {}", s.node, e.toString());
                try {
                    s.ctx.closeSession(1011, "console error");
                } catch (RuntimeException ignored) {
                    // the socket is gone already
                }
            }
        } finally {
            s.close();
        }
    }

    private void toMachine(WsContext ctx, byte[] data, int offset, int length) {
        Session s = ctx.attribute(SESSION_ATTR);
        if (s == null || s.console == null || s.closed.get()) {
            return;
        }
        try {
            OutputStream out = s.console.toMachine();
            out.write(data, offset, length);
            out.flush();
        } catch (IOException e) {
            ctx.closeSession(1011, "console write failed");
            s.close();
        }
    }

    private void end(WsContext ctx, String why) {
        Session s = ctx.attribute(SESSION_ATTR);
        if (s != null) {
            log.debug("Console of node {} closing: {}", s.node, why);
            s.close();
        }
    }

    private static String clip(String m) {
        if (m == null) {
            return "";
        }
        // Close reasons are limited to 123 bytes.
        return m.length() > 100 ? m.substring(0, 100) : m;
    }

    private final class Session {
        final UUID node;
        final WsContext ctx;
        final AtomicBoolean closed = new AtomicBoolean();
        volatile BmcSession bmc;
        volatile ConsoleStream console;
        volatile Thread pump;
        volatile Thread deadline;

        Session(UUID node, WsContext ctx) {
            this.node = node;
            this.ctx = ctx;
        }

        void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
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
            Thread d = deadline;
            if (d != null) {
                d.interrupt();
            }
            sessions.remove(node, this);
        }
    }
}
