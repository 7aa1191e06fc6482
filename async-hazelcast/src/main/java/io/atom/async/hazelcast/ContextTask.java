package io.atom.async.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.ManagedContext;
import com.hazelcast.partition.PartitionAware;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * What is sent to the executing member: the user's task with the submitter's MDC. On the member it
 * hands the task what Hazelcast would have handed it had it been sent bare (the
 * {@code HazelcastInstance} of a {@link HazelcastInstanceAware} task, the member's
 * {@link ManagedContext}, e.g. Spring's for {@code @SpringAware}), and runs it with that MDC in place,
 * restoring the thread's own afterwards, inside the member's {@link ClusterTaskContext} if it has one and
 * the submitter captured something. It never throws: the task's result or exception goes back as
 * an {@link Answer}.
 *
 * <p>Not thread-safe: one instance is deserialized and run once per submission.
 */
class ContextTask<T> implements Callable<Answer>, Serializable, HazelcastInstanceAware {
  private static final long serialVersionUID = 1L;

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
  private transient @Nullable HazelcastInstance member;

  ContextTask(ClusterTask<T> task, String name, @Nullable Map<String, String> mdc,
      @Nullable Map<String, String> context) {
    this.task = task;
    this.name = name;
    this.mdc = mdc == null || mdc.isEmpty() ? null : mdc;
    this.context = context == null || context.isEmpty() ? null : context;
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
    if (task instanceof PartitionAware) {
      return new Partitioned<>(task, name, mdc, captured, ((PartitionAware<?>) task).getPartitionKey());
    }
    return new ContextTask<>(task, name, mdc, captured);
  }

  ClusterTask<T> task() {
    return task;
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
    this.member = hazelcastInstance;
  }

  @Override
  public Answer call() {
    Map<String, String> before = mdc != null ? MDC.getCopyOfContextMap() : null;
    if (mdc != null) {
      MDC.setContextMap(mdc);
    }
    ClusterTaskContext.Scope scope = null;
    try {
      scope = restoreContext();
      return Answer.of(prepare().call());
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
  private ClusterTaskContext.@Nullable Scope restoreContext() {
    HazelcastInstance hz = member;
    if (context == null || hz == null) {
      return null;
    }
    Object registered = hz.getUserContext().get(CONTEXT_KEY);
    return registered instanceof ClusterTaskContext ? ((ClusterTaskContext) registered).restore(context, name) : null;
  }

  /** The task as Hazelcast's managed context would have prepared it. */
  @SuppressWarnings("unchecked")
  private Callable<T> prepare() {
    HazelcastInstance hz = member;
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

  /** Keeps a {@link PartitionAware} task on the member that owns its key. */
  static final class Partitioned<T> extends ContextTask<T> implements PartitionAware<Object> {
    private static final long serialVersionUID = 1L;
    private final Object partitionKey;

    Partitioned(ClusterTask<T> task, String name, @Nullable Map<String, String> mdc,
        @Nullable Map<String, String> context, Object partitionKey) {
      super(task, name, mdc, context);
      this.partitionKey = partitionKey;
    }

    @Override
    public Object getPartitionKey() {
      return partitionKey;
    }
  }
}
