package io.atom.async.autoconfigure;

import io.atom.async.WorkerState;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * What an {@code atom.async.worker} or {@code atom.async.retry.attempt} observation knows, for an
 * {@link AsyncWorkerObservationConvention}: the manager, the work's name (and the name its metrics are
 * tagged with), the attempt number of a retry attempt, and, once it has ended, its outcome.
 *
 * <p>Written by the thread that starts the observation and, for the outcome, by the one that ends it,
 * before the observation is stopped; read by conventions and handlers when it starts and stops.
 */
public class AsyncWorkerObservationContext extends Observation.Context {

  private final String managerName;
  private final String workName;
  private final String taggedName;
  private final int attempt;
  private volatile @Nullable WorkerState outcome;

  /**
   * Creates the context of one worker's or one attempt's observation.
   *
   * @param managerName the manager's name
   * @param workName the work's name, as given ({@code unnamed} when none)
   * @param taggedName the name as metrics record it: {@code workName}, or {@code other} past the
   *     manager's bound on distinct names
   * @param attempt the attempt's number (1, 2, ...) for a retry attempt, or 0 for a worker
   */
  public AsyncWorkerObservationContext(String managerName, String workName, String taggedName, int attempt) {
    this.managerName = managerName;
    this.workName = workName;
    this.taggedName = taggedName;
    this.attempt = attempt;
  }

  /**
   * Returns the manager's name.
   *
   * @return the name
   */
  public String getManagerName() {
    return managerName;
  }

  /**
   * Returns the work's name as given (possibly of high cardinality if misused).
   *
   * @return the name
   */
  public String getWorkName() {
    return workName;
  }

  /**
   * Returns the work's name as metrics record it: bounded in number per manager, so fit for a
   * low-cardinality key.
   *
   * @return the name, or {@code other}
   */
  public String getTaggedName() {
    return taggedName;
  }

  /**
   * Returns the attempt's number, or 0 for a worker's own observation.
   *
   * @return the number
   */
  public int getAttempt() {
    return attempt;
  }

  /**
   * Returns how the worker or attempt ended, once it has.
   *
   * @return the terminal state, or null while it runs
   */
  public @Nullable WorkerState getOutcome() {
    return outcome;
  }

  /**
   * Sets how the worker or attempt ended; called once, before the observation stops.
   *
   * @param outcome a terminal state
   */
  public void setOutcome(WorkerState outcome) {
    this.outcome = outcome;
  }
}
