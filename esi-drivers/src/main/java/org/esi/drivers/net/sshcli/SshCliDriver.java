package org.esi.drivers.net.sshcli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Matcher;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.esi.spi.net.PortConfig;
import org.esi.spi.net.SwitchConfig;
import org.esi.spi.net.SwitchDriver;
import org.esi.spi.net.SwitchException;
import org.esi.spi.net.SwitchSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ssh-cli}: switches configured through their CLI over SSH (Dell OS10, Cisco NX-OS, Arista EOS,
 * Juniper Junos, Cumulus NVUE; {@code options.vendor}). Each change is one shell session typing the
 * vendor's lines; the output is searched for the CLI's refusals, so a refused line is an error with the
 * switch's own words, not a silent half-change. Password authentication; the password never appears in
 * a message.
 */
public final class SshCliDriver implements SwitchDriver {
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Logger log = LoggerFactory.getLogger(SshCliDriver.class);
    /** The SHA256 fingerprint the operator pinned for the switch being connected to, if any. */
    private static final AttributeRepository.AttributeKey<String> PINNED = new AttributeRepository.AttributeKey<>();
    private final SshClient client;

    public SshCliDriver() {
        client = SshClient.setUpDefaultClient();
        // A pinned key (options.host_key, "SHA256:...") must match; without one the key is accepted and its
        // fingerprint logged so the operator can pin it (switch management networks rarely keep known_hosts).
        client.setServerKeyVerifier((session, remote, key) -> {
            String seen = KeyUtils.getFingerPrint(key);
            AttributeRepository context = session.getConnectionContext();
            String pinned = context == null ? null : context.getAttribute(PINNED);
            if (pinned == null) {
                log.info("switch at {} presented host key {}; set options.host_key to pin it", remote, seen);
                return true;
            }
            return pinned.equals(seen);
        });
        client.start();
    }

    @Override
    public String name() {
        return "ssh-cli";
    }

    @Override
    public List<String> validate(SwitchConfig config) {
        List<String> problems = new ArrayList<>();
        try {
            Vendor.of(config.options().get("vendor"));
        } catch (IllegalArgumentException e) {
            problems.add("options.vendor: " + e.getMessage());
        }
        if (config.username() == null || config.username().isBlank()) {
            problems.add("username is required");
        }
        if (config.password() == null) {
            problems.add("password is required");
        }
        try {
            hostPort(config.address());
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        String pinned = config.options().get("host_key");
        if (pinned != null && !pinned.matches("^SHA256:[A-Za-z0-9+/]{43}=?$")) {
            problems.add("options.host_key must be a SHA256 fingerprint such as 'SHA256:' followed by 43 base64 characters (ssh-keygen -lf)");
        }
        return problems;
    }

    @Override
    public SwitchSession open(SwitchConfig config) throws SwitchException {
        List<String> problems = validate(config);
        if (!problems.isEmpty()) {
            throw new SwitchException(SwitchException.Kind.CONFIGURATION, String.join("; ", problems));
        }
        Vendor vendor = Vendor.of(config.options().get("vendor"));
        return new SwitchSession() {
            @Override
            public void configure(String port, PortConfig wanted) throws SwitchException {
                if (port == null || !port.matches("^[A-Za-z0-9/:._\\-]{1,64}$")) {
                    throw new SwitchException(SwitchException.Kind.CONFIGURATION, "port '" + port + "' is not a switch port name");
                }
                String output = type(config, vendor.script(port, wanted));
                Matcher refused = Vendor.REFUSED.matcher(output);
                if (refused.find()) {
                    throw new SwitchException(SwitchException.Kind.REJECTED, "switch " + config.name() + " refused: " + refused.group().trim());
                }
            }

            @Override
            public PortConfig read(String port) throws SwitchException {
                throw new SwitchException(SwitchException.Kind.REJECTED, "reading port state is not implemented for ssh-cli switches");
            }
        };
    }

    /** Types the lines into one shell session and returns everything the switch printed. */
    String type(SwitchConfig config, List<String> lines) throws SwitchException {
        String[] hp = hostPort(config.address());
        String script = String.join("\n", lines) + "\nexit\n";
        String pinned = config.options().get("host_key");
        AttributeRepository context = pinned == null ? null : AttributeRepository.ofKeyValuePair(PINNED, pinned.replaceAll("=$", ""));
        try (ClientSession session = client.connect(config.username(), hp[0], Integer.parseInt(hp[1]), context).verify(TIMEOUT).getSession()) {
            session.addPasswordIdentity(config.password().reveal());
            try {
                session.auth().verify(TIMEOUT);
            } catch (SshException e) {
                if (pinned != null && !session.isAuthenticated() && e.getMessage() != null && e.getMessage().toLowerCase().contains("server key")) {
                    throw new SwitchException(SwitchException.Kind.AUTHENTICATION, "switch " + config.name() + " presented a host key other than the pinned " + pinned);
                }
                throw new SwitchException(SwitchException.Kind.AUTHENTICATION, "switch " + config.name() + " refused the credentials");
            }
            try (ChannelShell shell = session.createShellChannel()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                shell.setIn(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
                shell.setOut(out);
                shell.setErr(out);
                shell.open().verify(TIMEOUT);
                var events = shell.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
                if (!events.contains(ClientChannelEvent.CLOSED)) {
                    throw new SwitchException(SwitchException.Kind.UNREACHABLE, "switch " + config.name() + " did not finish within " + TIMEOUT.toSeconds() + " s");
                }
                return out.toString(StandardCharsets.UTF_8);
            }
        } catch (SwitchException e) {
            throw e;
        } catch (IOException e) {
            throw new SwitchException(SwitchException.Kind.UNREACHABLE, "cannot reach switch " + config.name() + " at " + config.address()
                    + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replace(config.password().reveal(), "******")));
        }
    }

    static String[] hostPort(String address) {
        if (address == null || address.isBlank() || address.contains(" ")) {
            throw new IllegalArgumentException("address must be host or host:port");
        }
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            return new String[] {address, "22"};
        }
        String port = address.substring(colon + 1);
        try {
            int p = Integer.parseInt(port);
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address port '" + port + "' is not a port number");
        }
        return new String[] {address.substring(0, colon), port};
    }
}
