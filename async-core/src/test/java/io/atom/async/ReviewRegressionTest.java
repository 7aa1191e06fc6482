package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each test pins a bug found in review, so that it cannot come back. */
@Timeout(60)
class ReviewRegressionTest {

  @Test
  @Timeout(900) // runs for atom.race.seconds (3 by default, 60 in the soak profile)
  void timedOutWaitersUnlinkingWhileCallbacksFire_everyCallbackRunsOnce() throws Exception {
    // finish() used to relink the node list while a timed-out waiter unlinked itself from it: a
    // cycle, callbacks firing forever, pool threads lost. Pollers with short timed waits and late
    // callback registrations race each completion here, for a few seconds.
    ExecutorService pool = Executors.newFixedThreadPool(2);
    ExecutorService pollers = Executors.newFixedThreadPool(4);
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.getLong("atom.race.seconds", 3));
      int rounds = 0;
      while (System.nanoTime() < end) {
        rounds++;
        AtomicInteger registered = new AtomicInteger(1);
        AtomicInteger fired = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        AsyncWorker<Integer> worker = new AsyncWorker<>(pool);
        worker.setCallback(v -> fired.incrementAndGet());
        worker.startAsync(() -> {
          go.await(10, TimeUnit.SECONDS);
          long spin = System.nanoTime();
          while (System.nanoTime() - spin < 20_000) {
            Thread.onSpinWait(); // a short task, so that completion overlaps the pollers
          }
          return 1;
        });
        List<Future<?>> polls = new java.util.ArrayList<>();
        for (int p = 0; p < 4; p++) {
          boolean registers = p == 0;
          polls.add(pollers.submit(() -> {
            java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
            while (!worker.isDone()) {
              try {
                worker.getResult(Duration.ofNanos(1_000 + random.nextInt(20_000)));
              } catch (AsyncTimeoutException gaveUp) {
                // its node is unlinked now
              }
              if (registers && random.nextInt(8) == 0) {
                registered.incrementAndGet();
                worker.setCallback(v -> fired.incrementAndGet());
              }
            }
            return null;
          }));
        }
        go.countDown();
        for (Future<?> poll : polls) {
          poll.get(10, TimeUnit.SECONDS);
        }
        assertThat(worker.waitForCompletion(Duration.ofSeconds(10))).as("round %d", rounds).isTrue();
        assertThat(fired.get()).as("round %d: every callback ran exactly once", rounds).isEqualTo(registered.get());
      }
      assertThat(rounds).isPositive();
    } finally {
      pool.shutdownNow();
      pollers.shutdownNow();
    }
  }

  @Test
  void startingACancelledOrFinishedWorkerAgain_leavesNothingTracked_andWaitForAllReturns() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    AsyncWorker<Integer> cancelled = manager.newWorker();
    cancelled.cancel();
    assertThatThrownBy(() -> cancelled.startAsync(() -> 1)).isInstanceOf(IllegalStateException.class);
    AsyncWorker<Integer> done = manager.newWorker();
    done.startAsync(() -> 2);
    executor.runAll();
    assertThatThrownBy(() -> done.startAsync(() -> 3)).isInstanceOf(IllegalStateException.class);
    assertThat(manager.inFlightCount()).isZero();
    assertThat(manager.waitForAll(Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void callbackWaitingForItsOwnWorker_doesNotDeadlock() throws Exception {
    try (AsyncWorkerManager manager = new AsyncWorkerManager(1)) {
      AtomicBoolean returned = new AtomicBoolean();
      AsyncWorker<Integer> worker = manager.newWorker();
      worker.setCallback(v -> {
        worker.waitForCompletion();
        returned.set(true);
      });
      worker.startAsync(() -> 1);
      assertThat(worker.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      assertThat(returned).isTrue();
      // The pool thread is free again.
      assertThat(manager.createWorker(() -> 2).getResult(Duration.ofSeconds(10))).isEqualTo(2);
    }
  }

  @Test
  void timeoutCallbackWaitingForItsOwnWorker_doesNotStallTheTimerThread() throws Exception {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(2)
        .defaultTimeout(Duration.ofMillis(20)).build()) {
      AsyncWorker<Integer> first = manager.newWorker();
      first.setFailureCallback(e -> first.waitForCompletion(Duration.ofSeconds(5)));
      first.startAsync(() -> {
        new CountDownLatch(1).await();
        return 0;
      });
      AsyncWorker<Integer> second = manager.createWorker(() -> {
        new CountDownLatch(1).await();
        return 0;
      });
      assertThat(second.waitForCompletion(Duration.ofSeconds(3))).as("the timer thread still serves timeouts").isTrue();
      assertThat(second.state()).isEqualTo(WorkerState.TIMED_OUT);
      assertThat(first.state()).isEqualTo(WorkerState.TIMED_OUT);
    }
  }

  @Test
  void queuedTasksDrainedByShutdownNow_canBeCancelledAsFutures() throws Exception {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(10));
    CountDownLatch release = new CountDownLatch(1);
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).build();
    manager.createWorker(() -> release.await(10, TimeUnit.SECONDS));
    AsyncWorker<Integer> queued = manager.createWorker(() -> 1);
    List<Runnable> drained = pool.shutdownNow(); // what Spring does on shutdown: cancel what is a Future
    release.countDown();
    assertThat(drained).singleElement().isInstanceOf(Future.class);
    ((Future<?>) drained.get(0)).cancel(true);
    assertThat(queued.state()).isEqualTo(WorkerState.CANCELLED);
  }

  @Test
  void cancelAll_freesTheQueueSlotsOfCancelledQueuedTasks() throws Exception {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(3));
    try {
      CountDownLatch started = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).build();
      manager.createWorker(() -> {
        started.countDown();
        return release.await(10, TimeUnit.SECONDS);
      });
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 3; i++) {
        manager.createWorker(() -> 1);
      }
      manager.cancelAll();
      assertThat(pool.getQueue()).isEmpty();
      AsyncWorker<Integer> next = manager.createWorker(() -> 5);
      assertThat(next.state()).as("not rejected as saturated").isNotEqualTo(WorkerState.FAILED);
      release.countDown();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void callerRunsPolicy_isRefused_becauseItDiscardsOnceShutDown() {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
        new ThreadPoolExecutor.CallerRunsPolicy());
    try {
      assertThatThrownBy(() -> AsyncWorkerManager.builder().executor(pool))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("CallerRunsPolicy drops tasks silently once the pool is shut down");
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void cancelledTimer_inASchedulerThatKeepsCancelledTasks_doesNotRetainTheWorker() throws Exception {
    ScheduledThreadPoolExecutor keepsCancelled = new ScheduledThreadPoolExecutor(1); // removeOnCancel = false
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).scheduler(keepsCancelled)
        .defaultTimeout(Duration.ofHours(1)).build()) {
      AsyncWorker<byte[]> worker = manager.createWorker(() -> new byte[1 << 20]);
      worker.waitForCompletion();
      assertThat(keepsCancelled.getQueue()).hasSize(1); // the cancelled timer is still queued
      WeakReference<AsyncWorker<byte[]>> ref = new WeakReference<>(worker);
      worker = null;
      for (int i = 0; i < 20 && ref.get() != null; i++) {
        System.gc();
      }
      assertThat(ref.get()).as("the queued timer no longer holds the worker").isNull();
    } finally {
      keepsCancelled.shutdownNow();
    }
  }

  @Test
  void shutDownScheduler_isReportedAsSuch() {
    ScheduledThreadPoolExecutor dead = new ScheduledThreadPoolExecutor(1);
    dead.shutdown();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().name("m").executor(new ManualExecutor())
        .scheduler(dead).build();
    AsyncWorker<Integer> worker = manager.newWorker();
    worker.setTimeout(Duration.ofSeconds(1));
    worker.startAsync(() -> 1);
    assertThatThrownBy(worker::getResult).isInstanceOf(RejectedExecutionException.class)
        .hasMessageMatching("manager 'm' could not arm the timeout of worker m#[0-9a-f]+: its timeout scheduler is shut down");

    AsyncWorker<Integer> late = manager.createWorker(() -> 1);
    assertThatThrownBy(() -> late.setTimeout(Duration.ofSeconds(1))).isInstanceOf(RejectedExecutionException.class);
    // The failed timeout was not recorded: a second one is not "already set", it fails the same way.
    assertThatThrownBy(() -> late.setTimeout(Duration.ofSeconds(2))).isInstanceOf(RejectedExecutionException.class);
  }
}
