package io.atom.async;

import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one {@link AsyncWorkerManager} (and its scopes), for a metrics binder to read:
 * workers ended per outcome with their total run time, time spent queued, workers pending and
 * running, rejections, and retried operations by kind with their attempts.
 *
 * <p>Counters are striped ({@link LongAdder}), so tasks on many threads never contend on one cache
 * line; a manager records them only when built with {@link AsyncWorkerManager.Builder#recordStats()},
 * and otherwise pays nothing. Reads are sums taken at the time of the call: each value is exact once
 * the workers it counts have ended, and may lag by the workers ending at that moment.
 *
 * <p>This class is thread-safe.
 */
public final class WorkerStats {

  /** How a retried operation ended, as resilience4j names the kinds of calls. */
  public enum RetryCall {
    /** Succeeded on the first attempt. */
    SUCCESSFUL_WITHOUT_RETRY,
    /** Succeeded after at least one failed attempt. */
    SUCCESSFUL_WITH_RETRY,
    /** Failed on its first attempt, without retrying (not retryable, or one attempt allowed). */
    FAILED_WITHOUT_RETRY,
    /** Failed after at least one retry. */
    FAILED_WITH_RETRY
  }

  private static final int OUTCOMES = 4; // SUCCEEDED, FAILED, CANCELLED, TIMED_OUT

  // Five updates per task that runs (scheduled; queued + its wait; ended + its run time): the two
  // gauges are derived from these counts instead of being kept with four more updates per task.
  private final LongAdder[] ended = adders(OUTCOMES);
  private final LongAdder[] runNanos = adders(OUTCOMES);
  private final LongAdder scheduled = new LongAdder();
  private final LongAdder queued = new LongAdder();
  private final LongAdder queueWaitNanos = new LongAdder();
  /** Ended while scheduled, never having run (cancelled or timed out in the queue, rejected). */
  private final LongAdder endedWaiting = new LongAdder();
  /** Ended before it was ever scheduled (cancelled before startAsync). */
  private final LongAdder endedUnstarted = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder[] retryCalls = adders(RetryCall.values().length);
  private final LongAdder successfulAttempts = new LongAdder();
  private final LongAdder failedAttempts = new LongAdder();

  WorkerStats() {}

  private static LongAdder[] adders(int n) {
    LongAdder[] adders = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      adders[i] = new LongAdder();
    }
    return adders;
  }

  private static int index(WorkerState outcome) {
    if (!outcome.isTerminal()) {
      throw new IllegalArgumentException("outcome must be a terminal state but was " + outcome);
    }
    return outcome.ordinal() - WorkerState.SUCCEEDED.ordinal();
  }

  // ------------------------------------------------------------ reads

  /**
   * Counts the workers that ended in {@code outcome}.
   *
   * @param outcome a terminal state
   * @return the count
   * @throws IllegalArgumentException if {@code outcome} is not terminal
   */
  public long ended(WorkerState outcome) {
    return ended[index(outcome)].sum();
  }

  /**
   * Sums the run time of the workers that ended in {@code outcome}: from the moment a pool thread
   * took the task (or a retried operation's first attempt began) to the end. Zero for a worker that
   * never ran.
   *
   * @param outcome a terminal state
   * @return the total in nanoseconds
   * @throws IllegalArgumentException if {@code outcome} is not terminal
   */
  public long runNanos(WorkerState outcome) {
    return runNanos[index(outcome)].sum();
  }

  /**
   * Counts the workers that left the queue to run.
   *
   * @return the count
   */
  public long queueWaits() {
    return queued.sum();
  }

  /**
   * Sums the time workers spent between {@code startAsync} and running.
   *
   * @return the total in nanoseconds
   */
  public long queueWaitNanos() {
    return queueWaitNanos.sum();
  }

  /**
   * Counts the workers scheduled and not yet running.
   *
   * @return the current count
   */
  public long pending() {
    // What is subtracted is read first: a worker scheduled meanwhile can only make this larger.
    long left = queued.sum() + endedWaiting.sum();
    return Math.max(0L, scheduled.sum() - left);
  }

  /**
   * Counts the workers running now (retried operations between their first attempt and their end
   * included).
   *
   * @return the current count
   */
  public long active() {
    long endedAfterRunning = -endedWaiting.sum() - endedUnstarted.sum();
    for (LongAdder e : ended) {
      endedAfterRunning += e.sum();
    }
    return Math.max(0L, queued.sum() - endedAfterRunning);
  }

  /**
   * Counts the workers refused by the pool or by a shut-down manager.
   *
   * @return the count
   */
  public long rejected() {
    return rejected.sum();
  }

  /**
   * Counts the retried operations that ended as {@code kind}. A cancelled or timed-out operation is
   * not counted here (it is in {@link #ended}).
   *
   * @param kind the kind of call
   * @return the count
   * @throws NullPointerException if {@code kind} is null
   */
  public long retryCalls(RetryCall kind) {
    return retryCalls[kind.ordinal()].sum();
  }

  /**
   * Counts the attempts of retried operations that succeeded.
   *
   * @return the count
   */
  public long successfulAttempts() {
    return successfulAttempts.sum();
  }

  /**
   * Counts the attempts of retried operations that failed (a rejected result included).
   *
   * @return the count
   */
  public long failedAttempts() {
    return failedAttempts.sum();
  }

  @Override
  public String toString() {
    return "WorkerStats[succeeded=" + ended(WorkerState.SUCCEEDED) + ", failed=" + ended(WorkerState.FAILED)
        + ", cancelled=" + ended(WorkerState.CANCELLED) + ", timedOut=" + ended(WorkerState.TIMED_OUT)
        + ", pending=" + pending() + ", active=" + active() + ", rejected=" + rejected() + "]";
  }

  // ------------------------------------------------------------ writes (package-private)

  void scheduled() {
    scheduled.increment();
  }

  void running(long queueWait) {
    queued.increment();
    queueWaitNanos.add(queueWait);
  }

  /** A worker ended; {@code wasRunning} tells which gauge it leaves, {@code ran} its run time. */
  void countEnded(int outcomeIndex, boolean wasRunning, long ran) {
    ended[outcomeIndex].increment();
    if (wasRunning) {
      runNanos[outcomeIndex].add(ran);
    } else {
      endedWaiting.increment();
    }
  }

  void endedBeforeScheduling(int outcomeIndex) {
    ended[outcomeIndex].increment(); // cancelled before startAsync: never pending
    endedUnstarted.increment();
  }

  void countRejected() {
    rejected.increment();
  }

  void attempt(boolean succeeded) {
    (succeeded ? successfulAttempts : failedAttempts).increment();
  }

  void retryCall(RetryCall kind) {
    retryCalls[kind.ordinal()].increment();
  }
}
