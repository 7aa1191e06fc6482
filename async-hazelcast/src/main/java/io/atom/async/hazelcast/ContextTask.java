package io.atom.async.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.ManagedContext;
import com.hazelcast.partition.PartitionAware;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * The user's task with the submitter's MDC and {@link ClusterTaskContext} entries; an {@link Execution}
 * carries it to the member. On the member it
 * hands the task what Hazelcast would have handed it had it been sent bare (the
 * {@code HazelcastInstance} of a {@link HazelcastInstanceAware} task, the member's
 * {@link ManagedContext}, e.g. Spring's for {@code @SpringAware}), and runs it with that MDC in place,
 * restoring the thread's own afterwards, inside the member's {@link ClusterTaskContext} if it has one and
 * the submitter captured something. It never throws: the task's result or exception goes back as
 * an {@link Answer}.
 *
 * <p>Immutable once made; {@link #run} is called once per execution, on the executing member.
 */
final class ContextTask<T> {

  /** The key under which a member's {@link ClusterTaskContext} is found in its instance's user context. */
  static final String CONTEXT_KEY = ClusterTaskContext.class.getName();

  private static final System.Logger LOG = System.getLogger(ClusterWorkerManager.class.getName());

  private final ClusterTask<T> task;
  /** The worker's name, or "unnamed". */
  private final String name;
  /** The submitter's MDC, or null if it was empty. */
  private final @Nullable Map<String, String> mdc;
  /** What the submitter's {@link ClusterTaskContext} captured, or null if nothing. */
  private final @Nullable Map<String, String> context;
  /** A {@link PartitionAware} task's key, for routing on the submitting member only (it does not travel). */
  private final @Nullable Object partitionKey;

  ContextTask(ClusterTask<T> task, String name, @Nullable Map<String, String> mdc,
      @Nullable Map<String, String> context, @Nullable Object partitionKey) {
    this.task = task;
    this.name = name;
    this.mdc = mdc == null || mdc.isEmpty() ? null : mdc;
    this.context = context == null || context.isEmpty() ? null : context;
    this.partitionKey = partitionKey;
  }

  /**
   * Wraps {@code task} with the calling thread's MDC and what {@code taskContext} captures, keeping a
   * {@link PartitionAware} task's routing.
   */
  static <T> ContextTask<T> capture(ClusterTask<T> task, String name, @Nullable ClusterTaskContext taskContext) {
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    Map<String, String> captured = null;
    if (taskContext != null) {
      try {
        captured = new HashMap<>(taskContext.capture()); // a serializable copy
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "the ClusterTaskContext " + taskContext
            + " threw while capturing; the task travels without its entries", e);
      }
    }
    Object key = task instanceof PartitionAware ? ((PartitionAware<?>) task).getPartitionKey() : null;
    return new ContextTask<>(task, name, mdc, captured, key);
  }

  /** The key of a {@link PartitionAware} task (its owner runs it), or null. */
  @Nullable Object partitionKey() {
    return partitionKey;
  }

  ClusterTask<T> task() {
    return task;
  }

  String name() {
    return name;
  }

  @Nullable Map<String, String> mdc() {
    return mdc;
  }

  @Nullable Map<String, String> context() {
    return context;
  }

  /** Runs the task on {@code member} (null: outside a member) with its context; never throws. */
  Answer run(@Nullable HazelcastInstance member) {
    Map<String, String> before = mdc != null ? MDC.getCopyOfContextMap() : null;
    if (mdc != null) {
      MDC.setContextMap(mdc);
    }
    ClusterTaskContext.Scope scope = null;
    try {
      scope = restoreContext(member);
      return Answer.of(prepare(member).call());
    } catch (Throwable thrown) {
      return Answer.failure(thrown);
    } finally {
      if (scope != null) {
        try {
          scope.close();
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "a ClusterTaskContext scope threw on close", e);
        }
      }
      if (mdc != null) {
        if (before != null) {
          MDC.setContextMap(before);
        } else {
          MDC.clear();
        }
      }
    }
  }

  /** Restores the captured entries with the executing member's registered context, if both exist. */
  private ClusterTaskContext.@Nullable Scope restoreContext(@Nullable HazelcastInstance hz) {
    if (context == null || hz == null) {
      return null;
    }
    Object registered = hz.getUserContext().get(CONTEXT_KEY);
    if (!(registered instanceof ClusterTaskContext)) {
      return null;
    }
    try {
      return ((ClusterTaskContext) registered).restore(context, name);
    } catch (RuntimeException e) {
      // As for a capture that throws: the task runs, without that context.
      LOG.log(System.Logger.Level.WARNING, "the ClusterTaskContext " + registered
          + " threw while restoring; the task runs without its entries", e);
      return null;
    }
  }

  /** The task as Hazelcast's managed context would have prepared it. */
  @SuppressWarnings("unchecked")
  private Callable<T> prepare(@Nullable HazelcastInstance hz) {
    if (hz == null) {
      return task;
    }
    if (task instanceof HazelcastInstanceAware) {
      ((HazelcastInstanceAware) task).setHazelcastInstance(hz);
    }
    ManagedContext context = hz.getConfig().getManagedContext();
    return context != null ? (Callable<T>) context.initialize(task) : task;
  }

  @Override
  public String toString() {
    return "ContextTask[" + task + "]";
  }
}
