package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each test pins a bug the retry review found. */
@Timeout(60)
class RetryReviewRegressionTest {
  private final ManualExecutor executor = new ManualExecutor();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final AsyncWorkerManager manager = AsyncWorkerManager.builder().name("m").executor(executor)
      .scheduler(scheduler).build();

  private void drive() {
    for (int i = 0; i < 100 && (executor.queued() > 0 || !scheduler.pending().isEmpty()); i++) {
      executor.runAll();
      scheduler.fireAll();
    }
  }

  /** A value whose toString() throws, like an entity touching a lazy collection. */
  static final class Hostile {
    @Override
    public String toString() {
      throw new IllegalStateException("lazy collection");
    }
  }

  @Test
  void rejectedResultWhoseToStringThrows_stillEndsTheOperation() {
    AsyncWorker<Hostile> op = manager.retry(Hostile::new, RetryPolicy.<Hostile>builder().maxAttempts(2)
        .initialDelay(Duration.ofMillis(1)).retryIfResult(h -> true).build());
    drive();
    assertThat(op.isDone()).isTrue();
    assertThatThrownBy(op::getResult).isInstanceOf(RetryExhaustedException.class);
  }

  @Test
  void rejectedResults_areRetried_whateverTheExceptionFilters() {
    AtomicInteger calls = new AtomicInteger();
    AsyncWorker<Integer> op = manager.retry(() -> calls.incrementAndGet() == 1 ? -1 : 42,
        RetryPolicy.<Integer>builder().retryOn(IOException.class).retryIfResult(r -> r < 0)
            .initialDelay(Duration.ofMillis(1)).build());
    drive();
    assertThat(op.getResult()).isEqualTo(42);
    assertThat(calls).hasValue(2);
  }

  @Test
  void anAttemptQueuedPastTheDeadline_neverRuns() throws Exception {
    ThreadPoolExecutor single = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(10));
    try {
      AsyncWorkerManager real = AsyncWorkerManager.builder().executor(single).build();
      CountDownLatch busy = new CountDownLatch(1);
      List<Long> startsMs = new CopyOnWriteArrayList<>();
      long start = System.nanoTime();
      AsyncWorker<String> op = real.retry(() -> {
        startsMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        if (startsMs.size() == 1) {
          // Occupy the only thread from the scheduler's side: the retry will queue behind it.
          real.createWorker(() -> busy.await(10, TimeUnit.SECONDS));
        }
        throw new IOException("down");
      }, RetryPolicy.<String>builder().backoff(BackoffStrategy.FIXED).initialDelay(Duration.ofMillis(10))
          .maxTotalDelay(Duration.ofMillis(150)).maxAttempts(10).build());
      // The thread stays busy past the deadline: the queued attempt never runs, and the operation
      // ends at the deadline, not when the thread frees (bounded: it must end while still busy).
      assertThat(op.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      assertThat(busy.getCount()).as("ended while the thread was still busy").isEqualTo(1);
      assertThat(single.getQueue()).as("the dead attempt gave its slot back").isEmpty();
      busy.countDown();
      assertThatThrownBy(() -> op.getResult(Duration.ofSeconds(10)))
          .isInstanceOfSatisfying(RetryExhaustedException.class, e -> {
            assertThat(e.deadlineReached()).isTrue();
            assertThat(e.attempts()).isEqualTo(1);
          });
      assertThat(startsMs).hasSize(1);
    } finally {
      single.shutdownNow();
    }
  }

  @Test
  void gracefulShutdown_letsARetryThatIsWaitingOutADelayFinish() throws Exception {
    AsyncWorkerManager owned = new AsyncWorkerManager(2);
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch firstFailed = new CountDownLatch(1);
    AsyncWorker<String> op = owned.retry(() -> {
      if (calls.incrementAndGet() == 1) {
        firstFailed.countDown();
        throw new IOException("once");
      }
      return "second";
    }, RetryPolicy.<String>builder().backoff(BackoffStrategy.FIXED).initialDelay(Duration.ofMillis(50)).build());
    assertThat(firstFailed.await(10, TimeUnit.SECONDS)).isTrue();
    owned.shutdown();
    assertThat(op.getResult(Duration.ofSeconds(10))).isEqualTo("second");
    assertThat(owned.createWorker(() -> 1).state()).isEqualTo(WorkerState.FAILED);
  }

