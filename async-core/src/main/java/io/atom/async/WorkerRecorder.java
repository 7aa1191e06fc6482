package io.atom.async;

/**
 * Receives what the workers of one {@link AsyncWorkerManager} do, for a metrics library to record:
 * the time each waited in the queue, how each ended and how long it ran, rejections, and the attempts
 * and outcomes of retried operations. The core records nothing unless a manager is built with one
 * ({@link AsyncWorkerManager.Builder#recorder(WorkerRecorder)}); {@link WorkerStats} is the one the
 * core ships ({@link AsyncWorkerManager.Builder#recordStats()}), and the Spring Boot starter supplies
 * one that records Micrometer {@code Timer}s and {@code Counter}s. It plays the part of Caffeine's
 * {@code StatsCounter}.
 *
 * <p><b>Names.</b> Work is named by operation ({@code "payment"}, {@code "inventory"}); unnamed work
 * is named {@value #UNNAMED}. The manager asks its recorder once per distinct name for the recorder of
 * that name ({@link #forName}) and keeps the answer, so a recorder can resolve its meters for a name
 * once, off the task path. Past a bounded number of distinct names
 * ({@link AsyncWorkerManager.Builder#maxNames(int)}) further names are recorded as {@value #OTHER}.
 *
 * <p><b>Cost.</b> The record methods run on the task path: on the pool thread that runs the task (a
 * queue wait, an end), or on whichever thread ended the worker (a cancel, a timeout, a rejection).
 * They must be quick, must not block and must not throw; a throw is caught and logged, never lost
 * into the worker's outcome. They are called concurrently from many threads.
 *
 * <p>Implementations must be thread-safe.
 */
public interface WorkerRecorder {

  /** The name under which unnamed work is recorded. */
  String UNNAMED = "unnamed";

  /** The name under which work is recorded once a manager has seen its maximum of distinct names. */
  String OTHER = "other";

  /**
   * Returns the recorder for work named {@code name}. Called once per distinct name by each manager
   * (scopes share their manager's), the first time the name is used, and never on the task path after
   * that. The default records every name in this recorder.
   *
   * @param name the work's name, {@value #UNNAMED} or {@value #OTHER}
   * @return the recorder for that name
   */
  default WorkerRecorder forName(String name) {
    return this;
  }

  /**
   * A worker left the queue and began to run (for a retried operation: its first attempt began).
   *
   * @param nanos the time since {@code startAsync}, in nanoseconds
   */
  void recordQueueWait(long nanos);

  /**
   * A worker ended. Called exactly once per worker that ends (a worker cancelled before it was
   * started included), by the thread that ended it.
   *
   * @param outcome {@link WorkerState#SUCCEEDED}, {@link WorkerState#FAILED},
   *     {@link WorkerState#CANCELLED} or {@link WorkerState#TIMED_OUT}
   * @param ran whether it ran (left the queue); a worker cancelled, timed out or rejected while it
   *     waited did not
   * @param runNanos how long it ran, in nanoseconds; zero if it did not
   */
  void recordEnd(WorkerState outcome, boolean ran, long runNanos);

  /** The pool, or a shut-down manager, refused a worker or a retry attempt. */
  void recordRejected();

  /**
   * An attempt of a retried operation ended.
   *
   * @param succeeded whether it succeeded (a result the policy rejects is a failure)
   */
  void recordAttempt(boolean succeeded);

  /**
   * A retried operation ended with its outcome decided by its attempts (not cancelled or timed out).
   *
   * @param kind how it ended
   */
  void recordRetryCall(WorkerStats.RetryCall kind);
}
