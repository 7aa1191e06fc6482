package io.atom.async;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The completing end of a <em>driven</em> worker: a worker whose task runs somewhere this library does
 * not manage (another process, a cluster member, a remote service), made by
 * {@link AsyncWorkerManager#createDrivenWorker(String, java.util.function.Consumer)}. The driver ends the
 * worker with {@link #succeed} or {@link #fail}, and learns of a cancellation or a hard timeout through
 * {@link #onCancel}, so that it can stop the remote execution.
 *
 * <p>The worker's one terminal CAS decides between the driver's completion, {@link AsyncWorker#cancel()},
 * its timeout and its manager's {@code cancelAll}/{@code close}: the worker ends exactly once, and a
 * completion that loses is discarded (the call returns {@code false}).
 *
 * <p>This class is thread-safe: every method may be called from any thread at any time.
 *
 * @param <T> the result type
 */
public final class WorkerCompletion<T> {

  private static final System.Logger LOG = System.getLogger(WorkerCompletion.class.getName());

  private final AsyncWorker<T> worker;

  WorkerCompletion(AsyncWorker<T> worker) {
    this.worker = worker;
  }

  /**
   * Ends the worker {@code SUCCEEDED} with {@code value}, unless it has already ended.
   *
   * @param value the result (may be null if the task's result may be null)
   * @return whether this call ended the worker; {@code false} if it had already ended (cancelled,
   *     timed out, or completed before), in which case {@code value} is discarded
   */
  public boolean succeed(@Nullable T value) {
    return worker.completeExternally(value, null);
  }

  /**
   * Ends the worker {@code FAILED} with {@code failure}, unless it has already ended. The worker's
   * {@link AsyncWorker#getResult()} then throws it as its manager's workers' failures are thrown, and its
   * manager's {@code waitForAll} aggregates it.
   *
   * @param failure the task's failure
   * @return whether this call ended the worker; {@code false} if it had already ended
   * @throws NullPointerException if {@code failure} is null
   */
  public boolean fail(Throwable failure) {
    Objects.requireNonNull(failure, "failure");
    return worker.completeExternally(null, failure);
  }

  /**
   * Runs {@code action} once if the worker ends {@code CANCELLED} or {@code TIMED_OUT} (by
   * {@link AsyncWorker#cancel()}, its timeout, or its manager's {@code cancelAll} or {@code close}),
   * on the thread that ended it; never if it ends through {@link #succeed} or {@link #fail}. Registered
   * after such an end, it runs at once on the caller. The action should be short and must not block:
   * it typically cancels the remote execution. An exception it throws is logged, never propagated.
   *
   * @param action what stops the remote execution
   * @throws NullPointerException if {@code action} is null
   */
  public void onCancel(Runnable action) {
    Objects.requireNonNull(action, "action");
    worker.whenDone(() -> {
      WorkerState s = worker.state();
      if (s == WorkerState.CANCELLED || s == WorkerState.TIMED_OUT) {
        try {
          action.run();
        } catch (Throwable e) {
          LOG.log(System.Logger.Level.WARNING, "onCancel action of worker " + worker + " threw", e);
        }
      }
    });
  }

  /**
   * Returns whether the worker has ended (by this handle or otherwise).
   *
   * @return whether the worker has ended
   */
  public boolean isDone() {
    return worker.isDone();
  }

  @Override
  public String toString() {
    return "WorkerCompletion[" + worker + "]";
  }
}
