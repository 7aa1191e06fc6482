package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class StatsAndContextTest {

  @Test
  void stats_countAKnownMixExactly() throws Exception {
    ManualExecutor executor = new ManualExecutor();
    ManualScheduler scheduler = new ManualScheduler();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).scheduler(scheduler)
        .recordStats().build();
    WorkerStats stats = manager.stats();
    for (int i = 0; i < 3; i++) {
      manager.createWorker(() -> 1);
    }
    for (int i = 0; i < 2; i++) {
      manager.createWorker(() -> {
        throw new IllegalStateException("x");
      });
    }
    AsyncWorker<Integer> cancelledQueued = manager.createWorker(() -> 1);
    AsyncWorker<Integer> timedOut = manager.newWorker();
    timedOut.setTimeout(Duration.ofSeconds(1));
    timedOut.startAsync(() -> 1);
    AsyncWorker<Integer> neverStarted = manager.newWorker();
    assertThat(stats.pending()).isEqualTo(7);
    cancelledQueued.cancel();
    neverStarted.cancel(); // counted as cancelled, never pending
    scheduler.fireAll(); // times out the queued one
    executor.runAll();
    // A retried operation: fails twice, then succeeds: one worker, three attempts.
    AtomicInteger calls = new AtomicInteger();
    manager.retry(() -> {
      if (calls.incrementAndGet() <= 2) {
        throw new IOException("t");
      }
      return 1;
    }, RetryPolicy.<Integer>builder().initialDelay(Duration.ofMillis(1)).build());
    for (int i = 0; i < 10; i++) {
      executor.runAll();
      scheduler.fireAll();
    }
    // And one that fails at once without retry.
    manager.retry(() -> {
      throw new IOException("fatal");
    }, RetryPolicy.<Integer>builder().abortOn(IOException.class).build());
    executor.runAll();
    manager.close();
    AsyncWorkerManager shutDown = manager;
    shutDown.createWorker(() -> 1); // refused: rejected and failed

    assertThat(stats.ended(WorkerState.SUCCEEDED)).isEqualTo(3 + 1);
    assertThat(stats.ended(WorkerState.FAILED)).isEqualTo(2 + 1 + 1);
    assertThat(stats.ended(WorkerState.CANCELLED)).isEqualTo(2);
    assertThat(stats.ended(WorkerState.TIMED_OUT)).isEqualTo(1);
    assertThat(stats.rejected()).isEqualTo(1);
    assertThat(stats.pending()).isZero();
    assertThat(stats.active()).isZero();
    assertThat(stats.queueWaits()).as("workers that ran: 5 plain + 2 retried ops").isEqualTo(7);
    assertThat(stats.runNanos(WorkerState.CANCELLED)).as("never ran: zero").isZero();
    assertThat(stats.runNanos(WorkerState.SUCCEEDED)).isPositive();
    assertThat(stats.retryCalls(WorkerStats.RetryCall.SUCCESSFUL_WITH_RETRY)).isEqualTo(1);
    assertThat(stats.retryCalls(WorkerStats.RetryCall.FAILED_WITHOUT_RETRY)).isEqualTo(1);
    assertThat(stats.retryCalls(WorkerStats.RetryCall.SUCCESSFUL_WITHOUT_RETRY)).isZero();
    assertThat(stats.successfulAttempts()).isEqualTo(1);
    assertThat(stats.failedAttempts()).isEqualTo(3);
  }

  @Test
  void stats_activeAndPendingFollowTheWorkers() throws Exception {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(10));
    try {
      AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).recordStats().build();
      CountDownLatch started = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      manager.createWorker(() -> {
        started.countDown();
        return release.await(10, TimeUnit.SECONDS);
      });
      manager.createWorker(() -> 1);
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(manager.stats().active()).isEqualTo(1);
      assertThat(manager.stats().pending()).isEqualTo(1);
      release.countDown();
      manager.waitForAll();
      assertThat(manager.stats().active()).isZero();
      assertThat(manager.stats().pending()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void withoutRecordStats_nothingIsCounted() {
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(Runnable::run).build();
    manager.createWorker(() -> 1);
    assertThat(manager.stats().ended(WorkerState.SUCCEEDED)).isZero();
  }

  private static final ThreadLocal<String> CONTEXT = new ThreadLocal<>();

  /** Captures CONTEXT on the submitting thread; restores it around the task; cleans up after. */
  private static final UnaryOperator<Runnable> PROPAGATE = TaskGate.propagating(CONTEXT);

  @Test
  void contextReachesTasks_everyRetryAttempt_timeouts_andCallbacks_andThreadsAreLeftClean() throws Exception {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(2).contextPropagation(PROPAGATE)
        .build()) {
      List<String> seen = new CopyOnWriteArrayList<>();
      CONTEXT.set("request-42");
      try {
        AsyncWorker<String> plain = manager.createWorker(() -> CONTEXT.get());
        plain.setCallback(v -> seen.add("callback " + CONTEXT.get()));

        AtomicInteger calls = new AtomicInteger();
        AsyncWorker<Integer> retried = manager.retry(() -> {
          seen.add("attempt " + calls.incrementAndGet() + " " + CONTEXT.get());
          if (calls.get() < 3) {
            throw new IOException("again");
          }
          return 1;
        }, RetryPolicy.<Integer>builder().initialDelay(Duration.ofMillis(1))
            .onError(e -> seen.add("onError " + CONTEXT.get())).build());

        AsyncWorker<Integer> timesOut = manager.newWorker();
        timesOut.setTimeout(Duration.ofMillis(10));
        timesOut.setFailureCallback(e -> seen.add("timeout callback " + CONTEXT.get()));
        timesOut.startAsync(() -> {
          new CountDownLatch(1).await();
          return 0;
        });

        assertThat(plain.getResult(Duration.ofSeconds(10))).isEqualTo("request-42");
        assertThat(retried.getResult(Duration.ofSeconds(10))).isEqualTo(1);
        timesOut.waitForCompletion(Duration.ofSeconds(10));
        plain.waitForCompletion(Duration.ofSeconds(10));
      } finally {
        CONTEXT.remove();
      }
      assertThat(seen).contains("callback request-42", "attempt 1 request-42", "attempt 2 request-42",
          "attempt 3 request-42", "onError request-42", "timeout callback request-42");
      assertThat(seen).noneMatch(s -> s.endsWith("null"));
      // The pool threads are left clean.
      AsyncWorker<String> after = manager.createWorker(() -> String.valueOf(CONTEXT.get()));
      AsyncWorker<String> after2 = manager.createWorker(() -> String.valueOf(CONTEXT.get()));
      assertThat(after.getResult(Duration.ofSeconds(10))).isEqualTo("null");
      assertThat(after2.getResult(Duration.ofSeconds(10))).isEqualTo("null");
    }
  }
}
