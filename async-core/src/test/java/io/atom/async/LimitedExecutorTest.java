package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The concurrency limiter of virtual-thread executors, on any JDK: its "threads" are a
 * {@link ManualExecutor} (the test runs each started task when it chooses) or a platform pool, so the
 * limit, the queue, the refusal, the hand-over of a permit, the slot a cancelled worker gives back and
 * the shutdown are checked on Java 17 too. VirtualThreadsTest runs the same executor on virtual threads.
 */
@Timeout(120)
class LimitedExecutorTest {

  private final ManualExecutor threads = new ManualExecutor();

  @Test
  void runsUpToTheLimit_thenQueues_thenRefusesNamingTheSaturation() {
    LimitedExecutor limited = new LimitedExecutor(threads, 2, 2, "test threads");
    List<String> ran = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      int n = i;
      limited.execute(() -> ran.add("task " + n));
    }
    assertThat(threads.queued()).as("started on threads of their own").isEqualTo(2);
    assertThat(limited.running()).isEqualTo(2);
    assertThat(limited.queued()).isEqualTo(2);
    assertThatThrownBy(() -> limited.execute(() -> ran.add("task 5"))).isInstanceOf(RejectedExecutionException.class)
        .hasMessage("its pool is saturated (2 of 2 test threads busy, 2 tasks queued, queue capacity left 0)");

