package io.atom.async.autoconfigure;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * A convention for the observations of retry attempts ({@code atom.async.retry.attempt}). Declare a bean
 * of this type to rename them or change their key values; extend
 * {@link DefaultAsyncRetryAttemptObservationConvention} to keep the defaults and add to them.
 */
public interface AsyncRetryAttemptObservationConvention extends ObservationConvention<AsyncWorkerObservationContext> {

  @Override
  default boolean supportsContext(Observation.Context context) {
    return context instanceof AsyncWorkerObservationContext && ((AsyncWorkerObservationContext) context).getAttempt() > 0;
  }
}
