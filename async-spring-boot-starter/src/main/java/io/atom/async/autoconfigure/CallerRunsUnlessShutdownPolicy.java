package io.atom.async.autoconfigure;

import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a rejected task on the submitting thread, like the JDK's {@code CallerRunsPolicy}, once the
 * pool is at its maximum and its queue is full (a {@link GrowFirstQueue} refuses tasks while the pool
 * can still add threads; they are queued here first, see {@link GrowFirstQueue#requeue}), with two
 * exceptions where that would do harm. Once the pool is shut down it throws instead of dropping the
 * task silently (a dropped task would leave its worker scheduled forever; a thrown rejection ends it
 * FAILED). And it never runs a task on the timer thread (a retry attempt submitted when its delay
 * ends): that thread serves every timeout and retry delay, and a task there would hold them all up.
 *
 * <p>A task refused on the timer thread is <em>deferred</em> instead, keeping caller-runs' promise
 * that saturation never drops work: it waits on the timer (not on a pool thread) and is offered to
 * the pool again after a short back-off ({@value #FIRST_BACKOFF_MILLIS} ms, doubling up to
 * {@value #MAX_BACKOFF_MILLIS} ms) until the pool takes it. While it waits, its worker is still
 * scheduled: its hard timeout and {@code cancel()} apply, and so does a retried operation's deadline,
 * which ends an attempt still waiting for a thread (a task whose worker has ended is dropped at its
 * next offer). If the pool shuts down meanwhile, the task is cancelled, so its worker ends
 * CANCELLED. Each deferred task is counted once ({@link #deferred()}).
 */
final class CallerRunsUnlessShutdownPolicy implements RejectedExecutionHandler {
  static final long FIRST_BACKOFF_MILLIS = 5;
  static final long MAX_BACKOFF_MILLIS = 200;

  private static final Logger LOG = LoggerFactory.getLogger(CallerRunsUnlessShutdownPolicy.class);

  private final LongAdder deferred = new LongAdder();

  @Override
  public void rejectedExecution(Runnable task, ThreadPoolExecutor pool) {
    if (pool.isShutdown()) {
      throw new RejectedExecutionException("pool is shut down");
    }
    if (GrowFirstQueue.requeue(task, pool)) {
      return; // refused only because the pool could not add a thread: the queue had room
    }
    Thread current = Thread.currentThread();
    if (current instanceof TimerThread) {
      TimerThread timer = (TimerThread) current;
      Reoffer again = timer.reoffering;
      if (again != null && again.task == task) {
        again.backOff(); // offered again and refused again: wait longer
      } else {
        deferred.increment();
        new Reoffer(task, pool, timer.scheduler.get()).schedule();
      }
      return;
    }
    task.run();
  }

  /** How many tasks were refused on the timer thread and deferred (each counted once). */
  long deferred() {
    return deferred.sum();
  }

  /** A deferred task: offered to the pool again from the timer thread when its back-off ends. */
  private static final class Reoffer implements Runnable {
    final Runnable task;
    private final ThreadPoolExecutor pool;
    private final ScheduledExecutorService timer;
    private long backoffMillis = FIRST_BACKOFF_MILLIS;

    Reoffer(Runnable task, ThreadPoolExecutor pool, ScheduledExecutorService timer) {
      this.task = task;
      this.pool = pool;
      this.timer = timer;
    }

    void schedule() {
      try {
        timer.schedule(this, backoffMillis, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        abandon("the timer is shut down");
      }
    }

    void backOff() {
      backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
      schedule();
    }

    @Override
    public void run() {
      if (task instanceof Future && ((Future<?>) task).isDone()) {
        return; // its worker ended while it waited (cancelled, timed out): nothing left to run
      }
      if (pool.isShutdown()) {
        abandon("the pool is shut down");
        return;
      }
      TimerThread me = (TimerThread) Thread.currentThread();
      me.reoffering = this;
      try {
        pool.execute(task); // refused again: rejectedExecution() backs off and schedules us once more
      } catch (RejectedExecutionException e) {
        abandon("the pool is shut down");
      } finally {
        me.reoffering = null;
      }
    }

    /** Ends the task's worker CANCELLED (a worker's queue item is a Future); never drops it silently. */
    private void abandon(String why) {
      if (task instanceof Future) {
        ((Future<?>) task).cancel(false);
      } else {
        LOG.warn("A task deferred under atom.async.pool.rejection-policy=caller-runs was dropped: {} ({})", why, task);
      }
    }
  }

  /** The starter's timer thread, recognised by the policy above; it knows its own scheduler. */
  static final class TimerThread extends Thread {
    final Supplier<ScheduledExecutorService> scheduler;
    /** The re-offer this thread is running now; only this thread reads or writes it. */
    @Nullable Reoffer reoffering;

    TimerThread(Runnable task, String name, Supplier<ScheduledExecutorService> scheduler) {
      super(task, name);
      this.scheduler = scheduler;
      setDaemon(true);
    }
  }
}
