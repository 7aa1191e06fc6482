package io.atom.async;

/**
 * The life cycle of an {@link AsyncWorker}.
 *
 * <pre>
 * CREATED -> SCHEDULED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED | TIMED_OUT
 *    |           |
 *    |           +--------------------> FAILED (rejected) | CANCELLED | TIMED_OUT
 *    +--------------------------------> CANCELLED
 * </pre>
 *
 * <p>A worker that was started reaches exactly one terminal state and never leaves it.
 */
public enum WorkerState {
  /** Created, {@code startAsync} not yet called. */
  CREATED,
  /** Handed to the executor, not yet running. */
  SCHEDULED,
  /** The task is running on a pool thread. */
  RUNNING,
  /** Terminal: the task returned a value. */
  SUCCEEDED,
  /** Terminal: the task threw, or the executor rejected it. */
  FAILED,
  /** Terminal: cancelled before or while running; a late result is discarded. */
  CANCELLED,
  /** Terminal: the hard timeout expired before the task finished; the task was interrupted. */
  TIMED_OUT;

  /**
   * Tells whether this state is final.
   *
   * @return {@code true} for {@link #SUCCEEDED}, {@link #FAILED}, {@link #CANCELLED} and {@link #TIMED_OUT}
   */
  public boolean isTerminal() {
    return ordinal() >= SUCCEEDED.ordinal();
  }

  /**
   * The public state of an {@code AsyncWorker}'s internal state value: CREATED 0, SCHEDULED 1, then
   * 2 (claimed by a rejection or an outside driver without running) and 3 (running) are both RUNNING,
   * then the four terminal states.
   */
  private static final WorkerState[] BY_INTERNAL = {CREATED, SCHEDULED, RUNNING, RUNNING, SUCCEEDED, FAILED,
      CANCELLED, TIMED_OUT};

  static WorkerState of(int internal) {
    return BY_INTERNAL[internal];
  }
}
