package io.atom.async.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import java.io.Serializable;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import org.jspecify.annotations.Nullable;

/**
 * One execution of a cluster task, as sent to a member: the task with its context, and the id under
 * which it can be cancelled there ({@link Executions}). A worker's resubmissions reuse the id; each retry
 * attempt has its own. Never throws: its answer is an {@link Answer}.
 *
 * <p>Not thread-safe: deserialized and run once.
 */
final class Execution<T> implements Callable<Answer>, Serializable, HazelcastInstanceAware {
  private static final long serialVersionUID = 1L;

  private final ContextTask<T> task;
  private final UUID id;
  private transient @Nullable HazelcastInstance member;

  Execution(ContextTask<T> task, UUID id) {
    this.task = task;
    this.id = id;
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
    this.member = hazelcastInstance;
  }

  @Override
  public Answer call() {
    HazelcastInstance hz = member;
    if (hz == null) {
      return task.run(null); // not run by a member's executor (never, in practice): nothing to register
    }
    if (!hz.getLifecycleService().isRunning()) {
      return leaving(); // queued here when this member began to leave: the submitter sends it elsewhere
    }
    Executions executions = Executions.of(hz);
    Executions.Running running = executions.begin(id);
    if (running == null) {
      return Answer.failure(new CancellationException("cancelled before it started on this member"));
    }
    Answer answer;
    try {
      answer = task.run(hz);
    } finally {
      executions.end(id, running);
    }
    // Interrupted by this member's shutdown, not by a cancel: say the member left, so it is resubmitted.
    return answer.failed() && !hz.getLifecycleService().isRunning() ? leaving() : answer;
  }

  private static Answer leaving() {
    return Answer.failure(new HazelcastInstanceNotActiveException("the member running this task is shutting down"));
  }

  @Override
  public String toString() {
    return "Execution[" + id + ", " + task + "]";
  }

  /** Cancels execution {@code id} on the member it is sent to: fire and forget. */
  static final class Cancel implements Runnable, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    private final UUID id;
    private transient @Nullable HazelcastInstance member;

    Cancel(UUID id) {
      this.id = id;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
      this.member = hazelcastInstance;
    }

    @Override
    public void run() {
      HazelcastInstance hz = member;
      if (hz != null) {
        Executions.of(hz).cancel(id);
      }
    }
  }
}
