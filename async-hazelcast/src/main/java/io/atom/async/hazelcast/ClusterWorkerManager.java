package io.atom.async.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.RetryPolicy;
import io.atom.async.WorkerObserver;
import io.atom.async.WorkerRecorder;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@link ClusterTask}s on the members of a Hazelcast cluster and returns an {@link AsyncWorker}
 * for each, with the same states, timeouts, cancellation, callbacks and failure aggregation as a
 * local {@link AsyncWorkerManager}.
 *
 * <pre>{@code
 * ClusterWorkerManager cluster = ClusterWorkerManager.builder(hazelcast).name("reports").build();
 * AsyncWorker<Integer> chunk = cluster.createWorker("chunk", () -> renderChunk(7));
 * chunk.setTimeout(Duration.ofMinutes(1));
 * cluster.waitForAll();
 * }</pre>
 *
 * <p><b>Where tasks run.</b> Each task is sent with {@link IExecutorService#submitToMember} to a member
 * chosen at random among the cluster's current members, this one included with no preference, on the
 * Hazelcast executor service named after this manager (configure its pool size and queue through
 * Hazelcast's {@code ExecutorConfig} of that name). A task that implements Hazelcast's
 * {@code PartitionAware} goes to the owner of its key's partition instead (looked up again when it is
 * resubmitted; a member at random if the owner is the member just lost or not known yet).
 *
 * <p><b>A member that leaves: at least once.</b> When the member holding a task (running it, or
 * with it in its executor's queue) leaves the cluster before answering, the task is submitted again, to
 * another member, up to {@link Builder#maxResubmissions} times per worker (default 3); the worker stays
 * {@code RUNNING} meanwhile and the resubmission is counted ({@link #resubmittedCount()}, the metric
 * {@code atom.async.cluster.resubmitted}). The member may have run the task, or part of it, before it
 * left: <b>a task may run more than once, so tasks must be idempotent.</b> A task is never resubmitted
 * for its own exception, only for the loss of the member holding it.
 *
 * <p><b>Context.</b> The submitting thread's SLF4J MDC (which carries the trace and span ids when
 * Micrometer Tracing is in use) travels with the task and is set around it on the executing member,
 * then restored. A task that implements {@code HazelcastInstanceAware} gets the executing member's
 * instance, and the member's {@code ManagedContext} (Spring's, for a task annotated
 * {@code @SpringAware}) initializes it there, as if it had been submitted bare. More context (a trace)
 * travels through a {@link ClusterTaskContext} ({@link Builder#taskContext}).
 *
 * <p><b>Cancellation and timeouts.</b> When a worker is cancelled or times out it ends at once, and a
 * cancel is sent, fire and forget, to the member holding its task (on the executor service
 * {@code <executor>-cancel}): the task does not start there, or its thread is interrupted. Neither
 * {@code cancel()} nor a timeout waits for the member. Completion is learned from the Hazelcast future's
 * completion stage, never by a thread blocked in {@code get()}.
 *
 * <p><b>Results.</b> A result or exception that cannot be serialized on the member or deserialized here
 * ends the worker {@code FAILED} with an {@link IllegalStateException} that says so and names the task's
 * class, its cause Hazelcast's exception.
 *
 * <p><b>Scopes.</b> {@link #newScope()} returns a manager on the same cluster and executor whose
 * {@code waitForAll}, {@code cancelAll} and {@code close} reach only the work created through it.
 *
 * <p>This class is thread-safe.
 */
public final class ClusterWorkerManager implements AutoCloseable {

  /** What a manager and its scopes share. */
  static final class Shared {
    final String name;
    final HazelcastInstance hazelcast;
    final IExecutorService executor;
    /** Where cancels go: its own executor service, so that they do not queue behind the tasks. */
    final IExecutorService cancels;
    final Executor completions;
    final int maxResubmissions;
    final LongAdder resubmitted = new LongAdder();
    final @Nullable ClusterTaskContext taskContext;

    Shared(String name, HazelcastInstance hazelcast, String executorName, Executor completions,
        int maxResubmissions, @Nullable ClusterTaskContext taskContext) {
      this.taskContext = taskContext;
      this.executor = hazelcast.getExecutorService(executorName);
      this.cancels = hazelcast.getExecutorService(executorName + "-cancel");
      this.name = name;
      this.hazelcast = hazelcast;
      this.completions = completions;
      this.maxResubmissions = maxResubmissions;
    }
  }

  private final Shared shared;
  /** Tracks, times out, cancels and counts the workers; its pool runs the completions only. */
  private final AsyncWorkerManager local;
  private final boolean root;

  private ClusterWorkerManager(Shared shared, AsyncWorkerManager local, boolean root) {
    this.shared = shared;
    this.local = local;
    this.root = root;
  }

  private static ClusterWorkerManager build(Builder builder) {
    AsyncWorkerManager.Builder local = AsyncWorkerManager.builder().name(builder.name)
        .poolSize(builder.completionThreads);
    if (builder.recorder != null) {
      local.recorder(builder.recorder);
    }
    if (builder.observer != null) {
      local.observer(builder.observer);
    }
    if (builder.defaultTimeout != null) {
      local.defaultTimeout(builder.defaultTimeout);
    }
    if (builder.contextPropagation != null) {
      local.contextPropagation(builder.contextPropagation);
    }
    AsyncWorkerManager manager = local.build();
    String executorName = builder.executorName != null ? builder.executorName : builder.name;
    Executor pool = manager.executor();
    // After close, an answer still arriving completes a worker that has already ended (a no-op): on
    // Hazelcast's thread, rather than a rejection that Hazelcast would log.
    Executor completions = command -> {
      try {
        pool.execute(command);
      } catch (RejectedExecutionException closed) {
        command.run();
      }
    };
    Shared shared = new Shared(builder.name, builder.hazelcast, executorName, completions, builder.maxResubmissions,
        builder.taskContext);
    if (builder.taskContext != null) {
      // Where this member's executor finds it when it runs a task (its own or another member's).
      builder.hazelcast.getUserContext().put(ContextTask.CONTEXT_KEY, builder.taskContext);
    }
    return new ClusterWorkerManager(shared, manager, true);
  }

  /**
   * Starts building a manager on {@code hazelcast}. The manager never shuts the instance down.
   *
   * @param hazelcast a running member (or client) of the cluster
   * @return a new builder
   * @throws NullPointerException if {@code hazelcast} is null
   */
  public static Builder builder(HazelcastInstance hazelcast) {
    return new Builder(Objects.requireNonNull(hazelcast, "hazelcast"));
  }

  /**
   * Submits {@code task} to a member of the cluster and returns its worker, which is
   * {@code RUNNING} from the moment it is submitted.
   *
   * @param task the task; it and everything it captures must be serializable
   * @param <T> the result type
   * @return the started worker (or one already ended {@code FAILED} if the submission failed or this
   *     manager is closed)
   * @throws NullPointerException if {@code task} is null
   * @throws IllegalArgumentException if {@code task} cannot be serialized; nothing is submitted
   */
  public <T> AsyncWorker<T> createWorker(ClusterTask<T> task) {
    ContextTask<T> sent = prepare(task, "unnamed");
    return local.createDrivenWorker(completion -> Submission.start(shared, sent, completion));
  }

  /**
   * Submits {@code task}, named after the operation it performs; see {@link #createWorker(ClusterTask)}
   * and, for names, {@link AsyncWorkerManager#createWorker(String, java.util.concurrent.Callable)}.
   *
   * @param name the operation's name, not blank
   * @param task the task; it and everything it captures must be serializable
   * @param <T> the result type
   * @return the started worker (or one already ended {@code FAILED} if the submission failed or this
   *     manager is closed)
   * @throws NullPointerException if {@code name} or {@code task} is null
   * @throws IllegalArgumentException if {@code name} is blank, or {@code task} cannot be serialized
   */
  public <T> AsyncWorker<T> createWorker(String name, ClusterTask<T> task) {
    checkName(name);
    ContextTask<T> sent = prepare(task, name);
    return local.createDrivenWorker(name, completion -> Submission.start(shared, sent, completion));
  }

  /**
   * Runs {@code task} on the cluster, retrying it as {@code policy} says: each attempt is submitted to
   * a member (resubmitted within the attempt if its member leaves), and the operation is one worker of
   * this manager, as for {@link AsyncWorkerManager#retry(java.util.concurrent.Callable, RetryPolicy)}.
   * Cancelling it, its timeout, or an attempt timeout cancels the running attempt where it runs.
   *
   * @param task the operation; it and everything it captures must be serializable
   * @param policy how to retry
   * @param <T> the result type
   * @return the operation's worker
   * @throws NullPointerException if {@code task} or {@code policy} is null
   * @throws IllegalArgumentException if {@code task} cannot be serialized; nothing is submitted
   */
  public <T> AsyncWorker<T> retry(ClusterTask<T> task, RetryPolicy<T> policy) {
    ContextTask<T> sent = prepare(task, "unnamed");
    Objects.requireNonNull(policy, "policy");
    return local.retryDriven(completion -> Submission.start(shared, sent, completion), policy);
  }

  /**
   * Runs {@code task}, named after the operation it performs, on the cluster with retries; see
   * {@link #retry(ClusterTask, RetryPolicy)}.
   *
   * @param name the operation's name, not blank
   * @param task the operation; it and everything it captures must be serializable
   * @param policy how to retry
   * @param <T> the result type
   * @return the operation's worker
   * @throws NullPointerException if {@code name}, {@code task} or {@code policy} is null
   * @throws IllegalArgumentException if {@code name} is blank, or {@code task} cannot be serialized
   */
  public <T> AsyncWorker<T> retry(String name, ClusterTask<T> task, RetryPolicy<T> policy) {
    checkName(name);
    ContextTask<T> sent = prepare(task, name);
    Objects.requireNonNull(policy, "policy");
    return local.retryDriven(name, completion -> Submission.start(shared, sent, completion), policy);
  }

  /**
   * Returns a scope: a manager on the same cluster, executor service and resubmission count whose
   * {@code waitForAll}, {@code cancelAll}, {@code allDone}, {@code inFlightCount} and {@code close}
   * reach only the work created through it (and its own scopes). This manager's {@code waitForAll}
   * and {@code cancelAll} still reach the scope's work. Closing the scope cancels its unfinished work;
   * closing this manager closes its scopes.
   *
   * @return a new scope
   * @throws IllegalStateException if this manager is closed
   */
  public ClusterWorkerManager newScope() {
    return new ClusterWorkerManager(shared, local.newScope(), false);
  }

  private static void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank but was '" + name + "'");
    }
  }

  /** Refuses a task that cannot travel, and wraps it with the caller's context. */
  private <T> ContextTask<T> prepare(ClusterTask<T> task, String workerName) {
    Objects.requireNonNull(task, "task");
    checkSerializable(task);
    return ContextTask.capture(task, workerName, shared.taskContext);
  }

  /** Serializes {@code task} once, as Java serialization would on submission, to refuse it here. */
  static void checkSerializable(ClusterTask<?> task) {
    try (ObjectOutputStream out = new ObjectOutputStream(OutputStream.nullOutputStream())) {
      out.writeObject(task);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("task of " + task.getClass().getName()
          + " is not serializable, so it cannot run on another member: " + e, e);
    }
  }

  /**
   * Waits until every worker of this manager has ended; see {@link AsyncWorkerManager#waitForAll()}.
   *
   * @throws io.atom.async.WorkersFailedException after all are done, if any failed or timed out
   * @throws io.atom.async.AsyncInterruptedException if the calling thread is interrupted
   */
  public void waitForAll() {
    local.waitForAll();
  }

  /**
   * Waits at most {@code timeout} for every worker of this manager to end; see
   * {@link AsyncWorkerManager#waitForAll(Duration)}.
   *
   * @param timeout how long to wait, not negative
   * @return whether all ended in time
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws io.atom.async.WorkersFailedException if all ended in time and any failed or timed out
   * @throws io.atom.async.AsyncInterruptedException if the calling thread is interrupted
   */
  public boolean waitForAll(Duration timeout) {
    return local.waitForAll(timeout);
  }

  /**
   * Cancels every unfinished worker of this manager, and so its remote execution; never waits for the
   * members.
   *
   * @return how many workers this call cancelled
   */
  public int cancelAll() {
    return local.cancelAll();
  }

  /**
   * Tells whether every worker of this manager has ended.
   *
   * @return {@code true} if none is in flight
   */
  public boolean allDone() {
    return local.allDone();
  }

  /**
   * Returns how many workers of this manager have not ended.
   *
   * @return the number of workers in flight
   */
  public int inFlightCount() {
    return local.inFlightCount();
  }

  /**
   * Returns how many times a task of this manager (or of any of its scopes, or of the manager whose
   * scope this is) was submitted again because the member holding it left the cluster.
   *
   * @return the resubmissions so far
   */
  public long resubmittedCount() {
    return shared.resubmitted.sum();
  }

  /**
   * Returns this manager's name: the {@code manager} tag of its metrics, and by default the name of the
   * Hazelcast executor service its tasks run on. A scope has its manager's name.
   *
   * @return the name
   */
  public String name() {
    return shared.name;
  }

  /**
   * Returns the local manager that tracks this manager's workers (their pool completes them and runs
   * their callbacks): for metrics and operations ({@code inFlightWorkers}, {@code stuckCount}). Creating
   * work on it runs that work locally, not on the cluster.
   *
   * @return the tracking manager
   */
  public AsyncWorkerManager localManager() {
    return local;
  }

  /**
   * Tells whether {@link #close()} has been called on this manager (or, for a scope, on it or its
   * manager).
   *
   * @return {@code true} once closed
   */
  public boolean isClosed() {
    return local.isShutdown();
  }

  /**
   * Stops accepting workers and cancels every unfinished one (and its remote execution); a scope closes
   * only itself and its own scopes. A manager also withdraws its {@link ClusterTaskContext} from this
   * member, if it is still the one registered. The Hazelcast instance is left running. Never blocks;
   * idempotent.
   */
  @Override
  public void close() {
    local.close();
    if (root && shared.taskContext != null && shared.hazelcast.getLifecycleService().isRunning()) {
      try {
        shared.hazelcast.getUserContext().remove(ContextTask.CONTEXT_KEY, shared.taskContext); // only if still ours
      } catch (HazelcastInstanceNotActiveException stoppedMeanwhile) {
        // Nothing to withdraw from a member that has stopped.
      }
    }
  }

  @Override
  public String toString() {
    return "ClusterWorkerManager[" + shared.name + (root ? "" : " scope") + ", " + inFlightCount() + " in flight]";
  }

  /**
   * Builds a {@link ClusterWorkerManager}. Not thread-safe; {@link #build()} copies its values.
   */
  public static final class Builder {
    private final HazelcastInstance hazelcast;
    private String name = "atom-async-cluster";
    private @Nullable String executorName;
    private int completionThreads = 2;
    private int maxResubmissions = 3;
    private @Nullable WorkerRecorder recorder;
    private @Nullable WorkerObserver observer;
    private @Nullable Duration defaultTimeout;
    private @Nullable ClusterTaskContext taskContext;
    private @Nullable UnaryOperator<Runnable> contextPropagation;

    private Builder(HazelcastInstance hazelcast) {
      this.hazelcast = hazelcast;
    }

    /**
     * Names the manager (the {@code manager} tag of its metrics, its log lines and messages) and, unless
     * {@link #executorName} says otherwise, the Hazelcast executor service its tasks run on. Default
     * {@code "atom-async-cluster"}.
     *
     * @param name the name, not blank
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public Builder name(String name) {
      checkName(name);
      this.name = name;
      return this;
    }

    /**
     * Sets the name of the Hazelcast executor service the tasks run on (configure its pool size and
     * queue through Hazelcast's {@code ExecutorConfig} of that name). Default: the manager's name.
     *
     * @param executorName the executor service's name, not blank
     * @return this builder
     * @throws NullPointerException if {@code executorName} is null
     * @throws IllegalArgumentException if {@code executorName} is blank
     */
    public Builder executorName(String executorName) {
      Objects.requireNonNull(executorName, "executorName");
      if (executorName.isBlank()) {
        throw new IllegalArgumentException("executorName must not be blank but was '" + executorName + "'");
      }
      this.executorName = executorName;
      return this;
    }

    /**
     * Sets how many local threads complete the workers (and so run their callbacks) when their remote
     * tasks end. Default 2.
     *
     * @param threads at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code threads} is below 1
     */
    public Builder completionThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("completionThreads must be >= 1 but was " + threads);
      }
      this.completionThreads = threads;
      return this;
    }

    /**
     * Sets how many times, at most, one worker's task (or one attempt of a retried operation) is
     * submitted again after the member holding it left; past that the worker ends {@code FAILED} with
     * Hazelcast's exception. Default 3; 0 turns resubmission off.
     *
     * @param maxResubmissions at least 0
     * @return this builder
     * @throws IllegalArgumentException if {@code maxResubmissions} is negative
     */
    public Builder maxResubmissions(int maxResubmissions) {
      if (maxResubmissions < 0) {
        throw new IllegalArgumentException("maxResubmissions must be >= 0 but was " + maxResubmissions);
      }
      this.maxResubmissions = maxResubmissions;
      return this;
    }

    /**
     * Records the workers' queue waits, durations, outcomes and retries, as
     * {@link AsyncWorkerManager.Builder#recorder} does for a local manager. A worker's run is its time on
     * the cluster, from submission to answer.
     *
     * @param recorder the recorder
     * @return this builder
     * @throws NullPointerException if {@code recorder} is null
     */
    public Builder recorder(WorkerRecorder recorder) {
      this.recorder = Objects.requireNonNull(recorder, "recorder");
      return this;
    }

    /**
     * Observes each worker (for traces), as {@link AsyncWorkerManager.Builder#observer} does for a local
     * manager.
     *
     * @param observer the observer
     * @return this builder
     * @throws NullPointerException if {@code observer} is null
     */
    public Builder observer(WorkerObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /**
     * Sets the timeout every worker gets unless it sets its own; on expiry the worker ends
     * {@code TIMED_OUT} and its remote execution is cancelled. Default: none.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public Builder defaultTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("defaultTimeout must be positive but was " + timeout);
      }
      this.defaultTimeout = timeout;
      return this;
    }

    /**
     * Runs the workers' callbacks inside the submitting thread's context, captured at
     * {@code createWorker}, as {@link AsyncWorkerManager.Builder#contextPropagation} does for a local
     * manager's (the completion threads run them). The task itself gets the submitter's MDC on its
     * member regardless; see {@link #taskContext} for more. Default: none.
     *
     * @param capture captures the current context around a callback
     * @return this builder
     * @throws NullPointerException if {@code capture} is null
     */
    public Builder contextPropagation(UnaryOperator<Runnable> capture) {
      this.contextPropagation = Objects.requireNonNull(capture, "capture");
      return this;
    }

    /**
     * Carries context beyond the MDC from the submitting thread to the task's member (a trace context,
     * say): {@code taskContext} captures it here and, registered in this member's
     * {@code HazelcastInstance} user context by {@link #build()}, restores it around every task this
     * member runs. Give every member's manager the same kind of context. Default: none (the MDC travels
     * regardless).
     *
     * @param taskContext the context
     * @return this builder
     * @throws NullPointerException if {@code taskContext} is null
     */
    public Builder taskContext(ClusterTaskContext taskContext) {
      this.taskContext = Objects.requireNonNull(taskContext, "taskContext");
      return this;
    }

    /**
     * Builds the manager.
     *
     * @return a new manager
     */
    public ClusterWorkerManager build() {
      return ClusterWorkerManager.build(this);
    }
  }
}
