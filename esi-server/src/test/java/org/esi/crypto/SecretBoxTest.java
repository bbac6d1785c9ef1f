package org.esi.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {
    @TempDir
    Path dir;

    @Test
    void aNewKeyIsPrivateAndOpensWhatItSealedAfterAReload() throws Exception {
        Path file = dir.resolve("data/secret.key");
        String sealed = SecretBox.loadOrCreate(file).seal("bmc-password");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(sealed).startsWith("enc:v1:").doesNotContain("bmc-password");
        assertThat(SecretBox.loadOrCreate(file).open(sealed)).isEqualTo("bmc-password");
    }

    @Test
    void aKeyOtherUsersCanReadIsRefusedWithTheFix() throws Exception {
        Path file = dir.resolve("secret.key");
        SecretBox.loadOrCreate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> SecretBox.loadOrCreate(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("accessible to other users").hasMessageContaining("chmod 600 " + file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        assertThat(SecretBox.loadOrCreate(file)).isNotNull();
    }

    @Test
    void aKeyFileThatIsNotAKeyIsRefusedWithoutEchoingIt() throws Exception {
        Path file = dir.resolve("secret.key");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, "not base64 at all!\n");
        assertThatThrownBy(() -> SecretBox.loadOrCreate(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("does not hold a 32-byte base64 key").hasMessageNotContaining("not base64 at all");
    }
}
