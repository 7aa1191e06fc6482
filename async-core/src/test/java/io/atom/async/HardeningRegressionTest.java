package io.atom.async;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 10: the defects an outside review, the JSR-166 TCK and a new user's load test found at the
 * core's edges. Each test is named after the behaviour it pins and fails on the code before the fix.
 */
@Timeout(60)
class HardeningRegressionTest {
  private final TaskGate gate = new TaskGate();

  @AfterEach
  void releaseBlockedTasks() {
    gate.release();
  }

  private static ThreadPoolExecutor oneThreadTwoSlots() {
    return new ThreadPoolExecutor(1, 1, 0, SECONDS, new ArrayBlockingQueue<>(2));
  }

  // ------------------------------------------------------------ 1. dead tasks give their slot back

  @Test
  void closingAScope_givesTheQueueSlotsOfItsCancelledTasksBack() throws Exception {
    ThreadPoolExecutor pool = oneThreadTwoSlots();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).build()) {
      manager.createWorker(gate::block);
      gate.awaitStarted();
      try (AsyncWorkerManager scope = manager.newScope()) {
        scope.createWorker(() -> 1);
        scope.createWorker(() -> 2);
        assertThat(pool.getQueue()).hasSize(2);
      }
      assertThat(pool.getQueue()).as("the closed scope's tasks left the queue").isEmpty();

      AsyncWorker<Integer> next = manager.createWorker(() -> 3);

      assertThat(next.state()).as("not refused as saturated").isEqualTo(WorkerState.SCHEDULED);
      gate.release();
      assertThat(next.getResult(Duration.ofSeconds(10))).isEqualTo(3);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void cancellingOneQueuedWorker_givesItsSlotBack() throws Exception {
    ThreadPoolExecutor pool = oneThreadTwoSlots();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).build()) {
      manager.createWorker(gate::block);
      gate.awaitStarted();
      AsyncWorker<Integer> first = manager.createWorker(() -> 1);
      manager.createWorker(() -> 2);

      first.cancel();

      assertThat(pool.getQueue()).hasSize(1);
      AsyncWorker<Integer> next = manager.createWorker(() -> 3);
      assertThat(next.state()).isEqualTo(WorkerState.SCHEDULED);
      gate.release();
      assertThat(next.getResult(Duration.ofSeconds(10))).isEqualTo(3);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aQueuedWorkerTimingOut_givesItsSlotBack() throws Exception {
    ThreadPoolExecutor pool = oneThreadTwoSlots();
    ManualScheduler scheduler = new ManualScheduler();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).scheduler(scheduler).build()) {
      manager.createWorker(gate::block);
      gate.awaitStarted();
      AsyncWorker<Integer> doomed = manager.<Integer>newWorker().setTimeout(Duration.ofMillis(5));
      doomed.startAsync(() -> 1);
      manager.createWorker(() -> 2);
      assertThat(pool.getQueue()).hasSize(2);

      scheduler.fireAll();

      assertThat(doomed.state()).isEqualTo(WorkerState.TIMED_OUT);
      assertThat(pool.getQueue()).hasSize(1);
      assertThat(manager.createWorker(() -> 3).state()).isEqualTo(WorkerState.SCHEDULED);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aScopeOverAnUnboundedQueue_leavesTheQueueAlone_andItsDeadTasksNeverRun() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    AtomicInteger ran = new AtomicInteger();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).build()) {
      manager.createWorker(gate::block);
      gate.awaitStarted();
      try (AsyncWorkerManager scope = manager.newScope()) {
        for (int i = 0; i < 3; i++) {
          scope.createWorker(ran::incrementAndGet);
        }
      }
      gate.release();
      AsyncWorker<Integer> after = manager.createWorker(ran::get);
      assertThat(after.getResult(Duration.ofSeconds(10))).as("the cancelled tasks never ran").isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  // ------------------------------------------------------------ 4. callbacks in the submitter's context

  /** A context of one thread-local value, captured at submit and restored around the task. */
  private static final ThreadLocal<String> REQUEST = ThreadLocal.withInitial(() -> "none");
  private static final UnaryOperator<Runnable> PROPAGATE_REQUEST = TaskGate.propagating(REQUEST);

  @Test
  void callbacksOfAWorkerCancelledFromAnotherThread_runInTheSubmittersContext() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    ExecutorService admin = Executors.newSingleThreadExecutor();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool)
        .contextPropagation(PROPAGATE_REQUEST).build()) {
      List<String> seen = new CopyOnWriteArrayList<>();
      REQUEST.set("request-1");
      AsyncWorker<Integer> running = manager.<Integer>newWorker()
          .setFailureCallback(e -> seen.add("running:" + REQUEST.get()));
      running.startAsync(gate::block);
      AsyncWorker<Integer> op = manager.retry(() -> {
        throw new IllegalStateException("always");
      }, RetryPolicy.<Integer>builder().maxAttempts(100).initialDelay(Duration.ofHours(1))
          .backoff(BackoffStrategy.FIXED).build());
      op.setFailureCallback(e -> seen.add("op:" + REQUEST.get()));
      REQUEST.set("none");
      gate.awaitStarted();

      String cancellerAfter = admin.submit(() -> {
        REQUEST.set("admin");
        running.cancel();
        op.cancel();
        return REQUEST.get();
      }).get(10, SECONDS);

      assertThat(seen).containsExactlyInAnyOrder("running:request-1", "op:request-1");
      assertThat(cancellerAfter).as("the canceller's own context is restored").isEqualTo("admin");
    } finally {
      REQUEST.remove();
      pool.shutdownNow();
      admin.shutdownNow();
    }
  }

  @Test
  void callbacksOfAQueuedWorkerCancelledByAnotherThread_runInTheSubmittersContext() throws Exception {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor)
        .contextPropagation(PROPAGATE_REQUEST).build();
    AtomicReference<String> seen = new AtomicReference<>();
    REQUEST.set("request-2");
    AsyncWorker<Integer> queued = manager.<Integer>newWorker().setFailureCallback(e -> seen.set(REQUEST.get()));
    queued.startAsync(() -> 1);
    REQUEST.set("admin");
    try {
      queued.cancel();

      assertThat(seen).hasValue("request-2");
      assertThat(REQUEST.get()).isEqualTo("admin");
      executor.runAll(); // the dead item: the task does not run, and nothing fires twice
      assertThat(queued.state()).isEqualTo(WorkerState.CANCELLED);
    } finally {
      REQUEST.remove();
    }
  }

  @Test
  void aContextWrapperThatDoesNotRunItsTask_stillCostsNoCallback() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor)
        .contextPropagation(task -> () -> { }).build();
    AtomicInteger failures = new AtomicInteger();
    AsyncWorker<Integer> worker = manager.<Integer>newWorker().setFailureCallback(e -> failures.incrementAndGet());
    worker.startAsync(() -> 1);

    worker.cancel();

    assertThat(failures).hasValue(1);
    assertThat(worker.waitForCompletion(Duration.ofSeconds(5))).isTrue();
  }

  // ------------------------------------------------------------ 5. a refused attempt: one count, one clear message

  @Test
  void aRetryAttemptRefusedByASaturatedPool_isCountedOnce_andNamesTheRealManagerAndTheAttempt() throws Exception {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, SECONDS, new SynchronousQueue<>());
    ManualScheduler scheduler = new ManualScheduler();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().name("orders").executor(pool)
        .scheduler(scheduler).recordStats().build()) {
      CountDownLatch firstAttemptEnded = new CountDownLatch(1);
      AtomicInteger calls = new AtomicInteger();
      AsyncWorker<String> op = manager.retry(() -> {
        calls.incrementAndGet();
        throw new IllegalStateException("flaky");
      }, RetryPolicy.<String>builder().maxAttempts(2).initialDelay(Duration.ofMillis(1))
          .backoff(BackoffStrategy.FIXED).onError(e -> firstAttemptEnded.countDown()).build());
      assertThat(firstAttemptEnded.await(10, SECONDS)).isTrue();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !scheduler.scheduled.isEmpty()
          && pool.getActiveCount() == 0);
      manager.createWorker(gate::block); // the pool's only thread is busy now
      gate.awaitStarted();

      scheduler.fireAll(); // the delay ends: attempt 2 is offered to the full pool

      assertThat(op.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      assertThat(calls).hasValue(1);
      assertThat(manager.stats().rejected()).as("one refusal, one count").isEqualTo(1);
      Throwable failure = op.failure();
      Throwable refusal = failure instanceof RejectedExecutionException ? failure : failure.getCause();
      assertThat(refusal).isInstanceOf(RejectedExecutionException.class).hasMessageStartingWith("manager 'orders' could not run attempt 2 of retried operation "
          + op.label() + ": its pool is saturated (1 of 1 threads busy")
          .hasMessageNotContaining("manager 'worker'");
    } finally {
      pool.shutdownNow();
    }
  }

  // ------------------------------------------------------------ 7. the queue item keeps the Future contract

  @Test
  @SuppressWarnings("unchecked")
  void aCancelledQueueItem_throwsCancellationFromGet_andDoesNotCancelTwice() throws Exception {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    AsyncWorker<Integer> worker = manager.createWorker(() -> 1);
    Future<Void> item = (Future<Void>) executor.take();

    assertThat(item.cancel(false)).as("this call cancelled it").isTrue();
    assertThat(item.isCancelled()).isTrue();
    assertThat(item.cancel(true)).as("already cancelled").isFalse();
    assertThatThrownBy(item::get).isInstanceOf(CancellationException.class).hasMessageContaining(worker.label());
    assertThatThrownBy(() -> item.get(1, SECONDS)).isInstanceOf(CancellationException.class);
    assertThat(worker.state()).isEqualTo(WorkerState.CANCELLED);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aQueueItemOfAFailedTask_throwsExecutionException_andOfASucceededOneReturnsNull() throws Exception {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    IllegalStateException boom = new IllegalStateException("boom");
    manager.createWorker(() -> {
      throw boom;
    });
    manager.createWorker(() -> 1);
    Future<Void> failed = (Future<Void>) executor.take();
    Future<Void> succeeded = (Future<Void>) executor.take();
    ((Runnable) failed).run();
    ((Runnable) succeeded).run();

    assertThatThrownBy(failed::get).isInstanceOf(ExecutionException.class).hasCause(boom);
    assertThat(failed.isCancelled()).isFalse();
    assertThat(failed.cancel(true)).isFalse();
    assertThat(succeeded.get()).isNull();
    assertThat(succeeded.cancel(true)).isFalse();
  }

  // ------------------------------------------------------------ 8. cancel when Thread.interrupt() throws

  @Test
  void cancel_whenInterruptThrows_stillEndsTheWorker_runsCallbacks_andWakesEveryone() throws Exception {
    AtomicBoolean refuseInterrupts = new AtomicBoolean(true);
    ExecutorService pool = Executors.newSingleThreadExecutor(task -> new Thread(task, "no-interrupt") {
      @Override
      public void interrupt() {
        if (refuseInterrupts.get()) {
          throw new SecurityException("interrupting this thread is not allowed");
        }
        super.interrupt();
      }
    });
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).build()) {
      AtomicInteger failureCallbacks = new AtomicInteger();
      AsyncWorker<Integer> worker = manager.<Integer>newWorker().setFailureCallback(e -> failureCallbacks.incrementAndGet());
      worker.startAsync(gate::block);
      CompletableFuture<Integer> view = worker.toCompletableFuture();
      gate.awaitStarted();

      assertThatCode(worker::cancel).doesNotThrowAnyException();

      assertThat(worker.state()).isEqualTo(WorkerState.CANCELLED);
      assertThat(failureCallbacks).hasValue(1);
      assertThatThrownBy(() -> worker.getResult(Duration.ofSeconds(5))).isInstanceOf(CancellationException.class);
      assertThat(view).isCancelled();
      assertThat(manager.inFlightCount()).isZero();
      assertThat(manager.waitForAll(Duration.ofSeconds(5))).isTrue();
      gate.release();
      assertThat(worker.waitForCompletion(Duration.ofSeconds(10))).as("the task left its thread").isTrue();
      assertThat(manager.createWorker(() -> Thread.currentThread().isInterrupted()).getResult(Duration.ofSeconds(10)))
          .as("no interrupt leaks into the next task").isFalse();
    } finally {
      refuseInterrupts.set(false); // JDK 21+ shutdownNow() no longer swallows an interrupt that throws
      pool.shutdownNow();
    }
  }

  // ------------------------------------------------------------ 9. the CompletableFuture view's cancel

  @Test
  void cancelOnAViewCompletedByHand_answersFalse_andLeavesTheWorkerRunning() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).build()) {
      AsyncWorker<Integer> worker = manager.createWorker(gate::block);
      CompletableFuture<Integer> view = worker.toCompletableFuture();
      gate.awaitStarted();
      view.complete(7);

      assertThat(view.cancel(true)).isFalse();

      assertThat(view.isCancelled()).isFalse();
      assertThat(view.join()).isEqualTo(7);
      assertThat(worker.state()).isEqualTo(WorkerState.RUNNING);
      gate.release();
      assertThat(worker.getResult(Duration.ofSeconds(10))).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void viewCancelFalse_cancelsTheWorkerWithoutInterruptingItsTask_andDropsTheLateResult() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    AtomicBoolean interrupted = new AtomicBoolean();
    AtomicBoolean returned = new AtomicBoolean();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).build()) {
      AsyncWorker<Integer> worker = manager.createWorker(() -> {
        try {
          gate.block();
        } catch (InterruptedException e) {
          interrupted.set(true);
          throw e;
        }
        returned.set(true);
        return 42;
      });
      CompletableFuture<Integer> view = worker.toCompletableFuture();
      gate.awaitStarted();

      assertThat(view.cancel(false)).isTrue();

      assertThat(view.isCancelled()).isTrue();
      assertThat(worker.state()).isEqualTo(WorkerState.CANCELLED);
      gate.release();
      assertThat(worker.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      assertThat(interrupted).as("cancel(false) does not interrupt").isFalse();
      assertThat(returned).as("the task ran to its end").isTrue();
      assertThatThrownBy(worker::getResult).isInstanceOf(CancellationException.class);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void viewCancelTrue_interruptsTheRunningTask() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    AtomicBoolean interrupted = new AtomicBoolean();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).build()) {
      AsyncWorker<Integer> worker = manager.createWorker(() -> {
        try {
          return gate.block();
        } catch (InterruptedException e) {
          interrupted.set(true);
          throw e;
        }
      });
      CompletableFuture<Integer> view = worker.toCompletableFuture();
      gate.awaitStarted();

      assertThat(view.cancel(true)).isTrue();

      assertThat(worker.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      assertThat(interrupted).isTrue();
      assertThat(worker.state()).isEqualTo(WorkerState.CANCELLED);
    } finally {
      pool.shutdownNow();
    }
  }
}
