package io.atom.async.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * What a member answers for a task: its result or its exception, written with Hazelcast's serialization.
 * It exists because of how Hazelcast 5.5 reads an answer back: the future's dependent actions
 * deserialize the value on the response thread, and when that throws the exception is only logged and
 * no action runs, so a worker would never end. Reading the payload inside {@link #readData} lets this
 * class catch that failure and carry it to the worker instead.
 *
 * <p>Not thread-safe; each answer is written once and read once.
 */
final class Answer implements DataSerializable {
  private @Nullable Object value;
  private boolean failed;
  /** Why the payload could not be read back here; null if it was. */
  private transient @Nullable Throwable unreadable;

  /** For Hazelcast's deserialization only (it reaches a non-public constructor). */
  Answer() {
  }

  private Answer(@Nullable Object value, boolean failed) {
    this.value = value;
    this.failed = failed;
  }

  static Answer of(@Nullable Object result) {
    return new Answer(result, false);
  }

  static Answer failure(Throwable thrown) {
    return new Answer(thrown, true);
  }

  @Nullable Object value() {
    return value;
  }

  boolean failed() {
    return failed;
  }

  @Nullable Throwable unreadable() {
    return unreadable;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeBoolean(failed);
    out.writeObject(value);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    failed = in.readBoolean();
    try {
      value = in.readObject(); // the payload is last: a failure here leaves nothing else unread
    } catch (RuntimeException | IOException | LinkageError e) {
      unreadable = e;
      value = null;
    }
  }

  @Override
  public String toString() {
    return "Answer[" + (unreadable != null ? "unreadable" : failed ? "failed" : "value") + "]";
  }
}
