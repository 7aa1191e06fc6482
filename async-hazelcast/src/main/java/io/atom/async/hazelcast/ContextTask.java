package io.atom.async.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.ManagedContext;
import com.hazelcast.partition.PartitionAware;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * What is sent to the executing member: the user's task with the submitter's MDC. On the member it
 * hands the task what Hazelcast would have handed it had it been sent bare (the
 * {@code HazelcastInstance} of a {@link HazelcastInstanceAware} task, the member's
 * {@link ManagedContext}, e.g. Spring's for {@code @SpringAware}), and runs it with that MDC in place,
 * restoring the thread's own afterwards. It never throws: the task's result or exception goes back as
 * an {@link Answer}.
 *
 * <p>Not thread-safe: one instance is deserialized and run once per submission.
 */
class ContextTask<T> implements Callable<Answer>, Serializable, HazelcastInstanceAware {
  private static final long serialVersionUID = 1L;

  private final ClusterTask<T> task;
  /** The submitter's MDC, or null if it was empty. */
  private final @Nullable Map<String, String> mdc;
  private transient @Nullable HazelcastInstance member;

  ContextTask(ClusterTask<T> task, @Nullable Map<String, String> mdc) {
    this.task = task;
    this.mdc = mdc == null || mdc.isEmpty() ? null : mdc;
  }

  /** Wraps {@code task} with the calling thread's MDC, keeping a {@link PartitionAware} task's routing. */
  static <T> ContextTask<T> capture(ClusterTask<T> task) {
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    if (task instanceof PartitionAware) {
      return new Partitioned<>(task, mdc, ((PartitionAware<?>) task).getPartitionKey());
    }
    return new ContextTask<>(task, mdc);
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
    try {
      return Answer.of(prepare().call());
    } catch (Throwable thrown) {
      return Answer.failure(thrown);
    } finally {
      if (mdc != null) {
        if (before != null) {
          MDC.setContextMap(before);
        } else {
          MDC.clear();
        }
      }
    }
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

    Partitioned(ClusterTask<T> task, @Nullable Map<String, String> mdc, Object partitionKey) {
      super(task, mdc);
      this.partitionKey = partitionKey;
    }

    @Override
    public Object getPartitionKey() {
      return partitionKey;
    }
  }
}
