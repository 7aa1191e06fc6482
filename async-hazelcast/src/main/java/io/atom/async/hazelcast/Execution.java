package io.atom.async.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import org.jspecify.annotations.Nullable;

/**
 * One execution of a cluster task, as sent to a member: the task with its context, and the id under
 * which it can be cancelled there ({@link Executions}). A worker's resubmissions reuse the id; each retry
 * attempt has its own. Never throws: its answer is an {@link Answer}.
 *
 * <p>Not thread-safe: written once per submission, deserialized and run once.
 */
final class Execution<T> implements Callable<Answer>, DataSerializable, HazelcastInstanceAware {
  private @Nullable ContextTask<T> task;
  private @Nullable UUID id;
  private transient @Nullable HazelcastInstance member;

  Execution(ContextTask<T> task, UUID id) {
    this.task = task;
    this.id = id;
  }

  /** For Hazelcast's deserialization only (it reaches a non-public constructor). */
  Execution() {
  }

  /**
   * Written field by field with Hazelcast's serialization rather than as one Java-serialized graph: no
   * class descriptors of these wrappers in every task's payload (the user's task is written as Hazelcast
   * writes any object, so Java serialization for a plain {@code Serializable}).
   */
  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    ContextTask<T> t = Objects.requireNonNull(task);
    UUID i = Objects.requireNonNull(id);
    out.writeLong(i.getMostSignificantBits());
    out.writeLong(i.getLeastSignificantBits());
    out.writeString(t.name());
    writeMap(out, t.mdc());
    writeMap(out, t.context());
    out.writeObject(t.task());
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    id = new UUID(in.readLong(), in.readLong());
    String name = in.readString();
    Map<String, String> mdc = readMap(in);
    Map<String, String> context = readMap(in);
    ClusterTask<T> user = in.readObject();
    task = new ContextTask<>(user, name == null ? "unnamed" : name, mdc, context, null);
  }

  private static void writeMap(ObjectDataOutput out, @Nullable Map<String, String> map) throws IOException {
    if (map == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(map.size());
    for (Map.Entry<String, String> e : map.entrySet()) {
      out.writeString(e.getKey());
      out.writeString(e.getValue());
    }
  }

  private static @Nullable Map<String, String> readMap(ObjectDataInput in) throws IOException {
    int size = in.readInt();
    if (size < 0) {
      return null;
    }
    Map<String, String> map = new HashMap<>(size * 2);
    for (int i = 0; i < size; i++) {
      map.put(in.readString(), in.readString());
    }
    return map;
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
    this.member = hazelcastInstance;
  }

  @Override
  public Answer call() {
    ContextTask<T> task = Objects.requireNonNull(this.task);
    UUID id = Objects.requireNonNull(this.id);
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
