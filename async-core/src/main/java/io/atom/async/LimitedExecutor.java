package io.atom.async;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Runs each task on a new thread of its own (a virtual one: {@link VirtualThreads#newExecutor}), at
 * most {@code maxConcurrency} at once; beyond that, tasks wait in a bounded FIFO queue; beyond that,
 * they are refused. Submitting never blocks. Each started task gets a new thread, also one taken
 * from the queue: nothing of one task (thread locals, an interrupt) reaches the next.
 *
 * <p>An {@link AsyncWorker} finds its task's queue slot here to give it back when it is cancelled or
 * times out while waiting ({@link #remove}), a manager's {@code cancelAll} purges the queue once
 * ({@link #purge}), and a refusal names the saturation ({@link #saturation}).
 */
final class LimitedExecutor extends AbstractExecutorService {

  /*
   * Concurrency.
   *
   * `running` counts permits: tasks that were given a thread and have not returned. A task is started
   * only by whoever holds a permit for it. The fast path (a permit is free) is one CAS on `running`
   * and no lock: the limit is a fact about all tasks, so one counter is the least it can cost (a
   * Semaphore's nonfair tryAcquire is the same CAS). The queue is touched only when the limit is
   * reached; a finishing task's poll of an empty LinkedBlockingQueue reads its count and takes no lock.
   *
   * No task is left queued while a permit is free. A submitter that found no permit queues its task,
   * then looks for a permit (drain). A finishing task hands its permit to the queue's head, or
   * releases it and then looks at the queue (drain). Each side publishes (offer, release) before it
   * reads the other's state (running, the queue), through volatile accesses, so at least one of the
   * two sees the other and starts the task.
   *
   * Shutdown: a submitter takes its permit (or queues) and then reads `shutdown`; shutdown() writes
   * `shutdown` and then reads `running` and the queue. Either the submitter sees the shutdown and gives
   * back what it took, or shutdown() sees the task and termination waits for it.
   */

  private final Executor launcher;
  private final int maxConcurrency;
  private final int queueCapacity;
  private final String threads;
  private final AtomicInteger running = new AtomicInteger();
  /** Tasks waiting for a permit; null when the capacity is 0. */
  private final @Nullable LinkedBlockingQueue<Runnable> queue;
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile boolean shutdown;

  /**
   * @param launcher starts the given task on a new thread (never runs it on the caller)
   * @param threads what the threads are, for messages: {@code "virtual threads"}
   */
  LimitedExecutor(Executor launcher, int maxConcurrency, int queueCapacity, String threads) {
    checkLimits(maxConcurrency, queueCapacity);
    this.launcher = Objects.requireNonNull(launcher, "launcher");
    this.maxConcurrency = maxConcurrency;
    this.queueCapacity = queueCapacity;
    this.threads = threads;
    this.queue = queueCapacity > 0 ? new LinkedBlockingQueue<>(queueCapacity) : null;
  }

  static void checkLimits(int maxConcurrency, int queueCapacity) {
    if (maxConcurrency < 1) {
      throw new IllegalArgumentException("maxConcurrency must be >= 1 but was " + maxConcurrency);
    }
    if (queueCapacity < 0) {
      throw new IllegalArgumentException("queueCapacity must be >= 0 but was " + queueCapacity);
    }
  }

  @Override
  public void execute(Runnable task) {
    Objects.requireNonNull(task, "task");
    if (shutdown) {
      throw shutDown();
    }
    if (tryAcquire()) {
      if (shutdown) {
        released();
        throw shutDown();
      }
      try {
        launcher.execute(new Turn(task));
      } catch (RuntimeException | Error e) {
        released(); // no thread, no task: the permit goes back and the caller hears why
        throw e;
      }
      return;
    }
    LinkedBlockingQueue<Runnable> q = queue;
    if (q == null || !q.offer(task)) {
      throw new RejectedExecutionException(saturation());
    }
    if (shutdown && q.remove(task)) {
      tryTerminate();
      throw shutDown();
    }
    drain(); // a permit released before the task was queued: its releaser did not see the task
  }

  /** Starts queued tasks while there are both queued tasks and free permits. */
  private void drain() {
    LinkedBlockingQueue<Runnable> q = queue;
    if (q == null) {
      return;
    }
    while (!q.isEmpty() && tryAcquire()) {
      Runnable next = q.poll();
      if (next == null || !launchQueued(next)) {
        running.decrementAndGet(); // taken by another drainer or removed, or its start failed: look again
        if (shutdown) {
          // A remover (cancel, timeout, purge) that ran tryTerminate() while we held this permit for a
          // moment saw a task running: the last look at termination is ours.
          tryTerminate();
        }
      }
    }
  }

  /** A task ended on its thread: its permit goes to the queue's head, or back. */
  private void finished() {
    LinkedBlockingQueue<Runnable> q = queue;
    Runnable next = q != null ? q.poll() : null;
    if (next != null && launchQueued(next)) {
      return; // the permit was handed over
    }
    released();
  }

  private void released() {
    running.decrementAndGet();
    drain();
    if (shutdown) {
      tryTerminate();
    }
  }

  /**
   * Starts a queued task under a permit already taken for it; on failure (no thread could be made)
   * ends the task's worker FAILED, so that nothing is dropped, and returns false.
   */
  private boolean launchQueued(Runnable task) {
    try {
      launcher.execute(new Turn(task));
      return true;
    } catch (RuntimeException | Error e) {
      RejectedExecutionException failure = new RejectedExecutionException("could not start a thread for a queued task", e);
      if (task instanceof AsyncWorker.TaskRun) {
        ((AsyncWorker.TaskRun<?>) task).worker.failIfQueued(failure);
      } else if (task instanceof Future) {
        ((Future<?>) task).cancel(false);
      } else {
        System.getLogger(LimitedExecutor.class.getName()).log(System.Logger.Level.ERROR,
            "a queued task was dropped: " + task, failure);
      }
      return false;
    }
  }

  private boolean tryAcquire() {
    for (int r = running.get(); r < maxConcurrency; r = running.get()) {
      if (running.compareAndSet(r, r + 1)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Gives the queue slot of a task that will never run back (its worker was cancelled or timed out
   * while it waited). O(queue), under the queue's locks; only cancellations pay it.
   *
   * @return whether the task was still queued
   */
  boolean remove(Runnable task) {
    LinkedBlockingQueue<Runnable> q = queue;
    boolean removed = q != null && q.remove(task);
    if (removed && shutdown) {
      tryTerminate();
    }
    return removed;
  }

  /** Takes every queued task whose worker has ended out of the queue, in one pass. */
  void purge() {
    LinkedBlockingQueue<Runnable> q = queue;
    if (q != null && q.removeIf(t -> t instanceof Future && ((Future<?>) t).isCancelled()) && shutdown) {
      tryTerminate();
    }
  }

  /** Why a task was refused while the executor runs: the limit and the queue are both full. */
  String saturation() {
    LinkedBlockingQueue<Runnable> q = queue;
    return "its pool is saturated (" + running.get() + " of " + maxConcurrency + " " + threads + " busy, "
        + (q == null ? 0 : q.size()) + " tasks queued, queue capacity left " + (q == null ? 0 : q.remainingCapacity())
        + ")";
  }

  private RejectedExecutionException shutDown() {
    return new RejectedExecutionException("executor is shut down");
  }

  /** Tasks running now (permits taken). */
  int running() {
    return running.get();
  }

  /** Tasks waiting for a permit. */
  int queued() {
    LinkedBlockingQueue<Runnable> q = queue;
    return q == null ? 0 : q.size();
  }

  @Override
  public void shutdown() {
    shutdown = true;
    tryTerminate();
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> waiting = new ArrayList<>();
    LinkedBlockingQueue<Runnable> q = queue;
    if (q != null) {
      q.drainTo(waiting);
    }
    tryTerminate();
    return waiting;
  }

  private void tryTerminate() {
    LinkedBlockingQueue<Runnable> q = queue;
    if (shutdown && running.get() == 0 && (q == null || q.isEmpty())) {
      terminated.countDown();
    }
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return terminated.getCount() == 0;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return terminated.await(timeout, unit);
  }

  @Override
  public String toString() {
    return "LimitedExecutor[" + threads + ", running=" + running.get() + " of " + maxConcurrency + ", queued="
        + queued() + " of " + queueCapacity + (shutdown ? ", shut down" : "") + "]";
  }

  /** One task on its own thread; its end releases or hands over the permit. */
  private final class Turn implements Runnable {
    private final Runnable task;

    Turn(Runnable task) {
      this.task = task;
    }

    @Override
    public void run() {
      try {
        task.run();
      } finally {
        finished();
      }
    }

    @Override
    public String toString() {
      return "Turn[" + task + "]";
    }
  }
}
