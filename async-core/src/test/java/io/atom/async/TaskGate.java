package io.atom.async;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;

/**
 * Holds a pool thread busy on demand: {@link #block()} is a task that says it started, then blocks
 * until {@link #release()} (bounded, so a forgotten release cannot hang a test). Release it in an
 * {@code @AfterEach}.
 */
final class TaskGate {
  private final CountDownLatch started = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  /** The blocking task; returns 0 once released. */
  Integer block() throws InterruptedException {
    started.countDown();
    release.await(20, SECONDS);
    return 0;
  }

  /** Waits (bounded) until a {@link #block()} task runs. */
  void awaitStarted() throws InterruptedException {
    assertThat(started.await(10, SECONDS)).as("the blocking task started").isTrue();
  }

  void release() {
    release.countDown();
  }

  boolean released() {
    return release.getCount() == 0;
  }

  /** A ThreadLocal-valued context propagation for tests: captured at submit, restored around the task. */
  static java.util.function.UnaryOperator<Runnable> propagating(ThreadLocal<String> context) {
    return task -> {
      String captured = context.get();
      return () -> {
        String previous = context.get();
        context.set(captured);
        try {
          task.run();
        } finally {
          context.set(previous);
        }
      };
    };
  }
}
