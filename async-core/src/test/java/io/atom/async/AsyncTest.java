package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AsyncTest {

  @Test
  void getWithTimeout_returnsTheValue() {
    assertThat(Async.getWithTimeout(CompletableFuture.completedFuture("v"), Duration.ZERO)).isEqualTo("v");
  }

  @Test
  void getWithTimeout_expiry_namesTheDuration_andLeavesTheFutureAlone() {
    CompletableFuture<String> pending = new CompletableFuture<>();
    assertThatThrownBy(() -> Async.getWithTimeout(pending, Duration.ofMillis(10)))
        .isInstanceOfSatisfying(AsyncTimeoutException.class, e -> {
          assertThat(e.timeout()).isEqualTo(Duration.ofMillis(10));
          assertThat(e).hasMessage("future did not complete within PT0.01S").hasCauseInstanceOf(TimeoutException.class);
        });
    assertThat(pending.isDone()).isFalse();
  }

  @Test
  void getWithTimeout_unwrapsFailuresAsGetResultDoes() {
    IllegalStateException unchecked = new IllegalStateException("u");
    IOException checked = new IOException("c");
    Error error = new AssertionError("e");
    assertThatThrownBy(() -> Async.getWithTimeout(CompletableFuture.failedFuture(unchecked), Duration.ofSeconds(1)))
        .isSameAs(unchecked);
    assertThatThrownBy(() -> Async.getWithTimeout(CompletableFuture.failedFuture(checked), Duration.ofSeconds(1)))
        .isInstanceOf(AsyncExecutionException.class).hasCause(checked);
    assertThatThrownBy(() -> Async.getWithTimeout(CompletableFuture.failedFuture(error), Duration.ofSeconds(1)))
        .isSameAs(error);
    CompletableFuture<String> cancelled = new CompletableFuture<>();
    cancelled.cancel(true);
    assertThatThrownBy(() -> Async.getWithTimeout(cancelled, Duration.ofSeconds(1)))
        .isInstanceOf(CancellationException.class);
  }

  @Test
  void getWithTimeout_onAWorkersView() {
    AsyncWorker<Integer> worker = new AsyncWorker<>();
    worker.startAsync(() -> 6 * 7);
    assertThat(Async.getWithTimeout(worker.toCompletableFuture(), Duration.ofSeconds(10))).isEqualTo(42);
  }

  @Test
  void getWithTimeout_interrupted_restoresTheFlag() throws Exception {
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean flag = new AtomicBoolean();
    Thread t = new Thread(() -> {
      Thread.currentThread().interrupt(); // interrupted before it waits: get() throws at once
      try {
        Async.getWithTimeout(new CompletableFuture<>(), Duration.ofSeconds(10));
      } catch (Throwable e) {
        thrown.set(e);
        flag.set(Thread.currentThread().isInterrupted());
      }
    });
    t.start();
    t.join(10_000);
    assertThat(thrown.get()).isInstanceOf(AsyncInterruptedException.class).hasCauseInstanceOf(InterruptedException.class);
    assertThat(flag).isTrue();
  }

  @Test
  void getWithTimeout_badArguments() {
    assertThatThrownBy(() -> Async.getWithTimeout(null, Duration.ZERO)).isInstanceOf(NullPointerException.class)
        .hasMessage("future");
    assertThatThrownBy(() -> Async.getWithTimeout(new CompletableFuture<>(), null)).hasMessage("timeout");
    assertThatThrownBy(() -> Async.getWithTimeout(new CompletableFuture<>(), Duration.ofSeconds(-2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be >= 0 but was PT-2S");
  }
}
