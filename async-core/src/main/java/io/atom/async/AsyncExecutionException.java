package io.atom.async;

import org.jspecify.annotations.Nullable;

/**
 * Carries a checked exception thrown by a task out of {@code getResult}, which throws only
 * unchecked exceptions. The task's exception is the {@linkplain #getCause() cause}; unchecked
 * exceptions and errors are never wrapped.
 */
public class AsyncExecutionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the detail message
   * @param cause the checked exception the task threw
   */
  public AsyncExecutionException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
