package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  /** System.nanoTime() may have any origin, negative or near the top of the range. */
  @ParameterizedTest
  @ValueSource(longs = {Long.MIN_VALUE + 1, -5_000_000_000_000_000_000L, -1L, 0L, 1L, 5_000_000_000_000_000_000L,
      Long.MAX_VALUE - 1})
  void aHugeBound_stillLiesInTheFuture_whateverTheClocksOrigin(long now) {
    long deadline = Durations.deadline(now, Durations.saturatedNanos(Duration.ofDays(365L * 1_000_000)));
    long oneHourLater = now + Duration.ofHours(1).toNanos();

    assertThat(deadline - now).isPositive();
    assertThat(deadline - oneHourLater).as("remaining an hour later").isGreaterThan(Duration.ofDays(365L * 100).toNanos());
  }

  @ParameterizedTest
  @ValueSource(longs = {-5_000_000_000_000_000_000L, 0L, Long.MAX_VALUE - 10})
  void anOrdinaryBound_endsWhenItShould(long now) {
    long deadline = Durations.deadline(now, 1_000L);

    assertThat(deadline - (now + 999)).isPositive();
    assertThat(deadline - (now + 1_000)).isZero();
    assertThat(deadline - (now + 1_001)).isNegative();
  }
}
