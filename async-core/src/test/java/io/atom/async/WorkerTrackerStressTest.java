package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tracking structure under load from 8 threads: workers added to the shared root manager and to
 * per-thread scopes, ended by a pool, by cancel, by cancelAll and by scope close, all at once, with
 * the lazy sweeps running inside the adds. Nothing is lost (cancelAll reaches every worker still in
 * flight), nothing is left tracked, and a dead node keeps no worker.
 * {@code -Datom.stress.iterations=N} scales the rounds (default 20,000 / 100 = 200).
 */
@Timeout(600)
class WorkerTrackerStressTest {
  private static final int ROUNDS = Math.max(50, Integer.getInteger("atom.stress.iterations", 20_000) / 100);
  private static final int THREADS = 8;
  private static final int PER_THREAD = 200;

  @Test
  void eightThreadsAddingWhileWorkersEnd_cancelAllStillReachesEveryWorkerInFlight() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (AsyncWorkerManager root = AsyncWorkerManager.builder().executor(pool).build()) {
      CyclicBarrier gate = new CyclicBarrier(THREADS + 1);
      AtomicReference<Throwable> error = new AtomicReference<>();
      Queue<AsyncWorker<Integer>> blocked = new ConcurrentLinkedQueue<>();
      AtomicReference<CountDownLatch> release = new AtomicReference<>();
      List<Thread> racers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        boolean inScope = t % 2 == 1;
        boolean closesItsScope = t % 4 == 1; // the other scopes stay open for cancelAll to reach
        racers.add(Racer.start("adder-" + t, gate, error, () -> {
          CountDownLatch latch = release.get();
          AsyncWorkerManager scope = inScope ? root.newScope() : null;
          AsyncWorkerManager target = scope != null ? scope : root;
          for (int i = 0; i < PER_THREAD; i++) {
            if (i % 4 == 0) {
              // stays in flight until cancelled: cancelAll must find it among the dead nodes
              blocked.add(target.createWorker(() -> {
                latch.await(20, TimeUnit.SECONDS);
                return 0;
              }));
            } else if (i % 4 == 1) {
              target.createWorker(() -> 1).cancel(); // ended by its creator
            } else {
              target.createWorker(() -> 2); // ended by the pool, or still queued
            }
          }
          if (closesItsScope) {
            scope.close();
          }
        }));
      }
      try {
        for (int round = 0; round < ROUNDS; round++) {
          blocked.clear();
          CountDownLatch latch = new CountDownLatch(1);
          release.set(latch);
          gate.await(10, TimeUnit.SECONDS);
          gate.await(60, TimeUnit.SECONDS);
          assertThat(error.get()).as("round %d", round).isNull();

          cancelAllReachesEveryBlockedWorker(root, blocked, latch, round);
          assertThat(root.allDone()).isTrue();
        }
      } finally {
        racers.forEach(Thread::interrupt);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aScopeFedByEightThreadsAtOnce_losesNoWorker_whetherItsOwnerOrAnotherThreadPushedIt() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (AsyncWorkerManager root = AsyncWorkerManager.builder().executor(pool).build()) {
      CyclicBarrier gate = new CyclicBarrier(THREADS + 1);
      AtomicReference<Throwable> error = new AtomicReference<>();
      AtomicReference<AsyncWorkerManager> shared = new AtomicReference<>();
      AtomicReference<CountDownLatch> release = new AtomicReference<>();
      Queue<AsyncWorker<Integer>> blocked = new ConcurrentLinkedQueue<>();
      List<Thread> racers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        // One of them claims the scope's stripe with its first push and pushes without a CAS; the
        // seven others push onto its shared list by CAS, all at once.
        racers.add(Racer.start("feeder-" + t, gate, error, () -> {
          AsyncWorkerManager scope = shared.get();
          CountDownLatch latch = release.get();
          for (int i = 0; i < PER_THREAD; i++) {
            if (i % 2 == 0) {
              blocked.add(scope.createWorker(() -> {
                latch.await(20, TimeUnit.SECONDS);
                return 0;
              }));
            } else {
              scope.createWorker(() -> 1);
            }
          }
        }));
      }
      try {
        for (int round = 0; round < ROUNDS; round++) {
          blocked.clear();
          CountDownLatch latch = new CountDownLatch(1);
          release.set(latch);
          AsyncWorkerManager scope = root.newScope();
          shared.set(scope);
          gate.await(10, TimeUnit.SECONDS);
          gate.await(60, TimeUnit.SECONDS);
          assertThat(error.get()).as("round %d", round).isNull();
          assertThat(blocked).hasSize(THREADS * PER_THREAD / 2);
          assertThat(scope.inFlightCount()).as("round %d: every blocked worker is tracked", round)
              .isGreaterThanOrEqualTo(blocked.size());

          cancelAllReachesEveryBlockedWorker(scope, blocked, latch, round);
          scope.tracker().sweepAll();
          assertThat(scope.tracker().nodeCount()).as("round %d: only the lists' heads are left (a sweep keeps "
              + "the head)", round).isLessThanOrEqualTo(scope.tracker().listCount());
          assertNoDeadNodeHoldsAWorker(scope.tracker());
          scope.close();
        }
      } finally {
        racers.forEach(Thread::interrupt);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aLongLivedManager_keepsNoFinishedWorker_andABoundedNumberOfDeadNodes() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    WorkerTracker tracker = trackerOf(manager);
    for (int i = 0; i < 100_000; i++) {
      manager.createWorker(() -> 1);
      if (i % 10 == 0) {
        executor.runAll(); // at most 10 in flight at a time
      }
      if (i % 997 == 0) {
        assertNoDeadNodeHoldsAWorker(tracker);
        assertThat(tracker.nodeCount()).as("after %d tasks", i)
            .isLessThanOrEqualTo(2 * WorkerTracker.SWEEP_MIN + 10);
      }
    }
    executor.runAll();
    assertThat(manager.inFlightCount()).isZero();
    assertNoDeadNodeHoldsAWorker(tracker);
  }

  @Test
  void aFanOutOfManyAtOnce_sweepsToAboutTwiceItsInFlightWorkers() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    try (AsyncWorkerManager scope = manager.newScope()) {
      WorkerTracker tracker = trackerOf(scope);
      for (int i = 0; i < 10_000; i++) {
        scope.createWorker(() -> 1);
      }
      assertThat(scope.inFlightCount()).isEqualTo(10_000);
      executor.runAll();
      assertThat(scope.inFlightCount()).isZero();
      for (int i = 0; i < 10_000; i++) {
        scope.createWorker(() -> 2); // pushes trigger sweeps of the 10,000 dead nodes
      }
      assertThat(tracker.nodeCount()).isLessThanOrEqualTo(2 * 10_000 + WorkerTracker.SWEEP_MIN);
      assertNoDeadNodeHoldsAWorker(tracker);
      tracker.sweepAll();
      assertThat(tracker.nodeCount()).isLessThanOrEqualTo(10_000 + 1);
    }
  }

