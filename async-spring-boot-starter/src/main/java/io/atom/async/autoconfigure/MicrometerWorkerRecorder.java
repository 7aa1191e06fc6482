package io.atom.async.autoconfigure;

import io.atom.async.WorkerRecorder;
import io.atom.async.WorkerState;
import io.atom.async.WorkerStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.pause.NoPauseDetector;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Records one manager's work as Micrometer meters: a real {@link Timer} per name for the queue wait
 * and per name and outcome for the run time, so that {@code max}, percentiles, histograms and SLO
 * buckets work through Boot's {@code management.metrics.distribution.*} properties and any
 * {@code MeterFilter}; counters for rejections and for retried operations. The core's
 * {@link WorkerRecorder} for one manager, as Micrometer's {@code CaffeineStatsCounter} is Caffeine's
 * {@code StatsCounter}.
 *
 * <p>Every meter of a name is resolved when the manager first sees the name (the worker meters then,
 * the retry meters on the name's first retried operation), so the task path only records: one
 * {@code Timer.record} to start running, one to end, no lookup.
 *
 * <p>This class is thread-safe.
 */
final class MicrometerWorkerRecorder implements WorkerRecorder {

  /**
   * The registry's default pause detector (LatencyUtils' clock-drift detector) makes every
   * {@code record} read the clock once more and bump an atomic counter that all threads recording
   * into that timer share. It exists to fill in the samples a request timer misses while the JVM is
   * paused (coordinated omission); a worker's times are measured around the pause instead, so the
   * pause is in them already. Without it a record is a striped add, a max and no shared line.
   */
  private static final PauseDetector NO_PAUSE_DETECTOR = new NoPauseDetector();

  private final MeterRegistry registry;
  private final Tags managerTags;
  private final Counter rejected;
  /** This recorder's own name's meters; null for the manager's recorder, which only hands out names. */
  private final @Nullable Timer queueWait;
  private final Timer @Nullable [] durations;
  private final @Nullable Tags nameTags;
  private volatile @Nullable RetryMeters retryMeters;

  /** The manager's recorder: resolves names. */
  MicrometerWorkerRecorder(MeterRegistry registry, String manager) {
    this.registry = registry;
    this.managerTags = Tags.of("manager", manager);
    this.rejected = Counter.builder("atom.async.workers.rejected").tags(managerTags).baseUnit("workers")
        .description("Workers and retry attempts refused by a saturated or shut-down pool").register(registry);
    this.queueWait = null;
    this.durations = null;
    this.nameTags = null;
  }

  private MicrometerWorkerRecorder(MicrometerWorkerRecorder manager, String name) {
    this.registry = manager.registry;
    this.managerTags = manager.managerTags;
    this.rejected = manager.rejected;
    this.nameTags = managerTags.and("name", name);
    this.queueWait = Timer.builder("atom.async.worker.queue.wait").tags(nameTags)
        .description("Time from startAsync to running").pauseDetector(NO_PAUSE_DETECTOR).register(registry);
    WorkerState[] ends = {WorkerState.SUCCEEDED, WorkerState.FAILED, WorkerState.CANCELLED, WorkerState.TIMED_OUT};
    Timer[] timers = new Timer[ends.length];
    for (int i = 0; i < ends.length; i++) {
      timers[i] = Timer.builder("atom.async.worker.duration").tags(nameTags)
          .tag("outcome", AsyncWorkerManagerMetrics.outcome(ends[i]))
          .description("Run time of the workers that ended, by outcome (zero for a worker that never ran)")
          .pauseDetector(NO_PAUSE_DETECTOR).register(registry);
    }
    this.durations = timers;
  }

  @Override
  public WorkerRecorder forName(String name) {
    return new MicrometerWorkerRecorder(this, name);
  }

  @Override
  public void recordQueueWait(long nanos) {
    Timer t = queueWait;
    if (t != null) {
      t.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void recordEnd(WorkerState outcome, boolean ran, long runNanos) {
    Timer[] timers = durations;
    if (timers != null) {
      timers[outcome.ordinal() - WorkerState.SUCCEEDED.ordinal()].record(runNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void recordRejected() {
    rejected.increment();
  }

  @Override
  public void recordAttempt(boolean succeeded) {
    RetryMeters m = retryMeters();
    if (m != null) {
      (succeeded ? m.successfulAttempts : m.failedAttempts).increment();
    }
  }

  @Override
  public void recordRetryCall(WorkerStats.RetryCall kind) {
    RetryMeters m = retryMeters();
    if (m != null) {
      m.calls[kind.ordinal()].increment();
    }
  }

  /** The retry meters of this name, registered on its first retried operation (null: no name). */
  private @Nullable RetryMeters retryMeters() {
    RetryMeters m = retryMeters;
    Tags tags = nameTags;
    if (m == null && tags != null) {
      synchronized (this) {
        m = retryMeters;
        if (m == null) {
          m = new RetryMeters(registry, tags);
          retryMeters = m;
        }
      }
    }
    return m;
  }

  @Override
  public String toString() {
    return "MicrometerWorkerRecorder" + (nameTags != null ? nameTags : managerTags);
  }

  private static final class RetryMeters {
    final Counter[] calls = new Counter[WorkerStats.RetryCall.values().length];
    final Counter successfulAttempts;
    final Counter failedAttempts;

    RetryMeters(MeterRegistry registry, Tags tags) {
      for (WorkerStats.RetryCall kind : WorkerStats.RetryCall.values()) {
        calls[kind.ordinal()] = Counter.builder("atom.async.retry.calls").tags(tags)
            .tag("kind", kind.name().toLowerCase(Locale.ROOT)).baseUnit("calls")
            .description("Retried operations that ended, by kind").register(registry);
      }
      successfulAttempts = attempts(registry, tags, "success");
      failedAttempts = attempts(registry, tags, "failure");
    }

    private static Counter attempts(MeterRegistry registry, Tags tags, String outcome) {
      return Counter.builder("atom.async.retry.attempts").tags(tags).tag("outcome", outcome).baseUnit("attempts")
          .description("Attempts of retried operations").register(registry);
    }
  }
}
