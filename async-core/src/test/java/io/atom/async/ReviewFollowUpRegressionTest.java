package io.atom.async;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Findings of the review of the issue-10 changes, each pinned by the behaviour it restores. The two
 * races are spun many times ({@code -Datom.stress.iterations} scales them); they hit the old window
 * thousands of times per run.
 */
@Timeout(120)
class ReviewFollowUpRegressionTest {
  private static final int RACE_ROUNDS = Math.max(2_000, Integer.getInteger("atom.stress.iterations", 20_000));

  private final TaskGate gate = new TaskGate();

  @AfterEach
  void releaseBlockedTasks() {
    gate.release();
  }

  /**
   * Starts a retried operation whose attempts always fail, lets its first attempt fail on the free
   * pool, then fills the pool's only thread: the delay before attempt 2 is pending on {@code scheduler}.
   */
  private AsyncWorker<String> failedOnceThenPoolBusy(AsyncWorkerManager manager, ThreadPoolExecutor pool,
      ManualScheduler scheduler, AtomicInteger calls, RetryPolicy.Builder<String> policy) throws Exception {
    CountDownLatch firstAttemptEnded = new CountDownLatch(1);
    AsyncWorker<String> op = manager.retry(() -> {
      calls.incrementAndGet();
      throw new IllegalStateException("flaky");
    }, policy.maxAttempts(5).initialDelay(Duration.ofMillis(1)).backoff(BackoffStrategy.FIXED)
        .onError(e -> firstAttemptEnded.countDown()).build());
    assertThat(firstAttemptEnded.await(10, SECONDS)).isTrue();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !scheduler.scheduled.isEmpty() && pool.getActiveCount() == 0);
    manager.createWorker(gate::block);
    gate.awaitStarted();
    return op;
  }

  @Test
  void viewCancelFalse_onARetriedOperation_doesNotInterruptTheRunningAttempt() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    AtomicBoolean interrupted = new AtomicBoolean();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).build()) {
      AsyncWorker<Integer> op = manager.retry(() -> {
        try {
          return gate.block();
        } catch (InterruptedException e) {
          interrupted.set(true);
          throw e;
        }
      }, RetryPolicy.<Integer>builder().maxAttempts(1).build());
      CompletableFuture<Integer> view = op.toCompletableFuture();
      gate.awaitStarted();

      assertThat(view.cancel(false)).isTrue();
      gate.release();

      assertThat(op.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      assertThat(interrupted).as("cancel(false) does not interrupt the attempt").isFalse();
      assertThat(op.state()).isEqualTo(WorkerState.CANCELLED);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRefusedAttempt_endsTheOperationAtOnce_withTheRefusal() throws Exception {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, SECONDS, new SynchronousQueue<>());
    ManualScheduler scheduler = new ManualScheduler();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).scheduler(scheduler).build()) {
      AtomicInteger calls = new AtomicInteger();
      AsyncWorker<String> op = failedOnceThenPoolBusy(manager, pool, scheduler, calls, RetryPolicy.builder());

      scheduler.fireAll(); // attempt 2 is refused by the full pool

      assertThat(op.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      assertThat(op.failure()).isInstanceOf(RejectedExecutionException.class);
      assertThat(calls).as("a refusal is not retried").hasValue(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anAttemptStillQueuedAtTheDeadline_neverRuns_andTheOperationEndsThen() throws Exception {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, SECONDS, new ArrayBlockingQueue<>(4));
    ManualScheduler scheduler = new ManualScheduler();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).scheduler(scheduler).build()) {
      AtomicInteger calls = new AtomicInteger();
      AsyncWorker<String> op = failedOnceThenPoolBusy(manager, pool, scheduler, calls,
          RetryPolicy.<String>builder().maxTotalDelay(Duration.ofSeconds(30)));

      // The delay ends: attempt 2 waits in the queue behind the busy thread; then its deadline
      // timer fires (the manual scheduler runs what is scheduled meanwhile too).
      scheduler.fireAll();

      assertThat(op.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      assertThat(op.failure()).isInstanceOfSatisfying(RetryExhaustedException.class,
          e -> assertThat(e.deadlineReached()).isTrue());
      assertThat(pool.getQueue()).as("the dead attempt gave its slot back").isEmpty();
      gate.release();
      assertThat(manager.createWorker(calls::get).getResult(Duration.ofSeconds(10))).as("attempt 2 never ran").isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aThrowingContextCapture_endsTheWorkerFailed_insteadOfThrowingFromCreateWorkerOrRetry() {
    ManualExecutor executor = new ManualExecutor();
    IllegalStateException captureFailed = new IllegalStateException("capture failed");
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor)
        .contextPropagation(task -> {
          throw captureFailed;
        }).build();
    AtomicReference<AsyncWorker<Integer>> created = new AtomicReference<>();
    AtomicReference<AsyncWorker<Integer>> retried = new AtomicReference<>();

    assertThatCode(() -> created.set(manager.createWorker(() -> 1))).doesNotThrowAnyException();
    assertThatCode(() -> retried.set(manager.retry(() -> 1))).doesNotThrowAnyException();

    assertThat(created.get().state()).isEqualTo(WorkerState.FAILED);
    assertThat(created.get().failure()).isSameAs(captureFailed);
    assertThat(retried.get().state()).isEqualTo(WorkerState.FAILED);
    assertThat(retried.get().failure()).isSameAs(captureFailed);
    assertThat(executor.queued()).as("nothing was submitted").isZero();
    assertThat(manager.inFlightCount()).isZero();
  }

  @Test
  @SuppressWarnings("unchecked")
  void aQueueItemsGet_throwsInterruptedException_whenTheWaiterIsInterrupted() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    manager.createWorker(() -> 1);
    Future<Void> item = (Future<Void>) executor.take();
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(item::get).isInstanceOf(InterruptedException.class);
      assertThat(Thread.currentThread().isInterrupted()).as("cleared, as Future.get does").isFalse();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void aRejectionRacingCancel_keepsThePendingAndActiveGaugesBalanced() {
    AsyncWorkerManager manager = AsyncWorkerManager.builder()
        .executor(task -> {
          throw new RejectedExecutionException("full");
        })
        .scheduler(new ManualScheduler()).recordStats().build();
    AtomicReference<AsyncWorker<Integer>> current = new AtomicReference<>();
    AtomicInteger round = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    Thread canceller = new Thread(() -> {
      for (int seen = 1; seen <= RACE_ROUNDS; seen++) {
        while (round.get() < seen) {
          Thread.onSpinWait();
        }
        AsyncWorker<Integer> w = current.get();
        WorkerState s;
        while ((s = w.state()) == WorkerState.CREATED || s == WorkerState.SCHEDULED) {
          Thread.onSpinWait(); // cancel inside reject()'s window between RUNNING and FAILED
        }
        w.cancel();
        done.set(seen);
      }
    }, "canceller");
    canceller.setDaemon(true);
    canceller.start();
    for (int i = 1; i <= RACE_ROUNDS; i++) {
      AsyncWorker<Integer> w = manager.newWorker();
      current.set(w);
      round.set(i);
      w.startAsync(() -> 1);
      long deadline = System.nanoTime() + SECONDS.toNanos(10);
      while (done.get() != i) {
        assertThat(System.nanoTime() - deadline).as("round %d", i).isNegative();
        Thread.onSpinWait();
      }
    }
    WorkerStats stats = manager.stats();
    assertThat(stats.pending()).as("pending gauge: %s", stats).isZero();
    assertThat(stats.active()).as("active gauge: %s", stats).isZero();
    assertThat(stats.runNanos(WorkerState.CANCELLED)).as("none of them ran").isZero();
  }

  /**
   * A retried operation's driver claims it without running it (its last attempt gave up) while the
   * stamp of an attempt that lost that claim is still in the worker; a cancel then wins. The claim
   * itself must say "never ran": the gauges settle to zero and no run time is recorded. The racing
   * state is set by hand (the real window is a few nanoseconds).
   */
  @Test
  void aCancelWinningAfterAClaimWithoutRunning_countsTheWorkerAsNeverRun() throws Exception {
    java.lang.invoke.MethodHandles.Lookup lookup =
        java.lang.invoke.MethodHandles.privateLookupIn(AsyncWorker.class, java.lang.invoke.MethodHandles.lookup());
    java.lang.invoke.VarHandle state = lookup.findVarHandle(AsyncWorker.class, "state", int.class);
    java.lang.invoke.VarHandle ranNanos = lookup.findVarHandle(AsyncWorker.class, "ranNanos", long.class);
    int claimed = (int) lookup.findStaticVarHandle(AsyncWorker.class, "CLAIMED", int.class).get();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(new ManualExecutor())
        .scheduler(new ManualScheduler()).recordStats().build();
    AsyncWorker<Integer> op = manager.newWorker();
    manager.startTracked(op, null, () -> { }, false); // an operation whose driver has not run an attempt
    assertThat(op.state()).isEqualTo(WorkerState.SCHEDULED);
    ranNanos.setVolatile(op, System.nanoTime()); // an attempt stamped it, then lost its claim
    assertThat(state.compareAndSet(op, AsyncWorker.SCHEDULED, claimed)).isTrue(); // the driver's claim
    assertThat(op.state()).as("claimed shows as RUNNING").isEqualTo(WorkerState.RUNNING);

    op.cancel();

    WorkerStats stats = manager.stats();
    assertThat(stats.pending()).as("pending: %s", stats).isZero();
    assertThat(stats.active()).as("active: %s", stats).isZero();
    assertThat(stats.runNanos(WorkerState.CANCELLED)).as("it never ran").isZero();
    assertThat(manager.inFlightCount()).isZero();
  }

  @Test
  void aDoubleStartRacingThenCancel_leavesNoDeadItemInABoundedQueue() throws Exception {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, SECONDS, new ArrayBlockingQueue<>(10));
    pool.execute(() -> {
      try {
        gate.block();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    gate.awaitStarted();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).scheduler(new ManualScheduler()).build();
    AtomicReference<AsyncWorker<Integer>> current = new AtomicReference<>();
    AtomicInteger round = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    int rounds = RACE_ROUNDS / 4;
    Thread second = new Thread(() -> {
      for (int seen = 1; seen <= rounds; seen++) {
        while (round.get() < seen) {
          Thread.onSpinWait();
        }
        try {
          current.get().startAsync(() -> 2);
        } catch (IllegalStateException lost) {
          // the other start won
        }
        done.set(seen);
      }
    }, "second-start");
    second.setDaemon(true);
    second.start();
    try {
      for (int i = 1; i <= rounds; i++) {
        AsyncWorker<Integer> w = manager.newWorker();
        current.set(w);
        round.set(i);
        try {
          w.startAsync(() -> 1);
        } catch (IllegalStateException lost) {
          // the other start won
        }
        long deadline = System.nanoTime() + SECONDS.toNanos(10);
        while (done.get() != i) {
          assertThat(System.nanoTime() - deadline).as("round %d", i).isNegative();
          Thread.onSpinWait();
        }
        w.cancel();
        assertThat(pool.getQueue()).as("round %d: cancel() removed the winner's item", i).isEmpty();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
