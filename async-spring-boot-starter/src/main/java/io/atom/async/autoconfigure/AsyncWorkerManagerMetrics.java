package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.SimpleAutowireCandidateResolver;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Binds the gauges of each {@link AsyncWorkerManager} bean (and of each cluster manager bean, through the
 * manager that tracks its workers), tagged {@code manager} = the bean name, and
 * the deferral counter of each caller-runs executor. The gauges walk the manager's in-flight workers
 * when they are published: the per-task path never touches them. The timers and counters of a manager
 * come from its recorder ({@link AsyncWorkerMetrics}), which records them as work happens.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>from</th></tr>
 *   <tr><td>atom.async.worker.duration</td><td>timer</td><td>manager, name, outcome = success|failure|cancelled|timeout</td><td>recorder</td></tr>
 *   <tr><td>atom.async.worker.queue.wait</td><td>timer</td><td>manager, name</td><td>recorder</td></tr>
 *   <tr><td>atom.async.workers.active</td><td>gauge</td><td>manager</td><td>this binder</td></tr>
 *   <tr><td>atom.async.workers.pending</td><td>gauge</td><td>manager</td><td>this binder</td></tr>
 *   <tr><td>atom.async.workers.stuck</td><td>gauge</td><td>manager</td><td>this binder</td></tr>
 *   <tr><td>atom.async.workers.abandoned</td><td>counter</td><td>manager</td><td>this binder (the shutdown drain counts)</td></tr>
 *   <tr><td>atom.async.workers.rejected</td><td>counter</td><td>manager</td><td>recorder</td></tr>
 *   <tr><td>atom.async.workers.deferred</td><td>counter</td><td>name = the executor bean (caller-runs only)</td><td>this binder</td></tr>
 *   <tr><td>atom.async.retry.calls</td><td>counter</td><td>manager, name, kind</td><td>recorder</td></tr>
 *   <tr><td>atom.async.cluster.resubmitted</td><td>counter</td><td>manager (a cluster manager bean)</td><td>this binder</td></tr>
 *   <tr><td>atom.async.retry.attempts</td><td>counter</td><td>manager, name, outcome = success|failure</td><td>recorder</td></tr>
 * </table>
 */
final class AsyncWorkerManagerMetrics implements MeterBinder {

  private static final Logger LOG = LoggerFactory.getLogger(AsyncWorkerManagerMetrics.class);

  /** The {@code outcome} tag of each terminal state, in WorkerState order from SUCCEEDED. */
  private static final String[] OUTCOMES = {"success", "failure", "cancelled", "timeout"};

  /**
   * The {@code outcome} tag (and observation key) of a terminal state.
   *
   * @param state a terminal state
   * @return success, failure, cancelled or timeout
   */
  static String outcome(WorkerState state) {
    return OUTCOMES[state.ordinal() - WorkerState.SUCCEEDED.ordinal()];
  }

  private final ConfigurableListableBeanFactory beanFactory;

  AsyncWorkerManagerMetrics(ConfigurableListableBeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  /** Held strongly, as the counter holds its object weakly: zero for ever. */
  private static final AtomicLong NONE_ABANDONED = new AtomicLong();

  /** The lifecycle's count for this manager bean (it holds it), or zero without the lifecycle. */
  private AtomicLong abandoned(String beanName) {
    AsyncWorkerManagerLifecycle lifecycle = beanFactory.getBeanProvider(AsyncWorkerManagerLifecycle.class).getIfAvailable();
    return lifecycle != null ? lifecycle.abandoned(beanName) : NONE_ABANDONED;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    // As Boot binds its executors: every manager bean, default candidate or not.
    ManagerBeans.all(beanFactory).forEach((name, manager) -> {
      Tags tags = Tags.of("manager", name);
      Gauge.builder("atom.async.workers.active", manager, AsyncWorkerManager::activeCount)
          .tags(tags).baseUnit("workers").description("Workers running now").register(registry);
      Gauge.builder("atom.async.workers.pending", manager, AsyncWorkerManager::pendingCount)
          .tags(tags).baseUnit("workers").description("Workers scheduled and not yet running").register(registry);
      Gauge.builder("atom.async.workers.stuck", manager, AsyncWorkerManager::stuckCount)
          .tags(tags).baseUnit("workers").description("Workers whose task has held its thread longer than the stuck threshold")
          .register(registry);
      // Registered now, at start-up: Boot closes the registries when the context closes, before the
      // drain that counts these runs, and a meter first registered then would never be published.
      FunctionCounter.builder("atom.async.workers.abandoned", abandoned(name), AtomicLong::get)
          .tags(tags).baseUnit("workers").description("Workers cancelled because they were still in flight when"
              + " the shutdown period ended").register(registry);
      if (!manager.records()) {
        LOG.info("AsyncWorkerManager bean '{}' records nothing, so only its gauges are published;"
            + " build it with AsyncWorkerManager.builder().recorder(asyncWorkerMetrics.recorder(\"{}\"))"
            + " to publish its timers and counters too", name, name);
      }
    });
    ManagerBeans.bindClusterCounters(beanFactory, registry);
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
}
