package org.esi.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, for requests {@link TestClient} cannot send: targets that
 * {@code java.net.URI} refuses ({@code %u002e}, {@code %zz}) and bodies sent byte by byte.
 */
public final class RawHttp {
    private RawHttp() {}

    /** A status line, headers and body as the server sent them; status 0 when the server closed without answering. */
    public record Answer(int status, String headers, String body) {
        /** The first value of a header, or null. */
        public String header(String name) {
            for (String line : headers.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    public static Answer send(String baseUrl, String method, String target, String token, String body) throws IOException {
        return sendFrom(null, baseUrl, method, target, token, body);
    }

    /** As {@link #send}, from a chosen local address (another loopback address looks like another client). */
    public static Answer sendFrom(String localAddress, String baseUrl, String method, String target, String token,
                                  String body) throws IOException {
        URI base = URI.create(baseUrl);
        try (Socket s = new Socket()) {
            if (localAddress != null) {
                s.bind(new InetSocketAddress(localAddress, 0));
            }
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            s.setSoTimeout(30_000);
            byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\n"
                    + "Connection: close\r\nContent-Length: " + content.length + "\r\n");
            if (content.length > 0) {
                head.append("Content-Type: application/json\r\n");
            }
            if (token != null) {
                head.append("X-Auth-Token: ").append(token).append("\r\n");
            }
            s.getOutputStream().write((head + "\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(content);
            s.getOutputStream().flush();
            return read(s.getInputStream());
        }
    }

    /** Reads until the server closes; what a client gets back once it has sent a request. */
    public static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try {
            in.transferTo(all);
        } catch (java.net.SocketException reset) {
            // A server that resets instead of answering has answered nothing.
        }
        String text = all.toString(StandardCharsets.UTF_8);
        if (!text.startsWith("HTTP/1.1 ")) {
            return new Answer(0, "", text);
        }
        int split = text.indexOf("\r\n\r\n");
        return new Answer(Integer.parseInt(text.substring(9, 12)), split < 0 ? text : text.substring(0, split),
                split < 0 ? "" : text.substring(split + 4));
    }
}
