package io.atom.async;

import io.github.resilience4j.core.functions.Either;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One retried operation: the bridge between resilience4j's asynchronous retry engine and the one
 * {@link AsyncWorker} that the caller sees.
 *
 * <p>The engine ({@code Retry.executeCompletionStage}) calls {@link #get()} for each attempt and
 * schedules the delays on {@link #schedule this} scheduler, which forwards to the real one and keeps
 * the pending delay so that a cancellation can remove it (a zero delay it runs in place instead, once
 * per stack, rather than hop through the timer thread). Each attempt is a small untracked worker
 * on the operation's pool, so it is interrupted on cancel, and has its own timeout if the policy sets
 * one. When an attempt fails, this class decides, with the policy, whether another attempt may run and
 * after what delay (resilience4j's interval function, jitter, cap, deadline), and reports that decision
 * inside the failure ({@link AttemptFailed}); the engine's predicate and interval function read it
 * back. Attempts are sequential, so the plain fields are handed from one attempt to the next through
 * the engine's future and scheduler, which order them.
 */
final class RetryRun<T> extends AbstractExecutorService
    implements ScheduledExecutorService, Supplier<CompletionStage<T>> {

  private final RetryPolicy<T> policy;
  /** The user's operation; dropped when the operation ends, so a finished op keeps no closure. */
  private volatile @Nullable Callable<? extends T> task;
  /**
   * Or, for a retry whose attempts run elsewhere ({@link AsyncWorkerManager#retryDriven}), what starts
   * each attempt and completes it; dropped with {@code task}.
   */
  private volatile @Nullable Consumer<? super WorkerCompletion<T>> driver;
  /** Whether attempts are driven ({@code driver}) rather than run on the pool ({@code task}); fixed. */
  private final boolean driven;
  private final AsyncWorker<T> op;
  private final ScheduledExecutorService scheduler;
  private final long startNanos = System.nanoTime();
  private final List<Throwable> failures = new ArrayList<>();
  private int attempts;
  private volatile @Nullable AsyncWorker<T> current;
  /** The latest attempt, kept after it ends: the op's waitForCompletion() waits for it to leave its thread. */
  private volatile @Nullable AsyncWorker<T> lastAttempt;
  private volatile @Nullable Future<?> pendingDelay;
  /** The submitter's context around op.fireStashed(), for callbacks of an op ended by another thread. */
  private final @Nullable Runnable contextual;
  /** The context capture threw: the op ends FAILED with it instead of running. */
  private final @Nullable Throwable captureFailed;
  /** True while this thread runs the engine's next step in place of a zero delay (see schedule). */
  private boolean goingOn;
  /** Cleared by a cancel(false) of the op (its CompletableFuture view): the attempt is not interrupted. */
  private volatile boolean interruptAttempts = true;

  private RetryRun(RetryPolicy<T> policy, @Nullable Callable<? extends T> task,
      @Nullable Consumer<? super WorkerCompletion<T>> driver, AsyncWorker<T> op) {
    this.policy = policy;
    this.task = task;
    this.driver = driver;
    this.driven = driver != null;
    this.op = op;
    this.scheduler = op.scheduler();
    Runnable fire = op::fireStashed;
    Runnable decorated = fire;
    Throwable failed = null;
    try {
      decorated = op.decorate(fire); // user code: the context capture
    } catch (RuntimeException | Error e) {
      failed = e;
    }
    this.contextual = decorated != fire ? decorated : null;
    this.captureFailed = failed;
  }

  /** The op is being cancelled without interrupting (its view's cancel(false)): spare the attempt too. */
  void doNotInterrupt() {
    interruptAttempts = false;
  }

  @Nullable AsyncWorker<?> lastAttempt() {
    return lastAttempt;
  }

  @Nullable Runnable contextual() {
    return contextual;
  }

  /** The attempt running or queued now, or null between attempts (for listings and the watchdog). */
  @Nullable AsyncWorker<T> currentAttempt() {
    return current;
  }

  /**
   * The number of the latest attempt (0 before the first), for listings: read from another thread
   * without ordering, so it may lag by the attempt starting at that moment.
   */
  int attempt() {
    return attempts;
  }

  int maxAttempts() {
    return policy.maxAttempts;
  }

  /** Starts {@code op} as the retried operation of {@code task}; {@code op} must be CREATED. */
  static <T> void start(RetryPolicy<T> policy, Callable<? extends T> task, AsyncWorker<T> op) {
    start(new RetryRun<>(policy, task, null, op), policy, op);
  }

  /**
   * Starts {@code op} as a retried operation whose attempts are driven workers: {@code driver} starts
   * each one and completes it; {@code op} must be CREATED.
   */
  static <T> void startDriven(RetryPolicy<T> policy, Consumer<? super WorkerCompletion<T>> driver, AsyncWorker<T> op) {
    start(new RetryRun<>(policy, null, driver, op), policy, op);
  }

  private static <T> void start(RetryRun<T> run, RetryPolicy<T> policy, AsyncWorker<T> op) {
    op.whenDone(run::onOpDone);
    op.setCallback(policy.onSuccess());
    op.whenDone(policy.onComplete());
    Runnable launch = () -> policy.engine.executeCompletionStage(run, run).whenComplete(run::onFinal);
    op.linkDriver(run);
    AsyncWorkerManager manager = op.manager();
    if (manager != null) {
      manager.startTracked(op, null, launch, false, run.captureFailed);
    } else {
      op.start(null, launch, true, run.captureFailed);
    }
  }

  /** The engine asks for the next attempt. Never throws: resilience4j 2.4.0 would hang if it did. */
  @Override
  public CompletionStage<T> get() {
    CompletableFuture<T> stage = new CompletableFuture<>();
    try {
      if (op.isDone()) {
        stage.completeExceptionally(new CancellationException("the retried operation " + op.label() + " has ended"));
        return stage;
      }
      if (attempts > 0 && deadlinePassed()) {
        // A late scheduler must not start an attempt after the deadline: report the last failure.
        stage.completeExceptionally(new AttemptFailed(failures.get(failures.size() - 1), true, -1L, true));
        return stage;
      }
      int attempt = ++attempts;
      AsyncWorker<T> worker = new AsyncWorker<>(op.executor(), null); // untracked: the op is the worker
      current = worker;
      WorkerObserver.Observed observed = observeAttempt(worker, attempt);
      worker.whenDone(() -> {
        if (observed != null) {
          worker.endObserved(observed); // before it is judged: the attempt's span ends first
        }
        attemptEnded(worker, attempt, stage);
      });
      Callable<T> body = () -> {
        if (attempt > 1 && deadlinePassed()) {
          throw DEADLINE_PASSED; // queued behind busy threads until after the deadline: do not run
        }
        Callable<? extends T> operation = task;
        if (operation == null || op.isDone()) {
          // The op ended (cancelled, timed out) after this attempt was submitted: do not start it.
          throw new CancellationException("the retried operation " + op.label() + " has ended");
        }
        op.markRunning();
        return operation.call();
      };
      lastAttempt = worker; // waitForCompletion() of the op also waits for this attempt to leave its thread
      if (driven) {
        // Driven here, now: nothing queues, so the deadline check above is the only one. Lenient,
        // as below. A driver that throws fails this attempt, which the policy judges like any other.
        worker.start(null, () -> drive(worker), false, null);
      } else {
        // Submitted through the operation's context propagation, like any task of its manager.
        // Lenient: the attempt was made here and is started once (no race to guard against).
        worker.startRun(op.withContext(new AttemptRun(worker, body, attempt)), null, false, null);
      }
      if (policy.attemptTimeoutNanos > 0 && !worker.isDone()) {
        long nanos = policy.attemptTimeoutNanos;
        Future<?> timer = scheduler.schedule(op.decorate(() -> worker.expire(nanos)), nanos, TimeUnit.NANOSECONDS);
        worker.whenDone(() -> timer.cancel(false));
      }
      if (attempt > 1 && policy.maxTotalNanos >= 0 && !worker.isDone()) {
        // An attempt still waiting for a thread at the deadline (queued behind busy threads, or
        // deferred under caller-runs) never starts: the operation ends then, not when a thread frees.
        long left = Math.max(0L, policy.maxTotalNanos - (System.nanoTime() - startNanos));
        Future<?> deadline = scheduler.schedule(() -> worker.failIfQueued(DEADLINE_PASSED), left, TimeUnit.NANOSECONDS);
        worker.whenDone(() -> deadline.cancel(false));
      }
      // onOpDone() sets the op terminal, then reads `current`; we wrote `current`, then read the op.
      if (op.isDone()) {
        worker.cancel();
      }
    } catch (Throwable unexpected) {
      stage.completeExceptionally(unexpected instanceof Exception
          ? new AttemptFailed(unexpected, false, -1L, false) : unexpected);
      AsyncWorker<T> orphan = current; // started, but its operation has just failed
      if (orphan != null) {
        orphan.cancel();
      }
    }
    return stage;
  }

  /** Starts a driven attempt (on the thread that asked for it), unless the operation has ended. */
  private void drive(AsyncWorker<T> worker) {
    worker.markRunning();
    WorkerCompletion<T> completion = new WorkerCompletion<>(worker);
    Consumer<? super WorkerCompletion<T>> d = driver;
    if (d == null || op.isDone()) {
      completion.fail(new CancellationException("the retried operation " + op.label() + " has ended"));
      return;
    }
    op.markRunning();
    try {
      d.accept(completion);
    } catch (Throwable e) {
      completion.fail(e); // a no-op if the driver (or a cancel) ended the attempt first
    }
  }

  /** Starts the observation of an attempt, a child of its operation's, if the operation is observed. */
  private WorkerObserver.@Nullable Observed observeAttempt(AsyncWorker<T> worker, int attempt) {
    WorkerObserver.Observed parent = op.observed();
    if (parent == null) {
      return null;
    }
    WorkerObserver.Observed child;
    try {
      child = parent.attempt(attempt);
    } catch (Throwable e) {
      System.getLogger(RetryRun.class.getName()).log(System.Logger.Level.WARNING,
          () -> "the observer threw while starting attempt " + attempt + " of " + op.label(), e);
      return null;
    }
    worker.observeAttempt(child);
    return child;
  }

  private boolean deadlinePassed() {
    long maxTotal = policy.maxTotalNanos;
    return maxTotal >= 0 && System.nanoTime() - startNanos > maxTotal;
  }

  /** Judges an ended attempt. Never throws: an exception here would leave the operation hanging. */
  private void attemptEnded(AsyncWorker<T> worker, int attempt, CompletableFuture<T> stage) {
    try {
      judge(worker, attempt, stage);
    } catch (Throwable unexpected) {
      stage.completeExceptionally(unexpected instanceof Exception
          ? new AttemptFailed(unexpected, false, -1L, false) : unexpected);
    }
  }

  private void judge(AsyncWorker<T> worker, int attempt, CompletableFuture<T> stage) {
    if (current == worker) {
      current = null;
    }
    switch (worker.state()) {
      case SUCCEEDED: {
        T value = worker.value();
        if (!policy.rejectsResult(value)) {
          recordAttempt(true);
          stage.complete(value);
          return;
        }
        // Named by type only: the value's toString() is user code that may throw.
        attemptFailed(new AsyncExecutionException("attempt " + attempt + " returned a "
            + (value == null ? "null" : value.getClass().getName()) + " that the retryIfResult predicate rejects",
            null), attempt, stage, true);
        return;
      }
      case CANCELLED:
        if (stage.isDone()) {
          return; // cancelled by get() itself, after it failed the attempt
        }
        // Cancelled by the operation, or by an executor's owner draining its queue: either way the
        // operation ends CANCELLED, not FAILED.
        op.cancel();
        stage.completeExceptionally(worker.failure());
        return;
      default: // FAILED, TIMED_OUT (per-attempt timeout)
        Throwable failure = worker.failure();
        if (failure == DEADLINE_PASSED) {
          attempts--; // it never ran
          stage.completeExceptionally(new AttemptFailed(failures.get(failures.size() - 1), true, -1L, true));
          return;
        }
        attemptFailed(failure, attempt, stage, worker.state() == WorkerState.TIMED_OUT);
    }
  }

  private String managerName() {
    AsyncWorkerManager m = op.manager();
    return m != null ? m.name() : "worker";
  }

  /**
   * An attempt's queue item. A refusal by the pool is the operation's manager's: it is counted once
   * in its rejections and named after the operation and the attempt (the attempt's own worker has no
   * manager).
   */
  private final class AttemptRun extends AsyncWorker.TaskRun<T> {
    private final int attempt;

    AttemptRun(AsyncWorker<T> worker, Callable<? extends T> body, int attempt) {
      super(worker, body);
      this.attempt = attempt;
    }

    @Override
    RejectedExecutionException refused(RejectedExecutionException e) {
      WorkerRecorder r = op.recorder();
      if (r != null) {
        try {
          r.recordRejected();
        } catch (Throwable thrown) {
          op.recorderThrew(thrown);
        }
      }
      return new RejectedExecutionException("manager '" + managerName() + "' could not run attempt " + attempt
          + " of retried operation " + op.label() + ": " + AsyncWorker.rejectionReason(op.executor(), e), e);
    }
  }

  /**
   * @param ours a failure of the policy's own making (a rejected result, a per-attempt timeout):
   *     retried whatever the exception filters say, within the attempts and the deadline
   */
  private void attemptFailed(Throwable failure, int attempt, CompletableFuture<T> stage, boolean ours) {
    recordAttempt(false);
    failures.add(failure);
    if (!op.isDone()) {
      policy.fireOnError(failure); // not after the operation ended (and onComplete ran)
    }
    if (failure instanceof Error) {
      stage.completeExceptionally(failure); // the engine never retries an Error; the op fails with it
      return;
    }
    if (!ours && !policy.isRetryable(failure)) {
      stage.completeExceptionally(new AttemptFailed(failure, false, -1L, false));
      return;
    }
    if (attempt >= policy.maxAttempts) {
      stage.completeExceptionally(new AttemptFailed(failure, true, -1L, false));
      return;
    }
    long delayMillis = policy.delayMillis(attempt);
    long elapsed = System.nanoTime() - startNanos;
    long maxTotal = policy.maxTotalNanos;
    if (maxTotal >= 0 && (maxTotal == 0 || RetryPolicy.millisToNanos(delayMillis) > maxTotal - elapsed)) {
      stage.completeExceptionally(new AttemptFailed(failure, true, -1L, true)); // no attempt may start after the deadline
      return;
    }
    stage.completeExceptionally(new AttemptFailed(failure, true, delayMillis, false));
  }

  /** The engine's promise completed: end the operation's worker (unless it was cancelled first). */
  private void onFinal(@Nullable T value, @Nullable Throwable thrown) {
    try {
      end(value, thrown);
    } catch (Throwable unexpected) {
      op.completeExternally(null, unexpected); // never leave the operation hanging
    }
  }

  private void end(@Nullable T value, @Nullable Throwable thrown) {
    WorkerRecorder r = op.recorder();
    if (r != null && !op.isDone()) {
      // Counted before the op ends, so that whoever sees it ended sees it counted.
      try {
        r.recordRetryCall(thrown == null
            ? (attempts > 1 ? WorkerStats.RetryCall.SUCCESSFUL_WITH_RETRY : WorkerStats.RetryCall.SUCCESSFUL_WITHOUT_RETRY)
            : (attempts > 1 ? WorkerStats.RetryCall.FAILED_WITH_RETRY : WorkerStats.RetryCall.FAILED_WITHOUT_RETRY));
      } catch (Throwable e) {
        op.recorderThrew(e);
      }
    }
    if (thrown == null) {
      op.completeExternally(value, null);
      return;
    }
    Throwable t = thrown instanceof CompletionException && thrown.getCause() != null ? thrown.getCause() : thrown;
    if (!(t instanceof AttemptFailed)) {
      suppressEarlierFailures(t);
      op.completeExternally(null, t); // an Error, or the cancellation that already ended the op
      return;
    }
    AttemptFailed last = (AttemptFailed) t;
    if (!last.retryable) {
      suppressEarlierFailures(last.failure);
      op.completeExternally(null, last.failure); // "don't retry": fail at once with that exception
      return;
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
    RetryExhaustedException exhausted = new RetryExhaustedException(
        (last.deadlineReached
            ? "retry deadline of " + Duration.ofNanos(policy.maxTotalNanos) + " of " + op.label() + " reached after "
                + attempts + (attempts == 1 ? " attempt" : " attempts")
            : "all " + attempts + (attempts == 1 ? " attempt" : " attempts") + " of " + op.label() + " failed")
            + " in " + elapsed + "; last failure: " + last.failure.getClass().getName(),
        last.failure, attempts, elapsed, last.deadlineReached);
    for (int i = 0; i < failures.size() - 1; i++) {
      exhausted.addSuppressed(failures.get(i));
    }
    op.completeExternally(null, exhausted);
  }

  /** The final failure carries every earlier attempt's failure (DESIGN.md), in order. */
  private void suppressEarlierFailures(Throwable last) {
    for (Throwable earlier : failures) {
      if (earlier != last && earlier != DEADLINE_PASSED) {
        last.addSuppressed(earlier);
      }
    }
  }

  private void recordAttempt(boolean succeeded) {
    WorkerRecorder r = op.recorder();
    if (r != null) {
      try {
        r.recordAttempt(succeeded);
      } catch (Throwable e) {
        op.recorderThrew(e);
      }
    }
  }

  /** The operation ended: if it was cancelled or timed out, stop the attempt and the delay. */
  private void onOpDone() {
    driver = null;
    task = null; // a finished operation keeps no closure (the op's worker outlives it in user hands)
    if (op.state() == WorkerState.CANCELLED || op.state() == WorkerState.TIMED_OUT) {
      AsyncWorker<T> attempt = current;
      if (attempt != null) {
        attempt.cancel(interruptAttempts, true);
      }
      Future<?> delay = pendingDelay;
      if (delay != null) {
        delay.cancel(false);
      }
    }
  }

  // ------------------------------------------------------------ what the engine reads back

  /** The engine's retry predicate. */
  static boolean isRetryable(Throwable t) {
    return t instanceof AttemptFailed && ((AttemptFailed) t).retryable;
  }

  /** The engine's interval function: the delay decided here, or -1 to stop. */
  static long delayOf(Either<Throwable, ?> outcome) {
    if (outcome.isLeft() && outcome.getLeft() instanceof AttemptFailed) {
      return ((AttemptFailed) outcome.getLeft()).delayMillis;
    }
    return -1L; // results are never retried by the engine: rejected results arrive as failures
  }

  /** Thrown by an attempt that would start after the deadline; never escapes. */
  private static final Exception DEADLINE_PASSED = new AttemptFailed(new IllegalStateException("deadline"), true, -1L, true);

  /** A failed attempt with the decision about the next one. No stack trace: it never escapes. */
  static final class AttemptFailed extends Exception {
    private static final long serialVersionUID = 1L;

    final transient Throwable failure;
    final boolean retryable;
    final long delayMillis;
    final boolean deadlineReached;

    AttemptFailed(Throwable failure, boolean retryable, long delayMillis, boolean deadlineReached) {
      super(null, null, false, false);
      this.failure = failure;
      this.retryable = retryable;
      this.delayMillis = delayMillis;
      this.deadlineReached = deadlineReached;
    }
  }

  // ------------------------------------------------------------ the scheduler the engine sees

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    // Called on the thread that saw the attempt fail, inside the submitter's context (restored there
    // by the decorated attempt or timer).
    if (delay <= 0L && !goingOn && !Thread.currentThread().isInterrupted()) {
      // No delay: go on here rather than hop to the timer thread and back (two thread wake-ups per
      // retry); the engine's next step submits the next attempt to the pool at once. Once per stack:
      // with an executor that runs tasks on the caller, the next attempt runs (and fails) inside this
      // call, and its own retry takes the timer, so attempts nest at most one deep. The flag is only
      // ever read by the thread that set it or by a later attempt's thread, for which either path is
      // right. A thread whose interrupt flag is set (a task that left it set) takes the timer too: an
      // attempt run here on the caller must not start interrupted.
      goingOn = true;
      try {
        command.run();
      } finally {
        goingOn = false;
      }
      return WENT_ON;
    }
    // Capture the context again for the next attempt, which the timer thread starts.
    ScheduledFuture<?> f = scheduler.schedule(op.decorate(command), delay, unit);
    pendingDelay = f;
    if (op.isDone()) {
      f.cancel(false); // cancelled meanwhile: onOpDone() may have missed this delay
    }
    return f;
  }

  /** What schedule() returns for a zero delay it did not schedule: the step has run. */
  private static final ScheduledFuture<?> WENT_ON = new WentOn();

  private static final class WentOn implements ScheduledFuture<Object> {
    @Override
    public long getDelay(TimeUnit unit) {
      return 0L;
    }

    @Override
    public int compareTo(java.util.concurrent.Delayed other) {
      return Long.compare(0L, other.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      return false;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public boolean isDone() {
      return true;
    }

    @Override
    public @Nullable Object get() {
      return null;
    }

    @Override
    public @Nullable Object get(long timeout, TimeUnit unit) {
      return null;
    }
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("not used by the retry engine");
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    throw new UnsupportedOperationException("not used by the retry engine");
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("not used by the retry engine");
  }

  @Override
  public void execute(Runnable command) {
    scheduler.execute(command);
  }

  @Override
  public void shutdown() {
    throw new UnsupportedOperationException("the shared scheduler is not shut down by a retry");
  }

  @Override
  public List<Runnable> shutdownNow() {
    throw new UnsupportedOperationException("the shared scheduler is not shut down by a retry");
  }

  @Override
  public boolean isShutdown() {
    return scheduler.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return scheduler.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return scheduler.awaitTermination(timeout, unit);
  }
}
