package io.atom.async;

import java.time.Duration;
import java.util.Objects;

/**
 * Thrown when a hard timeout ends a worker, or when a bounded wait for a result expires.
 *
 * <p>It carries the limit that expired. A worker that {@linkplain WorkerState#TIMED_OUT timed out}
 * throws it from {@code getResult}; {@link AsyncWorker#getResult(Duration)} and
 * {@link Async#getWithTimeout} throw it when only the wait ran out (the task runs on), with a
 * {@link java.util.concurrent.TimeoutException} as cause.
 */
public class AsyncTimeoutException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The limit that ran out. */
  private final Duration timeout;

  /**
   * Creates the exception.
   *
   * @param message the detail message
   * @param timeout the limit that expired
   * @param cause the underlying exception, or {@code null}
   * @throws NullPointerException if {@code timeout} is null
   */
  public AsyncTimeoutException(String message, Duration timeout, @org.jspecify.annotations.Nullable Throwable cause) {
    super(message, cause);
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /**
   * Returns the limit that expired.
   *
   * @return the timeout
   */
  public Duration timeout() {
    return timeout;
  }
}
