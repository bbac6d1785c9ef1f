package org.esi.drivers.ipmi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.esi.spi.BmcSession;
import org.esi.spi.ConsoleStream;
import org.esi.spi.PowerAction;
import org.esi.spi.PowerState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Serial-over-LAN through fakebmc, which echoes what it receives. On a peer of its own: pyghmi's SOL
 * server crashes when it has output for a client that left without deactivating, and that must not
 * take the power tests down with it.
 */
@Timeout(120)
class IpmiConsoleFakeBmcTest {
    private static FakeBmcPeer peer;

    @BeforeAll
    static void startPeer() throws Exception {
        peer = FakeBmcPeer.start();
    }

    @AfterAll
    static void stopPeer() {
        if (peer != null) {
            peer.close();
        }
    }

    @Test
    void consoleEchoesAndCanBeOpenedAgainAfterClose() throws Exception {
        IpmiDriver driver = new IpmiDriver();
        try (BmcSession s = driver.open(peer.driverInfo())) {
            s.setPower(PowerAction.ON); // fakebmc only offers SOL while on
            for (int round = 0; round < 2; round++) { // the second round proves close() freed the payload
                try (ConsoleStream console = s.openConsole()) {
                    String word = "hello-esi-" + round;
                    // Bytes sent while the BMC is still activating the payload can be dropped (fakebmc drops a
                    // varying number), as keystrokes on a serial line before it is up: type until the echo shows.
                    String seen = "";
                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (!seen.contains(word) && System.nanoTime() < deadline) {
                        console.toMachine().write((word + "\r").getBytes(StandardCharsets.US_ASCII));
                        console.toMachine().flush();
                        seen += IpmiDriverFakeBmcTest.readUntil(console.fromMachine(), word, Duration.ofMillis(1500));
                    }
                    assertThat(seen).contains(word);
                }
            }
            // The BMC still answers after the console sessions ended.
            Thread.sleep(2000);
            assertThat(s.powerState()).isEqualTo(PowerState.ON);
        }
    }
}
