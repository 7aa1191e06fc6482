package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerInfo;
import io.atom.async.WorkerState;
import io.atom.async.WorkersFailedException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Shuts the manager beans down gracefully when the context closes (the auto-configured one, or the
 * user's own): each stops accepting work, lets running, queued and retrying work finish for up to
 * {@code atom.async.shutdown.await-termination-period}, then cancels what is left and logs how many
 * it cancelled. It logs one INFO line per manager as its drain starts. What it cancels is abandoned:
 * it logs a WARN listing the oldest {@value #MAX_REPORTED} abandoned workers (id, name, state, how
 * long they ran or waited, thread) and a count of the rest, and counts them per manager bean in
 * {@link #abandoned(String)}, which {@link AsyncWorkerManagerMetrics} publishes as
 * {@code atom.async.workers.abandoned} (registered at start-up: Boot closes the meter registries when
 * the context closes, before this drain runs, so a meter first registered here would be lost). When
 * nothing is abandoned nothing more than the INFO line is logged. A period too large to count
 * in nanoseconds (about 292 years or more, such as {@code 1000000000d}) means "wait as long as the
 * work takes". Nothing accepted is dropped: every worker ends in a terminal state.
 *
 * <p>Only a closing context shuts the managers down: a {@code stop()}/{@code start()} or a pause of a
 * running context leaves them working (it learns of the close from the {@link ContextClosedEvent},
 * published before the lifecycle stops, as Spring's own executors do). Only managers that exist are
 * touched: with lazy initialization, an unused manager is not created at shutdown.
 *
 * <p>Its phase ({@value #PHASE}) stops it after the web server's graceful shutdown (Boot 4:
 * {@code DEFAULT_PHASE - 1024}) and stop ({@code DEFAULT_PHASE - 2048}), so requests in flight can still
 * use the manager. The executor and the timer outlive it: their own early shutdown is off
 * ({@code acceptTasksAfterContextClose}), and the manager, which depends on them, is destroyed first.
 */
final class AsyncWorkerManagerLifecycle implements SmartLifecycle, ApplicationListener<ContextClosedEvent> {
  static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;
  /** Abandoned workers listed one per line at shutdown; the rest are counted. */
  static final int MAX_REPORTED = 20;

  private static final Logger LOG = LoggerFactory.getLogger(AsyncWorkerManagerLifecycle.class);

  private final ConfigurableListableBeanFactory beanFactory;
  private final Duration awaitTermination;
  private volatile boolean running;
  private volatile boolean closing;
  /** Workers cancelled by the drain, per manager bean name. */
  private final Map<String, AtomicLong> abandoned = new ConcurrentHashMap<>();

  AsyncWorkerManagerLifecycle(ConfigurableListableBeanFactory beanFactory, Duration awaitTermination) {
    this.beanFactory = beanFactory;
    this.awaitTermination = awaitTermination;
  }

  @Override
  public void onApplicationEvent(ContextClosedEvent event) {
    if (event.getApplicationContext().getAutowireCapableBeanFactory() == beanFactory) {
      closing = true;
    }
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    if (closing) {
      drainAndClose();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public boolean isPauseable() {
    return false; // a pause must not shut the managers down
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  /**
   * The count of workers the drain abandoned for the manager bean {@code beanName}, live (zero until
   * the context closes).
   */
  AtomicLong abandoned(String beanName) {
    return abandoned.computeIfAbsent(beanName, name -> new AtomicLong());
  }

  private void drainAndClose() {
    Map<String, AsyncWorkerManager> byBean = existingManagers();
    byBean.values().forEach(AsyncWorkerManager::shutdown); // all stop accepting first; then one period for all
    // A period beyond Long.MAX_VALUE nanoseconds (~292 years) means "as long as the work takes": an
    // untimed wait, so no deadline is computed and nothing can overflow. A shorter one is counted from
    // here as elapsed time, which cannot overflow either (periodNanos < Long.MAX_VALUE, elapsed >= 0).
    long periodNanos = saturatedNanos(awaitTermination);
    boolean untilDone = periodNanos == Long.MAX_VALUE;
    String period = untilDone ? "until it is done" : "for up to " + DurationFormat.format(awaitTermination);
    long start = System.nanoTime();
    for (Map.Entry<String, AsyncWorkerManager> bean : byBean.entrySet()) {
      AsyncWorkerManager manager = bean.getValue();
      LOG.info("atom.async manager '{}' shutting down: waiting {} for {} workers in flight",
          manager.name(), period, manager.inFlightCount());
      boolean drained;
      try {
        if (untilDone) {
          manager.waitForAll();
          drained = true;
        } else {
          long remaining = periodNanos - (System.nanoTime() - start);
          drained = manager.waitForAll(Duration.ofNanos(Math.max(0L, remaining)));
        }
      } catch (WorkersFailedException failures) {
        drained = true; // they ended; their failures were reported to their own callers
      }
      // The oldest are listed before the cancel (a snapshot); the count is what the cancel won, so a
      // worker that ends on its own in between is not counted as abandoned.
      List<WorkerInfo> oldest = drained ? List.of() : manager.inFlightWorkers(MAX_REPORTED);
      int left = drained ? 0 : manager.cancelAll();
      manager.close();
      if (left > 0) {
        abandoned(bean.getKey()).addAndGet(left);
        LOG.warn("atom.async manager '{}' cancelled {} workers still in flight after the shutdown period of {}:{}",
            manager.name(), left, DurationFormat.format(awaitTermination), report(oldest, left));
      } else {
        LOG.debug("atom.async manager '{}' finished its work before shutdown", manager.name());
      }
    }
  }

  /** {@code period} in nanoseconds, saturated at {@code Long.MAX_VALUE} where {@code toNanos()} would throw. */
  static long saturatedNanos(Duration period) {
    if (period.getSeconds() >= Long.MAX_VALUE / 1_000_000_000L) {
      return Long.MAX_VALUE;
    }
    return period.toNanos();
  }

  /** One line per listed worker, then a count of those not listed; each line starts with a line separator. */
  static String report(List<WorkerInfo> listed, int total) {
    StringBuilder lines = new StringBuilder();
    for (WorkerInfo w : listed) {
      lines.append(System.lineSeparator()).append("  worker ").append(w.id()).append(" '").append(w.name())
          .append("' ").append(w.state());
      if (w.state() == WorkerState.RUNNING) {
        lines.append(" for ").append(DurationFormat.format(Duration.ofMillis(w.runningFor().toMillis())));
        if (w.thread() != null) {
          lines.append(" on thread '").append(w.thread()).append("'");
        }
      } else {
        lines.append(", queued for ").append(DurationFormat.format(Duration.ofMillis(w.queuedFor().toMillis())));
      }
      if (w.maxAttempts() > 0) {
        lines.append(", attempt ").append(w.attempt()).append(" of ").append(w.maxAttempts());
      }
    }
    int more = total - listed.size();
    if (more > 0) {
      lines.append(System.lineSeparator()).append("  and ").append(more).append(" more");
    }
    return lines.toString();
  }

  /** The manager beans already created, by bean name: an unused lazy one is not created to be closed. */
  private Map<String, AsyncWorkerManager> existingManagers() {
    return ManagerBeans.existing(beanFactory);
  }
}
