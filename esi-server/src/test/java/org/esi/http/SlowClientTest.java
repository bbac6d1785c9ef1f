package org.esi.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.esi.testing.RawHttp;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that send slowly, or open many connections, must not stop an instance from answering
 * everyone else. Slow connections come from other loopback addresses (127.0.x.y) than the client
 * that expects its answer, so the per-address cap can be shown apart from the rest.
 */
class SlowClientTest {
    static final int CAP = 25;
    /** Read deadline long enough that only not holding threads, not the deadline, keeps the instance answering. */
    static TestingEsiServer patient;
    /** Read deadline short enough to watch it cut a client off. */
    static TestingEsiServer strict;

    @BeforeAll
    static void start() {
        patient = TestingEsiServer.start(Map.of("ESI_HTTP_REQUEST_READ_TIMEOUT", "10m",
                "ESI_HTTP_MAX_CONNECTIONS_PER_ADDRESS", String.valueOf(CAP)), Clock.systemUTC());
        strict = TestingEsiServer.start(Map.of("ESI_HTTP_REQUEST_READ_TIMEOUT", "2s"), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        patient.close();
        strict.close();
    }

    @Test
    void threeHundredSlowLoginsDoNotStopAnotherClientsLogin() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                Socket s = connect(patient, "127.0.1." + (1 + i / CAP));
                s.getOutputStream().write(("POST /identity/v3/auth/tokens HTTP/1.1\r\nHost: esi\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                slow.add(s);
            }
            for (Socket s : slow) {
                s.getOutputStream().write(' ');
            }
            // Every slow body is now being read by the server; a platform thread each would exhaust the pool.
            String token = patient.client().login("admin", TestingEsiServer.ADMIN_PASSWORD, "admin");
            assertThat(token).isNotBlank();
            patient.client().get("/identity/v3/projects", token).expect(200);
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    @Test
    void aClientStillSendingHeadersAfterTheDeadlineIsCutOff() throws Exception {
        try (Socket s = connect(strict, "127.0.2.1")) {
            String request = "GET /identity/v3/projects HTTP/1.1\r\nHost: esi\r\nX-Padding: " + "a".repeat(200) + "\r\n\r\n";
            assertThat(dribbleUntilCut(s, request)).as("connection cut before the request was complete").isTrue();
        }
    }

    @Test
    void aClientStillSendingItsBodyAfterTheDeadlineIsCutOff() throws Exception {
        try (Socket s = connect(strict, "127.0.2.2")) {
            s.getOutputStream().write(("POST /identity/v3/auth/tokens HTTP/1.1\r\nHost: esi\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 200\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(dribbleUntilCut(s, "{" + " ".repeat(198) + "}")).as("connection cut before the body was complete").isTrue();
        }
        strict.client().get("/identity/v3", null).expect(200);
    }

    @Test
    void connectionsBeyondTheCapForOneAddressAreRefused() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < CAP + 5; i++) {
                held.add(connect(patient, "127.0.3.1"));
            }
            int answered = 0;
            int refused = 0;
            for (Socket s : held) {
                s.getOutputStream().write("GET /identity/v3 HTTP/1.1\r\nHost: esi\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                if (RawHttp.read(s.getInputStream()).status() == 200) {
                    answered++;
                } else {
                    refused++;
                }
            }
            assertThat(answered).isEqualTo(CAP);
            assertThat(refused).isEqualTo(5);
        } catch (IOException writeToClosed) {
            throw new AssertionError("a refused connection should still accept the write and read as closed", writeToClosed);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        // Another address is not affected by the first one's connections.
        try (Socket s = connect(patient, "127.0.3.2")) {
            s.getOutputStream().write("GET /identity/v3 HTTP/1.1\r\nHost: esi\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.read(s.getInputStream()).status()).isEqualTo(200);
        }
    }

    /**
     * Sends one byte every 200 ms (at most 150, far beyond the 2 s deadline) and reports whether the server
     * answered 408 or closed the connection before the text was complete.
     */
    private static boolean dribbleUntilCut(Socket s, String text) throws IOException {
        s.setSoTimeout(200);
        InputStream in = s.getInputStream();
        for (int i = 0; i < Math.min(150, text.length() - 1); i++) {
            try {
                s.getOutputStream().write(text.charAt(i));
                s.getOutputStream().flush();
            } catch (IOException closed) {
                return true;
            }
            try {
                int b = in.read();
                if (b < 0) {
                    return true;
                }
                byte[] rest = in.readNBytes(11);
                return b == 'H' && ("H" + new String(rest, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 408");
            } catch (SocketTimeoutException stillOpen) {
                // The server is still waiting for more; keep dribbling.
            } catch (IOException reset) {
                return true;
            }
        }
        return false;
    }

    private static Socket connect(TestingEsiServer server, String from) throws IOException {
        URI url = URI.create(server.url());
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5_000);
        return s;
    }
}