  @Test
  void aRefusedSecondStart_doesNotLeaveTheFinishedWorkerInItsNode() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    AsyncWorker<Integer> started = manager.newWorker();
    started.startAsync(() -> 1);
    AsyncWorker<Integer> created = manager.createWorker(() -> 2);

    assertThatThrownBy(() -> started.startAsync(() -> 3)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> created.startAsync(() -> 4)).isInstanceOf(IllegalStateException.class);
    executor.runAll();

    assertThat(started.state()).isEqualTo(WorkerState.SUCCEEDED);
    assertThat(created.state()).isEqualTo(WorkerState.SUCCEEDED);
    assertNoDeadNodeHoldsAWorker(manager.tracker());
  }

  @Test
  void aBurstFromOneThreadThatEnds_isSweptByTheNextWalk_notKeptForEveryLaterReader() throws Exception {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    WorkerTracker tracker = manager.tracker();
    for (int i = 0; i < 50_000; i++) {
      manager.createWorker(() -> 1); // one stripe, and its push-driven sweeps spread out as it grows
    }
    executor.runAll();
    int afterBurst = tracker.nodeCount();
    assertThat(afterBurst).as("the burst's dead nodes, before any walk").isGreaterThan(10_000);

    assertThat(manager.inFlightCount()).isZero(); // a reader's walk finds the stripe mostly dead

    assertThat(tracker.nodeCount()).as("swept by that walk").isLessThanOrEqualTo(1 + WorkerTracker.SWEEP_MIN);
    Thread other = new Thread(() -> manager.createWorker(() -> 2)); // later work from another thread
    other.start();
    other.join(10_000);
    assertThat(manager.allDone()).isFalse();
    assertThat(tracker.nodeCount()).isLessThanOrEqualTo(2 + WorkerTracker.SWEEP_MIN);
  }

  @Test
  void shutdown_sweepsTheTracker_soTheDrainWalksOnlyWhatIsInFlight() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    for (int i = 0; i < 10_000; i++) {
      manager.createWorker(() -> 1);
    }
    executor.runAll();
    manager.createWorker(() -> 2);

    manager.shutdown();

    assertThat(manager.tracker().nodeCount()).isLessThanOrEqualTo(2);
    executor.runAll();
    assertThat(manager.allDone()).isTrue();
  }

  @Test
  void aRootManagerHasTwoStripesPerCpu_atLeastFour_atMostSixtyFour() {
    assertThat(WorkerTracker.stripesForCpus(1)).isEqualTo(4);
    assertThat(WorkerTracker.stripesForCpus(2)).isEqualTo(4);
    assertThat(WorkerTracker.stripesForCpus(3)).isEqualTo(8);
    assertThat(WorkerTracker.stripesForCpus(16)).isEqualTo(32);
    assertThat(WorkerTracker.stripesForCpus(40)).isEqualTo(64);
    assertThat(WorkerTracker.stripesForCpus(1_000)).isEqualTo(64);
  }

  /**
   * {@code manager.cancelAll()} ends every worker in {@code blocked} (all in flight until {@code latch}
   * opens); then, once they are let go, the manager waits for all and tracks none.
   */
  private static void cancelAllReachesEveryBlockedWorker(AsyncWorkerManager manager,
      Queue<AsyncWorker<Integer>> blocked, CountDownLatch latch, int round) {
    manager.cancelAll();

    for (AsyncWorker<Integer> w : blocked) {
      assertThat(w.isDone()).as("round %d: cancelAll reached %s", round, w).isTrue();
    }
    latch.countDown();
    assertThat(manager.waitForAll(Duration.ofSeconds(30))).as("round %d", round).isTrue();
    assertThat(manager.inFlightCount()).isZero();
  }

  private static void assertNoDeadNodeHoldsAWorker(WorkerTracker tracker) {
    for (int i = 0; i < tracker.listCount(); i++) {
      for (WorkerTracker.Node n = tracker.head(i); n != null; n = n.next) {
        AsyncWorker<?> w = n.worker;
        assertThat(w == null || !w.isDone()).as("a finished worker is held by a node: %s", w).isTrue();
      }
    }
  }

  private static WorkerTracker trackerOf(AsyncWorkerManager manager) {
    return manager.tracker();
  }
}
