package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class AsyncWorkerManagerTest {

  @Test
  void createWorker_withZeroOneAndTwoArguments() {
    try (AsyncWorkerManager manager = new AsyncWorkerManager(2)) {
      AsyncWorker<String> none = manager.createWorker(() -> "Task 1 complete");
      AsyncWorker<Integer> one = manager.createWorker(x -> x * x, 5);
      AsyncWorker<Integer> two = manager.createWorker(Integer::sum, 3, 4);
      manager.waitForAll();
      assertThat(manager.allDone()).isTrue();
      assertThat(none.getResult()).isEqualTo("Task 1 complete");
      assertThat(one.getResult()).isEqualTo(25);
      assertThat(two.getResult()).isEqualTo(7);
      assertThat(manager.inFlightCount()).isZero();
    }
  }

  @Test
  void waitForAll_waitsForEveryWorker_thenThrowsOneExceptionWithEveryFailure() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().name("batch").executor(executor).build();
    IllegalStateException first = new IllegalStateException("first");
    IOException second = new IOException("second");
    manager.createWorker(() -> 1);
    manager.createWorker(() -> {
      throw first;
    });
    AsyncWorker<Integer> cancelled = manager.createWorker(() -> 2);
    manager.createWorker(() -> {
      throw second;
    });
    cancelled.cancel();
    assertThat(manager.allDone()).isFalse();
    assertThat(manager.waitForAll(Duration.ZERO)).as("nothing ran yet").isFalse();
    executor.runAll();
    assertThatThrownBy(manager::waitForAll)
        .isInstanceOfSatisfying(WorkersFailedException.class, e -> {
          assertThat(e.failures()).containsExactly(first, second); // a cancel is not a failure
          assertThat(e.getSuppressed()).containsExactly(first, second);
          assertThat(e.failureCount()).isEqualTo(2);
          assertThat(e).hasMessageStartingWith("2 workers of manager 'batch' failed");
        });
    manager.waitForAll(); // reported once: the next call has nothing to report
  }

  @Test
  void waitForAll_keepsABoundedNumberOfFailures_andCountsTheRest() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    int n = AsyncWorkerManager.MAX_REPORTED_FAILURES + 250;
    for (int i = 0; i < n; i++) {
      int id = i;
      manager.createWorker(() -> {
        throw new IllegalStateException("failure " + id);
      });
    }
    executor.runAll();
    assertThatThrownBy(manager::waitForAll).isInstanceOfSatisfying(WorkersFailedException.class, e -> {
      assertThat(e.failures()).hasSize(AsyncWorkerManager.MAX_REPORTED_FAILURES);
      assertThat(e.failures().get(0)).hasMessage("failure 0");
      assertThat(e.failureCount()).isEqualTo(n);
      assertThat(e).hasMessageContaining("first 1000 kept");
    });
  }

  @Test
  void waitForAll_interrupted_restoresFlagAndThrows() throws Exception {
    try (AsyncWorkerManager manager = new AsyncWorkerManager(1)) {
      CountDownLatch release = new CountDownLatch(1);
      manager.createWorker(() -> release.await(10, TimeUnit.SECONDS));
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      AtomicBoolean flag = new AtomicBoolean();
      Thread waiter = new Thread(() -> {
        try {
          manager.waitForAll();
        } catch (Throwable t) {
          thrown.set(t);
          flag.set(Thread.currentThread().isInterrupted());
        }
      });
      waiter.start();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> waiter.getState() == Thread.State.WAITING);
      waiter.interrupt();
      waiter.join(10_000);
      assertThat(thrown.get()).isInstanceOf(AsyncInterruptedException.class);
      assertThat(flag).isTrue();
      release.countDown();
    }
  }

  @Test
  void isDoneAndCancel_ofAnotherManagersWorker_throwIllegalArgument() {
    try (AsyncWorkerManager mine = AsyncWorkerManager.builder().name("mine").poolSize(1).build();
         AsyncWorkerManager theirs = AsyncWorkerManager.builder().name("theirs").poolSize(1).build()) {
      AsyncWorker<Integer> foreign = theirs.createWorker(() -> 1);
      assertThatThrownBy(() -> mine.isDone(foreign))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageMatching("worker theirs#[0-9a-f]+ does not belong to manager 'mine' but to manager 'theirs'");
      assertThatThrownBy(() -> mine.cancel(foreign)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> mine.cancel(new AsyncWorker<Integer>()))
          .hasMessageEndingWith("but to no manager");
      assertThatThrownBy(() -> mine.isDone(null)).isInstanceOf(NullPointerException.class).hasMessage("worker");
      foreign.waitForCompletion();
      assertThat(theirs.isDone(foreign)).isTrue();
    }
  }

  @Test
  void cancelOneWorker_leavesTheOthersRunning() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    AsyncWorker<Integer> a = manager.createWorker(() -> 1);
    AsyncWorker<Integer> b = manager.createWorker(() -> 2);
    manager.cancel(a);
    executor.runAll();
    assertThat(manager.isDone(a)).isTrue();
    assertThat(a.state()).isEqualTo(WorkerState.CANCELLED);
    assertThat(b.getResult()).isEqualTo(2);
  }

  // ------------------------------------------------------------ scopes

  @Test
  void scopes_oneScopesWaitForAll_doesNotWaitForAnothersSlowWorker() throws Exception {
    try (AsyncWorkerManager manager = new AsyncWorkerManager(4)) {
      CountDownLatch slowRelease = new CountDownLatch(1);
      CountDownLatch slowStarted = new CountDownLatch(1);
      AtomicReference<Throwable> slowThreadError = new AtomicReference<>();
      AtomicBoolean slowScopeReturned = new AtomicBoolean();
      Thread slowRequest = new Thread(() -> {
        try (AsyncWorkerManager scope = manager.newScope()) {
          scope.createWorker(() -> {
            slowStarted.countDown();
            return slowRelease.await(20, TimeUnit.SECONDS);
          });
          scope.waitForAll();
          slowScopeReturned.set(true);
        } catch (Throwable t) {
          slowThreadError.set(t);
        }
      });
      slowRequest.start();
      assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();

      try (AsyncWorkerManager fast = manager.newScope()) {
        AsyncWorker<Integer> w = fast.createWorker(() -> 7);
        assertThat(fast.waitForAll(Duration.ofSeconds(10))).isTrue();
        assertThat(w.getResult()).isEqualTo(7);
        assertThat(fast.allDone()).isTrue();
      }
      assertThat(manager.allDone()).as("the root sees the slow scope's worker").isFalse();
      assertThat(manager.inFlightCount()).isEqualTo(1);
      assertThat(slowScopeReturned).isFalse();
      slowRelease.countDown();
      slowRequest.join(10_000);
      assertThat(slowThreadError.get()).isNull();
      assertThat(slowScopeReturned).isTrue();
    }
  }

  @Test
  void rootCancelAll_reachesEveryScopesWorkers() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    AsyncWorkerManager scope1 = manager.newScope();
    AsyncWorkerManager scope2 = manager.newScope();
    AsyncWorkerManager nested = scope2.newScope();
    List<AsyncWorker<Integer>> all = List.of(manager.createWorker(() -> 1), scope1.createWorker(() -> 2),
        scope2.createWorker(() -> 3), nested.createWorker(() -> 4));
    assertThat(manager.inFlightCount()).isEqualTo(4);
    assertThat(scope2.inFlightCount()).isEqualTo(2);
    assertThat(manager.isDone(all.get(3))).as("root may query a nested scope's worker").isFalse();
    assertThatThrownBy(() -> scope1.isDone(all.get(2))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a scope of manager");
    manager.cancelAll();
    assertThat(all).allMatch(w -> w.state() == WorkerState.CANCELLED);
    assertThat(manager.inFlightCount()).isZero();
    manager.waitForAll(); // cancellations are not failures
    AsyncWorker<Integer> after = scope1.createWorker(() -> 5);
    executor.runAll();
    assertThat(after.getResult()).as("cancelAll does not stop new work").isEqualTo(5);
  }

  @Test
  void closingAScope_cancelsWhatItLeftUnfinished_andRefusesNewWorkers() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().name("svc").executor(executor).build();
    AsyncWorker<Integer> outside = manager.createWorker(() -> 0);
    AsyncWorker<Integer> done;
    AsyncWorker<Integer> unfinished;
    AsyncWorkerManager scope = manager.newScope();
    try (scope) {
      done = scope.createWorker(() -> 1);
      executor.take().run(); // runs `outside`
      executor.take().run(); // runs `done`
      unfinished = scope.createWorker(() -> 2);
    }
    assertThat(done.getResult()).isEqualTo(1);
    assertThat(unfinished.state()).isEqualTo(WorkerState.CANCELLED);
    assertThat(outside.getResult()).isEqualTo(0);
    AsyncWorker<Integer> late = scope.createWorker(() -> 3);
    assertThat(late.state()).isEqualTo(WorkerState.FAILED);
    assertThatThrownBy(late::getResult).isInstanceOf(RejectedExecutionException.class)
        .hasMessage("a scope of manager 'svc' is closed and accepts no new workers");
    assertThat(manager.inFlightCount()).isZero();
    assertThat(manager.toString()).contains("inFlight=0");
  }

  @Test
  void scopeFailures_reachTheScopesAndTheRootsWaitForAll() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    try (AsyncWorkerManager scope = manager.newScope()) {
      scope.createWorker(() -> {
        throw new IllegalStateException("in scope");
      });
      executor.runAll();
      assertThatThrownBy(scope::waitForAll).isInstanceOf(WorkersFailedException.class);
    }
    assertThatThrownBy(manager::waitForAll).isInstanceOfSatisfying(WorkersFailedException.class,
        e -> assertThat(e.failures()).singleElement().satisfies(f -> assertThat(f).hasMessage("in scope")));
  }

  // ------------------------------------------------------------ rejection and shutdown

  @Test
  void saturatedPool_rejectedWorkerEndsFailed_namingManagerAndReason() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1));
    try {
      AsyncWorkerManager manager = AsyncWorkerManager.builder().name("orders").executor(pool).build();
      AsyncWorker<Boolean> running = manager.createWorker(() -> release.await(10, TimeUnit.SECONDS));
      AsyncWorker<Integer> queued = manager.createWorker(() -> 1);
      AsyncWorker<Integer> rejected = manager.createWorker(() -> 2);
      assertThat(rejected.state()).isEqualTo(WorkerState.FAILED);
      assertThatThrownBy(rejected::getResult)
          .isInstanceOf(RejectedExecutionException.class)
          .hasMessageStartingWith("manager 'orders' could not run worker orders#")
          .hasMessageContaining("its pool is saturated (")
          .hasMessageContaining("queue capacity left 0")
          .hasCauseInstanceOf(RejectedExecutionException.class);
      release.countDown();
      assertThat(running.getResult(Duration.ofSeconds(10))).isTrue();
      assertThat(queued.getResult(Duration.ofSeconds(10))).isEqualTo(1);
      assertThatThrownBy(manager::waitForAll).isInstanceOfSatisfying(WorkersFailedException.class,
          e -> assertThat(e.failures()).singleElement().isInstanceOf(RejectedExecutionException.class));
      assertThat(manager.inFlightCount()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shutdown_refusesNewWorkers_butLetsInFlightOnesFinish() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().name("m").executor(executor).build();
    AsyncWorker<Integer> inFlight = manager.createWorker(() -> 1);
    AsyncWorkerManager scope = manager.newScope();
    manager.shutdown();
    assertThat(manager.isShutdown()).isTrue();
    assertThat(scope.isShutdown()).isTrue();
    AsyncWorker<Integer> refused = manager.createWorker(() -> 2);
    assertThatThrownBy(refused::getResult).isInstanceOf(RejectedExecutionException.class)
        .hasMessage("manager 'm' is shut down and accepts no new workers");
    assertThatThrownBy(manager::newScope).isInstanceOf(IllegalStateException.class);
    executor.runAll();
    assertThat(inFlight.getResult()).isEqualTo(1);
  }

  @Test
  void close_cancelsInFlight_andShutsDownAnOwnedPool() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AsyncWorkerManager manager = new AsyncWorkerManager(1);
    AsyncWorker<Boolean> running = manager.createWorker(() -> {
      started.countDown();
      return new CountDownLatch(1).await(20, TimeUnit.SECONDS);
    });
    AsyncWorker<Integer> queued = manager.createWorker(() -> 1);
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    manager.close();
    manager.close(); // idempotent
    assertThat(running.state()).isEqualTo(WorkerState.CANCELLED);
    assertThat(queued.state()).isEqualTo(WorkerState.CANCELLED);
    assertThat(running.waitForCompletion(Duration.ofSeconds(10))).isTrue();
    assertThatThrownBy(queued::getResult).isInstanceOf(CancellationException.class);
    assertThat(manager.createWorker(() -> 1).state()).isEqualTo(WorkerState.FAILED);
  }

  @Test
  void builder_rejectsBadValues_withTheValueInTheMessage() {
    assertThatThrownBy(() -> new AsyncWorkerManager(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("poolSize must be >= 1 but was 0");
    assertThatThrownBy(() -> AsyncWorkerManager.builder().poolSize(-3)).hasMessage("poolSize must be >= 1 but was -3");
    assertThatThrownBy(() -> AsyncWorkerManager.builder().name(" ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank but was ' '");
    assertThatThrownBy(() -> AsyncWorkerManager.builder().name(null)).isInstanceOf(NullPointerException.class).hasMessage("name");
    assertThatThrownBy(() -> AsyncWorkerManager.builder().executor(null)).hasMessage("executor");
    assertThatThrownBy(() -> AsyncWorkerManager.builder().scheduler(null)).hasMessage("scheduler");
    assertThatThrownBy(() -> AsyncWorkerManager.builder().defaultTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("defaultTimeout must be > 0 but was PT0S");
    assertThatThrownBy(() -> AsyncWorkerManager.builder().executor(Runnable::run).poolSize(2).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("either executor(...) or poolSize(...)");
    ThreadPoolExecutor discarding = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
        new ThreadPoolExecutor.DiscardPolicy());
    try {
      assertThatThrownBy(() -> AsyncWorkerManager.builder().executor(discarding))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DiscardPolicy drops tasks silently");
    } finally {
      discarding.shutdown();
    }
    try (AsyncWorkerManager m = new AsyncWorkerManager(1)) {
      assertThatThrownBy(() -> m.createWorker((java.util.concurrent.Callable<Integer>) null))
          .isInstanceOf(NullPointerException.class).hasMessage("task");
      assertThatThrownBy(() -> m.waitForAll(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("timeout must be >= 0 but was PT-0.001S");
    }
  }

  // ------------------------------------------------------------ memory

  @Test
  void millionShortTasks_leaveNothingTracked_andRetainedHeapDoesNotGrow() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    try (AsyncWorkerManager manager = new AsyncWorkerManager(2)) {
      AtomicInteger sum = new AtomicInteger();
      runBatches(manager, 100_000, sum); // warm up
      long afterWarmup = usedHeapAfterGc(memory);
      runBatches(manager, 900_000, sum);
      long afterAll = usedHeapAfterGc(memory);
      assertThat(sum).hasValue(1_000_000);
      assertThat(manager.inFlightCount()).isZero();
      // 900,000 retained workers would be tens of megabytes; allow GC noise of a few.
      assertThat(afterAll - afterWarmup).as("heap growth in bytes over 900,000 tasks").isLessThan(8L << 20);
    }
  }

  private static void runBatches(AsyncWorkerManager manager, int tasks, AtomicInteger sum) {
    List<AsyncWorker<Integer>> batch = new ArrayList<>(10_000);
    for (int i = 0; i < tasks; i++) {
      batch.add(manager.createWorker(() -> sum.incrementAndGet()));
      if (batch.size() == 10_000) {
        manager.waitForAll();
        batch.clear(); // the caller drops its references; the manager must not keep them
      }
    }
    manager.waitForAll();
  }

  private static long usedHeapAfterGc(MemoryMXBean memory) {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
