package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import io.atom.async.BackoffStrategy;
import io.atom.async.RetryPolicy;
import io.atom.async.VirtualThreads;
import io.atom.async.autoconfigure.AtomAsyncProperties.PoolType;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Auto-configures an {@link AsyncWorkerManager} (bean {@code asyncWorkerManager}) over its own
 * executor (bean {@value #EXECUTOR_BEAN}), with a timer thread for timeouts and retry delays (bean
 * {@value #SCHEDULER_BEAN}), configured by {@link AtomAsyncProperties}, and an {@code AsyncTaskExecutor}
 * that runs {@code @Async("asyncWorkerExecutor")} methods as its workers (bean
 * {@value #ASYNC_EXECUTOR_BEAN}).
 *
 * <p>The executor is a {@link ThreadPoolTaskExecutor} of platform threads that grows before it queues
 * ({@link GrowFirstQueue}), or, with {@code atom.async.pool.type=virtual} (the default when
 * {@code spring.threads.virtual.enabled} is true on Java 21+), an {@link ExecutorService} that runs each
 * task on its own virtual thread under {@code atom.async.pool.max-concurrency}
 * ({@link VirtualThreads#newExecutor}).
 *
 * <p>The executors and the scheduler are not default candidates, so Boot's own
 * {@code applicationTaskExecutor} (for {@code @Async} and MVC) and {@code taskScheduler} are kept.
 * Each bean backs off when the user declares one: a bean named {@value #EXECUTOR_BEAN},
 * {@value #SCHEDULER_BEAN} or {@value #ASYNC_EXECUTOR_BEAN}, or any {@link AsyncWorkerManager}. The
 * manager watches for stuck work ({@code atom.async.watchdog.stuck-threshold}, one minute by default)
 * on the timer thread.
 */
@AutoConfiguration(after = TaskExecutionAutoConfiguration.class)
@EnableConfigurationProperties(AtomAsyncProperties.class)
public final class AsyncWorkerAutoConfiguration {

  /** Name of the executor bean. */
  public static final String EXECUTOR_BEAN = "atomAsyncTaskExecutor";
  /** Name of the scheduler bean serving timeouts and retry delays. */
  public static final String SCHEDULER_BEAN = "atomAsyncScheduler";
  /** Name of the manager bean, and its {@code manager} metric tag. */
  public static final String MANAGER_BEAN = "asyncWorkerManager";
  /** Name of the {@code AsyncTaskExecutor} bean that runs {@code @Async} methods as workers of the manager. */
  public static final String ASYNC_EXECUTOR_BEAN = "asyncWorkerExecutor";

  AsyncWorkerAutoConfiguration() {}

  @Bean(name = EXECUTOR_BEAN, defaultCandidate = false)
  @ConditionalOnMissingBean(name = EXECUTOR_BEAN)
  @Conditional(OnPlatformPool.class)
  static ThreadPoolTaskExecutor atomAsyncTaskExecutor(AtomAsyncProperties properties) {
    AtomAsyncProperties.Pool pool = properties.getPool();
    check(pool.getCoreSize() >= 0, "atom.async.pool.core-size", pool.getCoreSize(), "must be >= 0",
        "Set it to the number of threads to keep, such as 8.");
    check(pool.getMaxSize() >= 1, "atom.async.pool.max-size", pool.getMaxSize(), "must be >= 1",
        "Set it to at least 1 and at least atom.async.pool.core-size.");
    check(pool.getMaxSize() >= pool.getCoreSize(), "atom.async.pool.max-size", pool.getMaxSize(),
        "must be >= atom.async.pool.core-size (" + pool.getCoreSize() + ")",
        "Raise atom.async.pool.max-size or lower atom.async.pool.core-size.");
    check(pool.getQueueCapacity() >= 0, "atom.async.pool.queue-capacity", pool.getQueueCapacity(), "must be >= 0",
        "Set it to the number of tasks that may wait, such as 1000 (0 hands tasks directly to threads).");
    check(!pool.getKeepAlive().isNegative(), "atom.async.pool.keep-alive", pool.getKeepAlive(), "must not be negative",
        "Set it to a duration such as 60s.");
    check(pool.getKeepAlive().getNano() == 0, "atom.async.pool.keep-alive", pool.getKeepAlive(),
        "must be whole seconds (the pool counts keep-alive in seconds)", "Set it to whole seconds, such as 60s.");
    // The pool takes the keep-alive as an int of seconds; a larger value would wrap silently.
    check(pool.getKeepAlive().getSeconds() <= Integer.MAX_VALUE, "atom.async.pool.keep-alive", pool.getKeepAlive(),
        "must be at most " + Integer.MAX_VALUE + "s (the pool counts keep-alive in an int of seconds)",
        "Set it to whole seconds, such as 60s.");
    // Spring's executor over a queue that refuses tasks while the pool can still add threads.
    ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutorBuilder()
        .corePoolSize(pool.getCoreSize())
        .maxPoolSize(pool.getMaxSize())
        .queueCapacity(pool.getQueueCapacity())
        .keepAlive(pool.getKeepAlive())
        .threadNamePrefix(pool.getThreadNamePrefix())
        // The manager drains its work when the context closes (AsyncWorkerManagerLifecycle); the
        // pool must keep accepting queued work and retry attempts until it has.
        .acceptTasksAfterContextClose(true)
        .configure(new GrowFirstQueue.GrowingTaskExecutor());
    // Both policies queue a task the pool refused for want of a thread first (GrowFirstQueue.requeue).
    executor.setRejectedExecutionHandler(pool.getRejectionPolicy() == AtomAsyncProperties.RejectionPolicy.CALLER_RUNS
        ? new CallerRunsUnlessShutdownPolicy() : new GrowFirstQueue.AbortPolicy());
    return executor;
  }

  @Bean(name = EXECUTOR_BEAN, defaultCandidate = false, destroyMethod = "shutdown")
  @ConditionalOnMissingBean(name = EXECUTOR_BEAN)
  @Conditional(OnVirtualPool.class)
  static ExecutorService atomAsyncVirtualTaskExecutor(AtomAsyncProperties properties, Environment environment) {
    AtomAsyncProperties.Pool pool = properties.getPool();
    if (pool.getType() == null) {
      // Chosen by spring.threads.virtual.enabled, not by you: a thread cap you set for the platform pool
      // (to protect a database, say) no longer applies, and must not be lifted without a word.
      for (String platformOnly : new String[] {"atom.async.pool.core-size", "atom.async.pool.max-size",
          "atom.async.pool.keep-alive"}) {
        if (environment.containsProperty(platformOnly)) {
          org.slf4j.LoggerFactory.getLogger(AsyncWorkerAutoConfiguration.class).warn(
              "{} is set, but the atom.async pool runs on virtual threads because spring.threads.virtual.enabled"
                  + " is true, so it has no effect: at most atom.async.pool.max-concurrency ({}) tasks run at once."
                  + " Set atom.async.pool.max-concurrency to the limit you need, or atom.async.pool.type=platform"
                  + " to keep the platform pool.", platformOnly, pool.getMaxConcurrency());
        }
      }
    }
    String type = pool.getType() == null
        ? "virtual, the default under spring.threads.virtual.enabled=true" : "virtual";
    check(VirtualThreads.isSupported(), "atom.async.pool.type", "virtual",
        "needs Java 21 or later (virtual threads), and this application runs on Java "
            + System.getProperty("java.version"),
        "Run the application on Java 21 or later, or set atom.async.pool.type to platform.");
    check(pool.getMaxConcurrency() >= 1, "atom.async.pool.max-concurrency", pool.getMaxConcurrency(), "must be >= 1",
        "Set it to how many tasks may run at once, such as 1000.");
    check(pool.getQueueCapacity() >= 0, "atom.async.pool.queue-capacity", pool.getQueueCapacity(), "must be >= 0",
        "Set it to the number of tasks that may wait, such as 1000 (0 refuses a task beyond the limit at once).");
    check(pool.getRejectionPolicy() != AtomAsyncProperties.RejectionPolicy.CALLER_RUNS,
        "atom.async.pool.rejection-policy", EnumValues.asWritten(pool.getRejectionPolicy()),
        "must be abort with virtual threads (atom.async.pool.type is " + type + ")",
        "Remove it (abort is the default), or set atom.async.pool.type to platform.");
    // The manager drains its work when the context closes; shutdown() then lets anything left run out.
    return VirtualThreads.newExecutor(pool.getThreadNamePrefix(), pool.getMaxConcurrency(), pool.getQueueCapacity());
  }

  /**
   * The pool type in force: {@code atom.async.pool.type} if set, else virtual where Boot runs its own
   * executor on virtual threads ({@code spring.threads.virtual.enabled} on Java 21+), else platform.
   */
  static PoolType poolType(Environment environment) {
    PoolType type = Binder.get(environment).bind("atom.async.pool.type", PoolType.class).orElse(null);
    if (type != null) {
      return type;
    }
    return Threading.VIRTUAL.isActive(environment) ? PoolType.VIRTUAL : PoolType.PLATFORM;
  }

  static final class OnPlatformPool extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
      PoolType type = poolType(context.getEnvironment());
      return new ConditionOutcome(type == PoolType.PLATFORM, "atom.async pool type is " + EnumValues.asWritten(type));
    }
  }

  static final class OnVirtualPool extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
      PoolType type = poolType(context.getEnvironment());
      return new ConditionOutcome(type == PoolType.VIRTUAL, "atom.async pool type is " + EnumValues.asWritten(type));
    }
  }

  @Bean(name = SCHEDULER_BEAN, defaultCandidate = false, destroyMethod = "shutdownNow")
  @ConditionalOnMissingBean(name = SCHEDULER_BEAN)
  static ScheduledExecutorService atomAsyncScheduler() {
    AtomicInteger count = new AtomicInteger();
    // The timer thread knows its scheduler, so that caller-runs can defer a task refused on it.
    AtomicReference<ScheduledExecutorService> self = new AtomicReference<>();
    ThreadFactory threads = task -> new CallerRunsUnlessShutdownPolicy.TimerThread(task,
        "atom-async-timer-" + count.incrementAndGet(), self::get);
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, threads);
    scheduler.setRemoveOnCancelPolicy(true);
    self.set(scheduler);
    return scheduler;
  }

  @Bean(name = MANAGER_BEAN)
  @ConditionalOnMissingBean
  static AsyncWorkerManager asyncWorkerManager(AtomAsyncProperties properties,
      @Qualifier(EXECUTOR_BEAN) Executor executor, @Qualifier(SCHEDULER_BEAN) ScheduledExecutorService scheduler,
      ObjectProvider<AsyncWorkerManagerCustomizer> customizers) {
    AsyncWorkerManager.Builder builder = AsyncWorkerManager.builder()
        .name(MANAGER_BEAN)
        // The pool itself, not the Spring wrapper: one hand-off per task, and rejections arrive as
        // RejectedExecutionException that ends the worker FAILED.
        .executor(executor instanceof ThreadPoolTaskExecutor
            ? ((ThreadPoolTaskExecutor) executor).getThreadPoolExecutor() : executor)
        .scheduler(scheduler)
        .defaultRetryPolicy(retryPolicy(properties.getRetry()));
    Duration timeout = properties.getWorker().getTimeout();
    if (timeout != null) {
      String fix = "Set it to a positive duration such as 30s, or remove it for none.";
      check(isPositive(timeout), "atom.async.worker.timeout", timeout, "must be positive", fix);
      apply("atom.async.worker.timeout", timeout, fix, () -> builder.defaultTimeout(timeout));
    }
    Duration stuck = properties.getWatchdog().getStuckThreshold();
    String stuckFix = "Set it to how long a task may hold its thread before it is reported, such as 1m, or 0 for no watchdog.";
    checkSet("atom.async.watchdog.stuck-threshold", stuck, stuckFix);
    check(!stuck.isNegative(), "atom.async.watchdog.stuck-threshold", stuck, "must not be negative", stuckFix);
    if (!stuck.isZero()) {
      apply("atom.async.watchdog.stuck-threshold", stuck, stuckFix, () -> builder.stuckThreshold(stuck));
    }
    if (properties.getContextPropagation().isEnabled()) {
      builder.contextPropagation(new ContextPropagation());
    }
    // Bounds the names of metrics and of observations alike.
    int maxNames = properties.getMetrics().getMaxNames();
    check(maxNames >= 1, "atom.async.metrics.max-names", maxNames, "must be >= 1",
        "Set it to the number of distinct work names to tag separately, such as 100.");
    builder.maxNames(maxNames);
    customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
    return builder.build();
  }

  @Bean(name = ASYNC_EXECUTOR_BEAN, defaultCandidate = false)
  @ConditionalOnMissingBean(name = ASYNC_EXECUTOR_BEAN)
  @ConditionalOnSingleCandidate(AsyncWorkerManager.class) // the starter's, or the one you declared instead
  static AsyncTaskExecutor asyncWorkerExecutor(AsyncWorkerManager manager) {
    return new AsyncWorkerExecutor(manager);
  }

  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  static AsyncMethodNames asyncWorkerMethodNames() {
    return new AsyncMethodNames();
  }

  @Bean
  static AsyncWorkerManagerLifecycle asyncWorkerManagerLifecycle(ConfigurableListableBeanFactory beanFactory,
      AtomAsyncProperties properties) {
    Duration period = properties.getShutdown().getAwaitTerminationPeriod();
    check(!period.isNegative(), "atom.async.shutdown.await-termination-period", period, "must not be negative",
        "Set it to how long work may finish at shutdown, such as 10s (0 cancels at once).");
    return new AsyncWorkerManagerLifecycle(beanFactory, period);
  }

  static RetryPolicy<Object> retryPolicy(AtomAsyncProperties.Retry retry) {
    RetryPolicy.Builder<Object> builder = RetryPolicy.builder().name(MANAGER_BEAN);
    // Each rule is checked here, in property terms, before the core sees the value: the core's own
    // messages name its builder methods, which a user of the properties never wrote.
    String fix = "Set it to 1 (no retry) or more, such as 3.";
    check(retry.getMaxAttempts() >= 1, "atom.async.retry.max-attempts", retry.getMaxAttempts(), "must be >= 1", fix);
    apply("atom.async.retry.max-attempts", retry.getMaxAttempts(), fix, () -> builder.maxAttempts(retry.getMaxAttempts()));

    Duration initialDelay = retry.getInitialDelay();
    fix = "Set it to a duration such as 100ms.";
    checkSet("atom.async.retry.initial-delay", initialDelay, fix);
    check(!initialDelay.isNegative(), "atom.async.retry.initial-delay", initialDelay, "must not be negative", fix);
    apply("atom.async.retry.initial-delay", initialDelay, fix, () -> builder.initialDelay(initialDelay));

    BackoffStrategy backoff = retry.getBackoff();
    fix = "Use " + EnumValues.of(BackoffStrategy.class) + ".";
    checkSet("atom.async.retry.backoff", backoff, fix);
    apply("atom.async.retry.backoff", backoff, fix, () -> builder.backoff(backoff));

    Duration maxDelay = retry.getMaxDelay();
    fix = "Set it to a positive duration such as 10s.";
    checkSet("atom.async.retry.max-delay", maxDelay, fix);
    check(isPositive(maxDelay), "atom.async.retry.max-delay", maxDelay, "must be positive", fix);
    apply("atom.async.retry.max-delay", maxDelay, fix, () -> builder.maxDelay(maxDelay));

    Duration maxTotal = retry.getMaxTotalDelay();
    if (maxTotal != null) {
      fix = "Set it to 0 (one attempt) or more, such as 30s, or remove it.";
      check(!maxTotal.isNegative(), "atom.async.retry.max-total-delay", maxTotal, "must not be negative", fix);
      apply("atom.async.retry.max-total-delay", maxTotal, fix, () -> builder.maxTotalDelay(maxTotal));
    }
    Double jitter = retry.getJitter();
    if (jitter != null) {
      fix = "Set it to a factor from 0 (none) up to, not including, 1, such as 0.5.";
      check(jitter >= 0 && jitter < 1, "atom.async.retry.jitter", jitter, "must be >= 0 and < 1", fix);
      apply("atom.async.retry.jitter", jitter, fix, () -> builder.jitter(jitter));
    }
    check(!initialDelay.isZero() || backoff == BackoffStrategy.FIXED, "atom.async.retry.initial-delay", initialDelay,
        "must be positive unless atom.async.retry.backoff is fixed (it is " + EnumValues.asWritten(backoff) + ")",
        "Set atom.async.retry.initial-delay above zero, such as 100ms, or set atom.async.retry.backoff to fixed.");
    check(maxDelay.compareTo(initialDelay) >= 0, "atom.async.retry.max-delay", maxDelay,
        "must be >= atom.async.retry.initial-delay (" + DurationFormat.format(initialDelay) + ")",
        "Raise atom.async.retry.max-delay or lower atom.async.retry.initial-delay.");
    return builder.build();
  }

  private static boolean isPositive(Duration duration) {
    return !duration.isZero() && !duration.isNegative();
  }

  static void check(boolean valid, String property, @Nullable Object value, String reason, String fix) {
    if (!valid) {
      throw new InvalidAtomAsyncPropertyException(property, value, reason, fix);
    }
  }

  /** An empty value in the configuration binds as null where the property has a default. */
  private static void checkSet(String property, @Nullable Object value, String fix) {
    check(value != null, property, value, "must be set", fix);
  }

  /**
   * Applies a value, already checked in property terms, to a core builder. Should the core refuse it
   * anyway (a rule the checks above do not mirror), the start-up failure still names the property and
   * the value, with the core's exception as the cause.
   */
  private static void apply(String property, Object value, String fix, Runnable apply) {
    try {
      apply.run();
    } catch (IllegalArgumentException e) {
      throw new InvalidAtomAsyncPropertyException(property, value, "is not accepted", fix, e);
    }
  }
}
