package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import io.atom.async.hazelcast.ClusterWorkerManager;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.SimpleAutowireCandidateResolver;
import org.springframework.util.ClassUtils;

/**
 * The {@link AsyncWorkerManager} beans, by bean name, for the endpoint, the health contributor, the
 * shutdown drain and the gauges. A {@code ClusterWorkerManager} bean (async-hazelcast) counts as the
 * local manager that tracks its workers, under its own bean name: draining, listing or cancelling that
 * manager does the same to the cluster work (cancelling cancels the remote executions).
 */
final class ManagerBeans {
  private static final boolean CLUSTER_PRESENT = ClassUtils.isPresent(
      "io.atom.async.hazelcast.ClusterWorkerManager", ManagerBeans.class.getClassLoader());

  private ManagerBeans() {}

  /**
   * Every manager bean already created, default candidate or not, in registration order (cluster
   * managers after the local ones). A lazy one not yet used has no work, and is not created just to be
   * described.
   */
  static Map<String, AsyncWorkerManager> existing(ConfigurableListableBeanFactory beanFactory) {
    Map<String, AsyncWorkerManager> managers = new LinkedHashMap<>();
    for (String name : beanFactory.getBeanNamesForType(AsyncWorkerManager.class, true, false)) {
      if (beanFactory.containsSingleton(name)) {
        managers.put(name, beanFactory.getBean(name, AsyncWorkerManager.class));
      }
    }
    if (CLUSTER_PRESENT) {
      Cluster.existing(beanFactory, managers);
    }
    return managers;
  }

  /** Every manager bean, created if need be, default candidate or not (as Boot binds its executors' meters). */
  static Map<String, AsyncWorkerManager> all(ConfigurableListableBeanFactory beanFactory) {
    Map<String, AsyncWorkerManager> managers =
        new LinkedHashMap<>(SimpleAutowireCandidateResolver.resolveAutowireCandidates(beanFactory, AsyncWorkerManager.class));
    if (CLUSTER_PRESENT) {
      Cluster.all(beanFactory, managers);
    }
    return managers;
  }

  /**
   * Binds {@code atom.async.cluster.resubmitted{manager}} for each cluster manager bean; nothing without
   * async-hazelcast. Called by the metrics binder only, so Micrometer is present.
   */
  static void bindClusterCounters(ConfigurableListableBeanFactory beanFactory, MeterRegistry registry) {
    if (CLUSTER_PRESENT) {
      Cluster.bindCounters(beanFactory, registry);
    }
  }

  /** Touches the cluster types only when async-hazelcast is present (loaded on first use). */
  private static final class Cluster {
    static void existing(ConfigurableListableBeanFactory beanFactory, Map<String, AsyncWorkerManager> into) {
      for (String name : beanFactory.getBeanNamesForType(ClusterWorkerManager.class, true, false)) {
        if (beanFactory.containsSingleton(name)) {
          into.putIfAbsent(name, beanFactory.getBean(name, ClusterWorkerManager.class).localManager());
        }
      }
    }

    static void all(ConfigurableListableBeanFactory beanFactory, Map<String, AsyncWorkerManager> into) {
      beans(beanFactory).forEach((name, cluster) -> into.putIfAbsent(name, cluster.localManager()));
    }

    static void bindCounters(ConfigurableListableBeanFactory beanFactory, MeterRegistry registry) {
      beans(beanFactory).forEach((name, cluster) ->
          FunctionCounter.builder("atom.async.cluster.resubmitted", cluster, ClusterWorkerManager::resubmittedCount)
              .tag("manager", name).baseUnit("tasks")
              .description("Tasks submitted again because the member holding them left the cluster")
              .register(registry));
    }

    static Map<String, ClusterWorkerManager> beans(ConfigurableListableBeanFactory beanFactory) {
      return SimpleAutowireCandidateResolver.resolveAutowireCandidates(beanFactory, ClusterWorkerManager.class);
    }
  }
}
