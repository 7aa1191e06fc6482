package io.atom.async.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A member's record of the cluster tasks it runs now and of those cancelled before they ran, kept in its
 * instance's user context. It exists because Hazelcast's own cancel of an executor task cannot be used:
 * it blocks the cancelling thread for a network round trip, and a cancel that reaches the member before
 * the task is forgotten, so the task runs anyway.
 *
 * <p><b>Cancel against start.</b> A task registers its thread ({@link #begin}) and then looks for a
 * cancel mark; a cancel ({@link #cancel}) sets the mark and then looks for a registered thread. Both are
 * concurrent-map operations, so at least one sees the other: the task does not start, or it is
 * interrupted. A {@link Running} interrupts its thread only until the task has finished ({@link #end}),
 * under its lock, and {@code end} clears an interrupt delivered just before, so the executor's thread
 * goes back to its pool clean.
 *
 * <p>Marks of cancels are forgotten after {@value #FORGET_MINUTES} minutes (a cancel sent for a task
 * whose member never receives it, say). Thread-safe.
 */
final class Executions {
  static final String KEY = Executions.class.getName();
  static final long FORGET_MINUTES = 10;
  private static final long FORGET_NANOS = TimeUnit.MINUTES.toNanos(FORGET_MINUTES);
  /** Past this many marks, a cancel sweeps the old ones. */
  private static final int SWEEP_ABOVE = 1024;

  private final ConcurrentHashMap<UUID, Running> running = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<UUID, Long> cancelled = new ConcurrentHashMap<>();

  /** This member's record, created on first use. */
  static Executions of(HazelcastInstance member) {
    return (Executions) member.getUserContext().computeIfAbsent(KEY, key -> new Executions());
  }

  /**
   * Registers the calling thread as running task {@code id}.
   *
   * @return the registration, or null if the task was cancelled before it started (then it must not run)
   */
  @Nullable Running begin(UUID id) {
    Running r = new Running(Thread.currentThread());
    running.put(id, r);
    if (cancelled.remove(id) != null) {
      running.remove(id, r);
      return null;
    }
    return r;
  }

  /** Task {@code id} has finished on the thread that began it. */
  void end(UUID id, Running r) {
    running.remove(id, r);
    r.finish();
  }

  /** Cancels task {@code id}: it will not start here, or its thread is interrupted if it runs. */
  void cancel(UUID id) {
    long now = System.nanoTime();
    cancelled.put(id, now);
    Running r = running.get(id);
    if (r != null) {
      cancelled.remove(id); // it started: the interrupt below is the cancel
      r.interrupt();
    }
    if (cancelled.size() > SWEEP_ABOVE) {
      cancelled.values().removeIf(at -> now - at > FORGET_NANOS);
    }
  }

  /** How many cancel marks wait for their task (for tests). */
  int pendingMarks() {
    return cancelled.size();
  }

  /** A task running on a thread of this member. */
  static final class Running {
    private final Thread thread;
    private boolean done;

    Running(Thread thread) {
      this.thread = thread;
    }

    synchronized void interrupt() {
      if (!done) {
        thread.interrupt();
      }
    }

    /** Called by the running thread itself. */
    void finish() {
      synchronized (this) {
        done = true;
      }
      Thread.interrupted(); // an interrupt delivered before done was set must not reach the next task
    }
  }
}
