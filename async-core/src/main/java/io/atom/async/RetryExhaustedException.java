package io.atom.async;

import java.time.Duration;
import java.util.Objects;

/**
 * Thrown (as the failure of a retried operation) when every attempt failed, or when the deadline
 * left no time for another attempt. The {@linkplain #getCause() cause} is the last attempt's
 * failure; every earlier attempt's failure is {@linkplain #getSuppressed() suppressed}, in order.
 */
public class RetryExhaustedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** How many attempts ran. */
  private final int attempts;
  /** Time from the operation's start to its failure. */
  private final Duration elapsed;
  /** Whether the deadline, not the number of attempts, ended the retrying. */
  private final boolean deadlineReached;

  /**
   * Creates the exception.
   *
   * @param message the detail message
   * @param lastFailure the last attempt's failure
   * @param attempts how many attempts ran
   * @param elapsed the time from the first attempt's start to the end
   * @param deadlineReached whether retrying stopped because the next attempt would start after the
   *     deadline, rather than because the attempts ran out
   * @throws NullPointerException if {@code lastFailure} or {@code elapsed} is null
   */
  public RetryExhaustedException(String message, Throwable lastFailure, int attempts, Duration elapsed,
      boolean deadlineReached) {
    super(message, Objects.requireNonNull(lastFailure, "lastFailure"));
    this.attempts = attempts;
    this.elapsed = Objects.requireNonNull(elapsed, "elapsed");
    this.deadlineReached = deadlineReached;
  }

  /**
   * Returns how many attempts ran.
   *
   * @return the number of attempts, at least 1
   */
  public int attempts() {
    return attempts;
  }

  /**
   * Returns the time the operation took, attempts and delays included.
   *
   * @return the elapsed time
   */
  public Duration elapsed() {
    return elapsed;
  }

  /**
   * Tells whether retrying stopped at the deadline ({@code maxTotalDelay}) rather than because the
   * attempts ran out.
   *
   * @return {@code true} if the deadline stopped it
   */
  public boolean deadlineReached() {
    return deadlineReached;
  }
}
