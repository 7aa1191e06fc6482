package io.atom.async.autoconfigure;

/**
 * The default convention of retry attempts: named {@code atom.async.retry.attempt}, contextual name
 * {@code "<name> attempt <n>"}, low-cardinality keys {@code manager}, {@code name}, {@code outcome} and
 * {@code attempt}.
 *
 * <p>This class is thread-safe.
 */
public class DefaultAsyncRetryAttemptObservationConvention extends DefaultAsyncWorkerObservationConvention
    implements AsyncRetryAttemptObservationConvention {

  /** The shared instance. */
  public static final DefaultAsyncRetryAttemptObservationConvention INSTANCE =
      new DefaultAsyncRetryAttemptObservationConvention();

  /** Creates the convention; see {@link #INSTANCE}. */
  public DefaultAsyncRetryAttemptObservationConvention() {}

  @Override
  public String getName() {
    return AsyncWorkerObservationDocumentation.RETRY_ATTEMPT.getName();
  }

  @Override
  public boolean supportsContext(io.micrometer.observation.Observation.Context context) {
    return AsyncRetryAttemptObservationConvention.super.supportsContext(context);
  }
}
