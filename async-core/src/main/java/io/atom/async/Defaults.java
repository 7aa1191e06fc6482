package io.atom.async;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared default pool of {@code new AsyncWorker<>()} and the one scheduler thread that serves
 * every hard timeout (and retry delay) unless a manager is given its own. Both are created on first
 * use, hold daemon threads only, and live as long as the JVM.
 */
final class Defaults {
  private Defaults() {}

  /** How long an idle thread of an owned or default pool lives before it exits. */
  static final long KEEP_ALIVE_SECONDS = 10;

  static int cpuPoolSize() {
    return Math.max(2, Runtime.getRuntime().availableProcessors());
  }

  static Executor pool() {
    return PoolHolder.POOL;
  }

  static ScheduledExecutorService scheduler() {
    return SchedulerHolder.SCHEDULER;
  }

  /** A fixed pool of daemon threads whose idle threads exit, so an unclosed manager leaks nothing. */
  static ThreadPoolExecutor newPool(String name, int size) {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(size, size, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), daemonThreads(name + "-"));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  private static final class PoolHolder {
    static final ThreadPoolExecutor POOL = newPool("atom-async-default", cpuPoolSize());
  }

  private static final class SchedulerHolder {
    static final ScheduledThreadPoolExecutor SCHEDULER = newScheduler("atom-async-timer");
  }

  static ScheduledThreadPoolExecutor newScheduler(String name) {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads(name + "-"));
    // A finished worker cancels its timer; without this the cancelled timer (and the worker it
    // references) would stay in the queue until its deadline.
    scheduler.setRemoveOnCancelPolicy(true);
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    return scheduler;
  }
}
