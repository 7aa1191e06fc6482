package io.atom.async;

import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * Follows each worker of an {@link AsyncWorkerManager} from its start to its end, so that a tracing
 * library can show it as a span: one observation per worker (a retried operation is one, with a child
 * per attempt), whose parent is whatever is current on the thread that starts it. The core observes
 * nothing unless a manager is built with one ({@link AsyncWorkerManager.Builder#observer}); the Spring
 * Boot starter supplies one made of Micrometer {@code Observation}s.
 *
 * <p><b>When each method runs.</b> {@link #start} runs on the thread that starts the worker
 * ({@code createWorker}, {@code startAsync}, {@code retry}), once the start is decided and before the
 * task is submitted. {@link Observed#call} runs the task on the pool thread; {@link Observed#attempt}
 * runs on the thread that launches an attempt (the starting thread for the first, the timer thread
 * after a delay); {@link Observed#end} runs exactly once, on whichever thread ended the worker (or, if a
 * cancel ended it while it was being started, on the starting thread): before the manager's
 * {@code waitForAll()} lets go of the worker, and for a retried operation after its callbacks, so that
 * its running attempt has ended first.
 *
 * <p>Implementations must be thread-safe and should not throw from {@code start}, {@code attempt} or
 * {@code end}: whatever they throw (an {@code Error} included) is logged and the worker goes on,
 * unobserved from there.
 */
public interface WorkerObserver {

  /**
   * A worker starts.
   *
   * @param managerName its manager's name
   * @param name its name as given ({@value WorkerRecorder#UNNAMED} for unnamed work)
   * @param taggedName its name as metrics record it: {@code name}, or {@value WorkerRecorder#OTHER}
   *     past the manager's bound on distinct names ({@link AsyncWorkerManager.Builder#maxNames}); the
   *     one to use where cardinality matters (a metric tag, a low-cardinality key)
   * @param retried whether it is a retried operation, whose attempts {@link Observed#attempt} follows
   * @return its observation, started; or null to leave this worker unobserved
   */
  @Nullable Observed start(String managerName, String name, String taggedName, boolean retried);

  /**
   * One worker's observation (or one attempt's).
   *
   * <p>Implementations must be thread-safe.
   */
  interface Observed {

    /**
     * Runs the task with this observation current on the calling thread (a pool thread), so that
     * work the task observes nests under it, and restores the thread after. Must call
     * {@code task} exactly once and return what it returns or throw what it throws.
     *
     * @param task the task
     * @param <V> its result type
     * @return its result
     * @throws Exception what the task throws
     */
    <V> V call(Callable<V> task) throws Exception;

    /**
     * An attempt of this retried operation starts: returns its observation, started, a child of this
     * one. Attempts are numbered from 1.
     *
     * @param attempt the attempt's number
     * @return the attempt's observation, or null to leave it unobserved
     */
    @Nullable Observed attempt(int attempt);

    /**
     * Ends the observation, exactly once.
     *
     * @param outcome how the worker (or attempt) ended: a terminal state
     * @param failure the exception of a {@code FAILED} or {@code TIMED_OUT} end, else null
     */
    void end(WorkerState outcome, @Nullable Throwable failure);
  }
}
