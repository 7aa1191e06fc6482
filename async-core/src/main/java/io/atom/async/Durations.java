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

  /** The longest wait a deadline represents: about 146 years, so "forever" for any caller. */
  static final long MAX_WAIT_NANOS = Long.MAX_VALUE / 2;

  /**
   * {@code now + nanos}, for comparisons by difference only ({@code deadline - System.nanoTime()}), as
   * {@link System#nanoTime()} requires: its origin is arbitrary and may be negative. A huge bound is
   * capped to {@link #MAX_WAIT_NANOS}, so the difference never overflows, whatever the origin.
   */
  static long deadline(long now, long nanos) {
    return now + Math.min(nanos, MAX_WAIT_NANOS);
  }
}
