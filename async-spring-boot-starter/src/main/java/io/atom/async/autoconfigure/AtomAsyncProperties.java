package io.atom.async.autoconfigure;

import io.atom.async.BackoffStrategy;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the auto-configured {@link io.atom.async.AsyncWorkerManager}, under
 * {@code atom.async}. Values are checked once, when the beans are built; a bad value stops start-up
 * with a message naming the property and the fix.
 *
 * <p>The defaults suit a web application whose tasks mostly wait on I/O: eight core threads (as
 * Boot's own executor), growing to sixteen as soon as the core threads are busy, then a bounded queue
 * of 1,000, then rejecting rather than queueing without bound (Boot's unbounded default is a known way
 * to run out of memory). With virtual threads (Java 21+), each task runs on its own virtual thread, at
 * most 1,000 at once, with the same bounded queue behind them.
 */
@ConfigurationProperties("atom.async")
public class AtomAsyncProperties {

  private final Pool pool = new Pool();
  private final Worker worker = new Worker();
  private final Retry retry = new Retry();
  private final Shutdown shutdown = new Shutdown();
  private final Metrics metrics = new Metrics();
  private final ContextPropagation contextPropagation = new ContextPropagation();
  private final Observations observations = new Observations();
  private final Watchdog watchdog = new Watchdog();
  private final Endpoint endpoint = new Endpoint();
  private final Cluster cluster = new Cluster();

  /**
   * Returns the pool settings.
   *
   * @return the pool settings
   */
  public Pool getPool() {
    return pool;
  }

  /**
   * Returns the worker settings.
   *
   * @return the worker settings
   */
  public Worker getWorker() {
    return worker;
  }

  /**
   * Returns the default retry settings.
   *
   * @return the retry settings
   */
  public Retry getRetry() {
    return retry;
  }

  /**
   * Returns the shutdown settings.
   *
   * @return the shutdown settings
   */
  public Shutdown getShutdown() {
    return shutdown;
  }

  /**
   * Returns the metrics settings.
   *
   * @return the metrics settings
   */
  public Metrics getMetrics() {
    return metrics;
  }

  /**
   * Returns the context propagation settings.
   *
   * @return the context propagation settings
   */
  public ContextPropagation getContextPropagation() {
    return contextPropagation;
  }

  /**
   * Returns the observation (tracing) settings.
   *
   * @return the observation settings
   */
  public Observations getObservations() {
    return observations;
  }

  /**
   * Returns the stuck-work watchdog settings.
   *
   * @return the watchdog settings
   */
  public Watchdog getWatchdog() {
    return watchdog;
  }

  /**
   * Returns the settings of the {@code asyncworkers} actuator endpoint.
   *
   * @return the endpoint settings
   */
  public Endpoint getEndpoint() {
    return endpoint;
  }

  /**
   * Returns the cluster manager's settings.
   *
   * @return the cluster settings
   */
  public Cluster getCluster() {
    return cluster;
  }

  /** What the pool does with a task when its threads are busy and its queue is full. */
  public enum RejectionPolicy {
    /** The worker ends FAILED with a RejectedExecutionException (back-pressure to the caller). */
    ABORT,
    /** The submitting thread runs the task itself (slows the caller down); refused once shut down. */
    CALLER_RUNS
  }

  /** The kind of threads the manager's work runs on. */
  public enum PoolType {
    /** A pool of platform threads: core-size, growing to max-size before tasks queue. */
    PLATFORM,
    /** Each task on its own virtual thread (Java 21+), at most max-concurrency at once. */
    VIRTUAL
  }

  /** The thread pool the manager runs on (bean {@code atomAsyncTaskExecutor}). */
  public static class Pool {
    /**
     * Kind of threads: platform (a pool of core-size to max-size threads) or virtual (each task on its
     * own virtual thread, at most max-concurrency at once; Java 21 or later). Unset: virtual when
     * spring.threads.virtual.enabled is true on Java 21 or later, as Boot's own executor, else platform.
     */
    private @Nullable PoolType type;
    /** Number of threads kept alive when idle (platform). */
    private int coreSize = 8;
    /** Maximum number of threads (platform); threads beyond the core size start as soon as the core threads are busy, before tasks queue. */
    private int maxSize = 16;
    /**
     * Maximum number of tasks running at once on virtual threads (virtual); further tasks wait in the
     * queue. It caps the calls the work makes at once on what it calls (a database, a connection pool,
     * a downstream service); virtual threads themselves are cheap.
     */
    private int maxConcurrency = 1000;
    /** Capacity of the task queue; 0 hands tasks directly to threads. Bounded, so that overload is refused instead of exhausting memory. */
    private int queueCapacity = 1000;
    /** How long a thread beyond the core size may stay idle before it ends (platform). */
    private Duration keepAlive = Duration.ofSeconds(60);
    /** Prefix of the pool's thread names. */
    private String threadNamePrefix = "atom-async-";
    /** What to do when the pool is saturated: abort (the worker fails) or caller-runs (platform only). */
    private RejectionPolicy rejectionPolicy = RejectionPolicy.ABORT;

    /**
     * Returns the kind of threads, if set.
     *
     * @return the type, or null for the default (virtual under spring.threads.virtual.enabled on Java 21+)
     */
    public @Nullable PoolType getType() {
      return type;
    }

    /**
     * Sets the kind of threads.
     *
     * @param type the type, or null for the default
     */
    public void setType(@Nullable PoolType type) {
      this.type = type;
    }

    /**
     * Returns the concurrency limit of virtual threads.
     *
     * @return the maximum number of tasks running at once
     */
    public int getMaxConcurrency() {
      return maxConcurrency;
    }

    /**
     * Sets the concurrency limit of virtual threads.
     *
     * @param maxConcurrency the maximum number of tasks running at once
     */
    public void setMaxConcurrency(int maxConcurrency) {
      this.maxConcurrency = maxConcurrency;
    }

    /**
     * Returns the core size.
     *
     * @return the number of core threads
     */
    public int getCoreSize() {
      return coreSize;
    }

    /**
     * Sets the core size.
     *
     * @param coreSize the number of core threads
     */
    public void setCoreSize(int coreSize) {
      this.coreSize = coreSize;
    }

    /**
     * Returns the maximum size.
     *
     * @return the maximum number of threads
     */
    public int getMaxSize() {
      return maxSize;
    }

    /**
     * Sets the maximum size.
     *
     * @param maxSize the maximum number of threads
     */
    public void setMaxSize(int maxSize) {
      this.maxSize = maxSize;
    }

    /**
     * Returns the queue capacity.
     *
     * @return the capacity
     */
    public int getQueueCapacity() {
      return queueCapacity;
    }

    /**
     * Sets the queue capacity.
     *
     * @param queueCapacity the capacity
     */
    public void setQueueCapacity(int queueCapacity) {
      this.queueCapacity = queueCapacity;
    }

    /**
     * Returns the keep-alive.
     *
     * @return the idle time before an extra thread ends
     */
    public Duration getKeepAlive() {
      return keepAlive;
    }

    /**
     * Sets the keep-alive.
     *
     * @param keepAlive the idle time before an extra thread ends
     */
    public void setKeepAlive(Duration keepAlive) {
      this.keepAlive = keepAlive;
    }

    /**
     * Returns the thread name prefix.
     *
     * @return the prefix
     */
    public String getThreadNamePrefix() {
      return threadNamePrefix;
    }

    /**
     * Sets the thread name prefix.
     *
     * @param threadNamePrefix the prefix
     */
    public void setThreadNamePrefix(String threadNamePrefix) {
      this.threadNamePrefix = threadNamePrefix;
    }

    /**
     * Returns the rejection policy.
     *
     * @return the policy
     */
    public RejectionPolicy getRejectionPolicy() {
      return rejectionPolicy;
    }

    /**
     * Sets the rejection policy.
     *
     * @param rejectionPolicy the policy
     */
    public void setRejectionPolicy(RejectionPolicy rejectionPolicy) {
      this.rejectionPolicy = rejectionPolicy;
    }
  }

  /** Defaults for every worker of the manager. */
  public static class Worker {
    /** Hard timeout of every worker that does not set its own; none by default. The task is interrupted when it expires. */
    private @Nullable Duration timeout;

    /**
     * Returns the default worker timeout.
     *
     * @return the timeout, or null for none
     */
    public @Nullable Duration getTimeout() {
      return timeout;
    }

    /**
     * Sets the default worker timeout.
     *
     * @param timeout the timeout, or null for none
     */
    public void setTimeout(@Nullable Duration timeout) {
      this.timeout = timeout;
    }
  }

  /** The manager's default retry policy, used by {@code manager.retry(task)}. */
  public static class Retry {
    /** Maximum number of attempts, the first one included; 1 means no retry. */
    private int maxAttempts = 3;
    /** Delay before the second attempt, from which the next ones grow. */
    private Duration initialDelay = Duration.ofMillis(100);
    /** How the delay grows: fixed, linear (initial x n) or exponential (initial x 2^(n-1), with jitter). */
    private BackoffStrategy backoff = BackoffStrategy.EXPONENTIAL;
    /** Cap on each delay, jitter included. */
    private Duration maxDelay = Duration.ofSeconds(10);
    /** Deadline on the whole operation, attempts included: no attempt starts after it. None by default. */
    private @Nullable Duration maxTotalDelay;
    /** Jitter factor in [0, 1): each delay is multiplied by a uniform factor in [1 - jitter, 1 + jitter]. Unset: 0.5 for exponential, 0 otherwise. */
    private @Nullable Double jitter;

    /**
     * Returns the maximum number of attempts.
     *
     * @return the attempts
     */
    public int getMaxAttempts() {
      return maxAttempts;
    }

    /**
     * Sets the maximum number of attempts.
     *
     * @param maxAttempts the attempts
     */
    public void setMaxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    /**
     * Returns the initial delay.
     *
     * @return the delay
     */
    public Duration getInitialDelay() {
      return initialDelay;
    }

    /**
     * Sets the initial delay.
     *
     * @param initialDelay the delay
     */
    public void setInitialDelay(Duration initialDelay) {
      this.initialDelay = initialDelay;
    }

    /**
     * Returns the backoff strategy.
     *
     * @return the strategy
     */
    public BackoffStrategy getBackoff() {
      return backoff;
    }

    /**
     * Sets the backoff strategy.
     *
     * @param backoff the strategy
     */
    public void setBackoff(BackoffStrategy backoff) {
      this.backoff = backoff;
    }

    /**
     * Returns the maximum delay.
     *
     * @return the cap
     */
    public Duration getMaxDelay() {
      return maxDelay;
    }

    /**
     * Sets the maximum delay.
     *
     * @param maxDelay the cap
     */
    public void setMaxDelay(Duration maxDelay) {
      this.maxDelay = maxDelay;
    }

    /**
     * Returns the deadline on the whole operation.
     *
     * @return the deadline, or null for none
     */
    public @Nullable Duration getMaxTotalDelay() {
      return maxTotalDelay;
    }

    /**
     * Sets the deadline on the whole operation.
     *
     * @param maxTotalDelay the deadline, or null for none
     */
    public void setMaxTotalDelay(@Nullable Duration maxTotalDelay) {
      this.maxTotalDelay = maxTotalDelay;
    }

    /**
     * Returns the jitter factor.
     *
     * @return the factor, or null for the strategy's default
     */
    public @Nullable Double getJitter() {
      return jitter;
    }

    /**
     * Sets the jitter factor.
     *
     * @param jitter the factor, or null for the strategy's default
     */
    public void setJitter(@Nullable Double jitter) {
      this.jitter = jitter;
    }
  }

  /** Graceful shutdown of the manager when the application context closes. */
  public static class Shutdown {
    /** How long running and queued work may finish after the context starts closing; what is left is then cancelled. About 292 years or more (such as 1000000000d) waits as long as the work takes. */
    private Duration awaitTerminationPeriod = Duration.ofSeconds(10);

    /**
     * Returns the await-termination period.
     *
     * @return the period
     */
    public Duration getAwaitTerminationPeriod() {
      return awaitTerminationPeriod;
    }

    /**
     * Sets the await-termination period.
     *
     * @param awaitTerminationPeriod the period
     */
    public void setAwaitTerminationPeriod(Duration awaitTerminationPeriod) {
      this.awaitTerminationPeriod = awaitTerminationPeriod;
    }
  }

  /** Micrometer metrics of the manager. */
  public static class Metrics {
    /** Whether to record and publish the atom.async.* metrics when a MeterRegistry is present. */
    private boolean enabled = true;

    /**
     * How many distinct work names the manager tags separately; work with a further name is tagged
     * name=other, and the first such name is logged once at WARN.
     */
    private int maxNames = 100; // AsyncWorkerManager.DEFAULT_MAX_NAMES, literal for the metadata

    /**
     * Returns the bound on distinct work names.
     *
     * @return the bound
     */
    public int getMaxNames() {
      return maxNames;
    }

    /**
     * Sets the bound on distinct work names.
     *
     * @param maxNames the bound, at least 1
     */
    public void setMaxNames(int maxNames) {
      this.maxNames = maxNames;
    }

    /**
     * Tells whether metrics are enabled.
     *
     * @return true if enabled
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Enables or disables metrics.
     *
     * @param enabled true to enable
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** One Micrometer Observation (a trace span, with Micrometer Tracing) per worker and per retry attempt. */
  public static class Observations {
    /**
     * Whether each worker is an Observation named atom.async.worker (and each retry attempt an
     * atom.async.retry.attempt) when an ObservationRegistry is present. Off by default: a fan-out of
     * 1,000 tasks makes 1,000 spans, and each costs the task a few microseconds.
     */
    private boolean enabled = false;

    /**
     * Tells whether observations are enabled.
     *
     * @return true if enabled
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Enables or disables observations.
     *
     * @param enabled true to enable
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** Propagation of the submitter's MDC and Micrometer context into tasks, retry attempts and callbacks. */
  public static class ContextPropagation {
    /** Whether to capture the MDC (and the Micrometer context, when io.micrometer:context-propagation is present) at submit and restore it in the task. */
    private boolean enabled = true;

    /**
     * Tells whether context propagation is enabled.
     *
     * @return true if enabled
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Enables or disables context propagation.
     *
     * @param enabled true to enable
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** The stuck-work watchdog of the auto-configured manager. */
  public static class Watchdog {
    /**
     * How long a task may hold its thread before it is logged once at WARN with its thread's stack and
     * counted in atom.async.workers.stuck (a retry attempt counts on its own). Nothing is interrupted;
     * 0 turns the watchdog off.
     */
    private Duration stuckThreshold = Duration.ofMinutes(1);

    /**
     * Returns the stuck threshold.
     *
     * @return the threshold, zero for none
     */
    public Duration getStuckThreshold() {
      return stuckThreshold;
    }

    /**
     * Sets the stuck threshold.
     *
     * @param stuckThreshold the threshold, zero for none
     */
    public void setStuckThreshold(Duration stuckThreshold) {
      this.stuckThreshold = stuckThreshold;
    }
  }

  /** The asyncworkers actuator endpoint (enable it with management.endpoints.web.exposure.include). */
  public static class Endpoint {
    /**
     * How many in-flight workers the listing shows per manager, oldest first; the counts cover all of
     * them. 0 shows counts only.
     */
    private int maxListed = 100;

    /**
     * Returns the most workers listed per manager.
     *
     * @return the cap
     */
    public int getMaxListed() {
      return maxListed;
    }

    /**
     * Sets the most workers listed per manager.
     *
     * @param maxListed the cap, 0 or more
     */
    public void setMaxListed(int maxListed) {
      this.maxListed = maxListed;
    }
  }

  /**
   * The clusterWorkerManager bean, which runs ClusterTasks on the members of a Hazelcast cluster (needs
   * async-hazelcast and a HazelcastInstance bean).
   */
  public static class Cluster {
    /** Whether to create the clusterWorkerManager bean when a HazelcastInstance bean exists. */
    private boolean enabled = false;

    /**
     * The Hazelcast executor service the tasks run on (configure its pool size in Hazelcast's config
     * under that name). Default: the bean name, clusterWorkerManager.
     */
    private @Nullable String executorName;

    /** Local threads that complete the cluster workers and run their callbacks. */
    private int completionThreads = 2;

    /**
     * How many times one task is submitted again after the member holding it left (0: never; the
     * worker then fails). Tasks may run more than once: they must be idempotent.
     */
    private int maxResubmissions = 3;

    /** The timeout of every cluster worker that sets none; none if unset. */
    private @Nullable Duration timeout;

    /**
     * Returns whether the cluster manager is enabled.
     *
     * @return true if enabled
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Enables or disables the cluster manager.
     *
     * @param enabled true to enable
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the Hazelcast executor service's name.
     *
     * @return the name, or null for the bean name
     */
    public @Nullable String getExecutorName() {
      return executorName;
    }

    /**
     * Sets the Hazelcast executor service's name.
     *
     * @param executorName the name, or null for the bean name
     */
    public void setExecutorName(@Nullable String executorName) {
      this.executorName = executorName;
    }

    /**
     * Returns the number of completion threads.
     *
     * @return the thread count
     */
    public int getCompletionThreads() {
      return completionThreads;
    }

    /**
     * Sets the number of completion threads.
     *
     * @param completionThreads 1 or more
     */
    public void setCompletionThreads(int completionThreads) {
      this.completionThreads = completionThreads;
    }

    /**
     * Returns the most resubmissions per task.
     *
     * @return the cap
     */
    public int getMaxResubmissions() {
      return maxResubmissions;
    }

    /**
     * Sets the most resubmissions per task.
     *
     * @param maxResubmissions 0 or more
     */
    public void setMaxResubmissions(int maxResubmissions) {
      this.maxResubmissions = maxResubmissions;
    }

    /**
     * Returns the default timeout of cluster workers.
     *
     * @return the timeout, or null for none
     */
    public @Nullable Duration getTimeout() {
      return timeout;
    }

    /**
     * Sets the default timeout of cluster workers.
     *
     * @param timeout a positive duration, or null for none
     */
    public void setTimeout(@Nullable Duration timeout) {
      this.timeout = timeout;
    }
  }
}
