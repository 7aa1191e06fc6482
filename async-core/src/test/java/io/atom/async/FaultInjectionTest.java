package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Faults from outside the library: nothing hangs, nothing is lost, every worker ends. */
@Timeout(60)
class FaultInjectionTest {

  @Test
  void executorShutDownUnderLoad_everyWorkerEnds_whenTheOwnerCancelsWhatItDrained() throws Exception {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(10_000));
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).build();
    ConcurrentLinkedQueue<AsyncWorker<Integer>> all = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch submitting = new CountDownLatch(2);
    Thread[] submitters = new Thread[2];
    for (int t = 0; t < submitters.length; t++) {
      submitters[t] = new Thread(() -> {
        submitting.countDown();
        while (!stop.get()) {
          all.add(manager.createWorker(() -> {
            long end = System.nanoTime() + 10_000;
            while (System.nanoTime() < end) {
              Thread.onSpinWait();
            }
            return 1;
          }));
        }
      });
      submitters[t].start();
    }
    assertThat(submitting.await(10, TimeUnit.SECONDS)).isTrue();
    while (all.size() < 2_000) {
      Thread.onSpinWait(); // let the load build up (bounded: the submitters never stop on their own)
    }
    List<Runnable> drained = pool.shutdownNow(); // what an owner does at shutdown...
    for (Runnable r : drained) {
      ((Future<?>) r).cancel(false); // ...and, like Spring's executors, cancel the drained Futures
    }
    stop.set(true);
    for (Thread t : submitters) {
      t.join(10_000);
    }
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    try {
      assertThat(manager.waitForAll(Duration.ofSeconds(10))).isTrue();
    } catch (WorkersFailedException refused) {
      // the workers created after the shutdown: refused, FAILED, reported here
      assertThat(refused.failures()).allMatch(f -> f instanceof java.util.concurrent.RejectedExecutionException);
    }
    assertThat(all).allSatisfy(w -> assertThat(w.isDone()).as(w.toString()).isTrue());
    assertThat(all).anySatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.SUCCEEDED));
    assertThat(all).anySatisfy(w -> assertThat(w.state()).isIn(WorkerState.CANCELLED, WorkerState.FAILED));
    assertThat(manager.inFlightCount()).isZero();
  }

  @Test
  void stalledTimerThread_delaysTimeouts_butLosesNone() throws Exception {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(4).scheduler(timer).build()) {
      CountDownLatch unstall = new CountDownLatch(1);
      CountDownLatch stalled = new CountDownLatch(1);
      AsyncWorker<Integer> staller = manager.newWorker();
      staller.setTimeout(Duration.ofMillis(1));
      staller.setFailureCallback(e -> { // runs on the one timer thread, and blocks it
        stalled.countDown();
        try {
          unstall.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      });
      staller.startAsync(() -> {
        new CountDownLatch(1).await();
        return 0;
      });
      assertThat(stalled.await(10, TimeUnit.SECONDS)).isTrue();
      AsyncWorker<?>[] waiting = new AsyncWorker<?>[3];
      for (int i = 0; i < waiting.length; i++) {
        AsyncWorker<Integer> w = manager.newWorker();
        w.setTimeout(Duration.ofMillis(5));
        w.startAsync(() -> {
          new CountDownLatch(1).await();
          return 0;
        });
        waiting[i] = w;
      }
      assertThat(waiting[0].waitForCompletion(Duration.ofMillis(100))).as("timer stalled: not yet").isFalse();
      unstall.countDown();
      for (AsyncWorker<?> w : waiting) {
        assertThat(w.waitForCompletion(Duration.ofSeconds(10))).isTrue();
        assertThat(w.state()).isEqualTo(WorkerState.TIMED_OUT);
      }
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void interruptedCallersOfEveryWait_getTheirFlagBack_andTheWorkersAreUntouched() throws Exception {
    try (AsyncWorkerManager manager = new AsyncWorkerManager(1)) {
      CountDownLatch release = new CountDownLatch(1);
      AsyncWorker<Boolean> worker = manager.createWorker(() -> release.await(10, TimeUnit.SECONDS));
      List<ThrowingRunnable> waits = List.of(worker::getResult, () -> worker.getResult(Duration.ofSeconds(10)),
          worker::waitForCompletion, () -> worker.waitForCompletion(Duration.ofSeconds(10)),
          () -> worker.validate(v -> true), manager::waitForAll, () -> manager.waitForAll(Duration.ofSeconds(10)));
      for (ThrowingRunnable wait : waits) {
        Thread.currentThread().interrupt();
        try {
          wait.run();
          throw new AssertionError("the wait returned although interrupted");
        } catch (AsyncInterruptedException expected) {
          assertThat(Thread.interrupted()).as("flag restored").isTrue();
          assertThat(expected).hasCauseInstanceOf(InterruptedException.class);
        }
      }
      assertThat(worker.isActive()).isTrue();
      release.countDown();
      assertThat(worker.getResult(Duration.ofSeconds(10))).isTrue();
    }
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
