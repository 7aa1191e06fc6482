package io.atom.async.autoconfigure;

import io.atom.async.WorkerState;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;

/**
 * The default convention of workers: observations named {@code atom.async.worker} (a worker, a retried
 * operation), with the work's name as contextual name ({@code "payment"}) and the low-cardinality keys
 * of {@link AsyncWorkerObservationDocumentation}: {@code manager}, {@code name} (bounded per manager),
 * {@code outcome}; and, for the attempts of {@link DefaultAsyncRetryAttemptObservationConvention},
 * {@code attempt} and the contextual name {@code "payment attempt 2"}.
 *
 * <p>This class is thread-safe.
 */
public class DefaultAsyncWorkerObservationConvention implements AsyncWorkerObservationConvention {

  /** The shared instance. */
  public static final DefaultAsyncWorkerObservationConvention INSTANCE = new DefaultAsyncWorkerObservationConvention();

  /** Creates the convention; see {@link #INSTANCE}. */
  public DefaultAsyncWorkerObservationConvention() {}

  @Override
  public String getName() {
    return AsyncWorkerObservationDocumentation.WORKER.getName();
  }

  @Override
  public String getContextualName(AsyncWorkerObservationContext context) {
    return context.getAttempt() == 0 ? context.getWorkName() : context.getWorkName() + " attempt " + context.getAttempt();
  }

  @Override
  public KeyValues getLowCardinalityKeyValues(AsyncWorkerObservationContext context) {
    WorkerState outcome = context.getOutcome();
    KeyValues keys = KeyValues.of(
        KeyValue.of(AsyncWorkerObservationDocumentation.LowCardinalityKeys.MANAGER, context.getManagerName()),
        KeyValue.of(AsyncWorkerObservationDocumentation.LowCardinalityKeys.NAME, context.getTaggedName()),
        KeyValue.of(AsyncWorkerObservationDocumentation.LowCardinalityKeys.OUTCOME,
            outcome == null ? "none" : AsyncWorkerManagerMetrics.outcome(outcome)));
    return context.getAttempt() == 0 ? keys
        : keys.and(KeyValue.of(AsyncWorkerObservationDocumentation.LowCardinalityKeys.ATTEMPT,
            Integer.toString(context.getAttempt())));
  }
}
