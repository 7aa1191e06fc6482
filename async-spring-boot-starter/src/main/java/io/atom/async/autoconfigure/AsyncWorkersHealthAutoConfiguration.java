package io.atom.async.autoconfigure;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Adds the {@code asyncWorkers} health contributor ({@code management.health.asyncworkers.enabled},
 * on by default) when Spring Boot's health support is on the classpath: each manager bean's in-flight
 * workers, pool, free queue places and stuck workers. It is {@code UP} while the managers accept work;
 * saturation and stuck work are details, never {@code DOWN} (see {@code AsyncWorkersHealthIndicator}).
 *
 * <p>The starter does not need the actuator: this configuration is skipped without it.
 */
@AutoConfiguration(after = AsyncWorkerAutoConfiguration.class,
    beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
public final class AsyncWorkersHealthAutoConfiguration {

  AsyncWorkersHealthAutoConfiguration() {}

  @Bean
  @ConditionalOnMissingBean(name = "asyncWorkersHealthIndicator")
  @ConditionalOnEnabledHealthIndicator("asyncworkers")
  static HealthIndicator asyncWorkersHealthIndicator(ConfigurableListableBeanFactory beanFactory) {
    return new AsyncWorkersHealthIndicator(() -> ManagerBeans.existing(beanFactory));
  }
}
