package io.atom.async;

import java.util.List;

/**
 * Thrown by {@link AsyncWorkerManager#waitForAll()} after every worker is done, carrying every
 * failure since the previous {@code waitForAll}: each one is in {@link #failures()} and among the
 * {@linkplain #getSuppressed() suppressed} exceptions, in the order the workers ended.
 *
 * <p>A failure is a worker that ended {@link WorkerState#FAILED} or {@link WorkerState#TIMED_OUT};
 * cancellation is not a failure. At most {@link AsyncWorkerManager#MAX_REPORTED_FAILURES} are kept;
 * {@link #failureCount()} counts the rest too.
 */
public class WorkersFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The failures kept, at most {@link AsyncWorkerManager#MAX_REPORTED_FAILURES}. */
  private final List<Throwable> failures;
  /** Every failure counted, including those not kept. */
  private final long failureCount;

  /**
   * Creates the exception.
   *
   * @param managerName the manager whose workers failed
   * @param failures the kept failures, in the order the workers ended
   * @param failureCount all failures, including those not kept
   * @throws IllegalArgumentException if {@code failureCount < failures.size()}
   */
  public WorkersFailedException(String managerName, List<Throwable> failures, long failureCount) {
    super(message(managerName, failures, failureCount), failures.isEmpty() ? null : failures.get(0));
    if (failureCount < failures.size()) {
      throw new IllegalArgumentException("failureCount must be >= failures.size() (" + failures.size()
          + ") but was " + failureCount);
    }
    this.failures = List.copyOf(failures);
    this.failureCount = failureCount;
    for (Throwable failure : this.failures) {
      addSuppressed(failure);
    }
  }

  private static String message(String managerName, List<Throwable> failures, long failureCount) {
    StringBuilder sb = new StringBuilder()
        .append(failureCount).append(failureCount == 1 ? " worker" : " workers")
        .append(" of manager '").append(managerName).append("' failed");
    if (failureCount > failures.size()) {
      sb.append(" (first ").append(failures.size()).append(" kept)");
    }
    if (!failures.isEmpty()) {
      sb.append("; first: ").append(failures.get(0));
    }
    return sb.toString();
  }

  /**
   * Returns the kept failures, in the order the workers ended.
   *
   * @return an unmodifiable list
   */
  public List<Throwable> failures() {
    return failures;
  }

  /**
   * Returns how many workers failed, including those beyond the kept ones.
   *
   * @return the number of failures
   */
  public long failureCount() {
    return failureCount;
  }
}
