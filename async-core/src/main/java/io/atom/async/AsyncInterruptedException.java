package io.atom.async;

/**
 * Thrown when a thread is interrupted while it waits in {@code getResult}, {@code waitForCompletion},
 * {@code waitForAll} or {@code getWithTimeout}. The thread's interrupt flag is set again before this
 * is thrown, and the {@link InterruptedException} is the {@linkplain #getCause() cause}.
 */
public class AsyncInterruptedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the detail message
   * @param cause the interrupt
   */
  public AsyncInterruptedException(String message, InterruptedException cause) {
    super(message, cause);
  }

  static AsyncInterruptedException whileWaiting(String what) {
    Thread.currentThread().interrupt();
    return new AsyncInterruptedException("interrupted while waiting for " + what,
        new InterruptedException());
  }
}
