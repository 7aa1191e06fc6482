package io.atom.async.bench;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The peer of {@code manager.retry}: what one writes by hand without a library. Each attempt runs on the
 * pool; a failed one is rescheduled on a {@link ScheduledExecutorService} after a fixed delay, whose thread
 * hands the next attempt back to the pool (the same hops as ours and as resilience4j's asynchronous retry,
 * which also goes through the scheduler for a zero delay). No pool thread ever sleeps. No cancellation,
 * no deadline, no failure history, no metrics.
 *
 * <p>Run: {@code async-benchmarks/run.sh [quick|full]} from the repository root.
 *
 * @param <T> the result type
 */
public final class HandRolledRetry<T> implements Runnable {

  private final Callable<? extends T> task;
  private final int maxAttempts;
  private final long delayMillis;
  private final Executor pool;
  private final ScheduledExecutorService timer;
  private final CompletableFuture<T> result = new CompletableFuture<>();
  private int attempts; // attempts are sequential; the executors' hand-offs order them

  private HandRolledRetry(Callable<? extends T> task, int maxAttempts, long delayMillis, Executor pool,
      ScheduledExecutorService timer) {
    this.task = task;
    this.maxAttempts = maxAttempts;
    this.delayMillis = delayMillis;
    this.pool = pool;
    this.timer = timer;
  }

  /**
   * Starts the retried operation.
   *
   * @param task the operation
   * @param maxAttempts attempts at most, the first included
   * @param delayMillis fixed delay between attempts
   * @param pool where attempts run
   * @param timer where delays run
   * @param <T> the result type
   * @return the operation's future: the first success, or the last failure
   */
  public static <T> CompletableFuture<T> start(Callable<? extends T> task, int maxAttempts, long delayMillis,
      Executor pool, ScheduledExecutorService timer) {
    HandRolledRetry<T> run = new HandRolledRetry<>(task, maxAttempts, delayMillis, pool, timer);
    pool.execute(run);
    return run.result;
  }

  @Override
  public void run() {
    T value;
    try {
      value = task.call();
    } catch (Exception e) {
      if (++attempts >= maxAttempts) {
        result.completeExceptionally(e);
      } else {
        timer.schedule(() -> pool.execute(this), delayMillis, TimeUnit.MILLISECONDS);
      }
      return;
    }
    result.complete(value);
  }
}
