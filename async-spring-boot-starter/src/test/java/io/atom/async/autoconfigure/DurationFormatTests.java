package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.convert.DurationStyle;

class DurationFormatTests {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "PT0S, 0s",
      "PT0.1S, 100ms",
      "PT1.5S, 1500ms",
      "PT2M, 2m",
      "PT1H30M, 90m",
      "PT24H, 1d",
      "PT36H, 36h",
      "PT-3S, -3s",
      "PT-0.001S, -1ms",
      "PT0.000001S, 1us",
      "PT0.000000001S, 1ns",
      "PT10.000000001S, 10000000001ns"})
  void printsTheLargestUnitThatHoldsTheValueExactly(Duration duration, String expected) {
    assertThat(DurationFormat.format(duration)).isEqualTo(expected);
  }

  @Test
  void aHugeDuration_printsWithoutOverflow() {
    assertThat(DurationFormat.format(Duration.ofDays(1_000_000_000L))).isEqualTo("1000000000d");
    assertThat(DurationFormat.format(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)))
        .isEqualTo("9223372036854775807999999999ns");
  }

  @ParameterizedTest
  @CsvSource({"PT0.1S", "PT1H30M", "PT-0.001S", "PT24H", "PT0.000000007S"})
  void whatItPrints_bootReadsBackAsTheSameDuration(Duration duration) {
    assertThat(DurationStyle.SIMPLE.parse(DurationFormat.format(duration))).isEqualTo(duration);
  }

  @Test
  void otherValues_printAsThemselves() {
    assertThat(DurationFormat.value(0)).isEqualTo("0");
    assertThat(DurationFormat.value(1.5)).isEqualTo("1.5");
    assertThat(DurationFormat.value(null)).isEqualTo("null");
    assertThat(DurationFormat.value(Duration.ofMillis(10))).isEqualTo("10ms");
  }
}
