package io.atom.async;

import java.time.Duration;
import java.util.Objects;

/** Argument checks and conversions for {@link Duration}s. */
final class Durations {
  private Durations() {}

  /** A timeout: must be positive. Saturates to {@code Long.MAX_VALUE} nanoseconds (about 292 years). */
  static long positiveNanos(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be > 0 but was " + value);
    }
    return saturatedNanos(value);
  }

  /** A bound on a wait: zero means "do not wait", negative is rejected. Saturates like above. */
  static long waitNanos(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " must be >= 0 but was " + value);
    }
    return saturatedNanos(value);
  }

  static long saturatedNanos(Duration value) {
    // Duration.toNanos() throws ArithmeticException beyond ~292 years; such a bound means "forever".
    if (value.getSeconds() >= Long.MAX_VALUE / 1_000_000_000L) {
      return Long.MAX_VALUE;
    }
    return value.toNanos();
  }

  /** {@code now + nanos}, saturated so that a huge bound does not wrap into the past. */
  static long deadline(long now, long nanos) {
    long deadline = now + nanos;
    return (nanos > 0 && deadline < now) ? Long.MAX_VALUE : deadline;
  }
}
