package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/** What the shutdown drain abandons: logged (at most 20 lines and a count) and counted in a meter registered at start-up. */
@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
class ShutdownReportTests {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
          CompositeMeterRegistryAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
          AsyncWorkerAutoConfiguration.class, AsyncWorkerMetricsAutoConfiguration.class))
      .withPropertyValues("atom.async.pool.core-size=2", "atom.async.pool.max-size=2",
          "atom.async.shutdown.await-termination-period=200ms");

  @Test
  void abandonedWork_isListedOldestFirst_atMostTwentyLinesAndACount_andCountedInAMeterRegisteredAtStartUp(
      CapturedOutput output) {
    CountDownLatch release = new CountDownLatch(1);
    runner.run(context -> {
      try {
        AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
        MeterRegistry registry = context.getBean(MeterRegistry.class);
        FunctionCounter abandoned = registry.get("atom.async.workers.abandoned")
            .tag("manager", AsyncWorkerAutoConfiguration.MANAGER_BEAN).functionCounter();
        assertThat(abandoned.count()).as("registered at start-up, before anything is abandoned").isZero();

        CountDownLatch bothRunning = new CountDownLatch(2);
        List<AsyncWorker<?>> all = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          all.add(manager.createWorker("running-" + i, () -> {
            bothRunning.countDown();
            return release.await(30, TimeUnit.SECONDS);
          }));
        }
        assertThat(bothRunning.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 23; i++) {
          all.add(manager.createWorker("queued-" + i, () -> 1));
        }

        ((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();

        assertThat(registry.isClosed()).as("Boot closed the registry before the drain").isTrue();
        assertThat(abandoned.count()).isEqualTo(25.0);
        String log = output.getAll();
        String header = "atom.async manager 'asyncWorkerManager' cancelled 25 workers still in flight after the"
            + " shutdown period of 200ms:";
        assertThat(log).contains(header);
        List<String> report = log.substring(log.indexOf(header)).lines().skip(1).limit(21).toList();
        assertThat(report.subList(0, 20)).allMatch(line -> line.startsWith("  worker "));
        assertThat(report.get(20)).isEqualTo("  and 5 more");
        assertThat(report.get(0)).startsWith("  worker " + all.get(0).id() + " 'running-0' RUNNING for ")
            .contains(" on thread 'atom-async-");
        assertThat(report.get(2)).startsWith("  worker " + all.get(2).id() + " 'queued-0' SCHEDULED, queued for ");
        assertThat(report.get(19)).startsWith("  worker " + all.get(19).id() + " 'queued-17' SCHEDULED");
        assertThat(all).allMatch(AsyncWorker::isDone);
      } finally {
        release.countDown();
      }
    });
  }

  @Test
  void nothingAbandoned_logsNothingButTheDrainsInfoLine_andCountsZero(CapturedOutput output) {
    runner.run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      FunctionCounter abandoned = registry.get("atom.async.workers.abandoned")
          .tag("manager", AsyncWorkerAutoConfiguration.MANAGER_BEAN).functionCounter();
      assertThat(registry.get("atom.async.workers.stuck").tag("manager", AsyncWorkerAutoConfiguration.MANAGER_BEAN)
          .gauge().value()).isZero();
      manager.createWorker("quick", () -> 1).waitForCompletion(Duration.ofSeconds(10));

      ((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();

      assertThat(abandoned.count()).isZero();
      assertThat(output.getAll()).contains("atom.async manager 'asyncWorkerManager' shutting down")
          .doesNotContain("cancelled").doesNotContain("  worker ").doesNotContain("WARN");
    });
  }
}
