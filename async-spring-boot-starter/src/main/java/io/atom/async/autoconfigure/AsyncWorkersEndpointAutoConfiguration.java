package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Adds the {@code asyncworkers} actuator endpoint ({@link AsyncWorkersEndpoint}) when the actuator is
 * on the classpath and the endpoint is available (exposed, and its access not {@code none}). The
 * endpoint lists the work of every {@link AsyncWorkerManager} bean, at most
 * {@code atom.async.endpoint.max-listed} workers per manager (100 by default).
 *
 * <p>The starter does not need the actuator: this configuration is skipped without it, and refers to
 * Micrometer only in a nested configuration of its own.
 */
@AutoConfiguration(after = AsyncWorkerAutoConfiguration.class,
    afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@EnableConfigurationProperties(AtomAsyncProperties.class)
public final class AsyncWorkersEndpointAutoConfiguration {

  AsyncWorkersEndpointAutoConfiguration() {}

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnAvailableEndpoint(AsyncWorkersEndpoint.class)
  static AsyncWorkersEndpoint asyncWorkersEndpoint(ConfigurableListableBeanFactory beanFactory,
      AtomAsyncProperties properties, ObjectProvider<AsyncWorkersEndpoint.EndedCounts> endedCounts) {
    int maxListed = properties.getEndpoint().getMaxListed();
    AsyncWorkerAutoConfiguration.check(maxListed >= 0, "atom.async.endpoint.max-listed", maxListed, "must be >= 0",
        "Set it to how many workers the asyncworkers endpoint lists per manager, such as 100 (0 lists counts only).");
    return new AsyncWorkersEndpoint(() -> ManagerBeans.existing(beanFactory), maxListed,
        endedCounts.getIfAvailable(() -> AsyncWorkersEndpoint.EndedCounts.STATS));
  }

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(AsyncWorkersEndpoint.class)
  @ConditionalOnAvailableEndpoint(endpoint = AsyncWorkersEndpoint.class, exposure = EndpointExposure.WEB)
  static AsyncWorkersEndpointWebExtension asyncWorkersEndpointWebExtension(AsyncWorkersEndpoint endpoint) {
    return new AsyncWorkersEndpointWebExtension(endpoint);
  }

  /** Ended-worker counts from the recorder's timers, when Micrometer is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  static final class MeterRegistryCounts {

    @Bean
    @ConditionalOnMissingBean
    static AsyncWorkersEndpoint.EndedCounts asyncWorkersEndedCounts(ObjectProvider<MeterRegistry> registry) {
      return new MeterRegistryEndedCounts(registry::getIfAvailable);
    }
  }
}
