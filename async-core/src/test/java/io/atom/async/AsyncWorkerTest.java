package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AsyncWorkerTest {
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void shutdown() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  // ------------------------------------------------------------ results

  @Test
  void startAsync_thenGetResult_returnsValue_andAgainTheSame() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> 42);
    assertThat(worker.getResult()).isEqualTo(42);
    assertThat(worker.getResult()).isEqualTo(42);
    assertThat(worker.state()).isEqualTo(WorkerState.SUCCEEDED);
    assertThat(worker.isDone()).isTrue();
    assertThat(worker.isActive()).isFalse();
  }

  @Test
  void defaultWorker_runsOnSharedDaemonPool() {
    AsyncWorker<Thread> worker = new AsyncWorker<>();
    worker.startAsync(Thread::currentThread);
    Thread thread = worker.getResult();
    assertThat(thread.isDaemon()).isTrue();
    assertThat(thread.getName()).startsWith("atom-async-default-");
  }

  @Test
  void startAsync_withOneAndTwoArguments_appliesThem() {
    AsyncWorker<Integer> square = new AsyncWorker<>(pool);
    square.startAsync(x -> x * x, 5);
    AsyncWorker<Double> hypot = new AsyncWorker<>(pool);
    hypot.startAsync((Double x, Double y) -> Math.sqrt(x * x + y * y), 3.0, 4.0);
    assertThat(square.getResult()).isEqualTo(25);
    assertThat(hypot.getResult()).isEqualTo(5.0);
  }

  @Test
  void nullResult_isAValidResult() {
    AsyncWorker<Void> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> null);
    assertThat(worker.getResult()).isNull();
    assertThat(worker.state()).isEqualTo(WorkerState.SUCCEEDED);
  }

  @Test
  void uncheckedException_isThrownAsIs_everyTime() {
    IllegalStateException boom = new IllegalStateException("boom");
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> {
      throw boom;
    });
    assertThatThrownBy(worker::getResult).isSameAs(boom);
    assertThatThrownBy(worker::getResult).isSameAs(boom);
    assertThat(worker.state()).isEqualTo(WorkerState.FAILED);
  }

  @Test
  void error_isThrownAsIs() {
    AssertionError error = new AssertionError("bad");
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> {
      throw error;
    });
    assertThatThrownBy(worker::getResult).isSameAs(error);
  }

  @Test
  void checkedException_isWrapped_withOriginalAsCause() {
    IOException io = new IOException("disk");
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> {
      throw io;
    });
    assertThatThrownBy(worker::getResult)
        .isInstanceOf(AsyncExecutionException.class)
        .hasCause(io)
        .hasMessageContaining("disk");
  }

  @Test
  void getResult_neverStarted_throwsIllegalState() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    assertThatThrownBy(worker::getResult)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageMatching("worker worker#[0-9a-f]+ was never started");
    assertThatThrownBy(worker::waitForCompletion).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> worker.validate(x -> true)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void startAsync_twice_throwsIllegalState_andFirstRunStands() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> 1);
    assertThatThrownBy(() -> worker.startAsync(() -> 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already started");
    assertThat(worker.getResult()).isEqualTo(1);
  }

  @Test
  void nullArguments_throwNullPointerNamingTheParameter() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    assertThatThrownBy(() -> new AsyncWorker<Integer>(null)).hasMessage("executor");
    assertThatThrownBy(() -> worker.startAsync((java.util.concurrent.Callable<Integer>) null))
        .isInstanceOf(NullPointerException.class).hasMessage("task");
    assertThatThrownBy(() -> worker.setCallback(null)).isInstanceOf(NullPointerException.class).hasMessage("callback");
    assertThatThrownBy(() -> worker.setFailureCallback(null)).hasMessage("callback");
    assertThatThrownBy(() -> worker.setTimeout(null)).hasMessage("timeout");
    assertThatThrownBy(() -> worker.validate(null)).hasMessage("validator");
    assertThat(worker.state()).isEqualTo(WorkerState.CREATED);
  }

  @Test
  void badDurations_throwIllegalArgumentWithTheValue() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    assertThatThrownBy(() -> worker.setTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be > 0 but was PT0S");
    assertThatThrownBy(() -> worker.setTimeout(Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be > 0 but was PT-0.005S");
    worker.startAsync(() -> 1);
    assertThatThrownBy(() -> worker.getResult(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be >= 0 but was PT-1S");
    assertThatThrownBy(() -> worker.waitForCompletion(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hugeDurations_meanForever_insteadOfOverflowing() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.setTimeout(Duration.ofSeconds(Long.MAX_VALUE));
    worker.startAsync(() -> 7);
    assertThat(worker.getResult(Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo(7);
    assertThat(worker.waitForCompletion(Duration.ofDays(365 * 1000L))).isTrue();
  }

  // ------------------------------------------------------------ bounded waits

  @Test
  void getResultWithTimeout_expiring_stopsOnlyTheWait() {
    CountDownLatch release = new CountDownLatch(1);
    AsyncWorker<String> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> {
      release.await();
      return "late";
    });
    assertThatThrownBy(() -> worker.getResult(Duration.ofMillis(20)))
        .isInstanceOf(AsyncTimeoutException.class)
        .hasMessageContaining("did not finish within PT0.02S")
        .hasCauseInstanceOf(java.util.concurrent.TimeoutException.class)
        .satisfies(e -> assertThat(((AsyncTimeoutException) e).timeout()).isEqualTo(Duration.ofMillis(20)));
    assertThat(worker.waitForCompletion(Duration.ZERO)).isFalse();
    assertThat(worker.isActive()).isTrue();
    release.countDown();
    assertThat(worker.getResult(Duration.ofSeconds(10))).isEqualTo("late");
  }

  @Test
  void interruptedWhileWaiting_restoresFlag_andThrowsWithInterruptedCause() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AsyncWorker<String> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> {
      release.await();
      return "x";
    });
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean flagAfter = new AtomicBoolean();
    Thread waiter = new Thread(() -> {
      try {
        worker.getResult();
      } catch (Throwable t) {
        thrown.set(t);
        flagAfter.set(Thread.currentThread().isInterrupted());
      }
    });
    waiter.start();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> waiter.getState() == Thread.State.WAITING);
    waiter.interrupt();
    waiter.join(10_000);
    assertThat(thrown.get()).isInstanceOf(AsyncInterruptedException.class)
        .hasCauseInstanceOf(InterruptedException.class);
    assertThat(flagAfter).isTrue();
    assertThat(worker.isActive()).isTrue(); // the worker itself is untouched
    release.countDown();
    assertThat(worker.getResult()).isEqualTo("x");
  }

  // ------------------------------------------------------------ cancel

  @Test
  void cancel_beforeStart_makesItCancelled_andStartThrows() {
    AtomicBoolean ran = new AtomicBoolean();
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.cancel();
    assertThat(worker.state()).isEqualTo(WorkerState.CANCELLED);
    assertThatThrownBy(() -> worker.startAsync(() -> {
      ran.set(true);
      return 1;
    })).isInstanceOf(IllegalStateException.class).hasMessageContaining("cancelled before it started");
    assertThatThrownBy(worker::getResult).isInstanceOf(CancellationException.class);
    assertThat(ran).isFalse();
  }

  @Test
  void cancel_queuedTask_neverRuns() {
    ManualExecutor executor = new ManualExecutor();
    AtomicBoolean ran = new AtomicBoolean();
    AsyncWorker<Integer> worker = new AsyncWorker<>(executor);
    worker.startAsync(() -> {
      ran.set(true);
      return 1;
    });
    assertThat(worker.state()).isEqualTo(WorkerState.SCHEDULED);
    worker.cancel();
    assertThat(worker.state()).isEqualTo(WorkerState.CANCELLED);
    executor.runAll(); // the pool gets to it later: it must not run
    assertThat(ran).isFalse();
    assertThat(Thread.interrupted()).as("the cancelled run leaves no interrupt behind").isFalse();
    assertThatThrownBy(worker::getResult).isInstanceOf(CancellationException.class)
        .hasMessageContaining("was cancelled");
  }

  @Test
  void cancel_runningTask_interruptsIt_cancelledAtOnce_lateResultDiscarded() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch sawInterrupt = new CountDownLatch(1);
    CountDownLatch mayReturn = new CountDownLatch(1);
    AsyncWorker<String> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> {
      started.countDown();
      try {
        new CountDownLatch(1).await(); // blocks until interrupted
      } catch (InterruptedException e) {
        sawInterrupt.countDown();
      }
      mayReturn.await(10, TimeUnit.SECONDS); // keeps the thread busy after the cancel
      return "late";
    });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    worker.cancel();
    assertThat(worker.state()).isEqualTo(WorkerState.CANCELLED); // at once, not when the task returns
    assertThat(sawInterrupt.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(worker.waitForCompletion(Duration.ofMillis(50)))
        .as("the task has not left its thread yet").isFalse();
    mayReturn.countDown();
    worker.waitForCompletion();
    assertThat(worker.state()).isEqualTo(WorkerState.CANCELLED);
    assertThatThrownBy(worker::getResult).isInstanceOf(CancellationException.class);
  }

  @Test
  void cancel_interruptDoesNotLeakIntoTheNextTaskOfThatThread() throws Exception {
    ExecutorService single = Executors.newSingleThreadExecutor();
    try {
      for (int i = 0; i < 200; i++) {
        CountDownLatch started = new CountDownLatch(1);
        AsyncWorker<Integer> worker = new AsyncWorker<>(single);
        worker.startAsync(() -> {
          started.countDown();
          long spin = 0;
          while (!Thread.currentThread().isInterrupted()) {
            spin++;
          }
          return (int) spin;
        });
        started.await(10, TimeUnit.SECONDS);
        worker.cancel();
        AsyncWorker<Boolean> next = new AsyncWorker<>(single);
        next.startAsync(() -> Thread.currentThread().isInterrupted());
        assertThat(next.getResult(Duration.ofSeconds(10))).as("iteration %d", i).isFalse();
      }
    } finally {
      single.shutdownNow();
    }
  }

  @Test
  void cancel_afterCompletion_changesNothing_andNeverThrows() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> 3);
    assertThat(worker.getResult()).isEqualTo(3);
    worker.cancel();
    worker.cancel();
    assertThat(worker.state()).isEqualTo(WorkerState.SUCCEEDED);
    assertThat(worker.getResult()).isEqualTo(3);
  }

  // ------------------------------------------------------------ callbacks and validate

  @Test
  void callback_runsOnce_onTheCompletingThread() {
    ManualExecutor executor = new ManualExecutor();
    List<String> calls = new CopyOnWriteArrayList<>();
    AsyncWorker<Integer> worker = new AsyncWorker<>(executor);
    worker.setCallback(v -> calls.add("first " + v + " on " + Thread.currentThread().getName()));
    worker.setCallback(v -> calls.add("second " + v));
    worker.setFailureCallback(e -> calls.add("failure " + e));
    worker.startAsync(() -> 9);
    Thread completer = new Thread(executor::runAll, "completer");
    completer.start();
    assertThat(join(completer)).isTrue();
    assertThat(calls).containsExactly("first 9 on completer", "second 9");
  }

  @Test
  void waitForCompletion_returnsAfterTheCallbacks_getResultDoesNotWaitForThem() throws Exception {
    CountDownLatch inCallback = new CountDownLatch(1);
    CountDownLatch releaseCallback = new CountDownLatch(1);
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.setCallback(v -> {
      inCallback.countDown();
      try {
        releaseCallback.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    worker.startAsync(() -> 1);
    assertThat(inCallback.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(worker.getResult(Duration.ofSeconds(10))).isEqualTo(1); // ended: the result is there
    assertThat(worker.waitForCompletion(Duration.ofMillis(30))).as("callback still running").isFalse();
    releaseCallback.countDown();
    assertThat(worker.waitForCompletion(Duration.ofSeconds(10))).isTrue();
  }

  @Test
  void cancelledWhileRunning_withOrWithoutCallbacks_waitForCompletionWaitsForTheTaskToLeaveItsThread()
      throws Exception {
    for (boolean withCallback : new boolean[] {false, true}) {
      // Without callbacks, the canceller's finish() takes the empty stack as SETTLED in one CAS; with
      // one, it fires it and publishes `settled`. Either way the task is still on its thread.
      CountDownLatch started = new CountDownLatch(1);
      CountDownLatch leave = new CountDownLatch(1);
      AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
      List<String> failures = new CopyOnWriteArrayList<>();
      if (withCallback) {
        worker.setFailureCallback(e -> failures.add(e.getClass().getSimpleName()));
      }
      worker.startAsync(() -> {
        started.countDown();
        boolean left = false;
        while (!left) {
          try {
            left = leave.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            // the cancel's interrupt: this task stays on its thread until the test lets it go
          }
        }
        return 1;
      });
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      worker.cancel();
      assertThat(worker.state()).isEqualTo(WorkerState.CANCELLED);
      assertThat(worker.waitForCompletion(Duration.ofMillis(50))).as("callback %s: the task is still on its thread",
          withCallback).isFalse();
      leave.countDown();
      assertThat(worker.waitForCompletion(Duration.ofSeconds(10))).as("callback %s", withCallback).isTrue();
      assertThat(failures).isEqualTo(withCallback ? List.of("CancellationException") : List.of());
    }
  }

  @Test
  void callback_setAfterCompletion_runsAtOnceOnTheCaller() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> 5);
    worker.waitForCompletion();
    AtomicReference<String> thread = new AtomicReference<>();
    worker.setCallback(v -> thread.set(Thread.currentThread().getName() + ":" + v));
    assertThat(thread.get()).isEqualTo(Thread.currentThread().getName() + ":5");
  }

  @Test
  void callbackThatThrows_isLogged_andChangesNothing() {
    AtomicInteger laterCallback = new AtomicInteger();
    AsyncWorker<Integer> worker = new AsyncWorker<>(Runnable::run); // completes on the caller
    worker.setCallback(v -> {
      throw new IllegalStateException("callback bug");
    });
    worker.setCallback(v -> laterCallback.incrementAndGet());
    worker.startAsync(() -> 1); // must not throw the callback's exception
    assertThat(worker.getResult()).isEqualTo(1);
    assertThat(laterCallback).hasValue(1);
    worker.setCallback(v -> {
      throw new IllegalStateException("late callback bug"); // runs on the caller, still swallowed
    });
    assertThat(worker.state()).isEqualTo(WorkerState.SUCCEEDED);
  }

  @Test
  void failureCallback_seesFailure_cancellation_andTimeout_successCallbackDoesNot() {
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicInteger successes = new AtomicInteger();
    IllegalStateException boom = new IllegalStateException("boom");

    AsyncWorker<Integer> failing = new AsyncWorker<>(pool);
    failing.setFailureCallback(failures::add).setCallback(v -> successes.incrementAndGet());
    failing.startAsync(() -> {
      throw boom;
    });
    failing.waitForCompletion();

    AsyncWorker<Integer> cancelled = new AsyncWorker<>(new ManualExecutor());
    cancelled.setFailureCallback(failures::add).setCallback(v -> successes.incrementAndGet());
    cancelled.startAsync(() -> 1);
    cancelled.cancel();

    ManualScheduler scheduler = new ManualScheduler();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(new ManualExecutor())
        .scheduler(scheduler).build();
    AsyncWorker<Integer> timedOut = manager.newWorker();
    timedOut.setTimeout(Duration.ofSeconds(1)).setFailureCallback(failures::add)
        .setCallback(v -> successes.incrementAndGet());
    timedOut.startAsync(() -> 1);
    scheduler.fireAll();

    assertThat(successes).hasValue(0);
    assertThat(failures).hasSize(3);
    assertThat(failures.get(0)).isSameAs(boom);
    assertThat(failures.get(1)).isInstanceOf(CancellationException.class);
    assertThat(failures.get(2)).isInstanceOf(AsyncTimeoutException.class).hasMessageContaining("PT1S");
  }

  @Test
  void failureCallback_getsCheckedExceptionUnwrapped() {
    IOException io = new IOException("io");
    AtomicReference<Throwable> seen = new AtomicReference<>();
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.setFailureCallback(seen::set);
    worker.startAsync(() -> {
      throw io;
    });
    worker.waitForCompletion();
    assertThat(seen.get()).isSameAs(io);
  }

  @Test
  void validate_waits_andTestsWithoutConsuming() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> 42);
    assertThat(worker.validate(n -> n % 2 == 0)).isTrue();
    assertThat(worker.validate(n -> n > 100)).isFalse();
    assertThat(worker.getResult()).isEqualTo(42);
  }

  @Test
  void validate_isFalseOnFailure_andWhenTheValidatorThrows() {
    AsyncWorker<Integer> failed = new AsyncWorker<>(pool);
    failed.startAsync(() -> {
      throw new IllegalStateException("x");
    });
    assertThat(failed.validate(n -> true)).isFalse();

    AsyncWorker<Integer> ok = new AsyncWorker<>(pool);
    ok.startAsync(() -> 1);
    assertThat(ok.validate(n -> {
      throw new IllegalStateException("validator bug");
    })).isFalse();
    assertThat(ok.getResult()).isEqualTo(1);
  }

  // ------------------------------------------------------------ CompletableFuture view

  @Test
  void view_completesWithResult_andComposes() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    CompletableFuture<Integer> view = worker.toCompletableFuture();
    worker.startAsync(() -> 20);
    assertThat(view.thenApply(v -> v + 1).join()).isEqualTo(21);
    assertThat(worker.toCompletableFuture().join()).isEqualTo(20); // a view made after completion
  }

  @Test
  void view_failsWithTheTasksException() {
    IllegalArgumentException boom = new IllegalArgumentException("boom");
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> {
      throw boom;
    });
    assertThatThrownBy(() -> worker.toCompletableFuture().join()).hasCause(boom);
  }

  @Test
  void cancellingTheView_cancelsTheWorker() {
    ManualExecutor executor = new ManualExecutor();
    AtomicBoolean ran = new AtomicBoolean();
    AsyncWorker<Integer> worker = new AsyncWorker<>(executor);
    worker.startAsync(() -> {
      ran.set(true);
      return 1;
    });
    CompletableFuture<Integer> view = worker.toCompletableFuture();
    assertThat(view.cancel(true)).isTrue();
    assertThat(view.isCancelled()).isTrue();
    assertThat(worker.state()).isEqualTo(WorkerState.CANCELLED);
    executor.runAll();
    assertThat(ran).isFalse();
  }

  @Test
  void cancellingTheView_ofAFinishedWorker_returnsFalse_andKeepsTheResult() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    worker.startAsync(() -> 4);
    worker.waitForCompletion();
    CompletableFuture<Integer> view = worker.toCompletableFuture();
    assertThat(view.cancel(true)).isFalse();
    assertThat(view.join()).isEqualTo(4);
  }

  // ------------------------------------------------------------ rejection

  @Test
  void rejectedByAShutDownPool_endsFailed_withReasonAndName() {
    ExecutorService dead = Executors.newSingleThreadExecutor();
    dead.shutdown();
    AtomicReference<Throwable> callback = new AtomicReference<>();
    AsyncWorker<Integer> worker = new AsyncWorker<>(dead);
    worker.setFailureCallback(callback::set);
    worker.startAsync(() -> 1); // does not throw
    assertThat(worker.state()).isEqualTo(WorkerState.FAILED);
    assertThatThrownBy(worker::getResult)
        .isInstanceOf(java.util.concurrent.RejectedExecutionException.class)
        .hasMessageMatching("manager 'worker' could not run worker worker#[0-9a-f]+: its executor is shut down");
    assertThat(callback.get()).isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
  }

  @Test
  void executorThatThrowsSomethingElse_failsTheWorker_notStuck() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(task -> {
      throw new IllegalStateException("broken executor");
    });
    worker.startAsync(() -> 1);
    assertThat(worker.state()).isEqualTo(WorkerState.FAILED);
    assertThatThrownBy(worker::getResult).hasMessage("broken executor");
  }

  @Test
  void toString_namesStateAndWorker() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
    assertThat(worker.toString()).matches("AsyncWorker\\[worker#[0-9a-f]+, CREATED]");
  }

  private static boolean join(Thread thread) {
    try {
      thread.join(10_000);
      return !thread.isAlive();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
