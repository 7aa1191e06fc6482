package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerState;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.TaskRejectedException;

/**
 * The {@code asyncWorkerExecutor} bean: Spring's {@link AsyncTaskExecutor} over an
 * {@link AsyncWorkerManager}, so that {@code @Async("asyncWorkerExecutor")} methods run as workers,
 * with the manager's default timeout, metrics, context propagation and graceful shutdown.
 *
 * <p>Each task is one worker, named {@code Class.method} after the {@code @Async} method that submitted
 * it when {@link AsyncMethodNames} could tell (unnamed otherwise, as for a task submitted by hand). The
 * futures returned are the worker's view: cancelling one cancels the worker ({@code cancel(true)}
 * interrupts it), and a worker that times out completes it with an {@code AsyncTimeoutException}.
 *
 * <p>A task the manager refuses (its pool is saturated or it is shut down) makes every method throw
 * Spring's {@link TaskRejectedException}, as Spring's own executors do, so that the caller of an
 * {@code @Async} method learns of it; its worker has ended {@code FAILED} with the
 * {@link RejectedExecutionException} and is counted in {@code atom.async.workers.rejected}.
 *
 * <p>This class is thread-safe.
 */
final class AsyncWorkerExecutor implements AsyncTaskExecutor {

  private final AsyncWorkerManager manager;

  AsyncWorkerExecutor(AsyncWorkerManager manager) {
    this.manager = Objects.requireNonNull(manager, "manager");
  }

  @Override
  public void execute(Runnable task) {
    start(callable(task));
  }

  @Override
  public Future<?> submit(Runnable task) {
    return submitCompletable(task);
  }

  @Override
  public <T> Future<T> submit(Callable<T> task) {
    return submitCompletable(task);
  }

  @Override
  public CompletableFuture<Void> submitCompletable(Runnable task) {
    return start(callable(task)).toCompletableFuture();
  }

  @Override
  public <T> CompletableFuture<T> submitCompletable(Callable<T> task) {
    return start(Objects.requireNonNull(task, "task")).toCompletableFuture();
  }

  private static Callable<@Nullable Void> callable(Runnable task) {
    Objects.requireNonNull(task, "task");
    return () -> {
      task.run();
      return null;
    };
  }

  private <T> AsyncWorker<T> start(Callable<T> task) {
    String name = AsyncMethodNames.take(); // the @Async method being called on this thread, if known
    Started<T> started = new Started<>(task);
    AsyncWorker<T> worker = name != null ? manager.createWorker(name, started) : manager.createWorker(started);
    if (!started.ran && worker.state() == WorkerState.FAILED) {
      try {
        worker.getResult();
      } catch (RejectedExecutionException refused) {
        throw new TaskRejectedException(refused.getMessage(), refused);
      } catch (RuntimeException | Error other) {
        // failed without running for another reason (a context capture that threw): the future says so
      }
    }
    return worker;
  }

  @Override
  public String toString() {
    return "AsyncWorkerExecutor[" + manager.name() + "]";
  }

  /** The task, marked once it began: a worker that failed without it never ran. */
  private static final class Started<T> implements Callable<T> {
    private final Callable<T> task;
    volatile boolean ran;

    Started(Callable<T> task) {
      this.task = task;
    }

    @Override
    public T call() throws Exception {
      ran = true;
      return AsyncMethodNames.callFailingAsTheMethodDid(task);
    }
  }
}
