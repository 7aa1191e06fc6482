package io.atom.async.autoconfigure;

import com.hazelcast.core.HazelcastInstance;
import io.atom.async.hazelcast.ClusterTaskContext;
import io.atom.async.hazelcast.ClusterWorkerManager;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.util.ClassUtils;

/**
 * The {@code clusterWorkerManager} bean: a {@link ClusterWorkerManager} on the application's
 * {@link HazelcastInstance}, when {@code async-hazelcast} is on the class path, one
 * {@code HazelcastInstance} bean exists (Spring Boot's, from {@code spring-boot-hazelcast}, or your own)
 * and {@code atom.async.cluster.enabled=true}. Its name, the {@code manager} tag of its metrics, is the
 * bean name; it records real timers through {@link AsyncWorkerMetrics} and is observed through
 * {@link AsyncWorkerObservations} when those are configured, publishes
 * {@code atom.async.cluster.resubmitted}, appears in the {@code asyncworkers} endpoint and health, and is
 * drained at shutdown like the local manager (before the Hazelcast instance, which it depends on, stops).
 * The submitter's MDC travels with every task; with Micrometer Tracing (a {@code Tracer} and a
 * {@code Propagator} bean) so does the trace, each task a child span on the member that runs it; a
 * {@link ClusterTaskContext} bean of your own replaces that.
 *
 * <p>Ordered after Spring Boot's Hazelcast auto-configuration by name, so the starter needs neither
 * {@code spring-boot-hazelcast} nor Hazelcast on its compile path at run time.
 */
@AutoConfiguration(afterName = "org.springframework.boot.hazelcast.autoconfigure.HazelcastAutoConfiguration",
    after = {AsyncWorkerMetricsAutoConfiguration.class, AsyncWorkerObservationAutoConfiguration.class})
@ConditionalOnClass({HazelcastInstance.class, ClusterWorkerManager.class})
@ConditionalOnBooleanProperty(name = "atom.async.cluster.enabled")
@EnableConfigurationProperties(AtomAsyncProperties.class)
public final class AsyncClusterAutoConfiguration {

  /** The bean name of the cluster manager, and its {@code manager} tag. */
  public static final String CLUSTER_MANAGER_BEAN = "clusterWorkerManager";

  AsyncClusterAutoConfiguration() {}

  @Bean(name = CLUSTER_MANAGER_BEAN)
  @ConditionalOnMissingBean
  @ConditionalOnSingleCandidate(HazelcastInstance.class)
  static ClusterWorkerManager clusterWorkerManager(HazelcastInstance hazelcast, AtomAsyncProperties properties,
      ObjectProvider<AsyncWorkerMetrics> metrics, ObjectProvider<AsyncWorkerObservations> observations,
      ObjectProvider<ClusterTaskContext> taskContexts, ConfigurableListableBeanFactory beanFactory) {
    AtomAsyncProperties.Cluster cluster = properties.getCluster();
    ClusterWorkerManager.Builder builder = ClusterWorkerManager.builder(hazelcast).name(CLUSTER_MANAGER_BEAN);
    String executorName = cluster.getExecutorName();
    if (executorName != null) {
      AsyncWorkerAutoConfiguration.check(!executorName.isBlank(), "atom.async.cluster.executor-name",
          executorName, "must not be blank", "Set it to the name of a Hazelcast executor service, or remove it.");
      builder.executorName(executorName);
    }
    AsyncWorkerAutoConfiguration.check(cluster.getCompletionThreads() >= 1, "atom.async.cluster.completion-threads",
        cluster.getCompletionThreads(), "must be >= 1", "Set it to 1 or more, such as 2.");
    builder.completionThreads(cluster.getCompletionThreads());
    AsyncWorkerAutoConfiguration.check(cluster.getMaxResubmissions() >= 0, "atom.async.cluster.max-resubmissions",
        cluster.getMaxResubmissions(), "must be >= 0", "Set it to 0 (never resubmit) or more, such as 3.");
    builder.maxResubmissions(cluster.getMaxResubmissions());
    Duration timeout = cluster.getTimeout();
    if (timeout != null) {
      AsyncWorkerAutoConfiguration.check(!timeout.isZero() && !timeout.isNegative(), "atom.async.cluster.timeout",
          timeout, "must be positive", "Set it to a positive duration such as 5m, or remove it for none.");
      builder.defaultTimeout(timeout);
    }
    if (properties.getContextPropagation().isEnabled()) {
      builder.contextPropagation(new ContextPropagation()); // the callbacks, as the local manager's
    }
    metrics.ifAvailable(m -> builder.recorder(m.recorder(CLUSTER_MANAGER_BEAN)));
    observations.ifAvailable(o -> builder.observer(o.observer()));
    ClusterTaskContext taskContext = taskContexts.getIfUnique();
    if (taskContext == null && TRACING_PRESENT) {
      taskContext = Tracing.context(beanFactory);
    }
    if (taskContext != null) {
      builder.taskContext(taskContext);
    }
    return builder.build();
  }

  private static final boolean TRACING_PRESENT = ClassUtils.isPresent("io.micrometer.tracing.Tracer",
      AsyncClusterAutoConfiguration.class.getClassLoader());

  /** Touches Micrometer Tracing only when it is present. */
  private static final class Tracing {
    static @Nullable ClusterTaskContext context(ConfigurableListableBeanFactory beanFactory) {
      Tracer tracer = beanFactory.getBeanProvider(Tracer.class).getIfUnique();
      Propagator propagator = beanFactory.getBeanProvider(Propagator.class).getIfUnique();
      return tracer != null && propagator != null && tracer != Tracer.NOOP
          ? new TracingClusterTaskContext(tracer, propagator) : null;
    }
  }
}
