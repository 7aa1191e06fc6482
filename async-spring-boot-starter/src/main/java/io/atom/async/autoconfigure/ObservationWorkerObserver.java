package io.atom.async.autoconfigure;

import io.atom.async.WorkerObserver;
import io.atom.async.WorkerState;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * Makes each worker a Micrometer {@link Observation} ({@link AsyncWorkerObservationDocumentation#WORKER})
 * whose parent is the observation current where the worker was started; a retried operation has a
 * child ({@link AsyncWorkerObservationDocumentation#RETRY_ATTEMPT}) per attempt. With Micrometer Tracing
 * that is one span per worker and per attempt, under the request's span; the worker's observation is
 * current inside its task, so what the task observes nests under it and the MDC carries its trace.
 *
 * <p>This class is thread-safe.
 */
final class ObservationWorkerObserver implements WorkerObserver {

  private final ObservationRegistry registry;
  private final @Nullable AsyncWorkerObservationConvention convention;
  private final @Nullable AsyncRetryAttemptObservationConvention attemptConvention;

  ObservationWorkerObserver(ObservationRegistry registry, @Nullable AsyncWorkerObservationConvention convention,
      @Nullable AsyncRetryAttemptObservationConvention attemptConvention) {
    this.registry = registry;
    this.convention = convention;
    this.attemptConvention = attemptConvention;
  }

  @Override
  public @Nullable Observed start(String managerName, String name, String taggedName, boolean retried) {
    // Its parent is the registry's current observation, on this (the starting) thread.
    AsyncWorkerObservationContext context = new AsyncWorkerObservationContext(managerName, name, taggedName, 0);
    Observation observation = AsyncWorkerObservationDocumentation.WORKER.observation(convention,
        DefaultAsyncWorkerObservationConvention.INSTANCE, () -> context, registry);
    return observation.isNoop() ? null : new Started(observation.start(), context);
  }

  /** One started observation, a worker's or an attempt's. */
  private final class Started implements Observed {
    private final Observation observation;
    private final AsyncWorkerObservationContext context;

    Started(Observation observation, AsyncWorkerObservationContext context) {
      this.observation = observation;
      this.context = context;
    }

    @Override
    public <V> V call(Callable<V> task) throws Exception {
      try (Observation.Scope ignored = observation.openScope()) {
        return task.call();
      }
    }

    @Override
    public @Nullable Observed attempt(int attempt) {
      AsyncWorkerObservationContext child = new AsyncWorkerObservationContext(context.getManagerName(),
          context.getWorkName(), context.getTaggedName(), attempt);
      Observation observation = AsyncWorkerObservationDocumentation.RETRY_ATTEMPT.observation(attemptConvention,
          DefaultAsyncRetryAttemptObservationConvention.INSTANCE,
          () -> child, registry).parentObservation(this.observation);
      if (observation.isNoop()) {
        return null;
      }
      // Started inside the operation's scope: a tracer parents a new span on its current span when
      // that differs from the parent observation's (the request's, on the thread that launches it).
      try (Observation.Scope ignored = this.observation.openScope()) {
        return new Started(observation.start(), child);
      }
    }

    @Override
    public void end(WorkerState outcome, @Nullable Throwable failure) {
      context.setOutcome(outcome);
      if (failure != null) {
        observation.error(failure);
      }
      observation.stop();
    }
  }
}
