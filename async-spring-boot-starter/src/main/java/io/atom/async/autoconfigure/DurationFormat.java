package io.atom.async.autoconfigure;

import java.math.BigInteger;
import java.time.Duration;

/**
 * Prints a {@link Duration} the way users write it in {@code application.yml}, for messages about
 * {@code atom.async.*} properties: {@code 0s}, {@code 100ms}, {@code 90m}, {@code -3s}, never the ISO
 * form {@code PT1M30S}.
 *
 * <p>Rule: the largest unit of {@code d, h, m, s, ms, us, ns} that holds the value exactly, so
 * {@code 1.5s} prints as {@code 1500ms} and {@code 90 minutes} as {@code 90m}. A single unit is what
 * Boot's simple duration format reads back, so a printed value can be pasted into the configuration.
 * Any duration prints without overflow, however large. This class is thread-safe (stateless).
 */
final class DurationFormat {
  private static final String[] SUFFIXES = {"d", "h", "m", "s", "ms", "us", "ns"};
  private static final long[] NANOS = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L,
      1_000_000L, 1_000L, 1L};

  private DurationFormat() {}

  static String format(Duration duration) {
    if (duration.isZero()) {
      return "0s";
    }
    // Exact arithmetic: seconds x 10^9 overflows a long beyond ~292 years.
    BigInteger nanos = BigInteger.valueOf(duration.getSeconds()).multiply(BigInteger.valueOf(1_000_000_000L))
        .add(BigInteger.valueOf(duration.getNano()));
    for (int i = 0; i < NANOS.length; i++) {
      BigInteger[] quotientAndRemainder = nanos.divideAndRemainder(BigInteger.valueOf(NANOS[i]));
      if (quotientAndRemainder[1].signum() == 0) {
        return quotientAndRemainder[0] + SUFFIXES[i];
      }
    }
    throw new AssertionError("every duration is a whole number of nanoseconds: " + duration);
  }

  /** A property value for a message: durations as above, anything else as {@code String.valueOf}. */
  static String value(@org.jspecify.annotations.Nullable Object value) {
    return value instanceof Duration ? format((Duration) value) : String.valueOf(value);
  }
}
