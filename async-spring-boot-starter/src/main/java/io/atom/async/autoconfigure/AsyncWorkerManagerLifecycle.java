package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkersFailedException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;

/**
 * Shuts the manager beans down gracefully when the context closes (the auto-configured one, or the
 * user's own): each stops accepting work, lets running,
 * queued and retrying work finish for up to {@code atom.async.shutdown.await-termination-period},
 * then cancels what is left and logs how many it cancelled. Nothing accepted is dropped: every worker
 * ends in a terminal state.
 *
 * <p>Its phase ({@value #PHASE}) stops it after the web server's graceful shutdown, so requests in
 * flight can still use the manager, and before its executor ({@value #EXECUTOR_PHASE}).
 */
final class AsyncWorkerManagerLifecycle implements SmartLifecycle {
  /** After the web server's graceful shutdown ({@code DEFAULT_PHASE - 2048}) and stop. */
  static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;
  /** The executor's phase: it stops only after the manager has drained it. */
  static final int EXECUTOR_PHASE = SmartLifecycle.DEFAULT_PHASE - 8192;

  private static final Logger LOG = LoggerFactory.getLogger(AsyncWorkerManagerLifecycle.class);

  private final ObjectProvider<AsyncWorkerManager> managers;
  private final Duration awaitTermination;
  private volatile boolean running;

  AsyncWorkerManagerLifecycle(ObjectProvider<AsyncWorkerManager> managers, Duration awaitTermination) {
    this.managers = managers;
    this.awaitTermination = awaitTermination;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    if (!running) {
      return;
    }
    running = false;
    List<AsyncWorkerManager> all = managers.orderedStream().toList();
    all.forEach(AsyncWorkerManager::shutdown); // all stop accepting first; then one period for all
    long deadline = System.nanoTime() + awaitTermination.toNanos();
    for (AsyncWorkerManager manager : all) {
      boolean drained;
      try {
        drained = manager.waitForAll(Duration.ofNanos(Math.max(0L, deadline - System.nanoTime())));
      } catch (WorkersFailedException failures) {
        drained = true; // they ended; their failures were reported to their own callers
      }
      int left = manager.inFlightCount();
      manager.close();
      if (!drained && left > 0) {
        LOG.warn("atom.async manager '{}' cancelled {} workers still in flight after the shutdown period of {}",
            manager.name(), left, awaitTermination);
      } else {
        LOG.debug("atom.async manager '{}' finished its work before shutdown", manager.name());
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
