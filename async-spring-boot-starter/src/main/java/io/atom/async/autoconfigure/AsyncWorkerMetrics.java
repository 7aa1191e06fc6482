package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerRecorder;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Hands out the recorders that publish a manager's work as the {@code atom.async.*} Micrometer meters.
 * The auto-configured {@code asyncWorkerManager} gets one already; inject this bean to publish a
 * manager of your own the same way:
 *
 * <pre>{@code
 * @Bean
 * AsyncWorkerManager reportsManager(ObjectProvider<AsyncWorkerMetrics> metrics) {
 *   AsyncWorkerManager.Builder builder = AsyncWorkerManager.builder().name("reportsManager");
 *   // absent without a MeterRegistry or with atom.async.metrics.enabled=false
 *   metrics.ifAvailable(m -> builder.recorder(m.recorder("reportsManager"))); // tag manager = the bean's name
 *   return builder.build();
 * }
 * }</pre>
 *
 * <p>The gauges ({@code atom.async.workers.active}, {@code atom.async.workers.pending}) are published
 * for every manager bean whether or not it has a recorder: they walk its in-flight workers when read.
 *
 * <p>This class is thread-safe.
 */
public final class AsyncWorkerMetrics {

  private final Supplier<MeterRegistry> registry;

  AsyncWorkerMetrics(Supplier<MeterRegistry> registry) {
    this.registry = registry;
  }

  /**
   * Returns a new recorder that publishes the timers and counters of one manager, tagged
   * {@code manager} = {@code managerBeanName}. Give each manager its own: two managers with one tag
   * value would add up in one series.
   *
   * @param managerBeanName the manager's bean name, the value of the {@code manager} tag
   * @return a recorder for {@link AsyncWorkerManager.Builder#recorder(WorkerRecorder)}
   * @throws NullPointerException if {@code managerBeanName} is null
   * @throws IllegalArgumentException if {@code managerBeanName} is blank
   */
  public WorkerRecorder recorder(String managerBeanName) {
    Objects.requireNonNull(managerBeanName, "managerBeanName");
    if (managerBeanName.isBlank()) {
      throw new IllegalArgumentException("managerBeanName must not be blank but was '" + managerBeanName + "'");
    }
    return new MicrometerWorkerRecorder(registry.get(), managerBeanName);
  }
}
