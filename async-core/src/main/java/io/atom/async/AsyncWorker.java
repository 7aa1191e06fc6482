package io.atom.async;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * One asynchronous task with a handle on its result, failure, cancellation and hard timeout: the Java
 * form of the {@code AsyncWorker<T>} of {@code async.hpp}.
 *
 * <pre>{@code
 * AsyncWorker<Integer> worker = new AsyncWorker<>();
 * worker.setTimeout(Duration.ofSeconds(5))
 *       .setCallback(result -> log.info("done: {}", result));
 * worker.startAsync(() -> compute());
 * int result = worker.getResult();
 * }</pre>
 *
 * <p>A worker runs one task once. Its {@linkplain #state() state} goes from {@code CREATED} through
 * {@code SCHEDULED} and {@code RUNNING} to exactly one terminal state ({@code SUCCEEDED},
 * {@code FAILED}, {@code CANCELLED} or {@code TIMED_OUT}), whatever the interleaving of completion,
 * {@link #cancel()}, the timeout and the shutdown of its manager. Callbacks run exactly once.
 *
 * <p>A worker made with {@code new AsyncWorker<>()} runs on a shared pool of daemon threads sized to
 * the CPUs; one made with {@link #AsyncWorker(Executor)} on that executor, which must run each task
 * at most once and must not discard tasks silently (a discarded task can only end through
 * {@link #cancel()} or its timeout). Hard timeouts are served by one shared scheduler thread.
 *
 * <p>This class is thread-safe: every method may be called from any thread at any time.
 */
public final class AsyncWorker<T> {

  /*
   * Concurrency.
   *
   * One int field, `state`, changed only by CAS; the terminal CAS is the linearization point of the
   * worker's outcome:
   *
   *   CREATED   -> SCHEDULED                (startAsync)
   *   CREATED   -> CANCELLED                (cancel before start)
   *   SCHEDULED -> RUNNING                  (a pool thread claims the task)
   *   SCHEDULED -> CLAIMED                  (a rejection or a retry driver claims it without running it;
   *                                          public state RUNNING, and the metrics count it as never run)
   *   CLAIMED   -> FAILED | SUCCEEDED       (that claimer; CANCELLED | TIMED_OUT may still win first)
   *   SCHEDULED -> CANCELLED | TIMED_OUT    (the task never runs)
   *   RUNNING   -> SUCCEEDED | FAILED       (the claimer, with `outcome` written before the CAS)
   *   RUNNING   -> CANCELLED | TIMED_OUT    (the running thread is interrupted; its late result is dropped)
   *
   * There is no intermediate COMPLETING state: whoever loses the terminal CAS sees a terminal state,
   * so no observer can see "not done" after a racing completion has returned. Only the thread that
   * claimed RUNNING writes `outcome`, and readers read it only in SUCCEEDED or FAILED, whose CAS that
   * same thread won, so the volatile CAS orders the write before every read.
   *
   * The thread whose terminal CAS wins runs finish() exactly once: it cancels the timer, tells the
   * manager, then swaps `stack` (waiters and callbacks, a Treiber stack) for TOMBSTONE and fires what
   * it took. A callback registered after the swap finds the stack taken and runs on the caller. "Done" for
   * waiters means a taken stack, so whoever wakes from a wait sees the manager's bookkeeping finished.
   * The common end has nothing on the stack (no callback, and the result read later): finish() then
   * takes it by CAS null -> SETTLED, which also means `settled`, and is done with one atomic write.
   *
   * `runner` is the thread inside the task (set before the claim so that a canceller that wins after
   * the claim always finds it). A canceller interrupts it through the INTERRUPTING -> INTERRUPTED
   * handshake, as FutureTask does; a runner that lost waits for INTERRUPTED before it leaves and then
   * clears its interrupt flag, so a cancellation can never interrupt the next task of that pool
   * thread. A runner that won keeps `runner` set while finish() runs its callbacks (a finish() that
   * found none clears it before it takes the stack; if a callback slips in before that CAS, the
   * callbacks then run with `runner` clear, which nothing reads as the task still running: waiters
   * wait for `settled` too). An outside driver
   * (retry) claims `runner` with COMPLETING instead, so only one completer writes `outcome`.
   *
   * waitForCompletion() waits for more than the end: for `settled` (finish() has fired its nodes, or
   * the stack is SETTLED) and for `runner == null` (the task has left its thread). Whoever makes either
   * true wakes the waiters on `released`, a second small stack; a waiter gets there only after it saw
   * the stack taken, so a finish() that takes it as SETTLED has no one to wake. A callback that waits for its own worker (`finisher`) does
   * not wait for itself.
   *
   * A timeout is one Timer on the shared scheduler; it holds the worker only until the worker ends,
   * and finish() cancels it. The terminal CAS decides between the timer and completion.
   *
   * `link` is the queue item (TaskRun) of a started worker, set before the CREATED -> SCHEDULED CAS,
   * so a canceller or timer that wins from SCHEDULED reads it. A user's startAsync sets it by CAS
   * (null -> item), so only one of two racing starts can (the other waits for that start's outcome,
   * then is refused); a manager's createWorker and a retry attempt, started once, write it plainly. Such a winner removes the item
   * from a bounded ThreadPoolExecutor queue, so that a dead task gives its slot back at once; if it
   * won before the item was queued, the starter sees the terminal state after execute() returns and
   * removes it then (a volatile write of `state` on one side, a volatile read after the queue's lock
   * on the other: one of the two removals finds the item). Group cancellations skip the per-worker
   * removal and purge the queue once. The item also carries the submitter's context: a finisher that
   * is not the runner (cancel, timeout, rejection) fires the callbacks inside that context.
   *
   * A tracked start is two halves: claim() sets `trackNode`, pushes the node onto the manager's
   * WorkerTracker and wins CREATED -> SCHEDULED (so exactly one start goes on; a claim that loses to
   * a cancel clears its node), then the manager reads `closed` and launch() submits the task. Whoever
   * ends the worker clears `trackNode.worker` (it read SCHEDULED or later, so it sees the node). So a
   * worker cancelled while it is being started is never left tracked, whatever the interleaving
   * (ManagerTrackingLincheckTest); WorkerTracker's comment has the rest of the argument. The push comes
   * before the state CAS so that the CAS's fence orders it before the read of `closed`: the owner of a
   * tracker list pushes with a release store, which alone would let that read pass it.
   *
   * Operations (listing, the stuck-work watchdog) read a started worker from other threads and add
   * nothing to the task path: `id` is taken from a global counter only the first time someone asks
   * (id(), label()). The clock is read only for whoever needs a time, as Caffeine reads its ticker
   * only for expiry and stats: `startNanos` is stamped by the start when a recorder wants the queue
   * wait, else by the arming of a timeout, else by the first observer that lists the worker (a CAS
   * from UNSTAMPED); `ranNanos`, written by the runner only when a recorder wants it, is otherwise
   * stamped by the first observer that sees the worker RUNNING (a CAS from 0). The runner's and the
   * start's own stamps are written before the CAS that publishes the state an observer reads first; a
   * listing stamps with a time read after its walk, so never before the start. So a task that no one records
   * or times costs no clock read (a third of a bare worker's cost over a FutureTask's, when it was
   * read at every start).
   */

  static final int CREATED = 0;
  static final int SCHEDULED = 1;
  /** Claimed without running (a rejection, or a retried operation's driver): public RUNNING. */
  static final int CLAIMED = 2;
  static final int RUNNING = 3;
  static final int SUCCEEDED = 4;
  static final int FAILED = 5;
  static final int CANCELLED = 6;
  static final int TIMED_OUT = 7;

  private static final Object TOMBSTONE = new Object();
  /** The stack taken by a finish() that found it empty: done and settled at once (see finish). */
  private static final Object SETTLED = new Object();
  private static final Object INTERRUPTING = new Object();
  private static final Object INTERRUPTED = new Object();
  private static final Object COMPLETING = new Object();

  private static final System.Logger LOG = System.getLogger(AsyncWorker.class.getName());

  private static final VarHandle STATE;
  private static final VarHandle STACK;
  private static final VarHandle RUNNER;
  private static final VarHandle RELEASED;
  private static final VarHandle TIMER;
  private static final VarHandle TIMEOUT;
  private static final VarHandle LINK;
  private static final VarHandle OBSERVED;
  private static final VarHandle ID;
  private static final VarHandle RAN;
  private static final VarHandle START;
  /** startNanos of a started worker whose start no one has timed yet: stamped on demand. */
  private static final long UNSTAMPED = Long.MIN_VALUE;
  /** The last id handed out; touched only by workers whose id someone asks for, never per task. */
  private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();
  /** Ids a thread takes from IDS at a time: a burst of ids (rejections, timeouts) shares no counter. */
  private static final int ID_BLOCK = 1024;
  /** This thread's reserved ids: [next, end). */
  private static final ThreadLocal<long[]> ID_RANGE = ThreadLocal.withInitial(() -> new long[2]);

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      STATE = lookup.findVarHandle(AsyncWorker.class, "state", int.class);
      STACK = lookup.findVarHandle(AsyncWorker.class, "stack", Object.class);
      RUNNER = lookup.findVarHandle(AsyncWorker.class, "runner", Object.class);
      RELEASED = lookup.findVarHandle(AsyncWorker.class, "released", Node.class);
      TIMER = lookup.findVarHandle(AsyncWorker.class, "timer", Timer.class);
      TIMEOUT = lookup.findVarHandle(AsyncWorker.class, "timeoutNanos", long.class);
      LINK = lookup.findVarHandle(AsyncWorker.class, "link", Object.class);
      OBSERVED = lookup.findVarHandle(AsyncWorker.class, "observed", Object.class);
      ID = lookup.findVarHandle(AsyncWorker.class, "id", long.class);
      RAN = lookup.findVarHandle(AsyncWorker.class, "ranNanos", long.class);
      START = lookup.findVarHandle(AsyncWorker.class, "startNanos", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private volatile int state;
  /** The value or the Throwable; see the design comment for who writes it and when it is read. */
  private @Nullable Object outcome;
  /** The thread inside the task, INTERRUPTING, INTERRUPTED, or null. */
  private volatile @Nullable Object runner;
  /**
   * Completion nodes (newest first); once finish() has taken them TOMBSTONE, or SETTLED if there were
   * none (then `settled` is implied and never written).
   */
  private volatile @Nullable Object stack;
  /** Threads in waitForCompletion waiting for `settled` and for the task to leave its thread. */
  private volatile @Nullable Node released;
  /** finish() has fired every node it took: the callbacks registered before the end have run. */
  private volatile boolean settled;
  /**
   * The thread running finish(): a callback waiting for its own worker must not wait for itself.
   * Plain: it is only ever compared with the reading thread itself, which sees its own write.
   */
  private @Nullable Thread finisher;
  /**
   * What the started worker has out in the world: its queue item (a TaskRun, until the worker ends),
   * or the driver of a retried operation (a RetryRun, for good). Written before the CREATED ->
   * SCHEDULED CAS, so whoever wins a terminal CAS after that reads it; cleared by finish().
   */
  private @Nullable Object link;
  /**
   * Its place in its manager's WorkerTracker; set by claim() before the CREATED -> SCHEDULED CAS,
   * so that whoever ends the worker reads it and clears it.
   */
  WorkerTracker.@Nullable Node trackNode;
  private volatile @Nullable Timer timer;
  /** The hard timeout, 0 for none; set once. */
  private volatile long timeoutNanos;
  /**
   * 0 until startAsync; then System.nanoTime() at startAsync when the manager records, else UNSTAMPED
   * until a timeout is armed or an observer lists the worker, which stamp it by CAS (see the design
   * comment). Written before the CREATED -> SCHEDULED CAS.
   */
  private long startNanos;
  /**
   * System.nanoTime() when it began to run: written by the runner before its claim when the manager
   * records; otherwise 0 until an observer (a listing, the watchdog) sees it RUNNING and stamps it by
   * CAS, so that its run time is then a lower bound.
   */
  private long ranNanos;
  /** The id, 0 until id() is first called; set once by CAS. */
  private volatile long id;

  private final Executor executor;
  private final @Nullable AsyncWorkerManager manager;
  /** The work's name; null for unnamed work. */
  private final @Nullable String name;
  /** Its name's tag and recorder (where its queue wait and end are recorded), or null: none. */
  private final AsyncWorkerManager.@Nullable Named named;
  /**
   * Its WorkerObserver.Observed, or TOMBSTONE once a manager's worker has ended. A manager's worker
   * gets it by CAS after its start is decided, and finish() takes it by getAndSet (both only when the
   * manager observes), so exactly one of them ends it. A retry attempt gets it by a plain write before
   * it starts; its retried operation ends it.
   */
  private @Nullable Object observed;

  /**
   * Creates a worker that runs on the shared default pool (daemon threads, one per CPU, at least
   * two). The pool lives as long as the JVM; use an {@link AsyncWorkerManager} for a pool you size,
   * bound and shut down.
   */
  public AsyncWorker() {
    this(Defaults.pool(), null);
  }

  /**
   * Creates a worker that runs on the given executor.
   *
   * @param executor runs the task; it must run each task at most once
   * @throws NullPointerException if {@code executor} is null
   */
  public AsyncWorker(Executor executor) {
    this(Objects.requireNonNull(executor, "executor"), null);
  }

  AsyncWorker(Executor executor, @Nullable AsyncWorkerManager manager) {
    this(executor, manager, null, manager != null ? manager.named(null) : null);
  }

  AsyncWorker(Executor executor, @Nullable AsyncWorkerManager manager, @Nullable String name,
      AsyncWorkerManager.@Nullable Named named) {
    this.executor = executor;
    this.manager = manager;
    this.name = name;
    this.named = named;
  }

  // ---------------------------------------------------------------- starting

  /**
   * Starts the task. The worker becomes {@code SCHEDULED}, then {@code RUNNING} on a pool thread.
   *
   * <p>If the executor rejects the task (a full or shut-down pool), this method does not throw: the
   * worker ends {@code FAILED} with a {@link RejectedExecutionException} naming the manager and the
   * reason, which {@link #getResult()} throws and the failure callbacks receive.
   *
   * @param task the task; its value becomes the result, its exception the failure
   * @throws NullPointerException if {@code task} is null
   * @throws IllegalStateException if the worker was already started or was cancelled before it
   *     started
   */
  public void startAsync(Callable<? extends T> task) {
    Objects.requireNonNull(task, "task");
    AsyncWorkerManager m = manager;
    if (m != null) {
      m.startTracked(this, task, null, true);
    } else {
      start(task, null, true, null);
    }
  }

  /**
   * Starts {@code task.apply(arg)}; see {@link #startAsync(Callable)}.
   *
   * @param task the task
   * @param arg its argument (may be null if the task accepts null)
   * @param <A> the argument type
   * @throws NullPointerException if {@code task} is null
   * @throws IllegalStateException if the worker was already started or was cancelled before it
   *     started
   */
  public <A> void startAsync(Function<? super A, ? extends T> task, A arg) {
    Objects.requireNonNull(task, "task");
    startAsync(() -> task.apply(arg));
  }

  /**
   * Starts {@code task.apply(arg1, arg2)}; see {@link #startAsync(Callable)}.
   *
   * @param task the task
   * @param arg1 its first argument
   * @param arg2 its second argument
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @throws NullPointerException if {@code task} is null
   * @throws IllegalStateException if the worker was already started or was cancelled before it
   *     started
   */
  public <A, B> void startAsync(BiFunction<? super A, ? super B, ? extends T> task, A arg1, B arg2) {
    Objects.requireNonNull(task, "task");
    startAsync(() -> task.apply(arg1, arg2));
  }

  /**
   * Starts the task on the executor (or runs {@code launch}, for a worker whose outcome is driven
   * from outside, such as a retried operation), or fails the worker with {@code refusal} instead.
   *
   * @param strict whether a worker cancelled before it started is an error (the user's startAsync)
   *     or quietly stays cancelled (a manager whose scope closed while it created the worker)
   */
  void start(@Nullable Callable<? extends T> task, @Nullable Runnable launch, boolean strict,
      @Nullable Throwable refusal) {
    startRun(task != null ? taskRun(this, task) : null, launch, strict, refusal);
  }

  /** As {@link #start}, with the queue item already made (a retry attempt's). */
  void startRun(@Nullable TaskRun<T> run, @Nullable Runnable launch, boolean strict,
      @Nullable Throwable refusal) {
    if (claim(run, strict, null)) {
      launch(run, launch, refusal);
    }
  }

  /**
   * The first half of a start: CREATED -> SCHEDULED, exclusively (a manager tracks the worker
   * between the two halves, so that only the one start that won adds it).
   *
   * @param tracker the manager's tracker, or null for an untracked start: the worker's node is made,
   *     set and pushed onto it here, by the one start that goes on, before the state CAS, so that
   *     whoever ends the worker finds the node, and close() finds the worker
   * @return whether this call moved the worker to SCHEDULED; false (lenient) or an exception
   *     (strict) if it was cancelled before it started, or already started
   */
  boolean claim(@Nullable TaskRun<T> run, boolean strict, @Nullable WorkerTracker tracker) {
    if (state != CREATED) {
      notStartable(strict, false);
      return false;
    }
    // The queue item goes in `link` before the state CAS, which publishes it to whoever ends the
    // worker. A user's startAsync may race another one: there it goes in by CAS, so that only one
    // start gets this far and the winner's item is the one a canceller finds (and removes, and fires
    // the callbacks in the context of). createWorker and retry attempts start once: a plain write.
    if (run != null) {
      if (!strict) {
        link = run;
      } else if (!linkExclusively(run)) {
        notStartable(true, true);
        return false;
      }
    }
    // Written before the CAS so that whoever sees SCHEDULED sees them; only the start that holds
    // `link` (or the only start, for a retried operation) gets here, so no refused start overwrites
    // the tracking node of the one that went on, and only it pushes a node.
    startNanos = recorder() != null ? System.nanoTime() : UNSTAMPED; // the queue wait needs it
    WorkerTracker.Node node = null;
    if (tracker != null) {
      node = new WorkerTracker.Node(this);
      trackNode = node;
      // Pushed before the CAS, whose full fence orders the push (a release store, from the list's
      // owner) before the manager's read of `closed` that follows (AsyncWorkerManager.startTrackedRun).
      tracker.add(node);
    }
    if (!STATE.compareAndSet(this, CREATED, SCHEDULED)) {
      if (node != null) {
        node.worker = null; // cancelled before it started (a cancelAll may have found it): dead on arrival
      }
      if (run != null) {
        LINK.compareAndSet(this, run, null); // cancelled before it started: never queued, keep no task
      }
      notStartable(strict, true);
      return false;
    }
    return true;
  }

  /**
   * Sets `link` to {@code run} unless a concurrent start holds it. That start holds it only between
   * its CAS here and its state CAS (a few nanoseconds): wait for its outcome, so that this start is
   * refused for what happened (it started, or a cancel beat it), never for a start that then failed.
   *
   * @return false if the worker is no longer CREATED (started or cancelled by others)
   */
  private boolean linkExclusively(TaskRun<T> run) {
    for (int spins = 0; !LINK.compareAndSet(this, null, run); spins++) {
      if (state != CREATED) {
        return false;
      }
      if (spins < 64) {
        Thread.onSpinWait();
      } else {
        Thread.yield(); // the other start's thread was descheduled in that window
      }
    }
    return true;
  }

  /**
   * The second half of a start, after {@link #claim}: arms the timeout and submits the item (or runs
   * {@code launch}), or fails the worker with {@code refusal}.
   */
  void launch(@Nullable TaskRun<T> run, @Nullable Runnable launch, @Nullable Throwable refusal) {
    if (state >= SUCCEEDED) {
      return; // cancelled between the halves: nothing to submit
    }
    if (refusal != null) {
      reject(refusal);
      return;
    }
    try {
      AsyncWorkerManager m = manager;
      if (m != null && m.defaultTimeoutNanos > 0) {
        TIMEOUT.compareAndSet(this, 0L, m.defaultTimeoutNanos); // an explicit setTimeout wins
      }
      long timeout = timeoutNanos;
      if (timeout > 0) {
        try {
          armTimeout(timeout, true);
        } catch (RejectedExecutionException e) {
          reject(e); // already names the scheduler
          return;
        }
      }
      if (launch != null) {
        launch.run();
      } else {
        TaskRun<T> queued = Objects.requireNonNull(run);
        executor.execute(queued);
        int s = state;
        if (s == CANCELLED || s == TIMED_OUT) {
          dequeue(queued); // ended before the item was queued: its finisher could not remove it
        }
      }
    } catch (RejectedExecutionException e) {
      reject(run != null ? run.refused(e) : describeRejection(e));
    } catch (RuntimeException | Error e) {
      reject(e); // a broken executor must not leave the worker SCHEDULED forever
    }
  }

  private void notStartable(boolean strict, boolean lostRace) {
    int s = state;
    if (s == CANCELLED && !strict) {
      return;
    }
    throw new IllegalStateException(s == CANCELLED && (lostRace || startNanos == 0L)
        ? "worker " + label() + " was cancelled before it started"
        : "worker " + label() + " already started (state " + WorkerState.of(s) + ")");
  }

  /**
   * Ends the worker FAILED with {@code failure} if it is still waiting for a thread (a retry attempt
   * that reached its operation's deadline while queued or deferred); a running one is left alone.
   */
  void failIfQueued(Throwable failure) {
    reject(failure, true); // and give its slot back, if it waits in a bounded queue
  }

  /** Ends a SCHEDULED worker FAILED with {@code failure}, claiming it as a runner would. */
  private void reject(Throwable failure) {
    reject(failure, false);
  }

  private void reject(Throwable failure, boolean dequeue) {
    // Claiming RUNNING first keeps the rule "only the claimer writes outcome": a broken executor that
    // both ran the task and threw cannot have two threads writing it.
    if (STATE.compareAndSet(this, SCHEDULED, CLAIMED)) {
      WorkerRecorder r = recorder();
      if (r != null) {
        try {
          r.recordRejected();
        } catch (Throwable e) {
          recorderThrew(e);
        }
      }
      outcome = failure;
      if (STATE.compareAndSet(this, CLAIMED, FAILED)) {
        finish(SCHEDULED, FAILED, false, dequeue); // it never ran
      } else {
        outcome = null; // cancelled or timed out in between: that outcome stands
      }
    }
  }

  private RejectedExecutionException describeRejection(RejectedExecutionException cause) {
    return new RejectedExecutionException("manager '" + managerName() + "' could not run worker "
        + label() + ": " + rejectionReason(executor, cause), cause);
  }

  /** Why {@code executor} refused a task, in a user's terms (the pool's state when it is a pool). */
  static String rejectionReason(Executor executor, RejectedExecutionException cause) {
    if (executor instanceof ExecutorService && ((ExecutorService) executor).isShutdown()) {
      return "its executor is shut down";
    }
    if (executor instanceof LimitedExecutor) {
      return ((LimitedExecutor) executor).saturation();
    }
    if (executor instanceof ThreadPoolExecutor) {
      ThreadPoolExecutor pool = (ThreadPoolExecutor) executor;
      return "its pool is saturated (" + pool.getActiveCount() + " of " + pool.getMaximumPoolSize()
          + " threads busy, " + pool.getQueue().size() + " tasks queued, queue capacity left "
          + pool.getQueue().remainingCapacity() + ")";
    }
    return "its executor rejected the task (" + cause.getMessage() + ")";
  }

  /**
   * Gives the slot of a dead queue item back: removes it from the queue of a {@link ThreadPoolExecutor}
   * whose queue is bounded, or of a {@link LimitedExecutor} (O(queue), on cancellation only). An
   * unbounded queue has no slot to give back; the item stays until a pool thread takes it and finds the
   * worker ended.
   */
  private void dequeue(TaskRun<?> run) {
    if (executor instanceof ThreadPoolExecutor) {
      ThreadPoolExecutor pool = (ThreadPoolExecutor) executor;
      if (hasBoundedQueue(pool)) {
        pool.remove(run);
      }
    } else if (executor instanceof LimitedExecutor) {
      ((LimitedExecutor) executor).remove(run);
    }
  }

  /** Bounded: not a queue that reports (near) Integer.MAX_VALUE free slots, as unbounded ones do. */
  static boolean hasBoundedQueue(ThreadPoolExecutor pool) {
    return pool.getQueue().remainingCapacity() < Integer.MAX_VALUE / 2;
  }

  /**
   * The task as the executor sees it: not the worker itself, so that run() is not public API. It is a
   * Future so that an executor's owner can cancel what it drains from its queue (Spring's
   * ExecutorConfigurationSupport on shutdown, ThreadPoolExecutor.purge()): that cancels the worker.
   * As a Future it keeps the contract: {@code isCancelled()} once the worker ended without this task
   * completing it (cancelled or timed out), and then {@code get()} throws CancellationException;
   * {@code cancel} answers whether this call cancelled it.
   */
  static class TaskRun<T> implements RunnableFuture<Void> {
    final AsyncWorker<T> worker;
    private final Callable<? extends T> task;
    /** inside() wrapped in the submitter's context, when the manager propagates one. */
    @Nullable Runnable decorated;

    TaskRun(AsyncWorker<T> worker, Callable<? extends T> task) {
      this.worker = worker;
      this.task = task;
    }

    @Override
    public void run() {
      Runnable d = decorated;
      if (d != null) {
        d.run();
      } else {
        worker.run(task);
      }
    }

    /**
     * Inside the submitter's context: runs the task, or, on the thread of a finisher that is not the
     * runner (see fireInContext), the callbacks it took. A pool thread is never that finisher.
     */
    void inside() {
      if (worker.finisher == Thread.currentThread()) {
        worker.fireStashed();
      } else {
        worker.run(task);
      }
    }

    /** The exception that ends the worker when the executor refuses this item. */
    RejectedExecutionException refused(RejectedExecutionException e) {
      return worker.describeRejection(e);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      return worker.cancel(mayInterruptIfRunning, true) >= 0;
    }

    /** True once the worker ended without this task completing it: the queue may drop it. */
    @Override
    public boolean isCancelled() {
      int s = worker.state;
      return s == CANCELLED || s == TIMED_OUT;
    }

    @Override
    public boolean isDone() {
      return worker.isDone();
    }

    @Override
    public @Nullable Void get() throws InterruptedException, ExecutionException {
      await(false, 0L);
      return report();
    }

    @Override
    public @Nullable Void get(long timeout, TimeUnit unit)
        throws InterruptedException, ExecutionException, TimeoutException {
      if (!await(true, unit.toNanos(timeout))) {
        throw new TimeoutException("worker " + worker.label() + " did not end within " + timeout + " " + unit);
      }
      return report();
    }

    /** As Future.get: an interrupted waiter gets InterruptedException, its flag cleared. */
    private boolean await(boolean timed, long nanos) throws InterruptedException {
      try {
        return worker.awaitDone(timed, nanos);
      } catch (AsyncInterruptedException e) {
        Thread.interrupted();
        InterruptedException interrupted = new InterruptedException("interrupted while waiting for worker " + worker.label());
        interrupted.initCause(e);
        throw interrupted;
      }
    }

    private @Nullable Void report() throws ExecutionException {
      if (isCancelled()) {
        throw new CancellationException("worker " + worker.label() + " ended " + worker.state() + " before it completed");
      }
      if (worker.state == FAILED) {
        throw new ExecutionException(worker.failure());
      }
      return null;
    }

    @Override
    public String toString() {
      return "TaskRun[" + worker.label() + "]";
    }
  }

  private void run(Callable<? extends T> task) {
    Thread me = Thread.currentThread();
    RUNNER.setRelease(this, me); // before the claim, whose CAS publishes it: a canceller that sees RUNNING finds the thread
    long ran = stampRun(); // before the claim too: a finisher that wins after it reads it
    if (!STATE.compareAndSet(this, SCHEDULED, RUNNING)) {
      leave(me); // cancelled or timed out while queued: the task never runs
      return;
    }
    countRunning(ran);
    Object result;
    int end;
    try {
      Object o = observed;
      result = o instanceof WorkerObserver.Observed ? ((WorkerObserver.Observed) o).call(task) : task.call();
      end = SUCCEEDED;
    } catch (Throwable failure) {
      result = failure;
      end = FAILED;
    }
    outcome = result;
    if (STATE.compareAndSet(this, RUNNING, end)) {
      // Nobody interrupts us now: only the winner of the terminal CAS interrupts. `runner` stays set
      // while our callbacks run, and finish() clears it just before it publishes `settled` (with no
      // callback, just before the CAS that takes the stack as SETTLED).
      finish(RUNNING, end, true, false);
    } else {
      outcome = null; // cancelled or timed out while running: the late result is discarded
      leave(me);
    }
  }

  /** The runner lost the terminal CAS or never ran the task: hand the thread back clean. */
  private void leave(Thread me) {
    if (!RUNNER.compareAndSet(this, me, null)) {
      // The winner is interrupting this thread or has done so. Wait for the interrupt to land
      // (the interrupter holds INTERRUPTING only across Thread.interrupt()), then clear it so it
      // cannot hit the next task this pool thread runs.
      while (runner == INTERRUPTING) {
        Thread.onSpinWait();
      }
      Thread.interrupted();
      runner = null;
    }
    wakeSettleWaiters();
  }

  private void wakeSettleWaiters() {
    if (released != null) {
      wakeAll((Node) RELEASED.getAndSet(this, null));
    }
  }

  /** Interrupts the thread inside the task, if any. Never throws. */
  private void interruptRunner() {
    Object r = runner;
    if (r instanceof Thread && RUNNER.compareAndSet(this, r, INTERRUPTING)) {
      Throwable refused = null;
      try {
        ((Thread) r).interrupt();
      } catch (Throwable e) {
        // A Thread subclass or a security policy refused: the worker has ended all the same, and the
        // runner's late result is dropped by the lost CAS; only the early wake-up of the task is lost.
        refused = e;
      } finally {
        runner = INTERRUPTED; // first: a runner that lost spins on INTERRUPTING until this
      }
      if (refused != null) {
        Throwable e = refused;
        LOG.log(System.Logger.Level.WARNING, () -> "could not interrupt the thread running worker " + label(), e);
      }
    }
  }

  // ---------------------------------------------------------------- driven from outside

  /** An outside driver (retry) has begun the first attempt: SCHEDULED -> RUNNING, once. */
  void markRunning() {
    if (state == SCHEDULED) {
      long ran = stampRun();
      if (STATE.compareAndSet(this, SCHEDULED, RUNNING)) {
        countRunning(ran);
      }
    }
  }

  /**
   * Records when the task began to run, before the claiming CAS (only with a recorder): one clock
   * read ends the queue wait and starts the run.
   */
  private long stampRun() {
    if (recorder() == null) {
      return 0L;
    }
    long now = System.nanoTime();
    ranNanos = now; // read by a finisher after its terminal CAS, which follows the claim
    return now;
  }

  private void countRunning(long ran) {
    WorkerRecorder r = recorder();
    if (r != null) {
      try {
        r.recordQueueWait(ran - startNanos);
      } catch (Throwable e) {
        recorderThrew(e);
      }
    }
  }

  /**
   * Starts this manager's worker's observation, once its start is decided and before it is
   * submitted (on the starting thread, whose current context is the natural parent). If the worker
   * has ended meanwhile (a cancel won), the observation ends at once with its outcome.
   */
  void observe(WorkerObserver observer, String managerName, boolean retried) {
    WorkerObserver.Observed o;
    try {
      AsyncWorkerManager.Named n = named;
      o = observer.start(managerName, name(), n != null ? n.tag : name(), retried);
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.WARNING, () -> "the observer threw while starting worker " + label()
          + "; the worker goes on unobserved", e);
      return;
    }
    if (o != null && !OBSERVED.compareAndSet(this, null, o)) {
      endObserved(o);
    }
  }

  /** For a retry attempt, before it starts: runs its task inside {@code o}. */
  void observeAttempt(WorkerObserver.@Nullable Observed o) {
    observed = o; // published by the start's state CAS
  }

  /** This worker's observation (a retried operation's, for its attempts), or null. */
  WorkerObserver.@Nullable Observed observed() {
    Object o = observed;
    return o instanceof WorkerObserver.Observed ? (WorkerObserver.Observed) o : null;
  }

  /** Ends {@code o} with this worker's outcome; the worker has ended. */
  void endObserved(WorkerObserver.Observed o) {
    int s = state;
    try {
      o.end(WorkerState.of(s), s == FAILED || s == TIMED_OUT ? failure() : null);
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.WARNING, () -> "the observer threw while ending worker " + label(), e);
    }
  }

  /** The recorder of this worker's name (also for its retried operation's attempts); null: none. */
  @Nullable WorkerRecorder recorder() {
    AsyncWorkerManager.Named n = named;
    return n != null ? n.recorder : null;
  }

  /** A recorder must not throw; if it does, the worker's outcome stands and the throw is logged. */
  void recorderThrew(Throwable e) {
    LOG.log(System.Logger.Level.WARNING, () -> "the metrics recorder threw while recording worker " + label()
        + "; the worker is unaffected", e);
  }

  /** Wraps a task in the manager's context propagation, on the thread that submits it. */
  Runnable decorate(Runnable task) {
    AsyncWorkerManager m = manager;
    return m == null || m.contextPropagation == null ? task : m.contextPropagation.apply(task);
  }

  /**
   * The queue item that runs {@code task} for {@code worker} inside this worker's manager's context
   * propagation. The context wraps the inside, so the item stays a TaskRun (a Future that a queue's
   * owner can cancel).
   */
  <U> TaskRun<U> taskRun(AsyncWorker<U> worker, Callable<? extends U> task) {
    return withContext(new TaskRun<>(worker, task));
  }

  /** Wraps the item's inside in this worker's manager's context propagation, captured now. */
  <U, R extends TaskRun<U>> R withContext(R run) {
    AsyncWorkerManager m = manager;
    if (m != null && m.contextPropagation != null) {
      run.decorated = m.contextPropagation.apply(run::inside);
    }
    return run;
  }

  /**
   * Ends a worker whose outcome is driven from outside (a retried operation): the driver is the only
   * writer of `outcome` and calls this once. Returns false if the worker had already ended
   * (cancelled or timed out), in which case {@code value} is discarded.
   */
  boolean completeExternally(@Nullable Object value, @Nullable Throwable failure) {
    // Claim `runner` as a driver would claim the task, so that only one completer writes `outcome`;
    // cancel() finds no Thread there and interrupts nothing (the driver stops its own attempts).
    if (!RUNNER.compareAndSet(this, null, COMPLETING)) {
      return false;
    }
    try {
      int from = RUNNING;
      if (STATE.compareAndSet(this, SCHEDULED, CLAIMED)) {
        from = CLAIMED; // ended before its first attempt ran (rejected, or its launch failed)
      } else if (state != RUNNING) {
        return false;
      }
      int end = failure == null ? SUCCEEDED : FAILED;
      outcome = failure == null ? value : failure;
      if (STATE.compareAndSet(this, from, end)) {
        finish(from, end);
        return true;
      }
      outcome = null; // cancelled or timed out meanwhile: we are the only writer, so this is safe
      return false;
    } finally {
      runner = null;
      wakeSettleWaiters();
    }
  }

  /** Runs {@code action} once when the worker ends (or now, if it has): for drivers and metrics. */
  void whenDone(Runnable action) {
    addNode(new OnDone(action));
  }

  /** Times the worker out now, as if a timeout of {@code nanos} had expired (per-attempt timeouts). */
  void expire(long nanos) {
    TIMEOUT.compareAndSet(this, 0L, nanos);
    onTimeout();
  }

  /** The value of a SUCCEEDED worker. */
  @SuppressWarnings("unchecked")
  @Nullable T value() {
    if (state != SUCCEEDED) {
      throw new IllegalStateException("worker " + label() + " has not succeeded (" + state() + ")");
    }
    return (T) outcome;
  }

  // ---------------------------------------------------------------- ending

  /**
   * Cancels the worker. A worker not yet running never runs; a running one is interrupted and ends
   * {@code CANCELLED} at once, its late result discarded; a finished one is left as it is. A worker
   * never started becomes {@code CANCELLED} and can no longer be started.
   *
   * <p>Never blocks and never throws (not even when the running thread refuses the interrupt). Failure
   * callbacks and waiters are run by this call if it is the one that ends the worker, inside the
   * context (MDC, trace) captured when the worker started, when its manager propagates one. A task
   * still waiting in a bounded {@link ThreadPoolExecutor} queue is removed from it, so its slot is
   * free at once. Use {@link #waitForCompletion()} to wait until an interrupted task has left its
   * thread.
   */
  public void cancel() {
    cancel(true, true);
  }

  /**
   * Cancels the worker if it has not ended.
   *
   * @param interrupt whether a running task is interrupted (otherwise it runs on, its result dropped)
   * @param dequeue whether a queued item is removed from a bounded queue now (group cancellations
   *     purge the queue once instead)
   * @return the state this call ended the worker from, or -1 if it had already ended
   */
  int cancel(boolean interrupt, boolean dequeue) {
    int s;
    while ((s = state) < SUCCEEDED) {
      if (STATE.compareAndSet(this, s, CANCELLED)) {
        if (!interrupt && link instanceof RetryRun) {
          ((RetryRun<?>) link).doNotInterrupt(); // read by its onOpDone, which finish() runs below
        }
        try {
          if (interrupt && s != CREATED) {
            interruptRunner();
          }
        } finally {
          finish(s, CANCELLED, false, dequeue);
        }
        return s;
      }
    }
    return -1;
  }

  /** The hard timeout fired: the scheduler thread races completion with the same CAS. */
  void onTimeout() {
    int s;
    while ((s = state) == SCHEDULED || s == CLAIMED || s == RUNNING) {
      if (STATE.compareAndSet(this, s, TIMED_OUT)) {
        try {
          interruptRunner();
        } finally {
          finish(s, TIMED_OUT, false, true);
        }
        return;
      }
    }
  }

  /** Runs once, on the thread whose terminal CAS won; {@code from} is the state it left. */
  private void finish(int from, int end) {
    finish(from, end, false, false);
  }

  /**
   * @param leaving the winner is the thread inside the task: clear `runner` with the publication of
   *     `settled` (one fence for both: waiters read `settled` first, then `runner`), or, with no
   *     callback to run, before the CAS that takes the stack as SETTLED
   * @param dequeue remove a queued item from a bounded queue (a single cancellation or timeout)
   */
  private void finish(int from, int end, boolean leaving, boolean dequeue) {
    Object l = link;
    if (l instanceof TaskRun) {
      link = null; // the item holds the task: a finished worker must not keep it
      if (dequeue && (from == SCHEDULED || from == CLAIMED)) {
        dequeue((TaskRun<?>) l); // before the callbacks, which may want the slot for new work
      }
    }
    WorkerRecorder r = recorder();
    if (r != null) {
      // Only a worker that left RUNNING ran: one that left CLAIMED (a rejection or an outside driver
      // claimed it, and a cancel or timeout may have won after) never left the queue.
      boolean ran = from == RUNNING;
      try {
        r.recordEnd(WorkerState.of(end), ran, ran ? System.nanoTime() - ranNanos : 0L);
      } catch (Throwable e) {
        recorderThrew(e);
      }
    }
    Timer t = timer;
    if (t != null) {
      t.cancel();
    }
    AsyncWorkerManager m = manager;
    Object observation = null;
    if (m != null) {
      if (m.observer != null) {
        observation = OBSERVED.getAndSet(this, TOMBSTONE); // exactly one of this and observe() ends it
        if (observation instanceof WorkerObserver.Observed && !(l instanceof RetryRun)) {
          // Before workerDone: whoever waitForAll() lets go of sees the observation ended.
          endObserved((WorkerObserver.Observed) observation);
          observation = null;
        }
      }
      m.workerDone(this, end);
    }
    if (stack == null && !(observation instanceof WorkerObserver.Observed)) {
      // Nothing registered (no callback, no waiter): nothing to fire, so the CAS that takes the empty
      // stack settles the worker too, and no one can be waiting on `released` yet (waitForCompletion
      // waits for a taken stack first). One atomic write where the general path takes three.
      if (leaving) {
        RUNNER.setRelease(this, null); // ordered before the CAS: whoever reads SETTLED reads null here
      }
      if (STACK.compareAndSet(this, null, SETTLED)) {
        return;
      }
      // A callback or a waiter came in meanwhile: the general path, with `runner` already cleared
      // (the callbacks are not the task; waiters wait for `settled` as well).
    }
    finisher = Thread.currentThread();
    Object head = STACK.getAndSet(this, TOMBSTONE);
    if (head instanceof Node) {
      if (leaving) {
        fireAll((Node) head); // the runner is inside the submitter's context already
      } else {
        fireInContext((Node) head, l);
      }
    }
    finisher = null;
    if (observation instanceof WorkerObserver.Observed) {
      // A retried operation's, after its callbacks: one of them ends its running attempt (and the
      // attempt's observation) first, so a parent observation never ends before its children.
      endObserved((WorkerObserver.Observed) observation);
    }
    if (leaving) {
      RUNNER.setRelease(this, null); // ordered before the volatile write of `settled` below
    }
    settled = true;
    wakeSettleWaiters();
  }

  /** The nodes a finisher took, handed to the context wrapper that runs them on the same thread. */
  private static final ThreadLocal<@Nullable Node> STASHED = new ThreadLocal<>();

  /**
   * Fires the nodes inside the submitter's context, captured when the worker started, so that
   * callbacks of a worker ended by another thread (cancel, timeout) log under the submitter's MDC
   * and trace. The context wrapper is the queue item's own (captured once, for the task and for
   * this), or the retried operation's.
   */
  private void fireInContext(Node head, @Nullable Object l) {
    Runnable contextual = l instanceof TaskRun ? ((TaskRun<?>) l).decorated
        : l instanceof RetryRun ? ((RetryRun<?>) l).contextual() : null;
    if (contextual == null) {
      fireAll(head);
      return;
    }
    STASHED.set(head);
    try {
      contextual.run(); // calls back fireStashed() on this thread
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.WARNING, () -> "context propagation of worker " + label() + " threw", e);
    } finally {
      Node left = STASHED.get();
      STASHED.remove();
      if (left != null) {
        fireAll(left); // a wrapper that did not run its task must not cost the callbacks
      }
    }
  }

  /** Inside the context wrapper: fires what fireInContext stashed on this thread. */
  void fireStashed() {
    Node head = STASHED.get();
    if (head != null) {
      STASHED.set(null);
      fireAll(head);
    }
  }

  private void fireAll(Node head) {
    // Newest first on the stack; fire in registration order. The list is only read, never relinked:
    // a waiter that timed out may still be unlinking dead nodes from it (see unlinkDeadWaiters).
    if (head.next == null) {
      head.fire(this); // the common case: one waiter or one callback, no allocation
      return;
    }
    ArrayList<Node> nodes = new ArrayList<>();
    for (Node n = head; n != null; n = n.next) {
      nodes.add(n);
    }
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).fire(this);
    }
  }

  // ---------------------------------------------------------------- timeout

  /**
   * Sets a hard timeout. When it expires before the task ends, the worker ends {@code TIMED_OUT}, the
   * running thread is interrupted (and free as soon as the task honours the interrupt), and a task
   * still queued never runs. Set before {@link #startAsync}, it counts from the start; set after (on a
   * worker that {@code createWorker} returned, say), it counts from this call, as
   * {@link java.util.concurrent.CompletableFuture#orTimeout CompletableFuture.orTimeout} does. A
   * manager's default timeout counts from the start.
   *
   * @param timeout the limit, greater than zero
   * @return this worker
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is zero or negative
   * @throws IllegalStateException if a timeout was already set (or armed from the manager's default)
   */
  public AsyncWorker<T> setTimeout(Duration timeout) {
    long nanos = Durations.positiveNanos(timeout, "timeout");
    if (!TIMEOUT.compareAndSet(this, 0L, nanos)) {
      throw new IllegalStateException("timeout of worker " + label() + " already set to "
          + Duration.ofNanos(timeoutNanos));
    }
    if (state != CREATED) {
      try {
        armTimeout(nanos, false); // started already (startAsync may have armed it too: the TIMER CAS decides)
      } catch (RejectedExecutionException e) {
        TIMEOUT.compareAndSet(this, nanos, 0L); // not armed: do not claim a timeout that never fires
        throw e;
      }
    }
    return this;
  }

  /**
   * @param fromStart counted from the start (a timeout set before it, or the manager's default);
   *     otherwise from now (set after the start)
   */
  private void armTimeout(long nanos, boolean fromStart) {
    if (nanos == Long.MAX_VALUE) {
      return; // ~292 years: never fires
    }
    long remaining = nanos;
    if (fromStart) {
      long now = System.nanoTime();
      remaining = Math.max(0L, nanos - (now - startNanos(now))); // stamps the start, if no recorder did
    }
    Timer t = new Timer(this);
    try {
      t.future = scheduler().schedule(decorate(t), remaining, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      throw new RejectedExecutionException("manager '" + managerName() + "' could not arm the timeout of worker "
          + label() + ": its timeout scheduler is shut down", e);
    }
    // finish() reads `timer` after its terminal CAS; we read `state` after publishing `timer`: one of
    // us sees the other, so a worker that ends first never leaves its timer queued.
    if (!TIMER.compareAndSet(this, null, t) || state >= SUCCEEDED) {
      t.cancel();
    }
  }

  /**
   * A scheduled timeout. It holds the worker only until the worker ends, so that a scheduler that
   * keeps cancelled tasks until their deadline (the JDK default) does not keep finished workers.
   */
  static final class Timer implements Runnable {
    private volatile @Nullable AsyncWorker<?> worker;
    volatile @Nullable Future<?> future;

    Timer(AsyncWorker<?> worker) {
      this.worker = worker;
    }

    @Override
    public void run() {
      AsyncWorker<?> w = worker;
      if (w != null) {
        w.onTimeout();
      }
    }

    void cancel() {
      worker = null;
      Future<?> f = future;
      if (f != null) {
        f.cancel(false);
      }
    }
  }

  Executor executor() {
    return executor;
  }

  ScheduledExecutorService scheduler() {
    AsyncWorkerManager m = manager;
    return m != null ? m.scheduler : Defaults.scheduler();
  }

  // ---------------------------------------------------------------- results

  /**
   * Waits for the worker to end and returns its result. May be called any number of times and from
   * any thread; it always gives the same answer.
   *
   * @return the task's value
   * @throws IllegalStateException if the worker was never started
   * @throws CancellationException if the worker was cancelled
   * @throws AsyncTimeoutException if the hard timeout expired; it names the limit
   * @throws AsyncExecutionException if the task threw a checked exception (the cause)
   * @throws AsyncInterruptedException if the calling thread is interrupted while waiting
   * @throws RuntimeException the task's own unchecked exception, as thrown (also a
   *     {@link RejectedExecutionException} if the executor rejected the task)
   * @throws Error the task's own error, as thrown
   */
  public T getResult() {
    checkStarted();
    awaitEnded(false, 0L);
    return report();
  }

  /**
   * Waits at most {@code timeout} for the worker to end and returns its result. If the wait expires
   * the worker runs on; only the wait ends.
   *
   * @param timeout how long to wait; zero does not wait
   * @return the task's value
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws AsyncTimeoutException if the wait expired (cause: a {@link TimeoutException}) or the
   *     hard timeout did
   * @throws IllegalStateException if the worker was never started
   * @throws CancellationException if the worker was cancelled
   * @throws AsyncExecutionException if the task threw a checked exception (the cause)
   * @throws AsyncInterruptedException if the calling thread is interrupted while waiting
   * @throws RuntimeException the task's own unchecked exception, as thrown
   * @throws Error the task's own error, as thrown
   */
  public T getResult(Duration timeout) {
    long nanos = Durations.waitNanos(timeout, "timeout");
    checkStarted();
    if (!awaitEnded(true, nanos)) {
      throw new AsyncTimeoutException("worker " + label() + " did not finish within " + timeout
          + " (it is " + state() + " and keeps running)", timeout, new TimeoutException());
    }
    return report();
  }

  /**
   * Waits for the worker to end and tests its result without consuming it.
   *
   * @param validator the test; if it throws, the exception is logged and the answer is false
   * @return {@code true} if the worker succeeded and its result passes; {@code false} if it failed,
   *     was cancelled or timed out, or the result does not pass
   * @throws NullPointerException if {@code validator} is null
   * @throws IllegalStateException if the worker was never started
   * @throws AsyncInterruptedException if the calling thread is interrupted while waiting
   */
  @SuppressWarnings("unchecked")
  public boolean validate(Predicate<? super T> validator) {
    Objects.requireNonNull(validator, "validator");
    checkStarted();
    awaitEnded(false, 0L);
    if (state != SUCCEEDED) {
      return false;
    }
    try {
      return validator.test((T) outcome);
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.WARNING, () -> "validator of worker " + label() + " threw; treated as false", e);
      return false;
    }
  }

  /**
   * Waits until the worker has ended, the callbacks set before it ended have run, and its task has
   * left its thread: after {@link #cancel()} or a timeout this waits for the interrupted task to
   * return. Does not throw the task's failure. ({@link #getResult()} returns as soon as the worker
   * has ended, possibly while its callbacks still run on the completing thread.)
   *
   * @throws IllegalStateException if the worker was never started
   * @throws AsyncInterruptedException if the calling thread is interrupted while waiting
   */
  public void waitForCompletion() {
    checkStarted();
    awaitDone(false, 0L);
    awaitSettled(false, 0L);
  }

  /**
   * Waits at most {@code timeout} for what {@link #waitForCompletion()} waits for.
   *
   * @param timeout how long to wait; zero does not wait
   * @return {@code true} if it completed in time, {@code false} if the wait expired (the worker runs on)
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws IllegalStateException if the worker was never started
   * @throws AsyncInterruptedException if the calling thread is interrupted while waiting
   */
  public boolean waitForCompletion(Duration timeout) {
    long nanos = Durations.waitNanos(timeout, "timeout");
    checkStarted();
    long deadline = Durations.deadline(System.nanoTime(), nanos);
    return awaitDone(true, nanos) && awaitSettled(true, deadline);
  }

  /**
   * Registers a callback for the result. It runs exactly once if the worker succeeds: on the thread
   * that completed the worker, or at once on the calling thread if the worker has already succeeded.
   * It never runs for a failed, cancelled or timed-out worker. An exception it throws is logged with
   * the worker's name and changes nothing else. Several callbacks run in the order they were set.
   *
   * @param callback receives the result
   * @return this worker
   * @throws NullPointerException if {@code callback} is null
   */
  public AsyncWorker<T> setCallback(Consumer<? super T> callback) {
    addNode(new OnSuccess<>(Objects.requireNonNull(callback, "callback")));
    return this;
  }

  /**
   * Registers a callback for a failure, a timeout or a cancellation. It runs exactly once if the
   * worker ends in any way but success, with the exception {@link #getResult()} would throw (a
   * checked exception unwrapped), on the thread that ended the worker or at once on the calling
   * thread if it has already ended. An exception it throws is logged and changes nothing else.
   *
   * @param callback receives the failure, a {@link CancellationException} or an
   *     {@link AsyncTimeoutException}
   * @return this worker
   * @throws NullPointerException if {@code callback} is null
   */
  public AsyncWorker<T> setFailureCallback(Consumer<? super Throwable> callback) {
    addNode(new OnFailure(Objects.requireNonNull(callback, "callback")));
    return this;
  }

  /**
   * Returns a {@link CompletableFuture} that completes when this worker ends, for composition. Each
   * call returns a new view.
   *
   * <p>Cancelling the view cancels the worker, as {@code FutureTask} does: {@code cancel(true)}
   * interrupts a running task (as {@link #cancel()} does), {@code cancel(false)} does not (the task
   * runs on and its late result is dropped; {@link #waitForCompletion()} waits for it to return).
   * {@code cancel} returns whether the view is now cancelled. Completing the view by hand does not
   * affect the worker, and once the view is complete (by the worker or by hand) its {@code cancel}
   * changes nothing and returns {@code isCancelled()}.
   *
   * @return a future completed with the result, or exceptionally with the failure, a
   *     {@link CancellationException} or an {@link AsyncTimeoutException}
   */
  public CompletableFuture<T> toCompletableFuture() {
    View<T> view = new View<>(this);
    addNode(new ViewNode<>(view));
    return view;
  }

  // ---------------------------------------------------------------- queries

  /**
   * Tells whether the worker has reached a terminal state.
   *
   * @return {@code true} once the worker succeeded, failed, was cancelled or timed out
   */
  public boolean isDone() {
    return state >= SUCCEEDED;
  }

  /**
   * Tells whether the worker is scheduled or running. A cancelled or timed-out worker is not active
   * even while its interrupted task is still returning.
   *
   * @return {@code true} in {@code SCHEDULED} and {@code RUNNING}
   */
  public boolean isActive() {
    int s = state;
    return s == SCHEDULED || s == CLAIMED || s == RUNNING;
  }

  /**
   * Returns the current state.
   *
   * @return the state; terminal states never change
   */
  public WorkerState state() {
    return WorkerState.of(state);
  }

  /**
   * Returns the name of the work this worker does, as given to
   * {@link AsyncWorkerManager#createWorker(String, Callable)}, {@link AsyncWorkerManager#newWorker(String)}
   * or {@link AsyncWorkerManager#retry(String, Callable, RetryPolicy)}; {@value WorkerRecorder#UNNAMED}
   * for unnamed work. Metrics are tagged with it (see {@link WorkerRecorder} for the bound on distinct
   * names).
   *
   * @return the name, never null
   */
  public String name() {
    String n = name;
    return n != null ? n : WorkerRecorder.UNNAMED;
  }

  /**
   * Returns this worker's id: unique among the workers of this JVM and the same for the worker's whole
   * life. It names the worker in {@link #toString()}, log lines and exception messages, in its
   * manager's {@linkplain AsyncWorkerManager#inFlightWorkers(int) listing}, and
   * {@link AsyncWorkerManager#findWorker(long)} finds the worker by it while it is in flight.
   *
   * <p>The id is assigned the first time anyone asks for it (this method, {@code toString()}, a log
   * line, a listing), not when the worker is created, so that work no one looks at costs nothing:
   * ids are positive and never reused, but neither dense nor in the order the workers started.
   *
   * @return the id, greater than zero
   */
  public long id() {
    long i = id;
    if (i != 0L) {
      return i;
    }
    long next = nextId();
    return ID.compareAndSet(this, 0L, next) ? next : id; // a racing caller's id won: the same for both
  }

  /**
   * A new id from this thread's block, reserving the next block from the global counter once every
   * {@value #ID_BLOCK} ids: messages of rejected or timed-out work name their worker by id, and a burst
   * of them on many threads must not meet on one counter.
   */
  private static long nextId() {
    long[] range = ID_RANGE.get();
    if (range[0] == range[1]) {
      long end = IDS.addAndGet(ID_BLOCK);
      range[0] = end - ID_BLOCK + 1;
      range[1] = end + 1;
    }
    return range[0]++;
  }

  /** The id if one was assigned, else 0 (assigns nothing: for lookups and tests). */
  long assignedId() {
    return id;
  }

  /**
   * Returns a description for log lines: the worker's label (its manager's name, its own name if it
   * has one, and its {@linkplain #id() id}, as in {@code orders/payment#42}) and its state.
   *
   * @return the description
   */
  @Override
  public String toString() {
    return "AsyncWorker[" + label() + ", " + state() + "]";
  }

  /** How log lines and exception messages name this worker: {@code manager[/name]#id}. */
  String label() {
    String n = name;
    return managerName() + (n != null ? "/" + n : "") + "#" + id();
  }

  // ---------------------------------------------------------------- internals

  /** The internal state (CREATED ... TIMED_OUT), for a manager's walk. */
  int internalState() {
    return state;
  }

  /** finish() has taken the stack: the manager's bookkeeping for this worker is done. */
  boolean isFinished() {
    return taken(stack);
  }

  /** Whether finish() has taken the stack (TOMBSTONE or SETTLED). */
  private static boolean taken(@Nullable Object head) {
    return head == TOMBSTONE || head == SETTLED;
  }

  /** finish() has fired every node it took (or found none): see waitForCompletion(). */
  private boolean isSettled() {
    return settled || stack == SETTLED;
  }

  // ---------------------------------------------------------------- for operations (listing, watchdog)

  /**
   * When this started worker was started: exact when its manager records; else when its timeout was
   * armed at the start (a timeout set before startAsync, or the manager's default); else the first time
   * someone asked ({@code now}, which must be read after the worker was seen started; stamped so that
   * later askers agree). Read after a state of SCHEDULED or later.
   */
  long startNanos(long now) {
    long start = (long) START.getVolatile(this);
    if (start != UNSTAMPED) {
      return start;
    }
    return START.compareAndSet(this, UNSTAMPED, now) ? now : (long) START.getVolatile(this);
  }

  /**
   * When this RUNNING worker began to run: exact when its manager records, else the first time an
   * observer asked (stamped now, so later askers agree).
   */
  long ranNanos(long now) {
    long ran = (long) RAN.getVolatile(this);
    if (ran != 0L) {
      return ran;
    }
    return RAN.compareAndSet(this, 0L, now) ? now : (long) RAN.getVolatile(this);
  }

  /** The retried operation this worker is the handle of, or null. */
  @Nullable RetryRun<?> retryRun() {
    Object l = link;
    return l instanceof RetryRun ? (RetryRun<?>) l : null;
  }

  /**
   * The worker whose task holds a thread: this one, or a retried operation's current attempt (null
   * between attempts).
   */
  @Nullable AsyncWorker<?> onThread() {
    RetryRun<?> retry = retryRun();
    return retry != null ? retry.currentAttempt() : this;
  }

  /** The thread running this worker's task (a retried operation's: its attempt's), or null. */
  @Nullable Thread runningThread() {
    AsyncWorker<?> w = onThread();
    if (w == null || w.state != RUNNING) {
      return null;
    }
    Object r = w.runner;
    return r instanceof Thread ? (Thread) r : null;
  }

  /**
   * How long the task has held its thread (a retried operation: its current attempt), or -1 if none
   * runs now; stamps an unrecorded start (see {@link #ranNanos(long)}).
   */
  long threadRunNanos(long now) {
    AsyncWorker<?> w = onThread();
    if (w == null || w.state != RUNNING) {
      return -1L;
    }
    return Math.max(0L, now - w.ranNanos(now));
  }

  @Nullable AsyncWorkerManager manager() {
    return manager;
  }

  /** Attaches a retried operation's driver before the operation starts. */
  void linkDriver(RetryRun<T> driver) {
    link = driver;
  }

  /** Whether this is a retried operation (its driver linked; read by the thread that starts it). */
  boolean retried() {
    return link instanceof RetryRun;
  }

  /** The configured hard timeout in nanoseconds, 0 for none. */
  long timeoutNanos() {
    return timeoutNanos;
  }

  private String managerName() {
    AsyncWorkerManager m = manager;
    return m != null ? m.name() : "worker";
  }

  private void checkStarted() {
    if (state == CREATED) {
      throw new IllegalStateException("worker " + label() + " was never started");
    }
  }

  @SuppressWarnings("unchecked")
  private T report() {
    if (state == SUCCEEDED) {
      return (T) outcome;
    }
    Throwable failure = failure();
    if (failure instanceof RuntimeException) {
      throw (RuntimeException) failure;
    }
    if (failure instanceof Error) {
      throw (Error) failure;
    }
    throw new AsyncExecutionException("worker " + label() + " failed: " + failure, failure);
  }

  /** The exception of a worker that ended in any way but success; a checked one unwrapped. */
  Throwable failure() {
    switch (state) {
      case FAILED:
        return (Throwable) Objects.requireNonNull(outcome);
      case CANCELLED:
        return new CancellationException("worker " + label() + " was cancelled");
      case TIMED_OUT:
        Duration limit = Duration.ofNanos(timeoutNanos);
        return new AsyncTimeoutException("worker " + label() + " timed out after " + limit, limit, null);
      default:
        throw new IllegalStateException("worker " + label() + " has not failed (" + state() + ")");
    }
  }

  private void addNode(Node node) {
    for (;;) {
      Object head = stack;
      if (taken(head)) {
        node.fire(this); // already finished: run on the caller
        return;
      }
      node.next = (Node) head;
      if (STACK.compareAndSet(this, head, node)) {
        return;
      }
    }
  }

  /**
   * Waits until the worker has reached its terminal state: the result is readable then, since the
   * claimer wrote it before its terminal CAS. Linearizable with isDone(), state() and cancel(): a
   * thread that has seen the worker end (or lost a race to end it) never reads "not done" here.
   */
  private boolean awaitEnded(boolean timed, long nanos) {
    return state >= SUCCEEDED || awaitDone(timed, nanos) || state >= SUCCEEDED;
  }

  /**
   * Waits until finish() has taken the stack, that is until the manager's bookkeeping for this worker
   * is done too (what waitForAll needs). Returns false if the timed wait expired.
   */
  boolean awaitDone(boolean timed, long nanos) {
    if (taken(stack)) {
      return true;
    }
    long deadline = timed ? Durations.deadline(System.nanoTime(), nanos) : 0L;
    Waiter w = null;
    boolean queued = false;
    for (;;) {
      Object head = stack;
      if (taken(head)) {
        return true;
      }
      if (Thread.interrupted()) {
        if (w != null) {
          w.thread = null;
          unlinkDeadWaiters(STACK);
        }
        throw AsyncInterruptedException.whileWaiting("worker " + label());
      }
      if (w == null) {
        if (timed && nanos <= 0L) {
          return false;
        }
        w = new Waiter(Thread.currentThread());
      } else if (!queued) {
        w.next = (Node) head;
        queued = STACK.compareAndSet(this, head, w);
      } else if (timed) {
        nanos = deadline - System.nanoTime();
        if (nanos <= 0L) {
          w.thread = null;
          unlinkDeadWaiters(STACK);
          return taken(stack);
        }
        LockSupport.parkNanos(this, nanos);
      } else {
        LockSupport.park(this);
      }
    }
  }

  /**
   * After awaitDone: waits until finish() has fired its nodes and no thread is inside the task.
   * Returns false if the deadline passed. Whoever completes either condition wakes every waiter;
   * a waiter woken while the other condition still holds pushes a fresh node.
   */
  private boolean awaitSettled(boolean timed, long deadline) {
    Thread me = Thread.currentThread();
    if (finisher == me || runner == me) {
      return true; // called from this worker's own callback or task: it cannot wait for itself
    }
    Object l = link;
    AsyncWorker<?> attempt = l instanceof RetryRun ? ((RetryRun<?>) l).lastAttempt() : null;
    if (attempt != null && attempt.state != CREATED) {
      // A retried operation: its interrupted attempt must leave its thread too.
      if (!(timed ? attempt.awaitDone(true, deadline - System.nanoTime()) : attempt.awaitDone(false, 0L))
          || !attempt.awaitSettled(timed, deadline)) {
        return false;
      }
    }
    Waiter w = null;
    for (;;) {
      // Waker: sets its condition, then takes `released`. Waiter: pushes, then reads both
      // conditions. With volatiles one of us sees the other: no lost wakeup.
      if (isSettled() && runner == null) {
        if (w != null && w.thread != null) {
          w.thread = null;
          unlinkDeadWaiters(RELEASED);
        }
        return true;
      }
      if (Thread.interrupted()) {
        if (w != null) {
          w.thread = null;
          unlinkDeadWaiters(RELEASED);
        }
        throw AsyncInterruptedException.whileWaiting("worker " + label() + " to complete");
      }
      if (w == null || w.thread == null) {
        w = new Waiter(Thread.currentThread());
        for (;;) {
          Node head = released;
          w.next = head;
          if (RELEASED.compareAndSet(this, head, w)) {
            break;
          }
        }
        continue; // re-check after publishing the node
      }
      if (timed) {
        long nanos = deadline - System.nanoTime();
        if (nanos <= 0L) {
          w.thread = null;
          unlinkDeadWaiters(RELEASED);
          return isSettled() && runner == null;
        }
        LockSupport.parkNanos(this, nanos);
      } else {
        LockSupport.park(this);
      }
    }
  }

  /**
   * Unlinks waiters that gave up (timed out or interrupted) so that a worker polled with short waits
   * does not collect nodes. Other nodes (callbacks) are never unlinked. As FutureTask.removeWaiter:
   * restart when a race is seen; only the head is changed by CAS.
   */
  private void unlinkDeadWaiters(VarHandle head) {
    retry:
    for (;;) {
      Object h = head.getVolatile(this);
      if (!(h instanceof Node)) {
        return; // empty, or TOMBSTONE: finish() owns the nodes now
      }
      for (Node pred = null, q = (Node) h, s; q != null; q = s) {
        s = q.next;
        if (!q.isDeadWaiter()) {
          pred = q;
        } else if (pred != null) {
          pred.next = s;
          if (pred.isDeadWaiter()) {
            continue retry; // pred was unlinked by another thread meanwhile
          }
        } else if (!head.compareAndSet(this, q, s)) {
          continue retry;
        }
      }
      return;
    }
  }

  private static void wakeAll(@Nullable Node head) {
    for (Node n = head; n != null; n = n.next) {
      if (n instanceof Waiter) {
        ((Waiter) n).wake();
      }
    }
  }

  private void runCallback(Runnable call, String what) {
    try {
      call.run();
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.WARNING, () -> what + " of worker " + label() + " threw; ignored", e);
    }
  }

  /** A completion action: a waiter, a callback or a view, fired once by finish() or by its adder. */
  abstract static class Node {
    volatile @Nullable Node next;

    abstract void fire(AsyncWorker<?> worker);

    boolean isDeadWaiter() {
      return false;
    }
  }

  static final class Waiter extends Node {
    volatile @Nullable Thread thread;

    Waiter(Thread thread) {
      this.thread = thread;
    }

    @Override
    void fire(AsyncWorker<?> worker) {
      wake();
    }

    void wake() {
      Thread t = thread;
      if (t != null) {
        thread = null;
        LockSupport.unpark(t);
      }
    }

    @Override
    boolean isDeadWaiter() {
      return thread == null;
    }
  }

  static final class OnSuccess<T> extends Node {
    private final Consumer<? super T> callback;

    OnSuccess(Consumer<? super T> callback) {
      this.callback = callback;
    }

    @Override
    @SuppressWarnings("unchecked")
    void fire(AsyncWorker<?> worker) {
      if (worker.state == SUCCEEDED) {
        T value = (T) worker.outcome;
        worker.runCallback(() -> callback.accept(value), "callback");
      }
    }
  }

  static final class OnFailure extends Node {
    private final Consumer<? super Throwable> callback;

    OnFailure(Consumer<? super Throwable> callback) {
      this.callback = callback;
    }

    @Override
    void fire(AsyncWorker<?> worker) {
      if (worker.state != SUCCEEDED) {
        Throwable failure = worker.failure();
        worker.runCallback(() -> callback.accept(failure), "failure callback");
      }
    }
  }

  static final class OnDone extends Node {
    private final Runnable action;

    OnDone(Runnable action) {
      this.action = action;
    }

    @Override
    void fire(AsyncWorker<?> worker) {
      worker.runCallback(action, "completion action");
    }
  }

  static final class ViewNode<T> extends Node {
    private final View<T> view;

    ViewNode(View<T> view) {
      this.view = view;
    }

    @Override
    @SuppressWarnings("unchecked")
    void fire(AsyncWorker<?> worker) {
      if (worker.state == SUCCEEDED) {
        view.complete((T) worker.outcome);
      } else {
        view.completeExceptionally(worker.failure());
      }
    }
  }

  /** The CompletableFuture view: cancelling it cancels the worker. */
  static final class View<T> extends CompletableFuture<T> {
    private final AsyncWorker<T> worker;

    View(AsyncWorker<T> worker) {
      this.worker = worker;
    }

    /**
     * Cancels the worker, interrupting a running task only if {@code mayInterruptIfRunning} (as
     * {@code FutureTask} does; without it the task runs on and its late result is dropped). A view
     * already completed (by the worker, or by hand) is left as it is and the worker is not touched.
     * Returns whether this view is now cancelled.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (!isDone()) {
        worker.cancel(mayInterruptIfRunning, true);
        if (worker.state == CANCELLED) {
          // Completes the view now if finish() (maybe on another thread) has not reached it yet; its
          // own completion later is then a no-op with the same outcome.
          super.cancel(mayInterruptIfRunning);
        }
      }
      return isCancelled();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new CompletableFuture<>(); // dependents are plain futures, not views of this worker
    }
  }
}
