package io.atom.async;

import java.lang.ref.WeakReference;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Logs, once each, the workers of one manager (and its scopes) whose task has held its thread longer
 * than the stuck threshold, with the thread's stack. A periodic task on the manager's timeout
 * scheduler: it walks the in-flight workers as the gauges do, so the task path pays nothing.
 *
 * <p>It wakes every quarter of the threshold, at least {@value #MIN_PERIOD_MILLIS} ms and at most
 * {@value #MAX_PERIOD_MILLIS} ms apart, so a stuck worker is reported at most that long after it
 * crossed the threshold (plus, for a manager that records nothing, the time until a pass first saw it
 * running). Passes never overlap (fixed delay), so the set of reported workers is confined to the
 * scheduler's thread. It holds its manager weakly and stops once the manager is closed, shut down and
 * idle, or unreachable.
 */
final class StuckWorkerWatchdog implements Runnable {
  static final long MIN_PERIOD_MILLIS = 10;
  static final long MAX_PERIOD_MILLIS = 5_000;
  /** Frames logged per stuck thread; the rest are counted. */
  static final int MAX_FRAMES = 64;

  private static final System.Logger LOG = System.getLogger(StuckWorkerWatchdog.class.getName());

  private final WeakReference<AsyncWorkerManager> manager;
  private final long thresholdNanos;
  /** Reported and still stuck at the last pass; only the scheduler thread touches it. */
  private Set<AsyncWorker<?>> reported = newSet();
  private volatile @Nullable Future<?> future;
  private volatile boolean cancelled;

  private StuckWorkerWatchdog(AsyncWorkerManager manager, long thresholdNanos) {
    this.manager = new WeakReference<>(manager);
    this.thresholdNanos = thresholdNanos;
  }

  /**
   * Starts the watchdog of {@code manager} on {@code scheduler}.
   *
   * @throws IllegalStateException if the scheduler refuses it (shut down)
   */
  static StuckWorkerWatchdog start(AsyncWorkerManager manager, long thresholdNanos, ScheduledExecutorService scheduler) {
    StuckWorkerWatchdog w = new StuckWorkerWatchdog(manager, thresholdNanos);
    long period = periodNanos(thresholdNanos);
    try {
      w.future = scheduler.scheduleWithFixedDelay(w, period, period, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException("manager '" + manager.name() + "' cannot start its stuck-work watchdog: its"
          + " scheduler refused it (shut down?)", e);
    }
    return w;
  }

  /** A quarter of the threshold, within [MIN_PERIOD_MILLIS, MAX_PERIOD_MILLIS]. */
  static long periodNanos(long thresholdNanos) {
    return Math.max(TimeUnit.MILLISECONDS.toNanos(MIN_PERIOD_MILLIS),
        Math.min(TimeUnit.MILLISECONDS.toNanos(MAX_PERIOD_MILLIS), thresholdNanos / 4));
  }

  void cancel() {
    cancelled = true;
    Future<?> f = future;
    if (f != null) {
      f.cancel(false);
    }
  }

  boolean isCancelled() {
    return cancelled;
  }

  /** Stacks logged per pass at most; further newly stuck workers are counted in one line. */
  static final int MAX_STACKS_PER_PASS = 10;

  @Override
  public void run() {
    AsyncWorkerManager m = manager.get();
    if (m == null || cancelled || (m.isShutdown() && m.allDone())) {
      cancel(); // nothing will ever be in flight again
      return;
    }
    try {
      pass(m);
    } catch (Throwable e) {
      // A periodic task that throws is never run again: log and keep watching.
      LOG.log(System.Logger.Level.WARNING, () -> "the stuck-work watchdog of manager '" + m.name() + "' failed one pass", e);
    }
  }

  /** One pass: reports the newly stuck, forgets those no longer stuck. */
  void pass(AsyncWorkerManager m) {
    Set<AsyncWorker<?>> stuck = newSet();
    long now = System.nanoTime();
    int[] counts = new int[2]; // reported with a stack, newly stuck beyond that
    m.forEachInFlight(w -> {
      if (w.threadRunNanos(now) > thresholdNanos) {
        stuck.add(w);
        if (!reported.contains(w)) {
          // The timer thread also fires timeouts and retry delays: when many tasks hang at once (a
          // dead database), a few stacks say enough, and the rest are one line.
          if (counts[0] < MAX_STACKS_PER_PASS) {
            counts[0]++;
            report(m, w);
          } else {
            counts[1]++;
          }
        }
      }
    });
    if (counts[1] > 0) {
      int more = counts[1];
      LOG.log(System.Logger.Level.WARNING, () -> "and " + more + " more workers of manager '" + m.name()
          + "' stuck past " + TimeUnit.NANOSECONDS.toMillis(thresholdNanos) + " ms (" + stuck.size()
          + " stuck in all; the asyncworkers endpoint lists them)");
    }
    reported = stuck;
  }

  private void report(AsyncWorkerManager m, AsyncWorker<?> w) {
    Thread t = w.runningThread();
    if (t == null) {
      return; // ended meanwhile; a later pass reports it if its next attempt is stuck too
    }
    StackTraceElement[] frames = t.getStackTrace();
    if (w.runningThread() != t) {
      return; // the task left that thread while we read it: not its stack
    }
    long ranFor = Math.max(0L, w.threadRunNanos(System.nanoTime()));
    RetryRun<?> retry = w.retryRun();
    StringBuilder message = new StringBuilder(256).append("stuck worker: id ").append(w.id()).append(", name '")
        .append(w.name()).append("', manager '").append(m.name()).append("'");
    if (retry != null) {
      message.append(", attempt ").append(retry.attempt()).append(" of ").append(retry.maxAttempts());
    }
    message.append(", running for ").append(TimeUnit.NANOSECONDS.toMillis(ranFor)).append(" ms (stuck threshold ")
        .append(TimeUnit.NANOSECONDS.toMillis(thresholdNanos)).append(" ms) on thread '").append(t.getName())
        .append("'; logged once, counted while it runs. Its thread's stack:");
    int shown = Math.min(frames.length, MAX_FRAMES);
    for (int i = 0; i < shown; i++) {
      message.append(System.lineSeparator()).append("\tat ").append(frames[i]);
    }
    if (frames.length > shown) {
      message.append(System.lineSeparator()).append("\t... ").append(frames.length - shown).append(" more");
    }
    LOG.log(System.Logger.Level.WARNING, message.toString());
  }

  private static Set<AsyncWorker<?>> newSet() {
    return Collections.newSetFromMap(new IdentityHashMap<>());
  }
}
