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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Each test pins a finding of the starter review. */
@Timeout(60)
class StarterReviewRegressionTests {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class));

  @Test
  void stoppingAndStartingOrPausingARunningContext_leavesTheManagerWorking() {
    runner.run(context -> {
      ConfigurableApplicationContext ctx = (ConfigurableApplicationContext) context.getSourceApplicationContext();
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      ctx.stop();
      ctx.start();
      assertThat(manager.createWorker(() -> 1).getResult(Duration.ofSeconds(10))).isEqualTo(1);
      ctx.pause();
      ctx.restart();
      assertThat(manager.isShutdown()).isFalse();
      assertThat(manager.createWorker(() -> 2).getResult(Duration.ofSeconds(10))).isEqualTo(2);
    });
  }

  static final AtomicInteger BUILT = new AtomicInteger();

  @Test
  void withLazyInitialization_anUnusedManagerIsNotCreatedAtShutdown() {
    BUILT.set(0);
    runner.withInitializer(ctx -> ctx.addBeanFactoryPostProcessor(new LazyInitializationBeanFactoryPostProcessor()))
        .withBean(AsyncWorkerManagerCustomizer.class, () -> builder -> BUILT.incrementAndGet())
        .run(context -> {
          assertThat(BUILT).hasValue(0);
          ((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();
          assertThat(BUILT).as("not built just to be shut down").hasValue(0);
        });
  }

  @Test
  void aSubSecondKeepAlive_isRefused() {
    runner.withPropertyValues("atom.async.pool.keep-alive=500ms").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasStackTraceContaining("atom.async.pool.keep-alive")
          .hasStackTraceContaining("must be whole seconds");
    });
  }

  @Test
  void anUnknownRejectionPolicy_stopsStartUp() {
    runner.withPropertyValues("atom.async.pool.rejection-policy=discard").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasStackTraceContaining("atom.async.pool.rejection-policy");
    });
  }

  @Test
  void aUsersOwnManager_isPublishedWithTheStartersRecorder_andDrainedAtShutdown() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
            CompositeMeterRegistryAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
            AsyncWorkerAutoConfiguration.class, AsyncWorkerMetricsAutoConfiguration.class))
        .withUserConfiguration(OwnManagers.class)
        .run(context -> {
          AsyncWorkerManager mine = context.getBean("mine", AsyncWorkerManager.class);
          mine.createWorker(() -> 1).waitForCompletion(Duration.ofSeconds(10));
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          assertThat(registry.get("atom.async.worker.duration").tag("manager", "mine").tag("name", "unnamed")
              .tag("outcome", "success").timer().count()).isEqualTo(1);
          assertThat(registry.find("atom.async.worker.duration").tag("manager", "quiet").meters())
              .as("a manager without a recorder has no timers").isEmpty();
          assertThat(registry.get("atom.async.workers.active").tag("manager", "quiet").gauge().value())
              .as("but its gauges cost nothing per task, so every manager bean has them").isZero();
          ((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();
          assertThat(mine.isShutdown()).as("the lifecycle drains the user's manager too").isTrue();
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnManagers {
    @Bean
    AsyncWorkerManager mine(AsyncWorkerMetrics metrics) {
      return AsyncWorkerManager.builder().name("mine").poolSize(1).recorder(metrics.recorder("mine")).build();
    }

    @Bean(defaultCandidate = false)
    AsyncWorkerManager quiet() {
      return AsyncWorkerManager.builder().name("quiet").poolSize(1).build();
    }
  }
}
