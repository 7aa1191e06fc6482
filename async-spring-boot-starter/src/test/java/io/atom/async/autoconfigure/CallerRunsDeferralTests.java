package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.BackoffStrategy;
import io.atom.async.RetryPolicy;
import io.atom.async.WorkerState;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Issue 10, item 6: under {@code caller-runs}, a retry attempt that falls due on the timer thread
 * while the pool is full is deferred (never run on the timer, never refused), runs when a thread
 * frees, and is counted in {@code atom.async.workers.deferred}; it is never dropped silently.
 */
@Timeout(60)
class CallerRunsDeferralTests {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
          CompositeMeterRegistryAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
          AsyncWorkerAutoConfiguration.class, AsyncWorkerMetricsAutoConfiguration.class))
      .withPropertyValues("atom.async.pool.core-size=1", "atom.async.pool.max-size=1",
          "atom.async.pool.queue-capacity=0", "atom.async.pool.rejection-policy=caller-runs");

  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch blocking = new CountDownLatch(1);

  @AfterEach
  void releaseThePool() {
    release.countDown();
  }

  /** Occupies the pool's only thread until the test releases it. */
  private void fillThePool(AsyncWorkerManager manager) throws InterruptedException {
    manager.createWorker(() -> {
      blocking.countDown();
      return release.await(20, TimeUnit.SECONDS);
    });
    assertThat(blocking.await(10, TimeUnit.SECONDS)).isTrue();
  }

  private static CallerRunsUnlessShutdownPolicy policy(AssertableApplicationContext context) {
    return (CallerRunsUnlessShutdownPolicy) context.getBean(AsyncWorkerAutoConfiguration.EXECUTOR_BEAN,
        ThreadPoolTaskExecutor.class).getThreadPoolExecutor().getRejectedExecutionHandler();
  }

  @Test
  void anAttemptDueWhileThePoolIsFull_waitsOffTheTimer_andRunsWhenAThreadFrees() {
    runner.run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      fillThePool(manager);
      List<String> threads = new CopyOnWriteArrayList<>();
      AtomicInteger calls = new AtomicInteger();
      AsyncWorker<String> op = manager.retry(() -> {
        threads.add(Thread.currentThread().getName());
        if (calls.incrementAndGet() == 1) {
          throw new IOException("down"); // attempt 1, on the caller: the pool is full
        }
        return "up";
      }, RetryPolicy.<String>builder().maxAttempts(3).backoff(BackoffStrategy.FIXED).initialDelay(Duration.ofMillis(1)).build());

      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> policy(context).deferred() == 1);
      assertThat(op.isDone()).as("deferred, not refused").isFalse();
      assertThat(calls).hasValue(1);
      release.countDown();

      assertThat(op.getResult(Duration.ofSeconds(10))).isEqualTo("up");
      assertThat(threads).hasSize(2).noneMatch(name -> name.startsWith("atom-async-timer-"));
      assertThat(manager.stats().rejected()).isZero();
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      assertThat(registry.get("atom.async.workers.deferred").tag("name", AsyncWorkerAutoConfiguration.EXECUTOR_BEAN)
          .functionCounter().count()).isEqualTo(1.0);
    });
  }

  @Test
  void aDeferredAttempt_isCancelledWhenThePoolShutsDown_soItsOperationEnds() {
    runner.run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      fillThePool(manager);
      AsyncWorker<String> op = manager.retry(() -> {
        throw new IOException("down");
      }, RetryPolicy.<String>builder().maxAttempts(3).backoff(BackoffStrategy.FIXED).initialDelay(Duration.ofMillis(1)).build());
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> policy(context).deferred() == 1);

      context.getBean(AsyncWorkerAutoConfiguration.EXECUTOR_BEAN, ThreadPoolTaskExecutor.class)
          .getThreadPoolExecutor().shutdown();

      assertThat(op.waitForCompletion(Duration.ofSeconds(10))).as("never left waiting").isTrue();
      assertThat(op.state()).isEqualTo(WorkerState.CANCELLED);
      release.countDown(); // the context's graceful shutdown need not wait for the blocker
    });
  }

  @Test
  void aDeferredAttemptOfACancelledOperation_isDropped_andNeverRuns() {
    runner.run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      fillThePool(manager);
      AtomicInteger calls = new AtomicInteger();
      AsyncWorker<String> op = manager.retry(() -> {
        calls.incrementAndGet();
        throw new IOException("down");
      }, RetryPolicy.<String>builder().maxAttempts(3).backoff(BackoffStrategy.FIXED).initialDelay(Duration.ofMillis(1)).build());
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> policy(context).deferred() == 1);

      op.cancel();
      release.countDown();

      assertThat(op.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      // The pool is free again; a new worker runs, and the cancelled attempt never did.
      assertThat(manager.createWorker(calls::get).getResult(Duration.ofSeconds(10))).isEqualTo(1);
      assertThat(op.state()).isEqualTo(WorkerState.CANCELLED);
    });
  }
}
