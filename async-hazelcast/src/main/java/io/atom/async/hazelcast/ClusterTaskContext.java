package io.atom.async.hazelcast;

import java.util.Map;

/**
 * Carries context, beyond the MDC (which always travels), from the thread that submits a cluster task
 * to the member that runs it: a trace context, so that the task's work is a span of the submitter's
 * trace; a tenant; a principal's name. The starter registers one for Micrometer Tracing.
 *
 * <p>{@link #capture()} runs on the submitting thread; its entries travel with the task. On the
 * executing member the task looks up the context registered on <em>that</em> member
 * ({@link ClusterWorkerManager.Builder#taskContext}) and runs inside {@link #restore}; a member where none
 * is registered runs the task with the MDC only.
 *
 * <p>Implementations must be thread-safe: both methods are called concurrently from many threads.
 */
public interface ClusterTaskContext {

  /**
   * Returns what travels with a task submitted now, from the calling thread's context. Called on the
   * submitting thread; it should not throw (if it does, the task travels without these entries and the
   * exception is logged).
   *
   * @return the entries, empty for none; strings only, so that any member can read them
   */
  Map<String, String> capture();

  /**
   * Sets the captured context on the executing member's thread, before the task runs.
   *
   * @param captured what {@link #capture()} returned on the submitting member (never empty)
   * @param name the worker's name, or {@code "unnamed"}
   * @return what undoes it, closed after the task, on the same thread, however it ended. If this method
   *     throws, the exception is logged and the task runs without the context
   */
  Scope restore(Map<String, String> captured, String name);

  /** Undoes a {@link #restore}. */
  interface Scope extends AutoCloseable {
    /** Undoes the restore; must not throw. */
    @Override
    void close();
  }
}
