package io.atom.async;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Creates {@link AsyncWorker}s on one pool and waits for, cancels and counts them: the Java form of
 * the {@code AsyncWorkerManager} of {@code async.hpp}.
 *
 * <pre>{@code
 * try (AsyncWorkerManager manager = new AsyncWorkerManager(4)) {
 *   AsyncWorker<Integer> square = manager.createWorker(x -> x * x, 5);
 *   manager.waitForAll();               // throws one WorkersFailedException carrying every failure
 *   int result = square.getResult();    // 25
 * }
 * }</pre>
 *
 * <p><b>Scopes.</b> {@link #newScope()} returns a manager that shares this manager's pool but tracks
 * only its own workers, so one request's {@link #waitForAll()} never waits for another request's
 * work; closing the scope cancels what it left unfinished, and the cancelled tasks leave a bounded
 * {@link ThreadPoolExecutor} queue at once, so a closed scope never holds queue slots that live work
 * needs. A manager's {@code waitForAll}, {@code allDone}, {@code cancelAll} and {@code inFlightCount}
 * include the workers of its open scopes.
 *
 * <p><b>Memory.</b> A manager tracks in-flight workers only: a worker lets go of its tracking as it
 * ends, so a long-lived manager holds no finished worker, result or task (callers keep their own
 * references); the few bytes of a finished worker's tracking node are reclaimed as new work arrives
 * (at most about twice the peak of workers in flight, plus 64 per list of a stripe).
 * Failures are kept for the next {@code waitForAll}, at most {@value #MAX_REPORTED_FAILURES} of them
 * plus a count of the rest.
 *
 * <p><b>Rejection.</b> A worker the pool rejects, or created after {@link #shutdown()} or
 * {@link #close()}, is returned ended {@link WorkerState#FAILED} with a
 * {@link RejectedExecutionException} naming the manager and the reason; {@code createWorker} itself
 * does not throw it, and {@code waitForAll} reports it with the other failures.
 *
 * <p><b>Operations.</b> {@link #inFlightWorkers(int)} lists the work in flight (oldest first, with
 * its state, times, thread and retry attempt), {@link #findWorker(long)} finds a worker by its
 * {@linkplain AsyncWorker#id() id}, and a {@linkplain Builder#stuckThreshold(Duration) stuck
 * threshold} makes a watchdog log, once each, the tasks that hold their thread longer, with the
 * thread's stack. These walk the tracked workers when asked, weakly consistently: the task path
 * takes no lock and updates nothing for them.
 *
 * <p>This class is thread-safe.
 */
public final class AsyncWorkerManager implements AutoCloseable {

  /** How many failures a manager keeps for its next {@link #waitForAll()}; the rest are counted. */
  public static final int MAX_REPORTED_FAILURES = 1000;

  /** How many distinct work names a manager records separately unless {@link Builder#maxNames} says. */
  public static final int DEFAULT_MAX_NAMES = 100;

  private static final AtomicInteger MANAGERS = new AtomicInteger();
  /** Scope ids, taken the first time a listing shows a scope (never when the scope is opened). */
  private static final AtomicLong SCOPE_IDS = new AtomicLong();
  private static final java.lang.invoke.VarHandle SCOPE_ID;

  static {
    try {
      SCOPE_ID = java.lang.invoke.MethodHandles.lookup().findVarHandle(AsyncWorkerManager.class, "scopeId", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String name;
  private final Executor executor;
  final ScheduledExecutorService scheduler;
  final long defaultTimeoutNanos;
  /** The counters of recordStats(), also the recorder; null with another recorder or none. */
  private final @Nullable WorkerStats stats;
  /** Each name's tag and recorder, shared with the scopes; null when the manager records and observes nothing. */
  private final @Nullable Names names;
  final @Nullable UnaryOperator<Runnable> contextPropagation;
  final @Nullable WorkerObserver observer;
  private final @Nullable RetryPolicy<Object> defaultRetryPolicy;
  private final @Nullable ExecutorService ownedPool;
  private final @Nullable AsyncWorkerManager parent;
  /** The stuck threshold in nanoseconds, 0 for none (shared with the scopes). */
  final long stuckThresholdNanos;
  /** The watchdog of a root manager with a stuck threshold; null otherwise. */
  private final @Nullable StuckWorkerWatchdog watchdog;
  /** A scope's id, 0 until first asked for. */
  private volatile long scopeId;

  // Per manager or scope, never global, and striped by submitting thread in a root manager: a task
  // pushes one node and its end clears one field, with no lock and no line shared by every task.
  private final WorkerTracker workers;
  private final Set<AsyncWorkerManager> scopes = ConcurrentHashMap.newKeySet();
  private final FailureLog failures = new FailureLog();
  private volatile boolean closed;

  /**
   * Creates a manager that owns a pool of daemon threads, one per CPU and at least two. Close it (or
   * {@link #shutdown()} it) when done; idle threads also exit on their own after a few seconds.
   */
  public AsyncWorkerManager() {
    this(builder());
  }

  /**
   * Creates a manager that owns a pool of {@code poolSize} daemon threads with an unbounded queue.
   *
   * @param poolSize the number of threads
   * @throws IllegalArgumentException if {@code poolSize < 1}
   */
  public AsyncWorkerManager(int poolSize) {
    this(builder().poolSize(poolSize));
  }

  private AsyncWorkerManager(Builder b) {
    this.name = b.name != null ? b.name : "atom-async-" + MANAGERS.incrementAndGet();
    if (b.executor != null) {
      this.executor = b.executor;
      this.ownedPool = null;
    } else {
      ThreadPoolExecutor pool = Defaults.newPool(name, b.poolSize > 0 ? b.poolSize : Defaults.cpuPoolSize());
      this.executor = pool;
      this.ownedPool = pool;
    }
    this.scheduler = b.scheduler != null ? b.scheduler : Defaults.scheduler();
    this.defaultTimeoutNanos = b.defaultTimeoutNanos;
    this.stats = b.recordStats ? new WorkerStats(this) : null;
    WorkerRecorder recorder = stats == null ? b.recorder
        : b.recorder == null ? stats.recorder() : new Tee(stats.recorder(), b.recorder);
    this.names = recorder != null || b.observer != null ? new Names(recorder, b.maxNames, name) : null;
    this.contextPropagation = b.contextPropagation;
    this.observer = b.observer;
    this.defaultRetryPolicy = b.defaultRetryPolicy; // null: RetryPolicy.ofDefaults(), built on first use
    this.workers = new WorkerTracker(WorkerTracker.stripesForCpus(Runtime.getRuntime().availableProcessors()));
    this.parent = null;
    this.stuckThresholdNanos = b.stuckThresholdNanos;
    // Last: every field is set before the scheduler's thread can see this manager.
    this.watchdog = b.stuckThresholdNanos > 0 ? StuckWorkerWatchdog.start(this, b.stuckThresholdNanos, scheduler) : null;
  }

  private AsyncWorkerManager(AsyncWorkerManager parent) {
    this.name = parent.name;
    this.executor = parent.executor;
    this.scheduler = parent.scheduler;
    this.defaultTimeoutNanos = parent.defaultTimeoutNanos;
    this.stats = parent.stats;
    this.names = parent.names;
    this.contextPropagation = parent.contextPropagation;
    this.observer = parent.observer;
    this.defaultRetryPolicy = parent.defaultRetryPolicy;
    this.ownedPool = null;
    this.workers = new WorkerTracker(1); // a scope is usually fed by one thread: one stripe
    this.parent = parent;
    this.stuckThresholdNanos = parent.stuckThresholdNanos;
    this.watchdog = null; // the root's watchdog walks its scopes
  }

  /**
   * Returns a builder for a manager with a given executor, name, scheduler or default timeout.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- creating workers

  /**
   * Creates a worker for {@code task} and starts it on this manager's pool.
   *
   * @param task the task
   * @param <T> the result type
   * @return the started worker (or one already ended {@code FAILED} if the pool rejected it)
   * @throws NullPointerException if {@code task} is null
   */
  public <T> AsyncWorker<T> createWorker(Callable<? extends T> task) {
    Objects.requireNonNull(task, "task");
    AsyncWorker<T> worker = new AsyncWorker<>(executor, this);
    startTracked(worker, task, null, false);
    return worker;
  }

  /**
   * Creates a worker for {@code task}, named after the operation it performs, and starts it on this
   * manager's pool; see {@link #createWorker(Callable)}. The name shows in the worker's
   * {@link AsyncWorker#name()}, its {@code toString()}, log lines and exception messages, and tags its
   * metrics. Name operations ({@code "payment"}, {@code "inventory"}), never requests or ids: metrics
   * keep at most {@link Builder#maxNames(int)} distinct names per manager and record the rest as
   * {@value WorkerRecorder#OTHER}.
   *
   * @param name the operation's name, not blank
   * @param task the task
   * @param <T> the result type
   * @return the started worker (or one already ended {@code FAILED} if the pool rejected it)
   * @throws NullPointerException if {@code name} or {@code task} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public <T> AsyncWorker<T> createWorker(String name, Callable<? extends T> task) {
    checkName(name);
    Objects.requireNonNull(task, "task");
    AsyncWorker<T> worker = new AsyncWorker<>(executor, this, name, named(name));
    startTracked(worker, task, null, false);
    return worker;
  }

  /**
   * Creates and starts a worker for {@code task.apply(arg)}; see {@link #createWorker(Callable)}.
   *
   * @param task the task
   * @param arg its argument
   * @param <A> the argument type
   * @param <T> the result type
   * @return the started worker
   * @throws NullPointerException if {@code task} is null
   */
  public <A, T> AsyncWorker<T> createWorker(Function<? super A, ? extends T> task, A arg) {
    Objects.requireNonNull(task, "task");
    return createWorker(() -> task.apply(arg));
  }

  /**
   * Creates and starts a worker for {@code task.apply(arg1, arg2)}; see {@link #createWorker(Callable)}.
   *
   * @param task the task
   * @param arg1 its first argument
   * @param arg2 its second argument
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <T> the result type
   * @return the started worker
   * @throws NullPointerException if {@code task} is null
   */
  public <A, B, T> AsyncWorker<T> createWorker(BiFunction<? super A, ? super B, ? extends T> task, A arg1, B arg2) {
    Objects.requireNonNull(task, "task");
    return createWorker(() -> task.apply(arg1, arg2));
  }

  /**
   * Creates a <em>driven</em> worker: one whose task runs somewhere this manager does not run it (a
   * cluster member, another process), and whose outcome {@code driver} reports through a
   * {@link WorkerCompletion}. The worker is tracked, timed out (the manager's default timeout),
   * cancelled, aggregated by {@code waitForAll} and recorded like any worker of this manager; it is
   * {@code RUNNING} from the moment {@code driver} is called.
   *
   * <p>{@code driver} is called once, on this thread, before this method returns (unless the manager
   * is shut down: then the worker ends {@code FAILED} with a {@link RejectedExecutionException} and
   * {@code driver} is not called). It should start the remote work without blocking, register what
   * stops it with {@link WorkerCompletion#onCancel}, and arrange for {@link WorkerCompletion#succeed} or
   * {@link WorkerCompletion#fail} to be called when it ends. If {@code driver} throws, the worker ends
   * {@code FAILED} with that exception (unless it had already ended).
   *
   * @param name the operation's name, not blank; see {@link #createWorker(String, Callable)}
   * @param driver starts the work and completes the worker
   * @param <T> the result type
   * @return the started worker
   * @throws NullPointerException if {@code name} or {@code driver} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public <T> AsyncWorker<T> createDrivenWorker(String name, Consumer<? super WorkerCompletion<T>> driver) {
    checkName(name);
    Objects.requireNonNull(driver, "driver");
    AsyncWorker<T> worker = new AsyncWorker<>(executor, this, name, named(name));
    startDriven(worker, driver);
    return worker;
  }

  /**
   * Creates an unnamed driven worker; see {@link #createDrivenWorker(String, Consumer)}.
   *
   * @param driver starts the work and completes the worker
   * @param <T> the result type
   * @return the started worker
   * @throws NullPointerException if {@code driver} is null
   */
  public <T> AsyncWorker<T> createDrivenWorker(Consumer<? super WorkerCompletion<T>> driver) {
    Objects.requireNonNull(driver, "driver");
    AsyncWorker<T> worker = new AsyncWorker<>(executor, this);
    startDriven(worker, driver);
    return worker;
  }

  /** The task of a driven worker's queue item, which is never queued: it carries the context only. */
  private static final Callable<Object> NOT_RUN = () -> {
    throw new IllegalStateException("a driven worker's item is never run");
  };

  @SuppressWarnings("unchecked")
  private <T> void startDriven(AsyncWorker<T> worker, Consumer<? super WorkerCompletion<T>> driver) {
    // With context propagation, an item that is never queued carries the submitter's context, captured
    // now, so that callbacks fired by the completing thread (the driver's) run inside it, as a local
    // worker's do.
    AsyncWorker.TaskRun<T> carrier = null;
    Throwable failed = null;
    if (contextPropagation != null) {
      try {
        carrier = worker.withContext(new AsyncWorker.TaskRun<>(worker, (Callable<T>) (Callable<?>) NOT_RUN));
      } catch (RuntimeException | Error e) {
        failed = e; // the worker ends FAILED with it, as a local worker's capture that throws
      }
    }
    WorkerCompletion<T> completion = new WorkerCompletion<>(worker);
    Runnable launch = () -> {
      worker.markRunning(); // after the timeout is armed; a cancel that won already leaves it ended
      try {
        driver.accept(completion);
      } catch (Throwable e) {
        completion.fail(e); // a no-op if the driver (or a cancel) ended the worker first
      }
    };
    startTrackedRun(worker, carrier, launch, false, failed);
  }

  /**
   * Creates a worker bound to this manager without starting it, so that a timeout or callbacks can
   * be set first; {@link AsyncWorker#startAsync} then runs it on this manager's pool and the manager
   * tracks it from then on. The manager's default timeout applies unless the worker sets its own.
   *
   * @param <T> the result type
   * @return a worker in state {@code CREATED}
   */
  public <T> AsyncWorker<T> newWorker() {
    return new AsyncWorker<>(executor, this);
  }

  /**
   * Creates a named worker bound to this manager without starting it; see {@link #newWorker()} and,
   * for names, {@link #createWorker(String, Callable)}.
   *
   * @param name the operation's name, not blank
   * @param <T> the result type
   * @return a worker in state {@code CREATED}
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public <T> AsyncWorker<T> newWorker(String name) {
    checkName(name);
    return new AsyncWorker<>(executor, this, name, named(name));
  }

  /**
   * Runs {@code task} on this manager's pool, retrying it as {@code policy} says. The retried
   * operation is one worker of this manager: {@code waitForAll}, {@code cancelAll} and the timeouts
   * see it, not its attempts. Cancelling it stops further attempts, removes a pending delay and
   * interrupts a running attempt. The manager's default timeout, if any, bounds the whole operation.
   *
   * @param task the operation
   * @param policy how to retry
   * @param <T> the result type
   * @return the operation's worker; it ends {@code FAILED} with a {@link RetryExhaustedException} when
   *     the attempts or the deadline run out, or with the exception of an attempt that must not be
   *     retried
   * @throws NullPointerException if {@code task} or {@code policy} is null
   */
  public <T> AsyncWorker<T> retry(Callable<? extends T> task, RetryPolicy<T> policy) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(policy, "policy");
    AsyncWorker<T> op = new AsyncWorker<>(executor, this);
    RetryRun.start(policy, task, op);
    return op;
  }

  /**
   * Runs {@code task}, named after the operation it performs, retrying it as {@code policy} says; see
   * {@link #retry(Callable, RetryPolicy)} and, for names, {@link #createWorker(String, Callable)}. The
   * retry metrics carry the name too.
   *
   * @param name the operation's name, not blank
   * @param task the operation
   * @param policy how to retry
   * @param <T> the result type
   * @return the operation's worker
   * @throws NullPointerException if {@code name}, {@code task} or {@code policy} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public <T> AsyncWorker<T> retry(String name, Callable<? extends T> task, RetryPolicy<T> policy) {
    checkName(name);
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(policy, "policy");
    AsyncWorker<T> op = new AsyncWorker<>(executor, this, name, named(name));
    RetryRun.start(policy, task, op);
    return op;
  }

  /**
   * Retries work that runs outside this manager's pool (on a cluster member, another process), as
   * {@code policy} says: each attempt is a driven worker whose outcome {@code attempt} reports through a
   * {@link WorkerCompletion}, as for {@link #createDrivenWorker(String, Consumer)}. The retried operation
   * is one worker of this manager, with the same states, timeouts, cancellation, delays and retry
   * metrics as {@link #retry(String, Callable, RetryPolicy)}; cancelling it (or its timeout, or an
   * attempt timeout) runs the running attempt's {@link WorkerCompletion#onCancel} actions.
   *
   * <p>{@code attempt} is called once per attempt, on the thread that starts it (this one for the first;
   * the manager's scheduler after a delay; after a zero delay, the thread that completed the previous
   * attempt), and should not block. If it throws, that attempt fails with
   * the exception, which the policy judges like any other failure.
   *
   * @param name the operation's name, not blank; see {@link #createWorker(String, Callable)}
   * @param attempt starts one attempt and completes it
   * @param policy how to retry
   * @param <T> the result type
   * @return the operation's worker
   * @throws NullPointerException if {@code name}, {@code attempt} or {@code policy} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public <T> AsyncWorker<T> retryDriven(String name, Consumer<? super WorkerCompletion<T>> attempt,
      RetryPolicy<T> policy) {
    checkName(name);
    Objects.requireNonNull(attempt, "attempt");
    Objects.requireNonNull(policy, "policy");
    AsyncWorker<T> op = new AsyncWorker<>(executor, this, name, named(name));
    RetryRun.startDriven(policy, attempt, op);
    return op;
  }

  /**
   * Retries unnamed work that runs outside this manager's pool; see
   * {@link #retryDriven(String, Consumer, RetryPolicy)}.
   *
   * @param attempt starts one attempt and completes it
   * @param policy how to retry
   * @param <T> the result type
   * @return the operation's worker
   * @throws NullPointerException if {@code attempt} or {@code policy} is null
   */
  public <T> AsyncWorker<T> retryDriven(Consumer<? super WorkerCompletion<T>> attempt, RetryPolicy<T> policy) {
    Objects.requireNonNull(attempt, "attempt");
    Objects.requireNonNull(policy, "policy");
    AsyncWorker<T> op = new AsyncWorker<>(executor, this);
    RetryRun.startDriven(policy, attempt, op);
    return op;
  }

  private static void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank but was '" + name + "'");
    }
  }

  /** How work named {@code name} (null: unnamed) is recorded, or null if this manager records and observes nothing. */
  @Nullable Named named(@Nullable String name) {
    Names n = names;
    return n == null ? null : name == null ? n.unnamed : n.get(name);
  }

  /**
   * Runs {@code task} on this manager's pool, retrying it as this manager's
   * {@linkplain #defaultRetryPolicy() default policy} says; see {@link #retry(Callable, RetryPolicy)}.
   *
   * @param task the operation
   * @param <T> the result type
   * @return the operation's worker
   * @throws NullPointerException if {@code task} is null
   */
  @SuppressWarnings("unchecked")
  public <T> AsyncWorker<T> retry(Callable<? extends T> task) {
    // A RetryPolicy<Object>'s handlers and predicates accept any value, so it serves any T.
    return retry(task, (RetryPolicy<T>) (RetryPolicy<?>) defaultRetryPolicy());
  }

  /**
   * Returns the policy {@link #retry(Callable)} uses: the builder's
   * {@link Builder#defaultRetryPolicy}, or {@link RetryPolicy#ofDefaults()}.
   *
   * @return the default retry policy
   */
  public RetryPolicy<Object> defaultRetryPolicy() {
    return defaultRetryPolicy != null ? defaultRetryPolicy : DefaultRetry.POLICY;
  }

  private static final class DefaultRetry {
    static final RetryPolicy<Object> POLICY = RetryPolicy.ofDefaults();
  }

  /**
   * Returns this manager's counters (shared with its scopes). They move only if the manager was
   * built with {@link Builder#recordStats()}; otherwise they stay at zero (and a manager built with
   * another {@link Builder#recorder recorder} records there instead).
   *
   * @return the live counters
   */
  public WorkerStats stats() {
    return stats != null ? stats : new WorkerStats(null); // zeros that nothing writes
  }

  /**
   * Tells whether this manager records what its workers do, in its {@link #stats()} or in the
   * {@link Builder#recorder recorder} it was built with.
   *
   * @return {@code true} if a recorder receives this manager's work
   */
  public boolean records() {
    Names n = names;
    return n != null && n.root != null;
  }

  /**
   * Tells whether this manager keeps counters ({@link Builder#recordStats()}).
   *
   * @return {@code true} if {@link #stats()} moves
   */
  public boolean recordsStats() {
    return stats != null;
  }

  /**
   * The seed's {@code asyncRetry} on this manager's pool: see
   * {@link Async#asyncRetry(Callable, int, Duration, BackoffStrategy, Duration, java.util.function.Consumer,
   * java.util.function.Consumer, Runnable)} for the parameters, and {@link #retry} for how the
   * operation is one worker of this manager.
   *
   * @param task the operation
   * @param maxAttempts how many attempts at most
   * @param initialDelay the delay before the second attempt
   * @param strategy how the delay grows
   * @param maxTotalDelay the deadline on the whole operation
   * @param onSuccess runs once with the value
   * @param onError runs once per failed attempt
   * @param onComplete runs exactly once at the end
   * @param <T> the result type
   * @return a future of the value; cancelling it cancels the operation
   * @throws NullPointerException if any argument is null
   * @throws IllegalArgumentException if {@code maxAttempts < 1}, a duration is negative, or
   *     {@code initialDelay} is zero with a strategy other than {@code FIXED}
   */
  public <T> java.util.concurrent.CompletableFuture<T> asyncRetry(Callable<? extends T> task, int maxAttempts,
      Duration initialDelay, BackoffStrategy strategy, Duration maxTotalDelay,
      java.util.function.Consumer<? super T> onSuccess, java.util.function.Consumer<? super Throwable> onError,
      Runnable onComplete) {
    Objects.requireNonNull(task, "task");
    return this.<T>retry(task, Async.<T>seedPolicy(maxAttempts, initialDelay, strategy, maxTotalDelay, onSuccess, onError,
        onComplete)).toCompletableFuture();
  }

  <T> void startTracked(AsyncWorker<T> worker, @Nullable Callable<? extends T> task, @Nullable Runnable launch,
      boolean strict) {
    startTracked(worker, task, launch, strict, null);
  }

  /** @param failed the worker ends FAILED with this instead of running (a context capture that threw) */
  <T> void startTracked(AsyncWorker<T> worker, @Nullable Callable<? extends T> task, @Nullable Runnable launch,
      boolean strict, @Nullable Throwable failed) {
    AsyncWorker.TaskRun<T> run = null;
    if (task != null && failed == null) {
      try {
        run = worker.taskRun(worker, task); // captures the submitter's context: user code
      } catch (RuntimeException | Error e) {
        failed = e; // one failure channel: the worker ends FAILED, createWorker does not throw
      }
    }
    startTrackedRun(worker, run, launch, strict, failed);
  }

  /** As {@link #startTracked}, with the queue item (or a driven worker's context carrier) made. */
  private <T> void startTrackedRun(AsyncWorker<T> worker, AsyncWorker.@Nullable TaskRun<T> run,
      @Nullable Runnable launch, boolean strict, @Nullable Throwable failed) {
    // claim() makes the worker's node, sets worker.trackNode and pushes it onto `workers` before the state CAS
    if (!worker.claim(run, strict, workers)) {
      return; // cancelled before it started, or started by another call: never tracked by this one
    }
    // Tracked, then (after the claim's CAS, a full fence) read `closed`; close() writes `closed`
    // (volatile), then walks the tracker. One of us sees the other, so a worker is either refused
    // here or cancelled by close(), never left running.
    WorkerObserver o = observer;
    if (o != null) {
      worker.observe(o, name, worker.retried()); // a driven worker is launched too, but not retried
    }
    worker.launch(run, launch, failed != null ? failed : closed ? refusal() : null);
  }

  private RejectedExecutionException refusal() {
    return new RejectedExecutionException(parent == null
        ? "manager '" + name + "' is shut down and accepts no new workers"
        : "a scope of manager '" + name + "' is closed and accepts no new workers");
  }

  /** Called once per tracked worker, by the thread that ended it, before its waiters wake. */
  void workerDone(AsyncWorker<?> worker, int end) {
    if (end == AsyncWorker.FAILED || end == AsyncWorker.TIMED_OUT) {
      Throwable failure = worker.failure();
      for (AsyncWorkerManager m = this; m != null; m = m.parent) {
        m.failures.add(failure);
      }
    }
    WorkerTracker.Node node = worker.trackNode;
    if (node != null) {
      node.worker = null; // dead: the tracker unlinks it later and keeps nothing of the worker
    }
    if (closed) {
      root().terminateOwnedPoolIfIdle();
    }
  }

  /** This manager's (or scope's) own tracker, for tests. */
  WorkerTracker tracker() {
    return workers;
  }

  private AsyncWorkerManager root() {
    AsyncWorkerManager m = this;
    while (m.parent != null) {
      m = m.parent;
    }
    return m;
  }

  /** After shutdown(): the owned pool ends once the last tracked worker (retries included) has. */
  private void terminateOwnedPoolIfIdle() {
    if (ownedPool != null && closed && allDone()) {
      ownedPool.shutdown();
    }
  }

  // ---------------------------------------------------------------- scopes

  /**
   * Returns a scope: a manager that shares this manager's pool, scheduler and default timeout, and
   * tracks only the workers created through it. Closing the scope cancels what it left unfinished;
   * this manager's {@code cancelAll}, {@code waitForAll} and {@code close} reach into it. Close every
   * scope (try-with-resources): an open scope stays registered with this manager.
   *
   * @return a new open scope
   * @throws IllegalStateException if this manager is shut down or closed
   */
  public AsyncWorkerManager newScope() {
    AsyncWorkerManager scope = new AsyncWorkerManager(this);
    scopes.add(scope);
    if (closed) {
      scopes.remove(scope);
      throw new IllegalStateException((parent == null ? "manager '" : "a scope of manager '") + name
          + "' is shut down; no new scope can be opened");
    }
    return scope;
  }

  // ---------------------------------------------------------------- group operations

  /**
   * Cancels every in-flight worker of this manager and of its scopes. Never blocks. Workers created
   * afterwards run normally: to stop accepting work, use {@link #shutdown()} or {@link #close()}.
   * Cancelled tasks still queued in a bounded {@link ThreadPoolExecutor} queue (or the queue of a
   * {@link VirtualThreads#newExecutor virtual-thread executor}) are purged from it in one pass (the root
   * manager purges any queue), so their slots are free for new work.
   *
   * @return how many workers this call cancelled (not those that ended on their own meanwhile)
   */
  public int cancelAll() {
    int[] cancelled = new int[1];
    if (cancelTracked(cancelled)) {
      if (executor instanceof ThreadPoolExecutor) {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) executor;
        if (parent == null || AsyncWorker.hasBoundedQueue(pool)) {
          // One pass gives back the queue slots of every cancelled, queued task (the per-worker
          // removal would cost O(queue) each). A scope purges only a bounded queue: an unbounded one
          // has no slot to give back, and a long one would make every request's scope close slow.
          pool.purge();
        }
      } else if (executor instanceof LimitedExecutor) {
        ((LimitedExecutor) executor).purge(); // always bounded
      }
    }
    return cancelled[0];
  }

  /**
   * Cancels every tracked worker here and in the scopes, adding the cancels it won to
   * {@code cancelled[0]}; tells whether one of them was queued.
   */
  private boolean cancelTracked(int[] cancelled) {
    boolean queued = parent == null; // the root purges whatever it finds, as it always has
    for (int i = 0; i < workers.listCount(); i++) {
      int live = 0;
      int dead = 0;
      for (WorkerTracker.Node n = workers.head(i); n != null; n = n.next) {
        AsyncWorker<?> worker = n.live();
        if (worker != null) {
          live++;
          int from = worker.cancel(true, false);
          if (from >= 0) {
            cancelled[0]++;
          }
          queued |= from == AsyncWorker.SCHEDULED;
        } else {
          dead++;
        }
      }
      workers.walked(i, live, dead);
    }
    for (AsyncWorkerManager scope : scopes) {
      queued |= scope.cancelTracked(cancelled);
    }
    return queued;
  }

  /**
   * Tells whether every worker of this manager and of its scopes has ended.
   *
   * @return {@code true} if none is created-and-started but not yet terminal
   */
  public boolean allDone() {
    if (workers.anyNotDone()) {
      return false;
    }
    for (AsyncWorkerManager scope : scopes) {
      if (!scope.allDone()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Waits until every worker of this manager and of its scopes has ended (including workers created
   * while it waits), then throws one exception carrying every failure since the previous
   * {@code waitForAll} returned. A failure is a worker that ended {@code FAILED} or
   * {@code TIMED_OUT}; cancellation is not a failure.
   *
   * @throws WorkersFailedException after all are done, if any failed; each failure is in its list
   *     and suppressed
   * @throws AsyncInterruptedException if the calling thread is interrupted while waiting
   */
  public void waitForAll() {
    awaitAll(false, 0L);
    throwFailures();
  }

  /**
   * Waits at most {@code timeout} for every worker to end, as {@link #waitForAll()} does.
   *
   * @param timeout how long to wait; zero does not wait
   * @return {@code true} if all ended in time; {@code false} if the wait expired (failures are then
   *     kept for the next call)
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws WorkersFailedException if all ended in time and any failed
   * @throws AsyncInterruptedException if the calling thread is interrupted while waiting
   */
  public boolean waitForAll(Duration timeout) {
    long nanos = Durations.waitNanos(timeout, "timeout");
    if (!awaitAll(true, Durations.deadline(System.nanoTime(), nanos))) {
      return false;
    }
    throwFailures();
    return true;
  }

  private boolean awaitAll(boolean timed, long deadline) {
    for (;;) {
      int seen = awaitPass(timed, deadline);
      if (seen < 0) {
        return false;
      }
      if (seen == 0) {
        return true;
      }
      if (timed && deadline - System.nanoTime() <= 0L) {
        return allFinished();
      }
    }
  }

  private boolean allFinished() {
    return awaitPass(true, System.nanoTime()) == 0;
  }

  /** Waits once for each worker seen; returns how many were seen, or -1 if the deadline passed. */
  private int awaitPass(boolean timed, long deadline) {
    int seen = 0;
    for (int i = 0; i < workers.listCount(); i++) {
      int dead = 0;
      int live = 0;
      for (WorkerTracker.Node n = workers.head(i); n != null; n = n.next) {
        AsyncWorker<?> worker = n.live();
        if (worker == null) {
          dead++; // ended: its node is dead
          continue;
        }
        live++;
        if (!worker.awaitDone(timed, timed ? deadline - System.nanoTime() : 0L)) {
          return -1;
        }
      }
      seen += live;
      workers.walked(i, live, dead);
    }
    for (AsyncWorkerManager scope : scopes) {
      int inScope = scope.awaitPass(timed, deadline);
      if (inScope < 0) {
        return -1;
      }
      seen += inScope;
    }
    return seen;
  }

  private void throwFailures() {
    WorkersFailedException failed = failures.drain(name);
    if (failed != null) {
      throw failed;
    }
  }

  /**
   * Tells whether {@code worker}, which must belong to this manager or one of its scopes, has ended.
   *
   * @param worker the worker
   * @return {@link AsyncWorker#isDone()}
   * @throws NullPointerException if {@code worker} is null
   * @throws IllegalArgumentException if the worker belongs to another manager
   */
  public boolean isDone(AsyncWorker<?> worker) {
    return requireOwned(worker).isDone();
  }

  /**
   * Cancels {@code worker}, which must belong to this manager or one of its scopes, leaving the
   * others running. Never blocks.
   *
   * @param worker the worker
   * @throws NullPointerException if {@code worker} is null
   * @throws IllegalArgumentException if the worker belongs to another manager
   */
  public void cancel(AsyncWorker<?> worker) {
    requireOwned(worker).cancel();
  }

  private AsyncWorker<?> requireOwned(AsyncWorker<?> worker) {
    Objects.requireNonNull(worker, "worker");
    for (AsyncWorkerManager m = worker.manager(); m != null; m = m.parent) {
      if (m == this) {
        return worker;
      }
    }
    AsyncWorkerManager owner = worker.manager();
    throw new IllegalArgumentException("worker " + worker.label() + " does not belong to "
        + describe() + " but to " + (owner == null ? "no manager" : owner.describe()));
  }

  private String describe() {
    return (parent == null ? "manager '" : "a scope of manager '") + name + "'";
  }

  /**
   * Counts the workers of this manager and of its scopes that were started and have not ended.
   *
   * @return the number of in-flight workers
   */
  public int inFlightCount() {
    int count = workers.countLive();
    for (AsyncWorkerManager scope : scopes) {
      count += scope.inFlightCount();
    }
    return count;
  }

  /**
   * Counts the workers of this manager and of its scopes that are scheduled and not yet running (the
   * {@code atom.async.workers.pending} gauge). It walks the in-flight workers, as
   * {@link #inFlightCount()} does: it costs the tasks nothing, and is weakly consistent while they
   * move.
   *
   * @return the number of {@code SCHEDULED} workers
   */
  public int pendingCount() {
    int count = workers.countIn(true);
    for (AsyncWorkerManager scope : scopes) {
      count += scope.pendingCount();
    }
    return count;
  }

  /**
   * Counts the workers of this manager and of its scopes that are running (the
   * {@code atom.async.workers.active} gauge), retried operations between their first attempt and
   * their end included; see {@link #pendingCount()}.
   *
   * @return the number of {@code RUNNING} workers
   */
  public int activeCount() {
    int count = workers.countIn(false);
    for (AsyncWorkerManager scope : scopes) {
      count += scope.activeCount();
    }
    return count;
  }

  /**
   * Returns this manager's name (a scope has its manager's name).
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  // ---------------------------------------------------------------- operations

  /**
   * Lists the in-flight workers of this manager and of its scopes, oldest first (by start), at most
   * {@code max} of them; see {@link WorkerInfo} for what each holds and how exact its times are.
   * It walks the tracked workers once, as {@link #inFlightCount()} does: the tasks pay nothing and
   * take no lock for it, and the list is weakly consistent (a worker starting or ending meanwhile
   * may or may not be in it). Stack traces are not captured here: see {@link #inFlightWorker(long)}.
   *
   * @param max the most workers to list; 0 lists none
   * @return the oldest in-flight workers, oldest first; a snapshot the caller may keep
   * @throws IllegalArgumentException if {@code max < 0}
   */
  public List<WorkerInfo> inFlightWorkers(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max must be >= 0 but was " + max);
    }
    if (max == 0) {
      return List.of();
    }
    // A worker whose start no one timed is stamped on first sight (WorkerInfo's class comment), with a
    // time read after the walk, so after every start the walk met; workers with the same stamp are
    // ordered as the walk met them (each list of a tracker is newest first). Then the newest at the
    // head, so that the oldest `max` stay: O(n log max).
    List<AsyncWorker<?>> walked = new ArrayList<>();
    forEachInFlight(w -> {
      if (w.internalState() != AsyncWorker.CREATED) { // a start in progress: not listed yet
        walked.add(w);
      }
    });
    long seen = System.nanoTime();
    Comparator<Listed> newestFirst = (a, b) -> a.start != b.start ? Long.signum(b.start - a.start)
        : Long.compare(a.order, b.order);
    PriorityQueue<Listed> oldest = new PriorityQueue<>(Math.min(max, 1024), newestFirst);
    for (int i = 0; i < walked.size(); i++) {
      AsyncWorker<?> w = walked.get(i);
      Listed l = new Listed(w, w.startNanos(seen), i);
      if (oldest.size() < max) {
        oldest.add(l);
      } else if (newestFirst.compare(l, oldest.peek()) > 0) { // l started before the newest kept
        oldest.poll();
        oldest.add(l);
      }
    }
    List<Listed> sorted = new ArrayList<>(oldest);
    sorted.sort(newestFirst.reversed());
    long nowNanos = System.nanoTime();
    long nowMillis = System.currentTimeMillis();
    List<WorkerInfo> infos = new ArrayList<>(sorted.size());
    for (Listed l : sorted) {
      WorkerInfo info = WorkerInfo.of(l.worker, nowNanos, nowMillis, stuckThresholdNanos, false);
      if (info != null) {
        infos.add(info); // null: it ended while we walked
      }
    }
    return List.copyOf(infos);
  }

  /**
   * Describes the in-flight worker of this manager or of its scopes that has the given id, with the
   * stack of the thread running its task (taken now: it pauses that thread briefly, as a thread dump
   * does). A worker that has ended is no longer tracked, so it is not found.
   *
   * @param id a worker's {@linkplain AsyncWorker#id() id}
   * @return its snapshot, or empty if no in-flight worker of this manager has that id
   */
  public Optional<WorkerInfo> inFlightWorker(long id) {
    AsyncWorker<?> w = find(id);
    return w == null ? Optional.empty()
        : Optional.ofNullable(WorkerInfo.of(w, System.nanoTime(), System.currentTimeMillis(), stuckThresholdNanos, true));
  }

  /**
   * Finds the in-flight worker of this manager or of its scopes that has the given id, to cancel it
   * or wait for it. A worker that has ended is no longer tracked, so it is not found.
   *
   * @param id a worker's {@linkplain AsyncWorker#id() id}
   * @return the worker, or empty if no in-flight worker of this manager has that id
   */
  public Optional<AsyncWorker<?>> findWorker(long id) {
    return Optional.ofNullable(find(id));
  }

  private @Nullable AsyncWorker<?> find(long id) {
    if (id <= 0L) {
      return null; // ids are positive
    }
    for (int i = 0; i < workers.listCount(); i++) {
      for (WorkerTracker.Node n = workers.head(i); n != null; n = n.next) {
        AsyncWorker<?> w = n.live();
        // A worker whose id no one asked for cannot be the one asked about: assign nothing here.
        if (w != null && w.assignedId() == id) {
          return w;
        }
      }
    }
    for (AsyncWorkerManager scope : scopes) {
      AsyncWorker<?> w = scope.find(id);
      if (w != null) {
        return w;
      }
    }
    return null;
  }

  /**
   * Counts the workers of this manager and of its scopes whose task has held its thread longer than
   * the {@linkplain Builder#stuckThreshold(Duration) stuck threshold} (the
   * {@code atom.async.workers.stuck} gauge); 0 without a threshold. It walks the in-flight workers, as
   * {@link #activeCount()} does.
   *
   * @return the number of stuck workers now
   */
  public int stuckCount() {
    long threshold = stuckThresholdNanos;
    if (threshold <= 0L) {
      return 0;
    }
    long now = System.nanoTime();
    int[] count = {0};
    forEachInFlight(w -> {
      if (w.threadRunNanos(now) > threshold) {
        count[0]++;
      }
    });
    return count[0];
  }

  /**
   * Returns the executor this manager runs its workers on, for monitoring (a
   * {@link ThreadPoolExecutor}'s active threads and queue, say). A pool the manager owns is shut down
   * by {@link #close()}; do not shut it down yourself.
   *
   * @return the executor
   */
  public Executor executor() {
    return executor;
  }

  /** A worker met by a listing's walk: its start and its place in the walk (ties: smaller is newer). */
  private static final class Listed {
    final AsyncWorker<?> worker;
    final long start;
    final long order;

    Listed(AsyncWorker<?> worker, long start, long order) {
      this.worker = worker;
      this.start = start;
      this.order = order;
    }
  }

  /** Calls {@code action} with each in-flight worker here and in the scopes (weakly consistent). */
  void forEachInFlight(Consumer<AsyncWorker<?>> action) {
    workers.forEachLive(action);
    for (AsyncWorkerManager scope : scopes) {
      scope.forEachInFlight(action);
    }
  }

  /** A scope's id (assigned on first use), or 0 for a root manager. */
  long scopeId() {
    if (parent == null) {
      return 0L;
    }
    long id = scopeId;
    if (id != 0L) {
      return id;
    }
    long next = SCOPE_IDS.incrementAndGet(); // once per scope, and only when a listing shows its work
    return SCOPE_ID.compareAndSet(this, 0L, next) ? next : scopeId;
  }

  /** The watchdog, for tests; null without a stuck threshold or in a scope. */
  @Nullable StuckWorkerWatchdog watchdog() {
    return watchdog;
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * Stops accepting workers (new ones end {@code FAILED} with a {@link RejectedExecutionException})
   * and lets the in-flight ones finish, retried operations included (their later attempts still
   * run); a pool this manager owns is shut down once they have. Use
   * {@link #waitForAll(Duration)} to wait for them and {@link #close()} to cancel the rest. Scopes
   * of this manager stop accepting too.
   */
  public void shutdown() {
    closed = true;
    workers.sweepAll(); // the drain walks the tracker once per ending worker: start it short
    for (AsyncWorkerManager scope : scopes) {
      scope.shutdown();
    }
    terminateOwnedPoolIfIdle(); // otherwise the last worker to end does it
  }

  /**
   * Tells whether {@link #shutdown()} or {@link #close()} was called.
   *
   * @return {@code true} if this manager accepts no new workers
   */
  public boolean isShutdown() {
    return closed;
  }

  /**
   * Stops accepting workers and cancels every in-flight one, in this manager and its scopes; a pool
   * this manager owns is shut down and its threads interrupted. A scope removes itself from its
   * manager. Never blocks; idempotent.
   */
  @Override
  public void close() {
    closed = true;
    if (watchdog != null) {
      watchdog.cancel();
    }
    cancelAll();
    for (AsyncWorkerManager scope : scopes) {
      scope.close();
    }
    if (parent != null) {
      parent.scopes.remove(this);
    }
    if (ownedPool != null) {
      for (Runnable queued : ownedPool.shutdownNow()) {
        if (queued instanceof AsyncWorker.TaskRun) {
          ((AsyncWorker.TaskRun<?>) queued).worker.cancel(); // already cancelled above unless it raced
        }
      }
    }
  }

  @Override
  public String toString() {
    return "AsyncWorkerManager[" + describe() + ", inFlight=" + inFlightCount()
        + (closed ? ", shut down" : "") + "]";
  }

  /** A work name as this manager records it: its tag (the name, or OTHER past the bound) and recorder. */
  static final class Named {
    final String tag;
    final @Nullable WorkerRecorder recorder;

    Named(String tag, @Nullable WorkerRecorder recorder) {
      this.tag = tag;
      this.recorder = recorder;
    }
  }

  /**
   * Each work name's tag and recorder, resolved once per name: unnamed work reads a field, work of a
   * known name one concurrent map entry, work of a further name past the bound a volatile field; only
   * the first use of a name under the bound takes the lock.
   */
  private static final class Names {
    private static final System.Logger LOG = System.getLogger(AsyncWorkerManager.class.getName());

    private final @Nullable WorkerRecorder root;
    private final int max;
    private final String managerName;
    final Named unnamed;
    private final ConcurrentHashMap<String, Named> byName = new ConcurrentHashMap<>();
    /** Set once the map is full; the map never grows after, so every new name is this one. */
    private volatile @Nullable Named other;

    Names(@Nullable WorkerRecorder root, int max, String managerName) {
      this.root = root;
      this.max = max;
      this.managerName = managerName;
      this.unnamed = resolve(WorkerRecorder.UNNAMED);
    }

    Named get(String name) {
      Named n = byName.get(name);
      if (n != null) {
        return n;
      }
      Named o = other;
      return o != null ? o : add(name);
    }

    private synchronized Named add(String name) {
      Named n = byName.get(name);
      if (n != null) {
        return n;
      }
      if (byName.size() >= max) {
        if (other == null) {
          other = resolve(WorkerRecorder.OTHER);
          LOG.log(System.Logger.Level.WARNING, () -> "manager '" + managerName + "' has seen " + max
              + " distinct work names, its maximum; work named '" + name + "' and every further new name is"
              + " recorded as '" + WorkerRecorder.OTHER + "'. Name operations, not requests or ids, or raise"
              + " the maximum (AsyncWorkerManager.Builder.maxNames, atom.async.metrics.max-names)");
        }
        return Objects.requireNonNull(other);
      }
      n = resolve(name);
      byName.put(name, n);
      return n;
    }

    private Named resolve(String name) {
      WorkerRecorder r = root;
      if (r == null) {
        return new Named(name, null); // observed, not recorded: only the tag matters
      }
      try {
        return new Named(name, Objects.requireNonNull(r.forName(name), "forName returned null"));
      } catch (Throwable e) {
        LOG.log(System.Logger.Level.WARNING, () -> "the metrics recorder " + r + " could not resolve work name '"
            + name + "'; its work is recorded in the recorder itself", e);
        return new Named(name, r);
      }
    }
  }

  /** recordStats() and a recorder together: every event goes to both. */
  private static final class Tee implements WorkerRecorder {
    private final WorkerRecorder first;
    private final WorkerRecorder second;

    Tee(WorkerRecorder first, WorkerRecorder second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public WorkerRecorder forName(String name) {
      return new Tee(first.forName(name), second.forName(name));
    }

    @Override
    public void recordQueueWait(long nanos) {
      first.recordQueueWait(nanos);
      second.recordQueueWait(nanos);
    }

    @Override
    public void recordEnd(WorkerState outcome, boolean ran, long runNanos) {
      first.recordEnd(outcome, ran, runNanos);
      second.recordEnd(outcome, ran, runNanos);
    }

    @Override
    public void recordRejected() {
      first.recordRejected();
      second.recordRejected();
    }

    @Override
    public void recordAttempt(boolean succeeded) {
      first.recordAttempt(succeeded);
      second.recordAttempt(succeeded);
    }

    @Override
    public void recordRetryCall(WorkerStats.RetryCall kind) {
      first.recordRetryCall(kind);
      second.recordRetryCall(kind);
    }

    @Override
    public String toString() {
      return first + " and " + second;
    }
  }

  /** Failures kept for the next waitForAll: bounded, off the hot path (only failures touch it). */
  private static final class FailureLog {
    private final List<Throwable> kept = new ArrayList<>();
    private long count;

    synchronized void add(Throwable failure) {
      count++;
      if (kept.size() < MAX_REPORTED_FAILURES) {
        kept.add(failure);
      }
    }

    synchronized @Nullable WorkersFailedException drain(String managerName) {
      if (count == 0) {
        return null;
      }
      WorkersFailedException e = new WorkersFailedException(managerName, kept, count);
      kept.clear();
      count = 0;
      return e;
    }
  }

  /**
   * Builds an {@link AsyncWorkerManager}. Not thread-safe; each {@link #build()} returns a new manager.
   */
  public static final class Builder {
    private @Nullable String name;
    private @Nullable Executor executor;
    private int poolSize;
    private @Nullable ScheduledExecutorService scheduler;
    private long defaultTimeoutNanos;
    private boolean recordStats;
    private @Nullable WorkerRecorder recorder;
    private @Nullable WorkerObserver observer;
    private int maxNames = DEFAULT_MAX_NAMES;
    private long stuckThresholdNanos;
    private @Nullable UnaryOperator<Runnable> contextPropagation;
    private @Nullable RetryPolicy<Object> defaultRetryPolicy;

    private Builder() {}

    /**
     * Makes the manager keep {@linkplain AsyncWorkerManager#stats() counters} for a metrics binder.
     * Off by default; when off, the per-task path does no counting at all.
     *
     * @return this builder
     */
    public Builder recordStats() {
      this.recordStats = true;
      return this;
    }

    /**
     * Makes the manager report what its workers do to {@code recorder} (a metrics library's binding,
     * as the Spring Boot starter's Micrometer timers); see {@link WorkerRecorder}. None by default,
     * and then the per-task path records nothing. With {@link #recordStats()} too, the manager records
     * into both.
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
     * Makes the manager follow each worker from start to end with {@code observer}, for tracing (the
     * Spring Boot starter's Micrometer {@code Observation}s); see {@link WorkerObserver}. None by
     * default, and then the per-task path observes nothing.
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
     * Bounds the distinct work names the manager records separately (its scopes included); work with
     * a further name is recorded as {@value WorkerRecorder#OTHER}, and the first such name is logged
     * once at WARNING. {@value AsyncWorkerManager#DEFAULT_MAX_NAMES} by default. Names are for
     * operations, so a manager that reaches the bound is most likely naming work by request or id.
     *
     * @param maxNames the bound, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code maxNames < 1}
     */
    public Builder maxNames(int maxNames) {
      if (maxNames < 1) {
        throw new IllegalArgumentException("maxNames must be >= 1 but was " + maxNames);
      }
      this.maxNames = maxNames;
      return this;
    }

    /**
     * Propagates context (MDC, trace ids, ...) from the thread that submits work into it. The
     * function is called on the submitting thread with the task to run; it returns a task that runs
     * the given one inside the context it captured, and restores the thread afterwards. It is applied
     * to each task, to each timeout, to each retry delay and attempt, so that tasks, retry attempts
     * and callbacks all see the submitter's context.
     *
     * <p>The returned task must run the given one synchronously, on the thread that runs it. It may
     * be run more than once and on two threads at the same time: the task runs inside it on a pool
     * thread, and the callbacks of a worker cancelled or timed out from another thread run inside it
     * on that thread. So restore, do not consume: a wrapper that ends a span or counts an execution
     * in its {@code finally} sees both runs. If {@code capture} throws, the worker ends
     * {@code FAILED} with that exception (nothing is submitted), as a refused worker does.
     *
     * @param capture captures the current context around a task
     * @return this builder
     * @throws NullPointerException if {@code capture} is null
     */
    public Builder contextPropagation(UnaryOperator<Runnable> capture) {
      this.contextPropagation = Objects.requireNonNull(capture, "capture");
      return this;
    }

    /**
     * Sets the policy of {@link AsyncWorkerManager#retry(Callable)}. {@link RetryPolicy#ofDefaults()}
     * by default.
     *
     * @param policy the policy; its handlers and predicates must accept any value
     * @return this builder
     * @throws NullPointerException if {@code policy} is null
     */
    public Builder defaultRetryPolicy(RetryPolicy<Object> policy) {
      this.defaultRetryPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Sets the name used in log lines, exception messages and metric tags.
     *
     * @param name a non-blank name
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
     * Runs workers on {@code executor}, which the manager does not own (it is not shut down by
     * {@link AsyncWorkerManager#close()}). A {@link ThreadPoolExecutor} must reject by throwing or by
     * running on the caller: the JDK's {@code DiscardPolicy}, {@code DiscardOldestPolicy} and
     * {@code CallerRunsPolicy} (which discards once the pool is shut down) are refused. For virtual
     * threads under a concurrency limit, pass {@link VirtualThreads#newExecutor}.
     *
     * @param executor the executor
     * @return this builder
     * @throws NullPointerException if {@code executor} is null
     * @throws IllegalArgumentException if it is a {@link ThreadPoolExecutor} whose policy can discard
     *     tasks
     */
    public Builder executor(Executor executor) {
      Objects.requireNonNull(executor, "executor");
      if (executor instanceof ThreadPoolExecutor) {
        Object policy = ((ThreadPoolExecutor) executor).getRejectedExecutionHandler();
        if (policy instanceof ThreadPoolExecutor.DiscardPolicy
            || policy instanceof ThreadPoolExecutor.DiscardOldestPolicy
            || policy instanceof ThreadPoolExecutor.CallerRunsPolicy) {
          throw new IllegalArgumentException("executor's rejection policy "
              + policy.getClass().getSimpleName() + " drops tasks silently"
              + (policy instanceof ThreadPoolExecutor.CallerRunsPolicy ? " once the pool is shut down" : "")
              + ", which would leave their workers SCHEDULED forever; use AbortPolicy, or a handler"
              + " that runs the task on the caller and throws RejectedExecutionException when the pool is shut down");
        }
      }
      this.executor = executor;
      return this;
    }

    /**
     * Makes the manager own a pool of {@code poolSize} daemon threads with an unbounded queue, shut
     * down by {@link AsyncWorkerManager#close()}. The default is one thread per CPU, at least two.
     *
     * @param poolSize the number of threads
     * @return this builder
     * @throws IllegalArgumentException if {@code poolSize < 1}
     */
    public Builder poolSize(int poolSize) {
      if (poolSize < 1) {
        throw new IllegalArgumentException("poolSize must be >= 1 but was " + poolSize);
      }
      this.poolSize = poolSize;
      return this;
    }

    /**
     * Serves hard timeouts from {@code scheduler} instead of the shared timer thread. The manager
     * does not own it.
     *
     * @param scheduler the scheduler
     * @return this builder
     * @throws NullPointerException if {@code scheduler} is null
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Watches for stuck work: a worker whose task holds its thread longer than {@code threshold} (for
     * a retried operation: an attempt that does) is logged once at WARNING with its id, name, manager,
     * how long it has run and its thread's stack, counted by {@link AsyncWorkerManager#stuckCount()}
     * while it runs, and marked {@linkplain WorkerInfo#stuck() stuck} in listings. It is only
     * reported: nothing is interrupted (that is what a {@linkplain #defaultTimeout timeout} is for).
     * None by default.
     *
     * <p>The watchdog is one periodic task on the manager's {@linkplain #scheduler scheduler}, waking
     * every quarter of the threshold (at least 10 ms and at most 5 s apart); it walks the in-flight
     * workers and costs the tasks nothing. A manager that records no metrics does not note when each
     * task began to run, so there a task is timed from the first pass that sees it running, and is
     * reported up to one period later than with a recorder. It stops when the manager is closed.
     *
     * @param threshold how long a task may hold its thread before it is reported, greater than zero
     * @return this builder
     * @throws NullPointerException if {@code threshold} is null
     * @throws IllegalArgumentException if {@code threshold} is zero or negative
     */
    public Builder stuckThreshold(Duration threshold) {
      this.stuckThresholdNanos = Durations.positiveNanos(threshold, "stuckThreshold");
      return this;
    }

    /**
     * Gives every worker of the manager a hard timeout unless it sets its own. None by default.
     *
     * @param timeout the timeout, greater than zero
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public Builder defaultTimeout(Duration timeout) {
      this.defaultTimeoutNanos = Durations.positiveNanos(timeout, "defaultTimeout");
      return this;
    }

    /**
     * Builds the manager.
     *
     * @return a new manager
     * @throws IllegalStateException if both an executor and a pool size were set, or if a
     *     {@linkplain #stuckThreshold stuck threshold} is set and the scheduler refuses its watchdog
     *     (it is shut down)
     */
    public AsyncWorkerManager build() {
      if (executor != null && poolSize > 0) {
        throw new IllegalStateException("set either executor(...) or poolSize(...), not both"
            + " (poolSize was " + poolSize + ")");
      }

      return new AsyncWorkerManager(this);
    }
  }
}
