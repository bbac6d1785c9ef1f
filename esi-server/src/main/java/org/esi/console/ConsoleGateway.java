package org.esi.console;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esi.http.ApiException;
import org.esi.http.SafeLog;
import org.esi.spi.BmcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console for socat, which is what the upstream {@code openstack esi node console connect} runs on a
 * node's {@code console_info.url}. socat speaks no WebSocket and sends no headers, but it does speak HTTP
 * CONNECT (its {@code PROXY:} address), so this small listener is a CONNECT "proxy" whose only
 * destinations are console tokens: {@code CONNECT <token>:<any port> HTTP/1.x} is answered {@code 200}
 * and then carries the raw console both ways, or refused with the HTTP status and reason the WebSocket
 * doors give. It is a plain TCP stream (like Ironic's socat console and ESI-Leap's {@code ws://} proxy):
 * the token is short-lived, opens one node's console, and ends with the caller's rights.
 */
public final class ConsoleGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsoleGateway.class);
    private static final Pattern CONNECT = Pattern.compile("CONNECT (\\S+):(\\d{1,5}) HTTP/1\\.[01]");
    /** A request head is one line and maybe a few headers; anything bigger is not a console client. */
    static final int MAX_HEAD = 4096;
    /** Connections still sending their request at once; more are dropped so slow clients cannot pile up. */
    static final int MAX_HANDSHAKES = 64;

    private final ConsoleAdmission admission;
    private final ConsoleBridge bridge;
    private final Duration handshakeTimeout;
    private final ServerSocket server;
    private final Semaphore handshakes = new Semaphore(MAX_HANDSHAKES);
    private final Thread acceptor;

    private ConsoleGateway(ConsoleAdmission admission, ConsoleBridge bridge, Duration handshakeTimeout, ServerSocket server) {
        this.admission = admission;
        this.bridge = bridge;
        this.handshakeTimeout = handshakeTimeout;
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("console-gateway").unstarted(this::accept);
    }

    /** Listens on {@code address}:{@code port} (0: any free port) and starts accepting. */
    public static ConsoleGateway start(ConsoleAdmission admission, ConsoleBridge bridge, String address, int port,
                                       Duration handshakeTimeout) throws IOException {
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        } catch (IOException e) {
            s.close();
            throw new IOException("console gateway cannot listen on " + address + ":" + port + ": " + e.getMessage(), e);
        }
        ConsoleGateway g = new ConsoleGateway(admission, bridge, handshakeTimeout, s);
        g.acceptor.start();
        return g;
    }

    public int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                if (!handshakes.tryAcquire()) {
                    s.close();
                    continue;
                }
                Thread.ofVirtual().name("console-gateway-conn").start(() -> serve(s));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.warn("Console gateway accept failed: {}", e.toString());
                }
            }
        }
    }

    private void serve(Socket socket) {
        ConsoleBridge.Session session = null;
        try (socket) {
            ConsoleAdmission.Admitted admitted;
            try {
                socket.setSoTimeout((int) handshakeTimeout.toMillis());
                admitted = admission.byConsoleToken(target(readHead(socket.getInputStream())));
            } catch (ApiException e) {
                refuse(socket, e.kind().status(), e.getMessage());
                return;
            } catch (SocketTimeoutException e) {
                refuse(socket, 408, "No CONNECT request within " + handshakeTimeout.toSeconds() + "s");
                return;
            } catch (RuntimeException e) {
                log.warn("Console gateway could not admit a client: {}", SafeLog.redacted(e).toString());
                refuse(socket, 503, "The console could not be opened; try again");
                return;
            } finally {
                handshakes.release();
            }
            OutputStream out = socket.getOutputStream();
            ConsoleBridge.Client client = new ConsoleBridge.Client() {
                @Override
                public void send(byte[] data, int offset, int length) throws IOException {
                    synchronized (out) {
                        out.write(data, offset, length);
                        out.flush();
                    }
                }

                @Override
                public void close(int code, String reason) {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // already gone
                    }
                }
            };
            try {
                session = bridge.open(admitted.node(), client, admitted.stillAllowed());
            } catch (ConsoleBridge.Busy e) {
                refuse(socket, 409, e.getMessage());
                return;
            } catch (BmcException | RuntimeException e) {
                log.info("Console of node {} could not be opened: {}", admitted.node().uuid(), e.getMessage());
                refuse(socket, 502, "The node's BMC console could not be opened");
                return;
            }
            // The 200 only after the BMC console is open: a refusal above is still an HTTP answer socat prints.
            synchronized (out) {
                out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            socket.setSoTimeout(0); // idleness is the bridge's to judge, the same for every kind of client
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                session.toMachine(buf, 0, n);
            }
        } catch (IOException e) {
            log.debug("Console gateway connection ended: {}", e.toString());
        } finally {
            if (session != null) {
                session.close("client left");
            }
        }
    }

    /** The request head up to its blank line, at most {@link #MAX_HEAD} bytes. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last = 0; // the last four bytes, to spot the blank line without rescanning
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            last = (last << 8) | b;
            if (last == 0x0d0a0d0a || (last & 0xffff) == 0x0a0a) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
            if (head.size() >= MAX_HEAD) {
                throw ApiException.badRequest("The request head is longer than " + MAX_HEAD + " bytes");
            }
        }
        throw ApiException.badRequest("The connection ended before a complete CONNECT request");
    }

    /** The console token a CONNECT request names as its host. */
    static String target(String head) {
        String first = head.lines().findFirst().orElse("");
        Matcher m = CONNECT.matcher(first);
        if (!m.matches()) {
            throw ApiException.badRequest("Expected 'CONNECT <console token>:<port> HTTP/1.1' (socat's PROXY address)");
        }
        return m.group(1);
    }

    private static void refuse(Socket socket, int status, String message) {
        // A reason phrase is one line of visible ASCII; our messages are, but make sure.
        String reason = message.replaceAll("[^\\x20-\\x7e]", " ");
        String body = reason + "\n";
        String answer = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body;
        try {
            OutputStream out = socket.getOutputStream();
            out.write(answer.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException ignored) {
            // the client left; nothing to tell it
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.debug("Closing console gateway: {}", e.toString());
        }
    }
}
