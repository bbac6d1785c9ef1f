package org.esi.drivers.net.sshcli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.esi.spi.Secret;
import org.esi.spi.net.PortConfig;
import org.esi.spi.net.SwitchConfig;
import org.esi.spi.net.SwitchException;
import org.esi.spi.net.SwitchSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ssh-cli driver against a real SSH server (Apache MINA SSHD) whose shell records every line it is
 * sent and answers like a switch CLI: prompts, and "% Invalid input" for lines it is told to refuse.
 */
class SshCliDriverTest {
    static SshServer server;
    static final List<String> typed = new CopyOnWriteArrayList<>();
    static volatile String refuse = "\u0000never";
    static final SshCliDriver driver = new SshCliDriver();

    @BeforeAll
    static void start() throws IOException {
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(Files.createTempFile("esi-ssh-host", ".key")));
        server.setPasswordAuthenticator((user, password, session) -> user.equals("admin") && password.equals("switch-pass-1"));
        server.setShellFactory(channel -> new RecordingShell());
        server.start();
    }

    @AfterAll
    static void stop() throws IOException {
        server.stop(true);
    }

    static SwitchConfig config(String vendor, String password) {
        return new SwitchConfig("tor-" + vendor, "127.0.0.1:" + server.getPort(), "admin", new Secret(password), Map.of("vendor", vendor));
    }

    @Test
    void eachVendorTypesItsOwnLines() throws Exception {
        Map<String, List<String>> expected = Map.of(
                "dell_os10", List.of("configure terminal", "interface ethernet 1/1/5", "switchport mode access", "switchport access vlan 101",
                        "no shutdown", "end", "write memory", "exit"),
                "cisco_nxos", List.of("configure terminal", "vlan 101", "interface Ethernet1/5", "switchport", "switchport mode access",
                        "switchport access vlan 101", "no shutdown", "end", "copy running-config startup-config", "exit"),
                "arista_eos", List.of("enable", "configure", "vlan 101", "interface Ethernet5", "switchport", "switchport mode access",
                        "switchport access vlan 101", "no shutdown", "end", "write memory", "exit"),
                "juniper_junos", List.of("configure", "delete interfaces ge-0/0/5 unit 0 family ethernet-switching",
                        "delete interfaces ge-0/0/5 native-vlan-id", "delete interfaces ge-0/0/5 disable",
                        "set interfaces ge-0/0/5 unit 0 family ethernet-switching interface-mode access",
                        "set interfaces ge-0/0/5 unit 0 family ethernet-switching vlan members 101", "commit and-quit", "exit"),
                "cumulus_nvue", List.of("nv unset interface swp5 bridge domain br_default", "nv set interface swp5 bridge domain br_default access 101",
                        "nv set interface swp5 link state up", "nv config apply -y", "exit"));
        Map<String, String> ports = Map.of("dell_os10", "1/1/5", "cisco_nxos", "Ethernet1/5", "arista_eos", "Ethernet5",
                "juniper_junos", "ge-0/0/5", "cumulus_nvue", "swp5");
        for (var e : expected.entrySet()) {
            typed.clear();
            try (SwitchSession s = driver.open(config(e.getKey(), "switch-pass-1"))) {
                s.configure(ports.get(e.getKey()), new PortConfig.Access(101));
            }
            assertThat(typed).as(e.getKey()).containsExactlyElementsOf(e.getValue());
        }
    }

    @Test
    void trunksAndIdleOnNxos() throws Exception {
        typed.clear();
        try (SwitchSession s = driver.open(config("cisco_nxos", "switch-pass-1"))) {
            s.configure("Ethernet1/7", PortConfig.Trunk.of(10, Set.of(20, 30)));
        }
        assertThat(typed).contains("vlan 10", "vlan 20", "vlan 30", "switchport mode trunk", "switchport trunk native vlan 10",
                "switchport trunk allowed vlan 10,20,30");
        typed.clear();
        try (SwitchSession s = driver.open(config("cisco_nxos", "switch-pass-1"))) {
            s.configure("Ethernet1/7", PortConfig.idle());
        }
        assertThat(typed).contains("no switchport access vlan", "shutdown").doesNotContain("no shutdown");
    }

    @Test
    void aRefusedLineIsAnErrorWithTheSwitchsWords() {
        refuse = "switchport access vlan 4000";
        try {
            assertThatThrownBy(() -> {
                try (SwitchSession s = driver.open(config("dell_os10", "switch-pass-1"))) {
                    s.configure("1/1/9", new PortConfig.Access(4000));
                }
            }).isInstanceOf(SwitchException.class).hasMessageContaining("Invalid input")
                    .extracting(e -> ((SwitchException) e).kind()).isEqualTo(SwitchException.Kind.REJECTED);
        } finally {
            refuse = "\u0000never";
        }
    }

    @Test
    void wrongPasswordAndNoServerAreClearAndSecretFree() {
        assertThatThrownBy(() -> {
            try (SwitchSession s = driver.open(config("dell_os10", "wrong-pass-9"))) {
                s.configure("1/1/1", PortConfig.idle());
            }
        }).isInstanceOf(SwitchException.class).hasMessageNotContaining("wrong-pass-9")
                .extracting(e -> ((SwitchException) e).kind()).isEqualTo(SwitchException.Kind.AUTHENTICATION);
        SwitchConfig nowhere = new SwitchConfig("gone", "127.0.0.1:9", "admin", new Secret("switch-pass-1"), Map.of("vendor", "dell_os10"));
        assertThatThrownBy(() -> {
            try (SwitchSession s = driver.open(nowhere)) {
                s.configure("1/1/1", PortConfig.idle());
            }
        }).isInstanceOf(SwitchException.class).extracting(e -> ((SwitchException) e).kind()).isEqualTo(SwitchException.Kind.UNREACHABLE);
        assertThat(driver.validate(new SwitchConfig("x", "host:99999", null, null, Map.of("vendor", "hp")))).hasSize(4);
    }

    @Test
    void aPinnedHostKeyMustMatch() throws Exception {
        String real = KeyUtils.getFingerPrint(server.getKeyPairProvider().loadKeys(null).iterator().next().getPublic());
        Map<String, String> pinnedRight = Map.of("vendor", "dell_os10", "host_key", real);
        typed.clear();
        try (SwitchSession s = driver.open(new SwitchConfig("tor-pinned", "127.0.0.1:" + server.getPort(), "admin", new Secret("switch-pass-1"), pinnedRight))) {
            s.configure("1/1/2", PortConfig.idle());
        }
        assertThat(typed).contains("shutdown");

        typed.clear();
        String other = "SHA256:" + "A".repeat(43);
        Map<String, String> pinnedWrong = Map.of("vendor", "dell_os10", "host_key", other);
        assertThatThrownBy(() -> {
            try (SwitchSession s = driver.open(new SwitchConfig("tor-spoofed", "127.0.0.1:" + server.getPort(), "admin", new Secret("switch-pass-1"), pinnedWrong))) {
                s.configure("1/1/2", PortConfig.idle());
            }
        }).isInstanceOf(SwitchException.class).hasMessageContaining("host key").hasMessageNotContaining("switch-pass-1");
        assertThat(typed).as("nothing typed into a switch whose key does not match").isEmpty();
        assertThat(driver.validate(new SwitchConfig("x", "h", "u", new Secret("p"), Map.of("vendor", "dell_os10", "host_key", "md5:aa"))))
                .singleElement().asString().contains("host_key");
    }

    /** A switch-like shell: a prompt per line, a refusal for the configured line, and a record of all. */
    static final class RecordingShell implements Command {
        private InputStream in;
        private OutputStream out;
        private ExitCallback exit;

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
        }

        @Override
        public void setExitCallback(ExitCallback callback) {
            this.exit = callback;
        }

        @Override
        public void start(ChannelSession channel, Environment env) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    out.write("switch# ".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    String line;
                    while ((line = r.readLine()) != null) {
                        typed.add(line);
                        String reply = line.equals(refuse) ? "% Invalid input detected at '^' marker.\n" : "";
                        out.write((line + "\n" + reply + "switch# ").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        if (line.equals("exit")) {
                            break;
                        }
                    }
                } catch (IOException ignored) {
                    // client went away
                }
                exit.onExit(0);
            }, "recording-shell");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void destroy(ChannelSession channel) {
        }
    }
}