  @Test
  void waitForCompletionAfterCancel_waitsForTheInterruptedAttemptToLeaveItsThread() throws Exception {
    try (AsyncWorkerManager real = new AsyncWorkerManager(2)) {
      CountDownLatch started = new CountDownLatch(1);
      CountDownLatch mayLeave = new CountDownLatch(1);
      AsyncWorker<String> op = real.retry(() -> {
        started.countDown();
        try {
          new CountDownLatch(1).await();
        } catch (InterruptedException e) {
          mayLeave.await(10, TimeUnit.SECONDS); // keeps the thread after the interrupt
        }
        return "x";
      }, RetryPolicy.<String>ofDefaults());
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      op.cancel();
      assertThat(op.waitForCompletion(Duration.ofMillis(50))).as("the attempt is still on its thread").isFalse();
      mayLeave.countDown();
      assertThat(op.waitForCompletion(Duration.ofSeconds(10))).isTrue();
    }
  }

  @Test
  void anAttemptDrainedAndCancelledByTheExecutorsOwner_endsTheOperationCancelled_evenWithContextPropagation() {
    ThreadPoolExecutor single = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(10));
    CountDownLatch release = new CountDownLatch(1);
    try {
      AsyncWorkerManager real = AsyncWorkerManager.builder().executor(single)
          .contextPropagation(task -> () -> task.run()).build();
      real.createWorker(() -> release.await(10, TimeUnit.SECONDS));
      AsyncWorker<String> op = real.retry(() -> "never", RetryPolicy.<String>ofDefaults());
      List<Runnable> drained = single.shutdownNow();
      assertThat(drained).singleElement().isInstanceOf(Future.class);
      ((Future<?>) drained.get(0)).cancel(false);
      assertThat(op.state()).isEqualTo(WorkerState.CANCELLED);
      assertThatThrownBy(op::getResult).isInstanceOf(CancellationException.class);
    } finally {
      release.countDown();
      single.shutdownNow();
    }
  }

  @Test
  void nonRetryableFailureAfterEarlierAttempts_carriesThemSuppressed() {
    AtomicInteger calls = new AtomicInteger();
    AsyncWorker<String> op = manager.retry(() -> {
      if (calls.incrementAndGet() < 3) {
        throw new IOException("transient " + calls.get());
      }
      throw new IllegalArgumentException("fatal");
    }, RetryPolicy.<String>builder().abortOn(IllegalArgumentException.class).initialDelay(Duration.ofMillis(1)).build());
    drive();
    assertThatThrownBy(op::getResult).isInstanceOf(IllegalArgumentException.class).hasMessage("fatal")
        .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage)
            .containsExactly("transient 1", "transient 2"));
  }

  @Test
  void longRetries_computeEachDelayInConstantTime_andSaturate() {
    RetryPolicy<String> exponential = RetryPolicy.<String>builder().initialDelay(Duration.ofMillis(1)).noJitter().build();
    RetryPolicy<String> linear = RetryPolicy.<String>builder().backoff(BackoffStrategy.LINEAR)
        .initialDelay(Duration.ofMillis(1)).build();
    assertThat(exponential.delayMillis(64)).isEqualTo(Long.MAX_VALUE);
    assertThat(exponential.delayMillis(1_000_000)).isEqualTo(Long.MAX_VALUE);
    assertThat(linear.delayMillis(1_000_000)).isEqualTo(1_000_000L);
    RetryPolicy<String> huge = RetryPolicy.<String>builder().backoff(BackoffStrategy.FIXED)
        .initialDelay(Duration.ofSeconds(Long.MAX_VALUE)).build();
    assertThat(huge.delayMillis(1)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void seedFormNullArguments_nameTheSeedParameter() {
    assertThatThrownBy(() -> Async.asyncRetry(() -> 1, 3, Duration.ofMillis(1), null, Duration.ZERO,
        v -> { }, e -> { }, () -> { })).isInstanceOf(NullPointerException.class).hasMessage("strategy");
    assertThatThrownBy(() -> Async.asyncRetry(() -> 1, 3, null, BackoffStrategy.FIXED, Duration.ZERO,
        v -> { }, e -> { }, () -> { })).hasMessage("initialDelay");
    assertThatThrownBy(() -> Async.asyncRetry(() -> 1, 3, Duration.ZERO, BackoffStrategy.FIXED, null,
        v -> { }, e -> { }, () -> { })).hasMessage("maxTotalDelay");
  }
}
