package io.atom.async.autoconfigure;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * A convention for the observations of workers and retry attempts. Declare a bean of this type to
 * rename them or change their key values; extend {@link DefaultAsyncWorkerObservationConvention} to
 * keep the defaults and add to them.
 */
public interface AsyncWorkerObservationConvention extends ObservationConvention<AsyncWorkerObservationContext> {

  @Override
  default boolean supportsContext(Observation.Context context) {
    return context instanceof AsyncWorkerObservationContext;
  }
}
