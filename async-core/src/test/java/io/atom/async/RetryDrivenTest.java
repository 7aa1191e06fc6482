package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Retries whose attempts run outside the manager's pool: each attempt a driven worker (issue 16). */
class RetryDrivenTest {

  @Test
  void failedAttemptsAreRetried_untilOneSucceeds_andTheOperationIsOneWorker() {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().name("driven").poolSize(1).build()) {
      AtomicInteger attempts = new AtomicInteger();
      RetryPolicy<String> policy = RetryPolicy.<String>builder().maxAttempts(4).initialDelay(Duration.ofMillis(1))
          .noJitter().build();

      AsyncWorker<String> op = manager.retryDriven("remote", c -> {
        if (attempts.incrementAndGet() < 3) {
          c.fail(new IOException("member busy " + attempts.get()));
        } else {
          c.succeed("done on attempt " + attempts.get());
        }
      }, policy);

      assertThat(manager.waitForAll(Duration.ofSeconds(10))).isTrue();
      assertThat(op.getResult()).isEqualTo("done on attempt 3");
      assertThat(op.name()).isEqualTo("remote");
      assertThat(op.retried()).isTrue();
      assertThat(attempts).hasValue(3);
      assertThat(manager.inFlightCount()).isZero();
    }
  }

  @Test
  void exhaustedAttempts_failTheOperation_withEveryAttemptsFailure() {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).build()) {
      AtomicInteger attempts = new AtomicInteger();
      RetryPolicy<String> policy = RetryPolicy.<String>builder().maxAttempts(3).initialDelay(Duration.ofMillis(1))
          .noJitter().build();

      AsyncWorker<String> op = manager.retryDriven(c -> c.fail(new IOException("no " + attempts.incrementAndGet())),
          policy);

      assertThatThrownBy(manager::waitForAll).isInstanceOfSatisfying(WorkersFailedException.class,
          e -> assertThat(e.failures()).singleElement().isInstanceOf(RetryExhaustedException.class));
      assertThatThrownBy(op::getResult).isInstanceOfSatisfying(RetryExhaustedException.class, e -> {
        assertThat(e.getCause()).hasMessage("no 3");
        assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("no 1", "no 2");
      });
      assertThat(attempts).hasValue(3);
    }
  }

  @Test
  void aDriverThatThrows_failsThatAttempt_andIsRetried() {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).build()) {
      AtomicInteger attempts = new AtomicInteger();
      RetryPolicy<Integer> policy = RetryPolicy.<Integer>builder().maxAttempts(2).initialDelay(Duration.ofMillis(1))
          .noJitter().build();
      AsyncWorker<Integer> op = manager.retryDriven(c -> {
        if (attempts.incrementAndGet() == 1) {
          throw new IllegalStateException("cannot submit");
        }
        c.succeed(7);
      }, policy);
      assertThat(op.getResult(Duration.ofSeconds(10))).isEqualTo(7);
    }
  }

  @Test
  void cancellingTheOperation_runsTheRunningAttemptsOnCancel_andStartsNoOther() {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).build()) {
      AtomicInteger attempts = new AtomicInteger();
      AtomicInteger cancels = new AtomicInteger();
      AtomicReference<WorkerCompletion<String>> running = new AtomicReference<>();
      AsyncWorker<String> op = manager.retryDriven(c -> {
        attempts.incrementAndGet();
        running.set(c);
        c.onCancel(cancels::incrementAndGet);
      }, RetryPolicy.<String>builder().maxAttempts(5).build());

      assertThat(op.state()).isEqualTo(WorkerState.RUNNING);
      op.cancel();

      assertThat(op.state()).isEqualTo(WorkerState.CANCELLED);
      assertThat(cancels).hasValue(1);
      assertThat(running.get().isDone()).isTrue();
      assertThat(running.get().succeed("late")).isFalse();
      assertThat(attempts).hasValue(1);
      assertThat(manager.allDone()).isTrue();
    }
  }

  @Test
  void anAttemptTimeout_cancelsTheRemoteAttempt_andTheNextAttemptRuns() {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).build()) {
      List<WorkerCompletion<String>> started = new CopyOnWriteArrayList<>();
      AtomicInteger cancels = new AtomicInteger();
      RetryPolicy<String> policy = RetryPolicy.<String>builder().maxAttempts(2).initialDelay(Duration.ofMillis(1))
          .noJitter().attemptTimeout(Duration.ofMillis(50)).build();
      AsyncWorker<String> op = manager.retryDriven(c -> {
        started.add(c);
        if (started.size() == 1) {
          c.onCancel(cancels::incrementAndGet); // never completes: the attempt timeout must end it
        } else {
          c.succeed("second");
        }
      }, policy);

      assertThat(op.getResult(Duration.ofSeconds(10))).isEqualTo("second");
      assertThat(cancels).hasValue(1);
      assertThat(started).hasSize(2);
    }
  }

  @Test
  void badInput_isRefusedWithTheArgumentsName() {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).build()) {
      RetryPolicy<String> policy = RetryPolicy.ofDefaults();
      assertThatThrownBy(() -> manager.retryDriven(null, policy)).isInstanceOf(NullPointerException.class)
          .hasMessage("attempt");
      assertThatThrownBy(() -> manager.retryDriven(c -> { }, null)).isInstanceOf(NullPointerException.class)
          .hasMessage("policy");
      assertThatThrownBy(() -> manager.retryDriven(" ", c -> { }, policy))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("name must not be blank but was ' '");
    }
  }
}
