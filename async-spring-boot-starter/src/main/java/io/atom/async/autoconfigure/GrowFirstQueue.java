package io.atom.async.autoconfigure;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * The bounded queue of the starter's platform pool, which makes the pool start a thread before it
 * queues a task, as Tomcat's {@code TaskQueue} does for its connector threads. A
 * {@link ThreadPoolExecutor} on its own starts threads beyond the core size only once its queue is
 * full: with a queue of 1,000, a core of 8 and a maximum of 16, the 9th simultaneous task waits
 * behind a queue that may never fill, however long the first eight block.
 *
 * <p>Here {@link #offer} accepts a task only for a pool thread already waiting for one, and otherwise
 * refuses it, so the pool adds a thread (below its maximum). At its maximum the pool calls its
 * rejection handler, which first {@linkplain #requeue queues the task after all} and only rejects it
 * (abort, or caller-runs) when the queue is full too. So the queue keeps its capacity and the pool its
 * rejection policy; only the order changes: threads first, then the queue.
 */
final class GrowFirstQueue extends LinkedBlockingQueue<Runnable> {
  private static final long serialVersionUID = 1L;

  /*
   * Concurrency. `idle` counts pool threads blocked in take/poll to which no queued task has been
   * promised yet. A thread announces itself (idle + 1) before it blocks, then polls once more, so
   * that a task queued before the announcement was seen is not missed; if that poll finds a task, it
   * withdraws (idle - 1, not below 0). offer() promises its task to an announced thread by taking one
   * off `idle` (a CAS) before it queues the task, and refuses the task if there is none; the thread
   * woken by the task does not count itself off again. A forced task (the pool at its maximum) takes a
   * promise too if one is left. The count errs low (a task promised to a waiting thread is taken by a
   * thread that was just finishing, or a removed task takes its promise away): then the pool adds a
   * thread where a waiting one would have done, which costs a thread, not a wait. One promise can miss:
   * to a thread beyond the core whose keep-alive runs out in the same instant; its task then waits for
   * the next thread to free, as every task does in a plain ThreadPoolExecutor. Only threads going idle
   * and tasks arriving for idle threads touch the counter: under load it is not on the task path.
   */
  private final AtomicInteger idle = new AtomicInteger();

  GrowFirstQueue(int capacity) {
    super(capacity);
  }

  /** Queues the task only for a waiting pool thread; false makes the pool add a thread. */
  @Override
  public boolean offer(Runnable task) {
    if (!promiseIdle()) {
      return false;
    }
    if (super.offer(task)) {
      return true;
    }
    idle.incrementAndGet(); // full: the promise was not used
    return false;
  }

  /** Queues the task whatever the threads do (the pool is at its maximum); false if the queue is full. */
  boolean force(Runnable task) {
    if (!super.offer(task)) {
      return false;
    }
    promiseIdle(); // a thread that announced itself meanwhile will take it
    return true;
  }

  @Override
  public Runnable take() throws InterruptedException {
    Runnable task = super.poll();
    if (task != null) {
      return task;
    }
    announce();
    try {
      task = super.poll(); // queued before our announcement was visible: take it now
      if (task != null) {
        withdraw();
        return task;
      }
      return super.take(); // woken by a task promised to an announced thread: nothing to count
    } catch (InterruptedException e) {
      withdraw(); // the pool interrupts idle threads to stop them or to retry; we are no longer waiting
      throw e;
    }
  }

  @Override
  public @Nullable Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
    Runnable task = super.poll();
    if (task != null) {
      return task;
    }
    announce();
    try {
      task = super.poll();
      if (task == null) {
        task = super.poll(timeout, unit);
        if (task != null) {
          return task;
        }
      }
      withdraw(); // found one at once, or timed out: not waiting any more
      return task;
    } catch (InterruptedException e) {
      withdraw();
      throw e;
    }
  }

  private void announce() {
    idle.incrementAndGet();
  }

  private void withdraw() {
    idle.getAndUpdate(n -> n > 0 ? n - 1 : 0);
  }

  private boolean promiseIdle() {
    for (int n = idle.get(); n > 0; n = idle.get()) {
      if (idle.compareAndSet(n, n - 1)) {
        return true;
      }
    }
    return false;
  }

  /** Waiting pool threads no queued task has been promised to, for tests. */
  int idleThreads() {
    return idle.get();
  }

  /**
   * The first step of the starter's rejection handlers: a task refused because the pool could not add
   * a thread goes into the queue after all, if the pool is running and the queue has room.
   *
   * @return true if the task was queued and will run; false if it must really be rejected
   */
  static boolean requeue(Runnable task, ThreadPoolExecutor pool) {
    if (pool.isShutdown() || !(pool.getQueue() instanceof GrowFirstQueue)) {
      return false;
    }
    if (!((GrowFirstQueue) pool.getQueue()).force(task)) {
      return false;
    }
    // As ThreadPoolExecutor.execute does after queueing: a pool shut down meanwhile may not run it.
    if (pool.isShutdown() && pool.remove(task)) {
      return false;
    }
    // And as it does too: a queued task needs a thread. The refusal usually came from a pool at its
    // maximum, but its threads may have timed out since (core-size 0), or the thread factory failed.
    if (pool.getPoolSize() == 0) {
      pool.prestartCoreThread();
      if (pool.getPoolSize() == 0 && pool.remove(task)) {
        return false; // no thread can be had: reject it rather than leave it queued with none
      }
    }
    return true;
  }

  /**
   * {@link ThreadPoolExecutor.AbortPolicy} after {@link #requeue}: throws only when the pool is at its
   * maximum and the queue is full, or the pool is shut down.
   */
  static final class AbortPolicy extends ThreadPoolExecutor.AbortPolicy {
    @Override
    public void rejectedExecution(Runnable task, ThreadPoolExecutor pool) {
      if (!requeue(task, pool)) {
        super.rejectedExecution(task, pool);
      }
    }
  }

  /** Spring's {@link ThreadPoolTaskExecutor} over a {@link GrowFirstQueue} (a zero capacity keeps Spring's hand-off queue). */
  static final class GrowingTaskExecutor extends ThreadPoolTaskExecutor {
    private static final long serialVersionUID = 1L;

    @Override
    protected java.util.concurrent.BlockingQueue<Runnable> createQueue(int queueCapacity) {
      return queueCapacity > 0 ? new GrowFirstQueue(queueCapacity) : super.createQueue(queueCapacity);
    }
  }
}
