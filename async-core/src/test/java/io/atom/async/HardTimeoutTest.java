package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class HardTimeoutTest {

  @Test
  void sleepingTask_withTimeout_endsTimedOutNearTheDeadline_andFreesItsThread() throws Exception {
    try (AsyncWorkerManager manager = new AsyncWorkerManager(1)) {
      CountDownLatch interrupted = new CountDownLatch(1);
      AsyncWorker<String> sleeper = manager.newWorker();
      sleeper.setTimeout(Duration.ofMillis(100));
      long start = System.nanoTime();
      sleeper.startAsync(() -> {
        try {
          Thread.sleep(10_000); // the task under test, not a wait for another thread
        } catch (InterruptedException e) {
          interrupted.countDown();
          throw e;
        }
        return "slept";
      });
      assertThatThrownBy(sleeper::getResult)
          .isInstanceOf(AsyncTimeoutException.class)
          .hasMessageContaining("timed out after PT0.1S")
          .satisfies(e -> assertThat(((AsyncTimeoutException) e).timeout()).isEqualTo(Duration.ofMillis(100)));
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(sleeper.state()).isEqualTo(WorkerState.TIMED_OUT);
      assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the running thread was interrupted").isTrue();
      // Not a speed assert: proof that the 10 s sleep was cut short (generous for a loaded machine).
      assertThat(elapsedMs).isGreaterThanOrEqualTo(100).isLessThan(5_000);

      // The only pool thread is free again: the next task runs.
      AsyncWorker<String> next = manager.createWorker(() -> "next");
      assertThat(next.getResult(Duration.ofSeconds(10))).isEqualTo("next");
    }
  }

  @Test
  void timeoutCountsFromStart_aTaskStillQueuedAtTheDeadlineNeverRuns() {
    ManualExecutor executor = new ManualExecutor();
    ManualScheduler scheduler = new ManualScheduler();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).scheduler(scheduler).build();
    AtomicBoolean ran = new AtomicBoolean();
    AsyncWorker<Integer> worker = manager.newWorker();
    worker.setTimeout(Duration.ofSeconds(5));
    worker.startAsync(() -> {
      ran.set(true);
      return 1;
    });
    assertThat(scheduler.pending()).hasSize(1);
    assertThat(scheduler.pending().get(0).getDelay(TimeUnit.SECONDS)).isBetween(4L, 5L);
    scheduler.fireAll(); // the deadline passes while the task is queued
    assertThat(worker.state()).isEqualTo(WorkerState.TIMED_OUT);
    executor.runAll();
    assertThat(ran).isFalse();
    assertThat(manager.inFlightCount()).isZero();
  }

  @Test
  void noTimeout_armsNoTimer() {
    ManualScheduler scheduler = new ManualScheduler();
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).scheduler(scheduler).build();
    for (int i = 0; i < 100; i++) {
      manager.createWorker(() -> 1);
    }
    executor.runAll();
    assertThat(scheduler.scheduled).isEmpty();
  }

  @Test
  void workerFinishingFirst_cancelsItsTimer() {
    ScheduledThreadPoolExecutor scheduler = Defaults.newScheduler("test-timer");
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(2).scheduler(scheduler)
        .defaultTimeout(Duration.ofHours(1)).build()) {
      for (int i = 0; i < 1_000; i++) {
        manager.createWorker(() -> 1);
      }
      manager.waitForAll();
      // Every timer was cancelled and removed: nothing holds the finished workers until the deadline.
      assertThat(scheduler.getQueue()).isEmpty();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void setTimeoutAfterStart_countsFromTheCall_beforeStart_fromTheStart() throws Exception {
    ManualScheduler scheduler = new ManualScheduler();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(new ManualExecutor()).scheduler(scheduler)
        .build();
    AsyncWorker<Integer> before = manager.newWorker();
    before.setTimeout(Duration.ofSeconds(10));
    before.startAsync(() -> 1);
    AsyncWorker<Integer> after = manager.createWorker(() -> 2); // queued: the executor runs nothing
    // Let time pass since both starts (bounded busy wait: the clock itself is under test).
    long started = System.nanoTime();
    while (System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(200)) {
      Thread.onSpinWait();
    }
    after.setTimeout(Duration.ofSeconds(10));
    // ManualScheduler keeps each delay as it was asked for. The one set before the start was armed at
    // the start with all 10 s; the one set 200 ms after its start counts from the call, as
    // CompletableFuture.orTimeout does, so it was armed with all 10 s too, not with 9.8 s.
    assertThat(scheduler.pending()).extracting(p -> p.getDelay(TimeUnit.MILLISECONDS))
        .hasSize(2).allSatisfy(ms -> assertThat(ms).isBetween(9_900L, 10_000L));
    scheduler.fireAll();
    assertThatThrownBy(after::getResult).isInstanceOf(AsyncTimeoutException.class).hasMessageContaining("PT10S");
    assertThat(before.state()).isEqualTo(WorkerState.TIMED_OUT);
  }

  @Test
  void setTimeoutTwice_throwsIllegalState() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(new ManualExecutor());
    worker.setTimeout(Duration.ofSeconds(1));
    assertThatThrownBy(() -> worker.setTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageMatching("timeout of worker worker#[0-9a-f]+ already set to PT1S");
  }

  @Test
  void managerDefaultTimeout_appliesUnlessTheWorkerSetsItsOwn() {
    ManualScheduler scheduler = new ManualScheduler();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(new ManualExecutor())
        .scheduler(scheduler).defaultTimeout(Duration.ofSeconds(30)).build();
    AsyncWorker<Integer> byDefault = manager.createWorker(() -> 1);
    AsyncWorker<Integer> own = manager.newWorker();
    own.setTimeout(Duration.ofSeconds(2));
    own.startAsync(() -> 2);
    assertThat(scheduler.pending()).extracting(s -> s.getDelay(TimeUnit.SECONDS))
        .containsExactlyInAnyOrder(30L, 2L); // counted from the start, which is when they were armed
    assertThatThrownBy(() -> byDefault.setTimeout(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
    scheduler.fireAll();
    assertThatThrownBy(byDefault::getResult).hasMessageContaining("PT30S");
    assertThatThrownBy(own::getResult).hasMessageContaining("PT2S");
  }

  @Test
  void taskIgnoringInterrupts_stillEndsTimedOutAtTheDeadline() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    try (AsyncWorkerManager manager = new AsyncWorkerManager(1)) {
      AsyncWorker<String> stubborn = manager.newWorker();
      stubborn.setTimeout(Duration.ofMillis(50));
      stubborn.startAsync(() -> {
        started.countDown();
        while (true) {
          try {
            if (release.await(10, TimeUnit.SECONDS)) {
              return "finally";
            }
          } catch (InterruptedException ignored) {
            // deliberately ignores the interrupt
          }
        }
      });
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> stubborn.getResult(Duration.ofSeconds(10))).isInstanceOf(AsyncTimeoutException.class);
      assertThat(stubborn.state()).isEqualTo(WorkerState.TIMED_OUT);
      assertThat(stubborn.waitForCompletion(Duration.ofMillis(20))).as("still inside the task").isFalse();
      release.countDown();
      assertThat(stubborn.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      assertThat(stubborn.state()).isEqualTo(WorkerState.TIMED_OUT); // the late "finally" is discarded
    }
  }

  @Test
  void oneSchedulerThreadServesAllTimeouts() throws Exception {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(2)
        .defaultTimeout(Duration.ofMillis(1)).build()) {
      for (int i = 0; i < 200; i++) {
        manager.createWorker(() -> {
          new CountDownLatch(1).await(); // waits for the timeout's interrupt
          return 0;
        });
      }
      assertThatThrownBy(() -> manager.waitForAll(Duration.ofSeconds(20)))
          .isInstanceOfSatisfying(WorkersFailedException.class, e -> {
            assertThat(e.failureCount()).isEqualTo(200);
            assertThat(e.failures()).hasSize(200).allMatch(f -> f instanceof AsyncTimeoutException);
          });
    }
    long timerThreads = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("atom-async-timer-")).count();
    assertThat(timerThreads).isEqualTo(1);
  }
}
