package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Publishes the {@code atom.async.*} metrics of every {@link AsyncWorkerManager} bean, tagged with
 * the bean's name, when Micrometer and a {@link MeterRegistry} are present and
 * {@code atom.async.metrics.enabled} is not false. It gives the auto-configured manager a recorder of
 * real Micrometer timers and counters (see {@link AsyncWorkerMetrics}); without this configuration the
 * manager records nothing. A manager of your own is published with its gauges, and with its timers
 * too if you build it with {@code recorder(asyncWorkerMetrics.recorder(beanName))}.
 *
 * <p>Ordered after Boot's registry auto-configuration by name, so the starter does not need the
 * actuator on its compile path.
 */
@AutoConfiguration(
    afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = "atom.async.metrics.enabled", matchIfMissing = true)
public final class AsyncWorkerMetricsAutoConfiguration {

  AsyncWorkerMetricsAutoConfiguration() {}

  @Bean
  @ConditionalOnMissingBean
  static AsyncWorkerMetrics asyncWorkerMetrics(ObjectProvider<MeterRegistry> registry) {
    return new AsyncWorkerMetrics(registry::getObject); // resolved when the manager is built
  }

  @Bean
  static AsyncWorkerManagerCustomizer asyncWorkerManagerMetricsCustomizer(ObjectProvider<AsyncWorkerMetrics> metrics) {
    return builder -> builder.recorder(metrics.getObject().recorder(AsyncWorkerAutoConfiguration.MANAGER_BEAN));
  }

  @Bean
  static AsyncWorkerManagerMetrics asyncWorkerManagerMetrics(ConfigurableListableBeanFactory beanFactory) {
    return new AsyncWorkerManagerMetrics(beanFactory);
  }
}
