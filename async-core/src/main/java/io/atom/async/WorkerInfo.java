package io.atom.async;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one in-flight worker, for operators: what {@link AsyncWorkerManager#inFlightWorkers(int)}
 * lists and {@link AsyncWorkerManager#inFlightWorker(long)} describes (the Spring Boot starter's
 * {@code asyncworkers} actuator endpoint shows these).
 *
 * <p><b>Times.</b> The core reads no clock per task for this: {@link #startedAt()} is derived from the
 * worker's start on the monotonic clock when the snapshot is taken, so it may be off by a wall-clock
 * adjustment made since. All three are exact when the manager records metrics (a
 * {@link AsyncWorkerManager.Builder#recorder recorder} or
 * {@link AsyncWorkerManager.Builder#recordStats() recordStats()}, as the starter's manager does when
 * the application has a {@code MeterRegistry}). A manager that records nothing reads no clock for a
 * task that has no timeout, neither when it starts nor when it begins to run (each read costs about
 * as much as a whole {@code FutureTask}): the first listing or watchdog pass that sees the worker
 * notes its start then, and the first that sees it running notes that. So {@code startedAt} is then
 * no earlier than the first listing that saw the worker (a worker whose timeout was armed at its
 * start, set before startAsync or the manager's default, is timed from then), {@code runningFor} a lower bound, and a worker first seen waiting shows {@code queuedFor}
 * from that look; between two listings, the later one's times are short by at most the interval.
 * The listing's order (oldest first) is by those times too.
 *
 * <p>A retried operation is one worker: {@code runningFor} counts from its first attempt, and
 * {@link #thread()}, {@link #stuck()} and {@link #stackTrace()} are those of its current attempt (an
 * attempt's own start is never recorded, so it is always timed from the first look).
 *
 * <p>This class is immutable and thread-safe.
 */
public final class WorkerInfo {

  private final long id;
  private final String manager;
  private final String name;
  private final WorkerState state;
  private final long scope;
  private final Instant startedAt;
  private final Duration queuedFor;
  private final Duration runningFor;
  private final @Nullable String thread;
  private final int attempt;
  private final int maxAttempts;
  private final boolean stuck;
  private final List<StackTraceElement> stackTrace;

  private WorkerInfo(long id, String manager, String name, WorkerState state, long scope, Instant startedAt,
      Duration queuedFor, Duration runningFor, @Nullable String thread, int attempt, int maxAttempts, boolean stuck,
      List<StackTraceElement> stackTrace) {
    this.id = id;
    this.manager = manager;
    this.name = name;
    this.state = state;
    this.scope = scope;
    this.startedAt = startedAt;
    this.queuedFor = queuedFor;
    this.runningFor = runningFor;
    this.thread = thread;
    this.attempt = attempt;
    this.maxAttempts = maxAttempts;
    this.stuck = stuck;
    this.stackTrace = stackTrace;
  }

  /**
   * Takes the snapshot of {@code w} at {@code nowNanos} (System.nanoTime) / {@code nowMillis} (wall
   * clock), or returns null if it is no longer in flight.
   *
   * @param stuckNanos the manager's stuck threshold, 0 for none
   * @param withStackTrace capture the stack of the thread running the task (a safepoint: not for lists)
   */
  static @Nullable WorkerInfo of(AsyncWorker<?> w, long nowNanos, long nowMillis, long stuckNanos,
      boolean withStackTrace) {
    int s = w.internalState();
    if (s != AsyncWorker.SCHEDULED && s != AsyncWorker.CLAIMED && s != AsyncWorker.RUNNING) {
      return null;
    }
    long start = w.startNanos(nowNanos); // written before SCHEDULED, which we have read; or stamped now
    long queued;
    long running;
    if (s == AsyncWorker.RUNNING) {
      long ran = w.ranNanos(nowNanos);
      queued = Math.max(0L, ran - start);
      running = Math.max(0L, nowNanos - ran);
    } else {
      queued = Math.max(0L, nowNanos - start); // CLAIMED: refused or being completed, never ran
      running = 0L;
    }
    Thread t = w.runningThread();
    long onThread = w.threadRunNanos(nowNanos);
    List<StackTraceElement> stack = List.of();
    if (withStackTrace && t != null) {
      StackTraceElement[] frames = t.getStackTrace();
      if (w.runningThread() == t) { // still this task's thread: the stack is the task's, not the next one's
        stack = List.of(frames);
      }
    }
    RetryRun<?> retry = w.retryRun();
    AsyncWorkerManager m = w.manager();
    return new WorkerInfo(w.id(), m != null ? m.name() : "worker", w.name(), WorkerState.of(s),
        m != null ? m.scopeId() : 0L, Instant.ofEpochMilli(nowMillis - (nowNanos - start) / 1_000_000L),
        Duration.ofNanos(queued), Duration.ofNanos(running), t != null ? t.getName() : null,
        retry != null ? retry.attempt() : 0, retry != null ? retry.maxAttempts() : 0,
        stuckNanos > 0 && onThread > stuckNanos, stack);
  }

  /**
   * Returns the worker's {@linkplain AsyncWorker#id() id}.
   *
   * @return the id
   */
  public long id() {
    return id;
  }

  /**
   * Returns the name of the worker's manager.
   *
   * @return the manager's name
   */
  public String manager() {
    return manager;
  }

  /**
   * Returns the worker's {@linkplain AsyncWorker#name() name}.
   *
   * @return the name, {@value WorkerRecorder#UNNAMED} for unnamed work
   */
  public String name() {
    return name;
  }

  /**
   * Returns the worker's state when the snapshot was taken.
   *
   * @return {@link WorkerState#SCHEDULED} or {@link WorkerState#RUNNING}
   */
  public WorkerState state() {
    return state;
  }

  /**
   * Returns the id of the {@linkplain AsyncWorkerManager#newScope() scope} the worker was created in.
   * Scope ids are unique in the JVM, assigned the first time a listing shows a scope's worker.
   *
   * @return the scope's id, or 0 if the worker belongs to the manager itself
   */
  public long scope() {
    return scope;
  }

  /**
   * Returns when the worker was started ({@code startAsync}), on the wall clock, to the millisecond;
   * derived when the snapshot was taken (see the class comment).
   *
   * @return the start
   */
  public Instant startedAt() {
    return startedAt;
  }

  /**
   * Returns how long the worker waited for a thread: until it began to run, or until the snapshot if it
   * is still waiting. An upper bound when the manager records nothing (see the class comment).
   *
   * @return the wait, zero or more
   */
  public Duration queuedFor() {
    return queuedFor;
  }

  /**
   * Returns how long the worker has been running (a retried operation: since its first attempt began);
   * zero while it waits. A lower bound when the manager records nothing (see the class comment).
   *
   * @return the run time so far, zero or more
   */
  public Duration runningFor() {
    return runningFor;
  }

  /**
   * Returns the name of the thread running the worker's task (a retried operation's current attempt's).
   *
   * @return the thread's name, or null while no thread runs it (queued, or between retry attempts)
   */
  public @Nullable String thread() {
    return thread;
  }

  /**
   * Returns the number of the current attempt of a retried operation.
   *
   * @return the attempt, from 1 (0 before its first attempt, and for a worker that is not retried)
   */
  public int attempt() {
    return attempt;
  }

  /**
   * Returns the most attempts the policy of a retried operation allows.
   *
   * @return the maximum, or 0 for a worker that is not retried
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * Tells whether the worker's task has held its thread longer than the manager's
   * {@linkplain AsyncWorkerManager.Builder#stuckThreshold(Duration) stuck threshold}.
   *
   * @return {@code true} if it is stuck; always {@code false} without a threshold
   */
  public boolean stuck() {
    return stuck;
  }

  /**
   * Returns the stack of the thread running the task when the snapshot was taken, innermost frame
   * first. Only {@link AsyncWorkerManager#inFlightWorker(long)} captures it; listings do not.
   *
   * @return the frames, empty if not captured or no thread runs the task
   */
  public List<StackTraceElement> stackTrace() {
    return stackTrace;
  }

  @Override
  public String toString() {
    return "WorkerInfo[id=" + id + ", manager=" + manager + ", name=" + name + ", state=" + state
        + (scope != 0 ? ", scope=" + scope : "") + ", startedAt=" + startedAt + ", queuedFor=" + queuedFor
        + ", runningFor=" + runningFor + (thread != null ? ", thread=" + thread : "")
        + (maxAttempts > 0 ? ", attempt=" + attempt + "/" + maxAttempts : "") + (stuck ? ", stuck" : "") + "]";
  }
}