    threads.take().run(); // task 1 ends: its permit goes to task 3, the oldest queued, on a new thread
    assertThat(limited.running()).isEqualTo(2);
    assertThat(limited.queued()).isEqualTo(1);
    threads.runAll();
    assertThat(ran).containsExactly("task 1", "task 2", "task 3", "task 4");
    assertThat(limited.running()).isZero();
    assertThat(limited.queued()).isZero();
  }

  @Test
  void queueCapacityZero_refusesEverythingBeyondTheLimit() {
    LimitedExecutor limited = new LimitedExecutor(threads, 1, 0, "test threads");
    limited.execute(() -> {});
    assertThatThrownBy(() -> limited.execute(() -> {})).isInstanceOf(RejectedExecutionException.class)
        .hasMessage("its pool is saturated (1 of 1 test threads busy, 0 tasks queued, queue capacity left 0)");
    threads.runAll();
    limited.execute(() -> {}); // the permit came back
    assertThat(limited.running()).isEqualTo(1);
  }

  @Test
  void badLimits_areRefusedWithTheValue() {
    assertThatThrownBy(() -> new LimitedExecutor(threads, 0, 1, "t")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConcurrency must be >= 1 but was 0");
    assertThatThrownBy(() -> new LimitedExecutor(threads, 1, -1, "t")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("queueCapacity must be >= 0 but was -1");
    assertThatThrownBy(() -> new LimitedExecutor(threads, 1, 1, "t").execute(null))
        .isInstanceOf(NullPointerException.class).hasMessage("task");
  }

  @Test
  void aLauncherThatFails_givesThePermitBack_andTheCallerHearsWhy() {
    OutOfMemoryError noThread = new OutOfMemoryError("unable to create native thread");
    LimitedExecutor limited = new LimitedExecutor(task -> {
      throw noThread;
    }, 1, 1, "test threads");
    assertThatThrownBy(() -> limited.execute(() -> {})).isSameAs(noThread);
    assertThat(limited.running()).isZero();
  }

  @Test
  void shutdown_refusesNewTasks_runsTheQueuedOnes_thenTerminates() throws Exception {
    LimitedExecutor limited = new LimitedExecutor(threads, 1, 1, "test threads");
    AtomicInteger ran = new AtomicInteger();
    limited.execute(ran::incrementAndGet);
    limited.execute(ran::incrementAndGet); // queued
    limited.shutdown();
    assertThatThrownBy(() -> limited.execute(ran::incrementAndGet)).isInstanceOf(RejectedExecutionException.class)
        .hasMessage("executor is shut down");
    assertThat(limited.isShutdown()).isTrue();
    assertThat(limited.isTerminated()).isFalse();
    threads.runAll();
    assertThat(ran).hasValue(2);
    assertThat(limited.isTerminated()).isTrue();
    assertThat(limited.awaitTermination(0, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void shutdownNow_returnsTheQueuedTasks_andTerminatesOnceTheRunningOnesEnd() {
    LimitedExecutor limited = new LimitedExecutor(threads, 1, 2, "test threads");
    Runnable running = () -> {};
    Runnable queued1 = () -> {};
    Runnable queued2 = () -> {};
    limited.execute(running);
    limited.execute(queued1);
    limited.execute(queued2);
    assertThat(limited.shutdownNow()).containsExactly(queued1, queued2);
    assertThat(limited.isTerminated()).isFalse();
    threads.runAll();
    assertThat(limited.isTerminated()).isTrue();
  }

  @Test
  void shutdownWithNothingRunning_terminatesAtOnce() {
    LimitedExecutor limited = new LimitedExecutor(threads, 1, 1, "test threads");
    limited.shutdown();
    assertThat(limited.isTerminated()).isTrue();
  }

  // ---------------------------------------------------------------- with a manager

  @Test
  void aWorkerWaitingForATurnIsPending_andPastLimitAndQueueItEndsFailed_counted() {
    LimitedExecutor limited = new LimitedExecutor(threads, 1, 1, "test threads");
    AsyncWorkerManager manager = AsyncWorkerManager.builder().name("limited").executor(limited).recordStats().build();
    AsyncWorker<Integer> first = manager.createWorker(() -> 1);
    AsyncWorker<Integer> second = manager.createWorker(() -> 2);
    AsyncWorker<Integer> refused = manager.createWorker(() -> 3);

    assertThat(first.state()).isEqualTo(WorkerState.SCHEDULED);
    assertThat(second.state()).as("waiting for a permit: not running").isEqualTo(WorkerState.SCHEDULED);
    assertThat(manager.pendingCount()).isEqualTo(2);
    assertThat(manager.activeCount()).isZero();
    assertThat(refused.state()).isEqualTo(WorkerState.FAILED);
    assertThatThrownBy(refused::getResult).isInstanceOf(RejectedExecutionException.class)
        .hasMessageStartingWith("manager 'limited' could not run worker ")
        .hasMessageEndingWith(": its pool is saturated (1 of 1 test threads busy, 1 tasks queued, queue capacity left 0)");
    assertThat(manager.stats().rejected()).isEqualTo(1);

    threads.runAll();
    assertThat(first.getResult()).isEqualTo(1);
    assertThat(second.getResult()).isEqualTo(2);
    assertThat(limited.running()).isZero();
  }

  @Test
  void aQueuedWorkerCancelledOrTimedOut_givesItsQueueSlotBackAtOnce() {
    LimitedExecutor limited = new LimitedExecutor(threads, 1, 1, "test threads");
    ManualScheduler scheduler = new ManualScheduler();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(limited).scheduler(scheduler).build();
    manager.createWorker(() -> 1); // holds the permit
    AsyncWorker<Integer> queued = manager.createWorker(() -> 2);
    assertThat(limited.queued()).isEqualTo(1);

    queued.cancel();
    assertThat(limited.queued()).as("the cancelled task left the queue").isZero();
    AsyncWorker<Integer> timing = manager.newWorker();
    timing.setTimeout(Duration.ofSeconds(1)).startAsync(() -> 3);
    assertThat(timing.state()).as("the freed slot took it").isEqualTo(WorkerState.SCHEDULED);
    assertThat(limited.queued()).isEqualTo(1);

    scheduler.scheduled.poll().run(); // the timeout fires while it waits
    assertThat(timing.state()).isEqualTo(WorkerState.TIMED_OUT);
    assertThat(limited.queued()).isZero();

    threads.runAll();
    assertThat(limited.running()).isZero();
  }

  @Test
  void cancelAll_purgesTheQueuedTasks_ofAScopeToo() {
    LimitedExecutor limited = new LimitedExecutor(threads, 1, 10, "test threads");
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(limited).build();
    manager.createWorker(() -> 0);
    try (AsyncWorkerManager scope = manager.newScope()) {
      for (int i = 0; i < 5; i++) {
        scope.createWorker(() -> 1);
      }
      assertThat(limited.queued()).isEqualTo(5);
      scope.cancelAll();
      assertThat(limited.queued()).isZero();
    }
    threads.runAll();
    assertThat(limited.running()).isZero();
  }

  // ---------------------------------------------------------------- races, on real threads

  /**
   * Submitters race each other and the tasks' ends for the permits and the queue; the tasks run on a
   * platform pool wide enough never to hold them back. Every accepted task runs once, never more than
   * the limit at once, the limit is reached, and nothing is left queued or holding a permit (a task
   * stranded in the queue with a permit free would hang the final wait).
   */
  @ParameterizedTest(name = "queue capacity {0}")
  @ValueSource(ints = {0, 3, 1_000_000})
  void racingSubmittersAndEnds_neverExceedTheLimit_andStrandNothing(int queueCapacity) throws Exception {
    int limit = 4;
    int submitters = 4;
    int perSubmitter = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(limit + 4, ThreadKind.PLATFORM.factory("limited-"));
    LimitedExecutor limited = new LimitedExecutor(pool, limit, queueCapacity, "test threads");
    AtomicInteger now = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    LongAdder ran = new LongAdder();
    LongAdder accepted = new LongAdder();
    LongAdder refused = new LongAdder();
    CountDownLatch done = new CountDownLatch(submitters);
    CyclicBarrier start = new CyclicBarrier(submitters);
    Runnable task = () -> {
      int n = now.incrementAndGet();
      peak.accumulateAndGet(n, Math::max);
      Thread.onSpinWait();
      ran.increment();
      now.decrementAndGet();
    };
    List<Thread> threadsList = new ArrayList<>();
    for (int s = 0; s < submitters; s++) {
      Thread t = ThreadKind.PLATFORM.factory("submitter-").newThread(() -> {
        try {
          start.await(10, TimeUnit.SECONDS);
          for (int i = 0; i < perSubmitter; i++) {
            try {
              limited.execute(task);
              accepted.increment();
            } catch (RejectedExecutionException e) {
              refused.increment();
            }
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        } finally {
          done.countDown();
        }
      });
      t.start();
      threadsList.add(t);
    }
    try {
      assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
      limited.shutdown();
      assertThat(limited.awaitTermination(60, TimeUnit.SECONDS)).as("every accepted task ran: %s", limited).isTrue();
      assertThat(accepted.sum() + refused.sum()).isEqualTo((long) submitters * perSubmitter);
      assertThat(ran.sum()).isEqualTo(accepted.sum());
      assertThat(peak.get()).isLessThanOrEqualTo(limit).isPositive();
      assertThat(limited.running()).isZero();
      assertThat(limited.queued()).isZero();
      if (queueCapacity == 1_000_000) {
        assertThat(refused.sum()).isZero();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aQueuedTaskWhoseThreadCannotStart_endsItsWorkerFailed_andThePermitComesBack() {
    AtomicInteger starts = new AtomicInteger();
    List<Runnable> started = new ArrayList<>();
    LimitedExecutor limited = new LimitedExecutor(task -> {
      if (starts.incrementAndGet() == 2) {
        throw new OutOfMemoryError("unable to create native thread");
      }
      started.add(task);
    }, 1, 1, "test threads");
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(limited).recordStats().build();
    AsyncWorker<Integer> first = manager.createWorker(() -> 1);
    AsyncWorker<Integer> queued = manager.createWorker(() -> 2);
    started.remove(0).run(); // first ends; the thread for the queued one cannot start
    assertThat(first.getResult()).isEqualTo(1);
    assertThat(queued.state()).isEqualTo(WorkerState.FAILED);
    assertThatThrownBy(queued::getResult).isInstanceOf(RejectedExecutionException.class)
        .hasMessage("could not start a thread for a queued task").hasCauseInstanceOf(OutOfMemoryError.class);
    assertThat(manager.stats().rejected()).isEqualTo(1);
    assertThat(limited.running()).isZero();
    assertThat(started).isEmpty();
  }

  @Test
  void aFutureTaskOfAnotherCaller_isCancelledWhenItsThreadCannotStart() throws Exception {
    AtomicInteger starts = new AtomicInteger();
    List<Runnable> started = new ArrayList<>();
    LimitedExecutor limited = new LimitedExecutor(task -> {
      if (starts.incrementAndGet() == 2) {
        throw new OutOfMemoryError("unable to create native thread");
      }
      started.add(task);
    }, 1, 1, "test threads");
    limited.execute(() -> {});
    Future<?> queued = limited.submit(() -> {});
    started.remove(0).run();
    assertThat(queued.isCancelled()).isTrue();
    assertThat(limited.running()).isZero();
  }
}
