package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerState;
import io.atom.async.WorkerStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.SimpleAutowireCandidateResolver;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Binds the counters of each {@link AsyncWorkerManager} bean ({@link AsyncWorkerManager#stats()}) as
 * Micrometer meters tagged {@code manager} = the bean name. The meters read the counters when they
 * are published: the per-task path never touches the registry.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>atom.async.worker.duration</td><td>timer</td><td>manager, outcome = success|failure|cancelled|timeout</td></tr>
 *   <tr><td>atom.async.worker.queue.wait</td><td>timer</td><td>manager</td></tr>
 *   <tr><td>atom.async.workers.active</td><td>gauge</td><td>manager</td></tr>
 *   <tr><td>atom.async.workers.pending</td><td>gauge</td><td>manager</td></tr>
 *   <tr><td>atom.async.workers.rejected</td><td>counter</td><td>manager</td></tr>
 *   <tr><td>atom.async.workers.deferred</td><td>counter</td><td>name = the executor bean (caller-runs only)</td></tr>
 *   <tr><td>atom.async.retry.calls</td><td>counter</td><td>manager, kind</td></tr>
 *   <tr><td>atom.async.retry.attempts</td><td>counter</td><td>manager, outcome = success|failure</td></tr>
 * </table>
 */
final class AsyncWorkerManagerMetrics implements MeterBinder {

  private static final Map<WorkerState, String> OUTCOMES = Map.of(WorkerState.SUCCEEDED, "success",
      WorkerState.FAILED, "failure", WorkerState.CANCELLED, "cancelled", WorkerState.TIMED_OUT, "timeout");

  private static final Logger LOG = LoggerFactory.getLogger(AsyncWorkerManagerMetrics.class);

  private final ConfigurableListableBeanFactory beanFactory;

  AsyncWorkerManagerMetrics(ConfigurableListableBeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    // As Boot binds its executors: every manager bean, default candidate or not.
    SimpleAutowireCandidateResolver.resolveAutowireCandidates(beanFactory, AsyncWorkerManager.class)
        .forEach((name, manager) -> {
          if (manager.recordsStats()) {
            bind(registry, name, manager.stats());
          } else {
            LOG.info("AsyncWorkerManager bean '{}' keeps no counters, so it has no atom.async metrics;"
                + " build it with AsyncWorkerManager.builder().recordStats() to publish them", name);
          }
        });
    SimpleAutowireCandidateResolver.resolveAutowireCandidates(beanFactory, ThreadPoolTaskExecutor.class)
        .forEach((name, executor) -> {
          ThreadPoolExecutor pool = executor.getThreadPoolExecutor();
          if (pool.getRejectedExecutionHandler() instanceof CallerRunsUnlessShutdownPolicy) {
            CallerRunsUnlessShutdownPolicy policy = (CallerRunsUnlessShutdownPolicy) pool.getRejectedExecutionHandler();
            FunctionCounter.builder("atom.async.workers.deferred", policy, CallerRunsUnlessShutdownPolicy::deferred)
                .tag("name", name).baseUnit("workers")
                .description("Tasks refused on the timer thread under caller-runs and offered to the pool again later")
                .register(registry);
          }
        });
  }

  private static void bind(MeterRegistry registry, String managerName, WorkerStats stats) {
    Tags tags = Tags.of("manager", managerName);
    OUTCOMES.forEach((state, outcome) -> FunctionTimer.builder("atom.async.worker.duration", stats,
            s -> s.ended(state), s -> s.runNanos(state), TimeUnit.NANOSECONDS)
        .tags(tags).tag("outcome", outcome)
        .description("Run time of the workers that ended, by outcome (zero for a worker that never ran)")
        .register(registry));
    FunctionTimer.builder("atom.async.worker.queue.wait", stats, WorkerStats::queueWaits,
            WorkerStats::queueWaitNanos, TimeUnit.NANOSECONDS)
        .tags(tags).description("Time from startAsync to running").register(registry);
    Gauge.builder("atom.async.workers.active", stats, WorkerStats::active)
        .tags(tags).baseUnit("workers").description("Workers running now").register(registry);
    Gauge.builder("atom.async.workers.pending", stats, WorkerStats::pending)
        .tags(tags).baseUnit("workers").description("Workers scheduled and not yet running").register(registry);
    FunctionCounter.builder("atom.async.workers.rejected", stats, WorkerStats::rejected)
        .tags(tags).baseUnit("workers").description("Workers refused by a saturated or shut-down pool")
        .register(registry);
    for (WorkerStats.RetryCall kind : WorkerStats.RetryCall.values()) {
      FunctionCounter.builder("atom.async.retry.calls", stats, s -> s.retryCalls(kind))
          .tags(tags).tag("kind", kind.name().toLowerCase(Locale.ROOT))
          .baseUnit("calls").description("Retried operations that ended, by kind").register(registry);
    }
    FunctionCounter.builder("atom.async.retry.attempts", stats, WorkerStats::successfulAttempts)
        .tags(tags).tag("outcome", "success").baseUnit("attempts").description("Attempts of retried operations")
        .register(registry);
    FunctionCounter.builder("atom.async.retry.attempts", stats, WorkerStats::failedAttempts)
        .tags(tags).tag("outcome", "failure").baseUnit("attempts").description("Attempts of retried operations")
        .register(registry);
  }
}
