package io.atom.async.autoconfigure;

import io.atom.async.WorkerObserver;
import io.atom.async.WorkerState;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * Makes each worker a Micrometer {@link Observation} named {@value #WORKER} (contextual name = the
 * worker's name; low-cardinality keys {@code manager}, {@code name}, {@code outcome}), whose parent is
 * the observation current where the worker was started; a retried operation has a child
 * {@value #ATTEMPT} per attempt (key {@code attempt} = 1, 2, ...; and {@code outcome}). With Micrometer
 * Tracing that is one span per worker and per attempt, under the request's span; the worker's
 * observation is current inside its task, so what the task observes nests under it and the MDC
 * carries its trace.
 *
 * <p>This class is thread-safe.
 */
final class ObservationWorkerObserver implements WorkerObserver {

  static final String WORKER = "atom.async.worker";
  static final String ATTEMPT = "atom.async.retry.attempt";

  private final ObservationRegistry registry;

  ObservationWorkerObserver(ObservationRegistry registry) {
    this.registry = registry;
  }

  @Override
  public @Nullable Observed start(String managerName, String name, boolean retried) {
    // Its parent is the registry's current observation, on this (the starting) thread.
    Observation observation = Observation.createNotStarted(WORKER, registry).contextualName(name)
        .lowCardinalityKeyValue("manager", managerName).lowCardinalityKeyValue("name", name);
    return observation.isNoop() ? null : new Started(observation.start(), name);
  }

  /** One started observation, a worker's or an attempt's. */
  private final class Started implements Observed {
    private final Observation observation;
    private final String name;

    Started(Observation observation, String name) {
      this.observation = observation;
      this.name = name;
    }

    @Override
    public <V> V call(Callable<V> task) throws Exception {
      try (Observation.Scope ignored = observation.openScope()) {
        return task.call();
      }
    }

    @Override
    public @Nullable Observed attempt(int attempt) {
      Observation child = Observation.createNotStarted(ATTEMPT, registry).parentObservation(observation)
          .contextualName(name + " attempt " + attempt)
          .lowCardinalityKeyValue(KeyValue.of("attempt", Integer.toString(attempt)));
      if (child.isNoop()) {
        return null;
      }
      // Started inside the operation's scope: a tracer parents a new span on its current span when
      // that differs from the parent observation's (the request's, on the thread that launches it).
      try (Observation.Scope ignored = observation.openScope()) {
        return new Started(child.start(), name);
      }
    }

    @Override
    public void end(WorkerState outcome, @Nullable Throwable failure) {
      observation.lowCardinalityKeyValue("outcome", AsyncWorkerManagerMetrics.outcome(outcome));
      if (failure != null) {
        observation.error(failure);
      }
      observation.stop();
    }
  }
}
