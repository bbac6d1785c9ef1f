package org.esi.console;

import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The console's clients as a user runs them: a WebSocket on an access_url, and socat the way python-esiclient
 * runs it. Public for esi-app's console tests, which open the WebSocket with their own headers.
 */
public final class ConsoleClients {
    static final Path SOCAT = Path.of("/usr/bin/socat");

    private ConsoleClients() {}

    /** A WebSocket console client; collects what the machine says and how the socket closed. */
    public static final class Ws implements WebSocket.Listener {
        public final StringBuffer received = new StringBuffer();
        public final CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket socket;

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            received.append(new String(b, StandardCharsets.UTF_8));
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            received.append(data);
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        void type(String text) throws Exception {
            socket.sendBinary(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), true).get(5, TimeUnit.SECONDS);
        }

        /** Types {@code word} (again, as on a serial line still waking up) until its echo shows. */
        void typeUntilEchoed(String word, Duration limit) throws Exception {
            long end = System.nanoTime() + limit.toNanos();
            while (!received.toString().contains(word)) {
                if (System.nanoTime() > end) {
                    fail("no echo of '" + word + "' within " + limit + "; got '" + received + "'");
                }
                type(word + "\r");
                waitFor(() -> received.toString().contains(word), Duration.ofMillis(1500));
            }
        }

        /** Waits up to 10 s for {@code text} among what the machine said. */
        public void awaitReceived(String text) throws Exception {
            if (!waitFor(() -> received.toString().contains(text), Duration.ofSeconds(10))) {
                fail("did not receive '" + text + "'; got '" + received + "'");
            }
        }

        int awaitClose() throws Exception {
            return closed.get(20, TimeUnit.SECONDS);
        }

        void bye() throws Exception {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
            closed.get(10, TimeUnit.SECONDS);
        }
    }

    static Ws open(String url) throws Exception {
        Ws ws = new Ws();
        ws.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create(url), ws).get(15, TimeUnit.SECONDS);
        return ws;
    }

    /** The HTTP status a WebSocket upgrade got: 101 when it was accepted. */
    static int upgradeStatus(String url) throws Exception {
        try {
            open(url).socket.abort();
            return 101;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    /**
     * socat on a console_info URL exactly as python-esiclient's {@code openstack esi node console connect}
     * runs it: {@code os.system('socat ' + url.replace('//', '') + ' -')}.
     */
    static final class Socat implements AutoCloseable {
        final Process process;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();

        Socat(String consoleInfoUrl) throws IOException {
            org.esi.drivers.testing.Needs.tool("/usr/bin/socat", "socat", Files.isExecutable(SOCAT));
            String command = "socat " + consoleInfoUrl.replace("//", "") + " -";
            process = new ProcessBuilder(List.of("/bin/sh", "-c", command)).start();
            copy(process.getInputStream(), out);
            copy(process.getErrorStream(), err);
        }

        private static void copy(InputStream in, ByteArrayOutputStream to) {
            Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[4096];
                try {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        synchronized (to) {
                            to.write(buf, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
        }

        String out() {
            synchronized (out) {
                return out.toString(StandardCharsets.UTF_8);
            }
        }

        String err() {
            synchronized (err) {
                return err.toString(StandardCharsets.UTF_8);
            }
        }

        void type(String text) throws IOException {
            OutputStream in = process.getOutputStream();
            in.write(text.getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        /** The exit code, once socat has ended by itself. */
        int awaitExit() throws Exception {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                throw new TimeoutException("socat still running; out='" + out() + "' err='" + err() + "'");
            }
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroy();
        }
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls until {@code c} holds; false when {@code limit} passed first. */
    static boolean waitFor(Condition c, Duration limit) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (!c.holds()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    static void await(String what, Condition c) throws Exception {
        if (!waitFor(c, Duration.ofSeconds(20))) {
            fail("timed out waiting for " + what);
        }
    }
}
