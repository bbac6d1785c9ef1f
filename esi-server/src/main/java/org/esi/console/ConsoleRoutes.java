package org.esi.console;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.esi.http.ApiException;
import org.esi.http.BrowserSession;
import org.esi.spi.BmcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serial console over WebSocket, at two doors onto one {@link ConsoleBridge}:
 * <ul>
 * <li>{@code /baremetal/v1/nodes/{ident}/console/stream}: authenticated with the {@code X-Auth-Token}
 * header, or the web console's session cookie from a page of this origin (never a query parameter);</li>
 * <li>{@link #TOKEN_PATH}{@code ?token=...}: a console auth token's {@code access_url}. The token rides in
 * the URL because the clients it is for cannot send headers (ESI-Leap's and Nova's design); nothing here
 * logs request URLs, and the token is short-lived and only opens that one node's console.</li>
 * </ul>
 * Every refusal is an HTTP error before the upgrade ({@link ConsoleAdmission}: 401, 404, 403, 409). Bytes
 * are piped both ways (binary frames; text frames are taken as UTF-8).
 */
public final class ConsoleRoutes {
    private static final Logger log = LoggerFactory.getLogger(ConsoleRoutes.class);
    public static final String STREAM_PATH = "/baremetal/v1/nodes/{ident}/console/stream";
    public static final String TOKEN_PATH = "/lease/v1/console_auth_tokens/ws";
    private static final String ADMITTED = "esi.console.admitted";
    private static final String SESSION = "esi.console.session";

    private final ConsoleAdmission admission;
    private final ConsoleBridge bridge;

    public ConsoleRoutes(ConsoleAdmission admission, ConsoleBridge bridge) {
        this.admission = admission;
        this.bridge = bridge;
    }

    public void install(Javalin app) {
        door(app, STREAM_PATH, ctx -> {
            String token = ctx.header("X-Auth-Token");
            if (token == null || token.isBlank()) {
                token = BrowserSession.websocketToken(ctx).orElseThrow(
                        () -> ApiException.unauthorized("The request you have made requires authentication (no X-Auth-Token)."));
            }
            return admission.byKeystoneToken(token, ctx.pathParam("ident"));
        });
        door(app, TOKEN_PATH, ctx -> {
            String token = ctx.queryParam("token");
            if (token == null || token.isBlank()) {
                throw ApiException.unauthorized("A console token is required (?token=, from POST /lease/v1/console_auth_tokens)");
            }
            return admission.byConsoleToken(token.trim());
        });
    }

    private void door(Javalin app, String path, Function<Context, ConsoleAdmission.Admitted> admit) {
        app.wsBeforeUpgrade(path, ctx -> ctx.attribute(ADMITTED, admit.apply(ctx)));
        app.ws(path, this::pipe);
    }

    private void pipe(WsConfig ws) {
        ws.onConnect(this::connected);
        ws.onBinaryMessage(ctx -> toMachine(ctx, ctx.data(), ctx.offset(), ctx.length()));
        ws.onMessage(ctx -> {
            byte[] b = ctx.message().getBytes(StandardCharsets.UTF_8);
            toMachine(ctx, b, 0, b.length);
        });
        ws.onClose(ctx -> end(ctx, "socket closed"));
        ws.onError(ctx -> end(ctx, "socket error"));
    }

    private void connected(WsContext ctx) {
        ConsoleAdmission.Admitted admitted = ctx.attribute(ADMITTED);
        if (admitted == null) {
            ctx.closeSession(ConsoleBridge.CLOSE_ERROR, "no node");
            return;
        }
        ctx.session.setIdleTimeout(bridge.idle());
        ConsoleBridge.Client client = new ConsoleBridge.Client() {
            @Override
            public void send(byte[] data, int offset, int length) {
                ctx.send(ByteBuffer.wrap(data, offset, length));
            }

            @Override
            public void close(int code, String reason) {
                ctx.closeSession(code, reason);
            }
        };
        try {
            ctx.attribute(SESSION, bridge.open(admitted.node(), client, admitted.stillAllowed()));
        } catch (ConsoleBridge.Busy e) {
            // The check before the upgrade is advisory; the bridge's claim is the atomic one.
            ctx.closeSession(ConsoleBridge.CLOSE_BUSY, "console in use by another session");
        } catch (BmcException | RuntimeException e) {
            log.info("Console of node {} could not be opened: {}", admitted.node().uuid(), e.getMessage());
            ctx.closeSession(ConsoleBridge.CLOSE_ERROR, e instanceof BmcException ? "BMC: " + clip(e.getMessage()) : "console unavailable");
        }
    }

    private void toMachine(WsContext ctx, byte[] data, int offset, int length) {
        ConsoleBridge.Session s = ctx.attribute(SESSION);
        if (s != null) {
            s.toMachine(data, offset, length);
        }
    }

    private void end(WsContext ctx, String why) {
        ConsoleBridge.Session s = ctx.attribute(SESSION);
        if (s != null) {
            s.close(why);
        }
    }

    /** Close reasons are limited to 123 bytes. */
    static String clip(String m) {
        if (m == null) {
            return "";
        }
        return m.length() > 100 ? m.substring(0, 100) : m;
    }
}
