package io.atom.async;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

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

  /**
   * Runs {@code task} on the shared default pool, retrying it with backoff: the seed's eight
   * parameters in the seed's order. Delays run on a scheduler thread, never on a pool thread.
   *
   * <p>Equivalent to {@link #asyncRetry(Callable, RetryPolicy)} with a policy of these
   * {@code maxAttempts}, {@code initialDelay}, {@code strategy} (jitter 0.5 for
   * {@link BackoffStrategy#EXPONENTIAL}, none otherwise), {@code maxTotalDelay} as the deadline, no
   * maximum delay, every {@link Exception} retried, and the three handlers.
   *
   * @param task the operation
   * @param maxAttempts how many attempts at most, the first included
   * @param initialDelay the delay before the second attempt; zero only with {@code FIXED}
   * @param strategy how the delay grows
   * @param maxTotalDelay the deadline on the whole operation, from its start: no attempt starts after
   *     it (zero means one attempt)
   * @param onSuccess runs once with the value
   * @param onError runs once per failed attempt with its exception
   * @param onComplete runs exactly once at the very end
   * @param <T> the result type
   * @return a future of the value; it fails with a {@link RetryExhaustedException} when the attempts
   *     or the deadline run out, with an {@link Error} or a {@link java.util.concurrent.RejectedExecutionException}
   *     as such; cancelling it stops the retries and interrupts a running attempt
   * @throws NullPointerException if any argument is null
   * @throws IllegalArgumentException if {@code maxAttempts < 1}, a duration is negative, or
   *     {@code initialDelay} is zero with a strategy other than {@code FIXED}
   */
  public static <T> CompletableFuture<T> asyncRetry(Callable<? extends T> task, int maxAttempts,
      Duration initialDelay, BackoffStrategy strategy, Duration maxTotalDelay, Consumer<? super T> onSuccess,
      Consumer<? super Throwable> onError, Runnable onComplete) {
    Objects.requireNonNull(task, "task");
    return asyncRetry(task, seedPolicy(maxAttempts, initialDelay, strategy, maxTotalDelay, onSuccess, onError,
        onComplete));
  }

  /**
   * Runs {@code task} on the shared default pool, retrying it as {@code policy} says. The retried
   * operation is one worker; use {@link AsyncWorkerManager#retry} to run it on a manager's pool.
   *
   * @param task the operation
   * @param policy how to retry
   * @param <T> the result type
   * @return a future of the value (see {@link #asyncRetry(Callable, int, Duration, BackoffStrategy,
   *     Duration, Consumer, Consumer, Runnable)} for its failures); cancelling it stops the retries
   * @throws NullPointerException if {@code task} or {@code policy} is null
   */
  public static <T> CompletableFuture<T> asyncRetry(Callable<? extends T> task, RetryPolicy<T> policy) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(policy, "policy");
    AsyncWorker<T> op = new AsyncWorker<>();
    RetryRun.start(policy, task, op);
    return op.toCompletableFuture();
  }

  static <T> RetryPolicy<T> seedPolicy(int maxAttempts, Duration initialDelay, BackoffStrategy strategy,
      Duration maxTotalDelay, Consumer<? super T> onSuccess, Consumer<? super Throwable> onError,
      Runnable onComplete) {
    Objects.requireNonNull(initialDelay, "initialDelay");
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(maxTotalDelay, "maxTotalDelay");
    Objects.requireNonNull(onSuccess, "onSuccess");
    Objects.requireNonNull(onError, "onError");
    Objects.requireNonNull(onComplete, "onComplete");
    return RetryPolicy.<T>builder()
        .maxAttempts(maxAttempts)
        .initialDelay(initialDelay)
        .backoff(strategy)
        .maxTotalDelay(maxTotalDelay)
        .onSuccess(onSuccess)
        .onError(onError)
        .onComplete(onComplete)
        .build();
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
