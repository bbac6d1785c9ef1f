package org.esi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class JsonPatchTest {
  @Test
  void propertiesBecomeTypedAddOps() {
    String patch = new JsonPatch()
        .addAll("/properties", List.of("cpus=8", "memory_mb=16384.5", "capabilities=boot_mode:uefi", "gpu=true", "empty="), "--property", true)
        .toJson().toString();
    assertThat(patch).isEqualTo("["
        + "{\"op\":\"add\",\"path\":\"/properties/cpus\",\"value\":8},"
        + "{\"op\":\"add\",\"path\":\"/properties/memory_mb\",\"value\":16384.5},"
        + "{\"op\":\"add\",\"path\":\"/properties/capabilities\",\"value\":\"boot_mode:uefi\"},"
        + "{\"op\":\"add\",\"path\":\"/properties/gpu\",\"value\":true},"
        + "{\"op\":\"add\",\"path\":\"/properties/empty\",\"value\":\"\"}]");
  }

  @Test
  void valueMayContainEqualsSigns() {
    assertThat(new JsonPatch().addAll("/extra", List.of("q=a=b"), "--extra", true).toJson().get(0).get("value").asText())
        .isEqualTo("a=b");
  }

  @Test
  void driverInfoStaysString() {
    assertThat(new JsonPatch().addAll("/driver_info", List.of("ipmi_password=1234"), "--driver-info", false)
        .toJson().get(0).get("value").isTextual()).isTrue();
  }

  @Test
  void keysAreEscapedAsOnePathSegment() {
    assertThat(new JsonPatch().removeAll("/properties", List.of("a/b", "c~d")).toJson().toString())
        .isEqualTo("[{\"op\":\"remove\",\"path\":\"/properties/a~1b\"},{\"op\":\"remove\",\"path\":\"/properties/c~0d\"}]");
  }

  @Test
  void missingEqualsIsAnError() {
    assertThatThrownBy(() -> new JsonPatch().addAll("/properties", List.of("cpus"), "--property", true))
        .isInstanceOf(CliException.class).hasMessage("invalid --property 'cpus': expected key=value");
  }
}
