package org.esi.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The iPXE script a PXE deploy serves, and the instance_info that must never reach it. */
class PxeImageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anImageIsSanbooted() {
        assertThat(script(Map.of("image_source", "https://images.example/os.iso?sig=a%2Fb&exp=1")))
                .isEqualTo("#!ipxe\nsanboot https://images.example/os.iso?sig=a%2Fb&exp=1\n");
    }

    @Test
    void kernelAndRamdiskAreBooted() {
        assertThat(script(Map.of("image_source", "http://i/root.img", "kernel", "http://i/vmlinuz", "ramdisk", "http://i/initrd")))
                .isEqualTo("#!ipxe\nkernel http://i/vmlinuz\ninitrd http://i/initrd\nboot\n");
    }

    @Test
    void nothingBecomesAnExtraCommand() {
        for (String url : new String[] {"http://i/a.iso\nshell", "http://i/${net0/ip}.iso", "http://i/a.iso shell", "http://i/a'b.iso",
                "http://i/a\\b", "http://i/a.iso#frag"}) {
            assertThatThrownBy(() -> script(Map.of("image_source", url))).as(url).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> script(Map.of("image_source", "http://i/x", "kernel", "http://i/k", "ramdisk", "http://i/r",
                "kernel_append_params", "quiet\nshell"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> script(Map.of("image_source", "http://i/x", "kernel", "http://i/k", "ramdisk", "http://i/r",
                "kernel_append_params", "ip=${ip}"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyNetworkUrlsAndCompleteKernelPairs() {
        for (String url : new String[] {"file:///etc/shadow", "/var/lib/images/a.iso", "ftp://i/a.iso", "http:///no-host", ""}) {
            assertThatThrownBy(() -> script(Map.of("image_source", url))).as(url).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> script(Map.of("image_source", "http://i/x", "kernel", "http://i/k")))
                .hasMessageContaining("go together");
        assertThatThrownBy(() -> script(Map.of("image_source", "http://i/x", "kernel_append_params", "quiet")))
                .hasMessageContaining("needs instance_info.kernel");
    }

    private static String script(Map<String, String> instanceInfo) {
        JsonNode info = JSON.valueToTree(instanceInfo);
        return PxeImage.from(info).script();
    }
}
