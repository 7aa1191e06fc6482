package io.atom.async;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The free functions of {@code async.hpp}.
 *
 * <p>This class is thread-safe: it has no state.
 */
public final class Async {
  private Async() {}

  /**
   * Waits at most {@code timeout} for {@code future} and returns its value, reporting failures the
   * way {@link AsyncWorker#getResult()} does. On expiry the future is left as it is (not cancelled).
   *
   * @param future the future to wait for
   * @param timeout how long to wait; zero does not wait
   * @param <T> the value type
   * @return the future's value
   * @throws NullPointerException if {@code future} or {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws AsyncTimeoutException if the wait expired; it names the duration and its cause is the
   *     {@link TimeoutException}
   * @throws CancellationException if the future was cancelled
   * @throws AsyncExecutionException if the future failed with a checked exception (the cause)
   * @throws AsyncInterruptedException if the calling thread is interrupted while waiting
   * @throws RuntimeException the future's own unchecked failure, as thrown
   * @throws Error the future's own error, as thrown
   */
  public static <T> T getWithTimeout(Future<T> future, Duration timeout) {
    Objects.requireNonNull(future, "future");
    long nanos = Durations.waitNanos(timeout, "timeout");
    try {
      return future.get(nanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new AsyncTimeoutException("future did not complete within " + timeout, timeout, e);
    } catch (ExecutionException e) {
      throw unwrap(e.getCause() != null ? e.getCause() : e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AsyncInterruptedException("interrupted while waiting for a future", e);
    }
  }

  private static RuntimeException unwrap(Throwable failure) {
    if (failure instanceof RuntimeException) {
      return (RuntimeException) failure;
    }
    if (failure instanceof Error) {
      throw (Error) failure;
    }
    return new AsyncExecutionException("future failed: " + failure, failure);
  }
}
