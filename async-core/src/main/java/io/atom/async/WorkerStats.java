package io.atom.async;

import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Live counters of one {@link AsyncWorkerManager} (and its scopes), for a metrics binder to read:
 * workers ended per outcome with their total run time, time spent queued, workers pending and
 * running, rejections, and retried operations by kind with their attempts. All names are counted
 * together.
 *
 * <p>What the core's own {@link WorkerRecorder} counts: a manager keeps these counters only when built with
 * {@link AsyncWorkerManager.Builder#recordStats()}, and otherwise pays nothing. Counters are striped
 * ({@link LongAdder}) and only the threads that run and end workers update them (two updates to
 * start running, two to end), so tasks on many threads never contend on one cache line. The
 * {@link #pending()} and {@link #active()} gauges are not counted at all: they walk the manager's
 * in-flight workers when read. Reads are taken at the time of the call: each value is exact once the
 * workers it counts have ended, and may lag by the workers ending at that moment.
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

  // Four updates per task that runs (queued + its wait; ended + its run time), all by the threads that
  // run and end workers: the submitting thread writes none, so it shares no line with the runners. The
  // two gauges walk the manager's tracked workers instead of being counted on every task.
  private final LongAdder[] ended = adders(OUTCOMES);
  private final LongAdder[] runNanos = adders(OUTCOMES);
  private final LongAdder queued = new LongAdder();
  private final LongAdder queueWaitNanos = new LongAdder();
  private final @Nullable AsyncWorkerManager manager;
  private final LongAdder rejected = new LongAdder();
  private final LongAdder[] retryCalls = adders(RetryCall.values().length);
  private final LongAdder successfulAttempts = new LongAdder();
  private final LongAdder failedAttempts = new LongAdder();

  /** @param manager the manager whose in-flight workers the gauges count; null counts none */
  WorkerStats(@Nullable AsyncWorkerManager manager) {
    this.manager = manager;
  }

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
    AsyncWorkerManager m = manager;
    return m != null ? m.pendingCount() : 0L;
  }

  /**
   * Counts the workers running now (retried operations between their first attempt and their end
   * included).
   *
   * @return the current count
   */
  public long active() {
    AsyncWorkerManager m = manager;
    return m != null ? m.activeCount() : 0L;
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

  // ------------------------------------------------------------ writes

  /** The recorder that writes these counters, whatever the name (they count all names together). */
  WorkerRecorder recorder() {
    return writer;
  }

  private final WorkerRecorder writer = new WorkerRecorder() {
    @Override
    public void recordQueueWait(long nanos) {
      queued.increment();
      queueWaitNanos.add(nanos);
    }

    @Override
    public void recordEnd(WorkerState outcome, boolean ran, long nanos) {
      int i = index(outcome);
      ended[i].increment();
      if (ran) {
        runNanos[i].add(nanos);
      }
    }

    @Override
    public void recordRejected() {
      rejected.increment();
    }

    @Override
    public void recordAttempt(boolean succeeded) {
      (succeeded ? successfulAttempts : failedAttempts).increment();
    }

    @Override
    public void recordRetryCall(RetryCall kind) {
      retryCalls[kind.ordinal()].increment();
    }

    @Override
    public String toString() {
      return "the counters of WorkerStats";
    }
  };
}
