package io.atom.async.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerCompletion;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;

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
 * <p><b>Where tasks run.</b> Each task is submitted with {@link IExecutorService#submit(java.util.concurrent.Callable)}
 * to the Hazelcast executor service named after this manager (configure its pool size and queue through
 * Hazelcast's {@code ExecutorConfig} of that name). Hazelcast sends a task to the owner of a randomly
 * chosen partition (a task that implements {@code PartitionAware}: the owner of its key's partition),
 * so work spreads over the members in proportion to the partitions they own, and the submitting
 * member runs its share itself.
 *
 * <p><b>Cancellation and timeouts.</b> When a worker is cancelled or times out, the remote execution
 * is cancelled with {@code Future.cancel(true)}, which interrupts it on its member if it runs; the
 * worker ends at once, whatever the remote task does. Completion is learned from the Hazelcast
 * future's completion stage, never by a thread blocked in {@code get()}.
 *
 * <p><b>Not yet.</b> A member that leaves while it holds a task does not resubmit that task (its worker
 * ends {@code FAILED} with Hazelcast's exception); see the module's README.
 *
 * <p>This class is thread-safe.
 */
public final class ClusterWorkerManager implements AutoCloseable {

  private final String name;
  private final IExecutorService executor;
  /** Tracks, times out, cancels and counts the workers; its pool runs the completions only. */
  private final AsyncWorkerManager local;
  private final Executor completions;

  private ClusterWorkerManager(Builder builder) {
    this.name = builder.name;
    this.executor = builder.hazelcast.getExecutorService(builder.name);
    this.local = AsyncWorkerManager.builder().name(builder.name).poolSize(builder.completionThreads).build();
    this.completions = local.executor();
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
    Objects.requireNonNull(task, "task");
    checkSerializable(task);
    return local.createDrivenWorker(completion -> submit(task, completion));
  }

  /**
   * Submits {@code task}, named after the operation it performs; see {@link #createWorker(ClusterTask)}
   * and, for names, {@link AsyncWorkerManager#createWorker(String, java.util.concurrent.Callable)}.
   *
   * @param name the operation's name, not blank
   * @param task the task; it and everything it captures must be serializable
   * @param <T> the result type
   * @return the started worker
   * @throws NullPointerException if {@code name} or {@code task} is null
   * @throws IllegalArgumentException if {@code name} is blank, or {@code task} cannot be serialized
   */
  public <T> AsyncWorker<T> createWorker(String name, ClusterTask<T> task) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(task, "task");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank but was '" + name + "'");
    }
    checkSerializable(task);
    return local.createDrivenWorker(name, completion -> submit(task, completion));
  }

  private <T> void submit(ClusterTask<T> task, WorkerCompletion<T> completion) {
    Future<T> future = executor.submit(task);
    completion.onCancel(() -> future.cancel(true)); // runs at once if the worker ended meanwhile
    if (!(future instanceof CompletionStage)) {
      future.cancel(true);
      completion.fail(new IllegalStateException("manager '" + name + "': Hazelcast returned a "
          + future.getClass().getName() + ", which is no CompletionStage; cannot learn of the task's end"));
      return;
    }
    @SuppressWarnings("unchecked")
    CompletionStage<T> stage = (CompletionStage<T>) future;
    // Off Hazelcast's response threads: completing the worker runs its callbacks.
    stage.whenCompleteAsync((value, failure) -> {
      if (failure == null) {
        completion.succeed(value);
      } else {
        completion.fail(unwrap(failure)); // a no-op when a cancel or timeout ended the worker first
      }
    }, completions);
  }

  /** The task's own exception, not the layers a future adds around it. */
  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
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
   * Cancels every unfinished worker of this manager, and so its remote execution.
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
   * Returns this manager's name, which is also the name of the Hazelcast executor service it uses.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Stops accepting workers and cancels every unfinished one (and its remote execution). The
   * Hazelcast instance is left running. Never blocks; idempotent.
   */
  @Override
  public void close() {
    local.close();
  }

  @Override
  public String toString() {
    return "ClusterWorkerManager[" + name + ", " + inFlightCount() + " in flight]";
  }

  /**
   * Builds a {@link ClusterWorkerManager}. Not thread-safe; {@link #build()} copies its values.
   */
  public static final class Builder {
    private final HazelcastInstance hazelcast;
    private String name = "atom-async-cluster";
    private int completionThreads = 2;

    private Builder(HazelcastInstance hazelcast) {
      this.hazelcast = hazelcast;
    }

    /**
     * Names the manager and the Hazelcast executor service its tasks run on. Default
     * {@code "atom-async-cluster"}.
     *
     * @param name the name, not blank
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank but was '" + name + "'");
      }
      this.name = name;
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
     * Builds the manager.
     *
     * @return a new manager
     */
    public ClusterWorkerManager build() {
      return new ClusterWorkerManager(this);
    }
  }
}
