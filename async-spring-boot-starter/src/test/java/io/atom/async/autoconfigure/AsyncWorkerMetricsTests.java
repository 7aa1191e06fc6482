package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.RetryPolicy;
import io.atom.async.WorkerState;
import io.atom.async.WorkersFailedException;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.task.TaskExecutorMetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

@Timeout(60)
class AsyncWorkerMetricsTests {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
          CompositeMeterRegistryAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
          TaskExecutorMetricsAutoConfiguration.class, AsyncWorkerAutoConfiguration.class,
          AsyncWorkerMetricsAutoConfiguration.class))
      .withPropertyValues("atom.async.pool.core-size=1", "atom.async.pool.max-size=1", "atom.async.pool.queue-capacity=2");

  @Test
  void aKnownMixOfOutcomes_isCountedExactly() {
    runner.run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      MeterRegistry registry = context.getBean(MeterRegistry.class);

      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch running = new CountDownLatch(1);
      AsyncWorker<Boolean> blocker = manager.createWorker(() -> {
        running.countDown();
        return release.await(10, TimeUnit.SECONDS);
      });
      assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
      AsyncWorker<Integer> queued = manager.createWorker(() -> 1);
      AsyncWorker<Integer> cancelled = manager.createWorker(() -> 2);
      AsyncWorker<Integer> rejected = manager.createWorker(() -> 3); // the queue (2) is full
      assertThat(rejected.state()).isEqualTo(WorkerState.FAILED);
      assertThat(gauge(registry, "atom.async.workers.active")).isEqualTo(1.0);
      assertThat(gauge(registry, "atom.async.workers.pending")).isEqualTo(2.0);
      cancelled.cancel();
      release.countDown();
      blocker.waitForCompletion(Duration.ofSeconds(10));
      queued.waitForCompletion(Duration.ofSeconds(10));
      // One at a time from here on: the queue holds only 2, and no more rejections are wanted.
      for (int i = 0; i < 2; i++) {
        manager.createWorker(() -> {
          throw new IllegalStateException("boom");
        }).waitForCompletion(Duration.ofSeconds(10));
      }
      AsyncWorker<Integer> timesOut = manager.newWorker();
      timesOut.setTimeout(Duration.ofMillis(30));
      timesOut.startAsync(() -> {
        new CountDownLatch(1).await();
        return 0;
      });
      timesOut.waitForCompletion(Duration.ofSeconds(10));
      AtomicInteger calls = new AtomicInteger();
      manager.retry(() -> {
        if (calls.incrementAndGet() <= 2) {
          throw new IOException("transient");
        }
        return "ok";
      }, RetryPolicy.<String>builder().initialDelay(Duration.ofMillis(1)).build());
      try {
        manager.waitForAll(Duration.ofSeconds(20));
      } catch (WorkersFailedException expected) {
        assertThat(expected.failureCount()).isEqualTo(4); // rejected, 2 x boom, timeout
      }
      assertThat(manager.inFlightCount()).isZero();

      assertThat(timer(registry, "success").count()).isEqualTo(3); // blocker, queued, retried op
      assertThat(timer(registry, "failure").count()).isEqualTo(3); // rejected, 2 x boom
      assertThat(timer(registry, "cancelled").count()).isEqualTo(1);
      assertThat(timer(registry, "timeout").count()).isEqualTo(1);
      assertThat(timer(registry, "cancelled").totalTime(TimeUnit.NANOSECONDS)).as("never ran").isZero();
      assertThat(timer(registry, "success").totalTime(TimeUnit.MILLISECONDS)).isPositive();
      FunctionTimer queueWait = registry.get("atom.async.worker.queue.wait").tag("manager", "asyncWorkerManager")
          .functionTimer();
      assertThat(queueWait.count()).as("blocker, queued, 2 x boom, timeout, retried op").isEqualTo(6);
      assertThat(counter(registry, "atom.async.workers.rejected")).isEqualTo(1.0);
      assertThat(gauge(registry, "atom.async.workers.active")).isZero();
      assertThat(gauge(registry, "atom.async.workers.pending")).isZero();
      assertThat(registry.get("atom.async.retry.calls").tag("kind", "successful_with_retry").functionCounter().count())
          .isEqualTo(1.0);
      assertThat(registry.get("atom.async.retry.calls").tag("kind", "failed_with_retry").functionCounter().count())
          .isZero();
      assertThat(registry.get("atom.async.retry.attempts").tag("outcome", "success").functionCounter().count())
          .isEqualTo(1.0);
      assertThat(registry.get("atom.async.retry.attempts").tag("outcome", "failure").functionCounter().count())
          .isEqualTo(2.0);

      FunctionTimer success = timer(registry, "success");
      assertThat(success.getId().getDescription()).isNotBlank();
      assertThat(registry.get("atom.async.workers.active").gauge().getId().getBaseUnit()).isEqualTo("workers");
      // Boot's executor metrics, named after the executor bean.
      assertThat(registry.get("executor.pool.size").tag("name", "atomAsyncTaskExecutor").gauge().value()).isEqualTo(1.0);
      assertThat(registry.find("executor.completed").tag("name", "atomAsyncTaskExecutor").functionCounter()).isNotNull();
    });
  }

  @Test
  void metricsCanBeSwitchedOff() {
    runner.withPropertyValues("atom.async.metrics.enabled=false").run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      manager.createWorker(() -> 1).waitForCompletion(Duration.ofSeconds(10));
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      assertThat(registry.find("atom.async.worker.duration").meters()).isEmpty();
      assertThat(manager.stats().ended(WorkerState.SUCCEEDED)).as("nothing is even counted").isZero();
    });
  }

  private static FunctionTimer timer(MeterRegistry registry, String outcome) {
    return registry.get("atom.async.worker.duration").tag("manager", "asyncWorkerManager").tag("outcome", outcome)
        .functionTimer();
  }

  private static double gauge(MeterRegistry registry, String name) {
    return registry.get(name).tag("manager", "asyncWorkerManager").gauge().value();
  }

  private static double counter(MeterRegistry registry, String name) {
    return registry.get(name).tag("manager", "asyncWorkerManager").functionCounter().count();
  }
}
