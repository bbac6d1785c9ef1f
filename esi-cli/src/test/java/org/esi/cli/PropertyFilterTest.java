package org.esi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class PropertyFilterTest {
  private static JsonNode props(String json) throws Exception {
    return new ObjectMapper().readTree(json);
  }

  @Test
  void parsesTwoCharacterOpsBeforeOneCharacterOps() {
    assertThat(PropertyFilter.parse("cpus>=8")).isEqualTo(new PropertyFilter("cpus", ">=", "8"));
    assertThat(PropertyFilter.parse("cpus <= 8")).isEqualTo(new PropertyFilter("cpus", "<=", "8"));
    assertThat(PropertyFilter.parse("arch=x86_64")).isEqualTo(new PropertyFilter("arch", "=", "x86_64"));
  }

  @Test
  void numbersCompareNumericallyNotAsText() throws Exception {
    // As text "16" < "8"; numerically 16 >= 8.
    assertThat(PropertyFilter.parse("cpus>=8").test(props("{\"cpus\": 16}"))).isTrue();
    assertThat(PropertyFilter.parse("cpus>=8").test(props("{\"cpus\": \"16\"}"))).isTrue();
    assertThat(PropertyFilter.parse("cpus>=8").test(props("{\"cpus\": 4}"))).isFalse();
    assertThat(PropertyFilter.parse("cpus>8").test(props("{\"cpus\": 8}"))).isFalse();
    assertThat(PropertyFilter.parse("cpus<8.5").test(props("{\"cpus\": 8}"))).isTrue();
    assertThat(PropertyFilter.parse("cpus=8").test(props("{\"cpus\": 8.0}"))).isTrue();
    assertThat(PropertyFilter.parse("memory_mb<=1024").test(props("{\"memory_mb\": 131072}"))).isFalse();
  }

  @Test
  void textComparesAsText() throws Exception {
    assertThat(PropertyFilter.parse("arch=x86_64").test(props("{\"arch\": \"x86_64\"}"))).isTrue();
    assertThat(PropertyFilter.parse("arch=x86_64").test(props("{\"arch\": \"aarch64\"}"))).isFalse();
  }

  @Test
  void missingKeyNeverMatchesAndAllFiltersMustHold() throws Exception {
    JsonNode p = props("{\"cpus\": 16, \"arch\": \"x86_64\"}");
    assertThat(PropertyFilter.parse("gpus>=1").test(p)).isFalse();
    assertThat(PropertyFilter.all(PropertyFilter.parseAll(List.of("cpus>=8", "arch=x86_64")), p)).isTrue();
    assertThat(PropertyFilter.all(PropertyFilter.parseAll(List.of("cpus>=8", "arch=aarch64")), p)).isFalse();
  }

  @Test
  void badSyntaxIsAnError() {
    assertThatThrownBy(() -> PropertyFilter.parse("cpus")).isInstanceOf(CliException.class);
    assertThatThrownBy(() -> PropertyFilter.parse(">=8")).isInstanceOf(CliException.class);
  }
}
