package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Makes each worker of the auto-configured {@link AsyncWorkerManager} a Micrometer Observation
 * ({@code atom.async.worker}, and {@code atom.async.retry.attempt} per attempt of a retried operation)
 * when an {@link ObservationRegistry} is present and {@code atom.async.observations.enabled} is true.
 * With Micrometer Tracing on the classpath, that is one span per worker and per attempt under the
 * span of the request that started it. Off by default; see the README for the measured cost. Declare
 * an {@link AsyncWorkerObservationConvention} or {@link AsyncRetryAttemptObservationConvention} bean to
 * rename the observations or change their key values.
 *
 * <p>Ordered after Boot's observation auto-configuration by name, so the starter does not need it on
 * its compile path.
 */
@AutoConfiguration(
    afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean(ObservationRegistry.class)
@ConditionalOnBooleanProperty(name = "atom.async.observations.enabled")
public final class AsyncWorkerObservationAutoConfiguration {

  AsyncWorkerObservationAutoConfiguration() {}

  @Bean
  @ConditionalOnMissingBean
  static AsyncWorkerObservations asyncWorkerObservations(ObjectProvider<ObservationRegistry> registry,
      ObjectProvider<AsyncWorkerObservationConvention> convention,
      ObjectProvider<AsyncRetryAttemptObservationConvention> attemptConvention) {
    return new AsyncWorkerObservations(registry::getObject, convention.getIfUnique(), attemptConvention.getIfUnique());
  }

  @Bean
  static AsyncWorkerManagerCustomizer asyncWorkerManagerObservationCustomizer(
      ObjectProvider<AsyncWorkerObservations> observations) {
    return builder -> builder.observer(observations.getObject().observer());
  }
}
