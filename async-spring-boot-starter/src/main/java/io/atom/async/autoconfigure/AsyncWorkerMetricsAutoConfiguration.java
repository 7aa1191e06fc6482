package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Publishes the {@code atom.async.*} metrics of every {@link AsyncWorkerManager} bean, tagged with
 * the bean's name, when Micrometer and a {@link MeterRegistry} are present and
 * {@code atom.async.metrics.enabled} is not false. It makes the auto-configured manager record its
 * counters; without this configuration the manager counts nothing. A manager of your own is published
 * too if you build it with {@code recordStats()}.
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
  static AsyncWorkerManagerCustomizer asyncWorkerManagerStatsCustomizer() {
    return AsyncWorkerManager.Builder::recordStats;
  }

  @Bean
  static AsyncWorkerManagerMetrics asyncWorkerManagerMetrics(ConfigurableListableBeanFactory beanFactory) {
    return new AsyncWorkerManagerMetrics(beanFactory);
  }
}
