package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.RetryPolicy;
import io.atom.async.WorkerState;
import io.atom.async.WorkersFailedException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.RequiredSearch;
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
  void aKnownMixOfOutcomes_isCountedExactly_perNameAndOutcome_inRealTimers() {
    runner.run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      MeterRegistry registry = context.getBean(MeterRegistry.class);

      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch running = new CountDownLatch(1);
      AsyncWorker<Boolean> blocker = manager.createWorker(() -> { // unnamed
        running.countDown();
        return release.await(10, TimeUnit.SECONDS);
      });
      assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
      AsyncWorker<Integer> queued = manager.createWorker("payment", () -> 1);
      AsyncWorker<Integer> cancelled = manager.createWorker("payment", () -> 2);
      AsyncWorker<Integer> rejected = manager.createWorker("inventory", () -> 3); // the queue (2) is full
      assertThat(rejected.state()).isEqualTo(WorkerState.FAILED);
      assertThat(gauge(registry, "atom.async.workers.active")).isEqualTo(1.0);
      assertThat(gauge(registry, "atom.async.workers.pending")).isEqualTo(2.0);
      cancelled.cancel();
      release.countDown();
      blocker.waitForCompletion(Duration.ofSeconds(10));
      queued.waitForCompletion(Duration.ofSeconds(10));
      // One at a time from here on: the queue holds only 2, and no more rejections are wanted.
      for (int i = 0; i < 2; i++) {
        manager.createWorker("inventory", () -> {
          throw new IllegalStateException("boom");
        }).waitForCompletion(Duration.ofSeconds(10));
      }
      AsyncWorker<Integer> timesOut = manager.newWorker("payment");
      timesOut.setTimeout(Duration.ofMillis(30));
      timesOut.startAsync(() -> {
        new CountDownLatch(1).await();
        return 0;
      });
      timesOut.waitForCompletion(Duration.ofSeconds(10));
      AtomicInteger calls = new AtomicInteger();
      manager.retry("payment", () -> {
        if (calls.incrementAndGet() <= 2) {
          throw new IOException("transient");
        }
        return "ok";
      }, RetryPolicy.<String>builder().initialDelay(Duration.ofMillis(1)).build());
      assertThatThrownBy(() -> manager.waitForAll(Duration.ofSeconds(20)))
          .isInstanceOfSatisfying(WorkersFailedException.class,
              failed -> assertThat(failed.failureCount()).as("rejected, 2 x boom, timeout").isEqualTo(4));
      assertThat(manager.inFlightCount()).isZero();

      assertThat(timer(registry, "unnamed", "success").count()).as("blocker").isEqualTo(1);
      assertThat(timer(registry, "payment", "success").count()).as("queued, retried op").isEqualTo(2);
      assertThat(timer(registry, "payment", "cancelled").count()).isEqualTo(1);
      assertThat(timer(registry, "payment", "timeout").count()).isEqualTo(1);
      assertThat(timer(registry, "payment", "failure").count()).isZero();
      assertThat(timer(registry, "inventory", "failure").count()).as("rejected, 2 x boom").isEqualTo(3);
      assertThat(timer(registry, "inventory", "success").count()).isZero();
      assertThat(timer(registry, "payment", "cancelled").totalTime(TimeUnit.NANOSECONDS)).as("never ran").isZero();
      assertThat(timer(registry, "unnamed", "success").totalTime(TimeUnit.MILLISECONDS)).isPositive();
      assertThat(timer(registry, "unnamed", "success").max(TimeUnit.NANOSECONDS)).as("a real timer has a max")
          .isPositive();
      assertThat(queueWait(registry, "unnamed").count()).as("blocker").isEqualTo(1);
      assertThat(queueWait(registry, "payment").count()).as("queued, timeout, retried op").isEqualTo(3);
      assertThat(queueWait(registry, "inventory").count()).as("2 x boom; the rejected one never left").isEqualTo(2);
      assertThat(registry.get("atom.async.workers.rejected").tag("manager", "asyncWorkerManager").counter().count())
          .isEqualTo(1.0);
      assertThat(gauge(registry, "atom.async.workers.active")).isZero();
      assertThat(gauge(registry, "atom.async.workers.pending")).isZero();
      assertThat(retry(registry, "atom.async.retry.calls", "payment").tag("kind", "successful_with_retry").counter()
          .count()).isEqualTo(1.0);
      assertThat(retry(registry, "atom.async.retry.calls", "payment").tag("kind", "failed_with_retry").counter()
          .count()).isZero();
      assertThat(retry(registry, "atom.async.retry.attempts", "payment").tag("outcome", "success").counter().count())
          .isEqualTo(1.0);
      assertThat(retry(registry, "atom.async.retry.attempts", "payment").tag("outcome", "failure").counter().count())
          .isEqualTo(2.0);
      assertThat(registry.find("atom.async.retry.calls").tag("name", "inventory").counters())
          .as("retry meters appear with a name's first retried operation").isEmpty();

      Timer success = timer(registry, "payment", "success");
      assertThat(success.getId().getDescription()).isNotBlank();
      assertThat(registry.get("atom.async.workers.active").gauge().getId().getBaseUnit()).isEqualTo("workers");
      // Boot's executor metrics, named after the executor bean.
      assertThat(registry.get("executor.pool.size").tag("name", "atomAsyncTaskExecutor").gauge().value()).isEqualTo(1.0);
      assertThat(registry.find("executor.completed").tag("name", "atomAsyncTaskExecutor").functionCounter()).isNotNull();
    });
  }

  @Test
  void theNameAfterTheMaximum_isTaggedOther() {
    runner.withPropertyValues("atom.async.pool.queue-capacity=200").run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      for (int i = 1; i <= 101; i++) {
        manager.createWorker("op" + i, () -> 1);
      }
      manager.createWorker("op1", () -> 1); // a known name stays itself
      manager.createWorker("op102", () -> 1);
      manager.waitForAll(Duration.ofSeconds(20));

      assertThat(timer(registry, "op100", "success").count()).isEqualTo(1);
      assertThat(timer(registry, "op1", "success").count()).isEqualTo(2);
      assertThat(registry.find("atom.async.worker.duration").tag("name", "op101").timers()).isEmpty();
      assertThat(timer(registry, "other", "success").count()).as("names 101 and 102").isEqualTo(2);
    });
  }

  @Test
  void theMaximumOfNames_isAProperty_andABadValueStopsStartUp() {
    runner.withPropertyValues("atom.async.metrics.max-names=2").run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      manager.createWorker("a", () -> 1);
      manager.createWorker("b", () -> 1);
      manager.createWorker("c", () -> 1);
      manager.waitForAll(Duration.ofSeconds(20));
      assertThat(timer(registry, "other", "success").count()).isEqualTo(1);
    });
    runner.withPropertyValues("atom.async.metrics.max-names=0").run(context -> assertThat(context)
        .getFailure().rootCause().hasMessageContaining("atom.async.metrics.max-names must be >= 1, was 0"));
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

  private static Timer timer(MeterRegistry registry, String name, String outcome) {
    return registry.get("atom.async.worker.duration").tag("manager", "asyncWorkerManager").tag("name", name)
        .tag("outcome", outcome).timer();
  }

  private static Timer queueWait(MeterRegistry registry, String name) {
    return registry.get("atom.async.worker.queue.wait").tag("manager", "asyncWorkerManager").tag("name", name)
        .timer();
  }

  private static RequiredSearch retry(MeterRegistry registry, String meter, String name) {
    return registry.get(meter).tag("manager", "asyncWorkerManager").tag("name", name);
  }

  private static double gauge(MeterRegistry registry, String name) {
    return registry.get(name).tag("manager", "asyncWorkerManager").gauge().value();
  }
}
