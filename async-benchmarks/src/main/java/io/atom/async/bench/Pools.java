package io.atom.async.bench;

import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerRecorder;
import io.atom.async.WorkerState;
import io.atom.async.WorkerStats;
import io.atom.async.autoconfigure.AsyncWorkerManagerCustomizer;
import io.atom.async.autoconfigure.AsyncWorkerMetrics;
import io.atom.async.autoconfigure.AsyncWorkerMetricsAutoConfiguration;
import io.atom.async.autoconfigure.AsyncWorkerObservationAutoConfiguration;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * The pools, executors and managers every benchmark is built from, so that peers and ours run on the
 * same kind of pool: {@value #THREADS} threads, trivial tasks.
 *
 * <p>Run the suite with {@code async-benchmarks/run.sh [quick|full]} from the repository root.
 */
public final class Pools {
  private Pools() {}

  /** Threads of every pool in the suite. */
  public static final int THREADS = 2;

  /**
   * Queue capacity of the Spring executor: the starter's default ({@code atom.async.pool.queue-capacity}),
   * enough for the 1,000-task fan-out.
   */
  public static final int SPRING_QUEUE_CAPACITY = 1000;

  /** The trivial task: nothing to optimise away across the thread hand-off, nothing to measure either. */
  public static final Callable<Integer> TASK = () -> 1;

  /** The same task as a {@link Supplier}, for {@code CompletableFuture.supplyAsync}. */
  public static final Supplier<Integer> SUPPLIER = () -> 1;

  /**
   * A raw pool: {@code Executors.newFixedThreadPool(2)} with daemon threads, i.e. an unbounded
   * {@link LinkedBlockingQueue} and {@code AbortPolicy}.
   *
   * @param name thread name prefix
   * @return a started-on-demand pool
   */
  public static ThreadPoolExecutor rawPool(String name) {
    return rawPool(name, THREADS);
  }

  /**
   * A raw pool of {@code threads} threads, as {@link #rawPool(String)}.
   *
   * @param name thread name prefix
   * @param threads the pool size
   * @return a started-on-demand pool
   */
  public static ThreadPoolExecutor rawPool(String name, int threads) {
    return new ThreadPoolExecutor(threads, threads, 0L, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
        daemonThreads(name));
  }

  /**
   * A benchmark's {@code poolSize} parameter: {@code 0} means one thread per CPU.
   *
   * @param poolSize the parameter
   * @return the number of pool threads
   */
  public static int threads(int poolSize) {
    return poolSize > 0 ? poolSize : Runtime.getRuntime().availableProcessors();
  }

  /**
   * Spring's {@link ThreadPoolTaskExecutor} configured as the starter configures {@code atomAsyncTaskExecutor}
   * (core = max = {@value #THREADS} here, bounded queue of {@value #SPRING_QUEUE_CAPACITY}, 60 s keep-alive,
   * {@code AbortPolicy}, accepting tasks after context close, not waiting on shutdown), initialised.
   *
   * @return the initialised executor; {@link ThreadPoolTaskExecutor#shutdown()} it when done
   */
  public static ThreadPoolTaskExecutor springExecutor() {
    return springExecutor(THREADS);
  }

  /**
   * Spring's executor as {@link #springExecutor()}, with {@code threads} threads.
   *
   * @param threads core = max pool size
   * @return the initialised executor
   */
  public static ThreadPoolTaskExecutor springExecutor(int threads) {
    ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
    executor.setCorePoolSize(threads);
    executor.setMaxPoolSize(threads);
    executor.setQueueCapacity(SPRING_QUEUE_CAPACITY);
    executor.setKeepAliveSeconds(60);
    executor.setThreadNamePrefix("atom-async-");
    executor.setAcceptTasksAfterContextClose(true);
    executor.setRejectedExecutionHandler(new ThreadPoolExecutor.AbortPolicy());
    executor.setWaitForTasksToCompleteOnShutdown(false);
    executor.setDaemon(true);
    executor.initialize();
    return executor;
  }

  /**
   * A manager on {@code executor}, as the starter builds it: the pool itself, not a wrapper.
   *
   * @param name the manager's name, its {@code manager} metric tag
   * @param executor a raw pool, or {@code springExecutor().getThreadPoolExecutor()}
   * @param metrics whether to record stats and bind them (and the pool) to {@code registry}
   * @param registry where the meters go when {@code metrics} is true
   * @param scheduler the timer for timeouts and retry delays, or null for the shared one
   * @return the manager
   */
  public static AsyncWorkerManager manager(String name, ThreadPoolExecutor executor, boolean metrics,
      SimpleMeterRegistry registry, ScheduledThreadPoolExecutor scheduler) {
    AsyncWorkerManager.Builder builder = AsyncWorkerManager.builder().name(name).executor(executor);
    if (scheduler != null) {
      builder.scheduler(scheduler);
    }
    if (metrics) {
      starterMetrics(registry, builder, name);
    }
    AsyncWorkerManager manager = builder.build();
    if (metrics) {
      bindMetrics(registry, manager, executor);
    }
    return manager;
  }

  /**
   * One timer thread, configured like the core's shared one (removes cancelled tasks at once).
   *
   * @param name thread name prefix
   * @return the scheduler
   */
  public static ScheduledThreadPoolExecutor timer(String name) {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemonThreads(name));
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    return timer;
  }

  /** A recorder that records nothing: what recording costs the core itself, without a metrics library. */
  public static final WorkerRecorder NOOP_RECORDER = new WorkerRecorder() {
    @Override
    public void recordQueueWait(long nanos) {}

    @Override
    public void recordEnd(WorkerState outcome, boolean ran, long runNanos) {}

    @Override
    public void recordRejected() {}

    @Override
    public void recordAttempt(boolean succeeded) {}

    @Override
    public void recordRetryCall(WorkerStats.RetryCall kind) {}
  };

  /**
   * The starter's metrics as Boot wires them: {@code AsyncWorkerMetricsAutoConfiguration} in a context
   * whose {@link MeterRegistry} is {@code registry}, so that a manager records into the starter's own
   * Micrometer timers and counters ({@code AsyncWorkerMetrics#recorder}); and the gauges its binder
   * publishes, plus Boot's {@code executor.*} meters of the pool ({@link ExecutorServiceMetrics} bound
   * without wrapping the pool, as Boot does).
   *
   * @param registry the registry
   * @param builder the manager's builder, given the starter's recorder
   * @param name the manager's name (its {@code manager} tag)
   * @return the builder
   */
  public static AsyncWorkerManager.Builder starterMetrics(MeterRegistry registry, AsyncWorkerManager.Builder builder,
      String name) {
    // Not closed: closing it would close the registry, an AutoCloseable bean of it.
    AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
    context.registerBean(MeterRegistry.class, () -> registry);
    context.register(AsyncWorkerMetricsAutoConfiguration.class);
    context.refresh();
    return builder.recorder(context.getBean(AsyncWorkerMetrics.class).recorder(name));
  }

  /**
   * The starter's observations as Boot wires them ({@code AsyncWorkerObservationAutoConfiguration}
   * with {@code atom.async.observations.enabled=true}) on {@code registry}.
   *
   * @param registry the observation registry
   * @param builder the manager's builder, given the starter's observer
   * @return the builder
   */
  public static AsyncWorkerManager.Builder starterObservations(ObservationRegistry registry,
      AsyncWorkerManager.Builder builder) {
    AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
    context.getEnvironment().getPropertySources()
        .addFirst(new MapPropertySource("bench", Map.of("atom.async.observations.enabled", "true")));
    context.registerBean(ObservationRegistry.class, () -> registry);
    context.register(AsyncWorkerObservationAutoConfiguration.class);
    context.refresh();
    context.getBean(AsyncWorkerManagerCustomizer.class).customize(builder);
    return builder;
  }

  /**
   * Binds the gauges the starter's binder binds and the pool's {@code executor.*} meters.
   *
   * @param registry the registry
   * @param manager the manager
   * @param pool its pool
   */
  public static void bindMetrics(MeterRegistry registry, AsyncWorkerManager manager, ExecutorService pool) {
    Tags tags = Tags.of("manager", manager.name());
    Gauge.builder("atom.async.workers.active", manager, AsyncWorkerManager::activeCount).tags(tags).register(registry);
    Gauge.builder("atom.async.workers.pending", manager, AsyncWorkerManager::pendingCount).tags(tags).register(registry);
    new ExecutorServiceMetrics(pool, manager.name() + "Executor", List.of()).bindTo(registry);
  }

  static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * Shuts a pool down and waits a little for its threads, so that a JMH fork ends cleanly.
   *
   * @param pool the pool, or null
   */
  public static void stop(ExecutorService pool) {
    if (pool == null) {
      return;
    }
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
