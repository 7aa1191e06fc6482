package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerObserver;
import io.micrometer.observation.ObservationRegistry;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Hands out the observer that makes each worker a Micrometer Observation (see
 * {@link AsyncWorkerObservationDocumentation}); present when {@code atom.async.observations.enabled=true}
 * and an {@code ObservationRegistry} exists. The auto-configured {@code asyncWorkerManager} uses it
 * already; a manager of your own can too:
 *
 * <pre>{@code
 * @Bean
 * AsyncWorkerManager reportsManager(ObjectProvider<AsyncWorkerObservations> observations) {
 *   AsyncWorkerManager.Builder builder = AsyncWorkerManager.builder().name("reportsManager");
 *   observations.ifAvailable(o -> builder.observer(o.observer()));
 *   return builder.build();
 * }
 * }</pre>
 *
 * <p>This class is thread-safe.
 */
public final class AsyncWorkerObservations {

  private final Supplier<ObservationRegistry> registry;
  private final @Nullable AsyncWorkerObservationConvention convention;
  private final @Nullable AsyncRetryAttemptObservationConvention attemptConvention;

  AsyncWorkerObservations(Supplier<ObservationRegistry> registry, @Nullable AsyncWorkerObservationConvention convention,
      @Nullable AsyncRetryAttemptObservationConvention attemptConvention) {
    this.registry = registry;
    this.convention = convention;
    this.attemptConvention = attemptConvention;
  }

  /**
   * Returns an observer for {@link AsyncWorkerManager.Builder#observer}, with the conventions declared
   * as beans, if any ({@link AsyncWorkerObservationConvention}, {@link AsyncRetryAttemptObservationConvention}).
   *
   * @return the observer
   */
  public WorkerObserver observer() {
    return new ObservationWorkerObserver(registry.get(), convention, attemptConvention);
  }
}
