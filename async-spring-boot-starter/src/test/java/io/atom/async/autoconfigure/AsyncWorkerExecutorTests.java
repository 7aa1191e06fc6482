package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atom.async.AsyncTimeoutException;
import io.atom.async.AsyncWorkerManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.AsyncConfigurer;
import org.springframework.scheduling.annotation.EnableAsync;

/**
 * {@code @Async("asyncWorkerExecutor")} methods run as workers of {@code asyncWorkerManager} (issue 15),
 * in a Boot application with {@code @EnableAsync}: the default hard timeout, the metrics named
 * {@code Class.method}, context propagation, the worker's view as the returned future.
 */
@Timeout(60)
class AsyncWorkerExecutorTests {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
          CompositeMeterRegistryAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
          AsyncWorkerAutoConfiguration.class, AsyncWorkerMetricsAutoConfiguration.class))
      .withUserConfiguration(AsyncApp.class);

  @AfterEach
  void cleanMdc() {
    MDC.clear();
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAsync
  static class AsyncApp {
    @Bean
    Probe probe() {
      return new Probe();
    }

    @Bean
    SlowService slowService(Probe probe) {
      return new SlowService(probe);
    }
  }

  /** Where and how the service's methods ran (the service itself is a proxy: its fields are not the target's). */
  static class Probe {
    final AtomicReference<String> thread = new AtomicReference<>();
    final AtomicBoolean interrupted = new AtomicBoolean();
    final AtomicReference<String> requestId = new AtomicReference<>();
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch voidRan = new CountDownLatch(1);
    final CountDownLatch voidFailed = new CountDownLatch(1);
  }

  /** A service with @Async methods. */
  static class SlowService {
    private final Probe probe;

    SlowService(Probe probe) {
      this.probe = probe;
    }

    @Async(AsyncWorkerAutoConfiguration.ASYNC_EXECUTOR_BEAN)
    public CompletableFuture<String> sleep(Duration duration) {
      probe.thread.set(Thread.currentThread().getName());
      probe.started.countDown();
      try {
        Thread.sleep(duration.toMillis()); // the method under test: it blocks
      } catch (InterruptedException e) {
        probe.interrupted.set(true);
        return CompletableFuture.failedFuture(e);
      }
      return CompletableFuture.completedFuture("woke");
    }

    @Async(AsyncWorkerAutoConfiguration.ASYNC_EXECUTOR_BEAN)
    public CompletableFuture<String> greet(String name) {
      probe.thread.set(Thread.currentThread().getName());
      probe.requestId.set(MDC.get("requestId"));
      return CompletableFuture.completedFuture("hello " + name);
    }

    @Async(AsyncWorkerAutoConfiguration.ASYNC_EXECUTOR_BEAN)
    public void failAndForget() {
      probe.voidFailed.countDown();
      throw new IllegalStateException("the void method failed");
    }

    @Async(AsyncWorkerAutoConfiguration.ASYNC_EXECUTOR_BEAN)
    public void fireAndForget() {
      probe.thread.set(Thread.currentThread().getName());
      probe.voidRan.countDown();
    }

    @Async
    public CompletableFuture<String> onBootsExecutor() {
      return CompletableFuture.completedFuture(Thread.currentThread().getName());
    }
  }

  private static Timer duration(MeterRegistry registry, String name, String outcome) {
    return registry.get("atom.async.worker.duration").tag("name", name).tag("outcome", outcome).timer();
  }

  @Test
  void aSlowAsyncMethod_timesOutAtTheWorkerTimeout_isInterrupted_ranOnTheStartersPool_andIsCountedAsATimeout() {
    runner.withPropertyValues("atom.async.worker.timeout=300ms").run(context -> {
      SlowService service = context.getBean(SlowService.class);
      Probe probe = context.getBean(Probe.class);
      CompletableFuture<String> future = service.sleep(Duration.ofSeconds(10));
      assertThat(probe.started.await(10, TimeUnit.SECONDS)).isTrue();
      long start = System.nanoTime(); // timed from the method's start: class loading is not the limit's
      assertThatThrownBy(() -> future.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(AsyncTimeoutException.class);
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(millis).as("within a second of the 300 ms limit").isLessThan(1300L);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilTrue(probe.interrupted);
      assertThat(probe.thread.get()).as("the starter's pool").startsWith("atom-async-");
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      Timer timedOut = duration(registry, "SlowService.sleep", "timeout");
      assertThat(timedOut.count()).isEqualTo(1);
      assertThat(timedOut.totalTime(TimeUnit.MILLISECONDS)).as("it ran until the limit, not 10 s")
          .isGreaterThanOrEqualTo(250.0).isLessThan(1300.0);
    });
  }

  @Test
  void anAsyncMethod_isAWorkerNamedClassDotMethod_withTheCallersMdc() {
    runner.run(context -> {
      SlowService service = context.getBean(SlowService.class);
      Probe probe = context.getBean(Probe.class);
      MDC.put("requestId", "r-42");
      CompletableFuture<String> greeting = service.greet("ada");
      MDC.clear();
      assertThat(greeting.get(10, TimeUnit.SECONDS)).isEqualTo("hello ada");
      assertThat(probe.requestId).hasValue("r-42");
      assertThat(probe.thread.get()).startsWith("atom-async-");
      service.fireAndForget();
      assertThat(probe.voidRan.await(10, TimeUnit.SECONDS)).isTrue();
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        assertThat(duration(registry, "SlowService.greet", "success").count()).isEqualTo(1);
        assertThat(duration(registry, "SlowService.fireAndForget", "success").count()).isEqualTo(1);
      });
    });
  }

  @Test
  void aVoidAsyncMethodThatThrows_endsItsWorkerFailed_notSucceeded() {
    runner.run(context -> {
      SlowService service = context.getBean(SlowService.class);
      Probe probe = context.getBean(Probe.class);
      service.failAndForget();
      assertThat(probe.voidFailed.await(10, TimeUnit.SECONDS)).isTrue();
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(duration(registry, "SlowService.failAndForget", "failure").count()).isEqualTo(1));
      assertThat(duration(registry, "SlowService.failAndForget", "success").count()).isZero();
    });
  }

  @Test
  void cancellingTheReturnedFuture_cancelsTheWorker_andInterruptsTheMethod() {
    runner.run(context -> {
      SlowService service = context.getBean(SlowService.class);
      Probe probe = context.getBean(Probe.class);
      CompletableFuture<String> future = service.sleep(Duration.ofSeconds(10));
      assertThat(probe.started.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(future.cancel(true)).isTrue();
      assertThatThrownBy(future::join).isInstanceOf(CancellationException.class);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilTrue(probe.interrupted);
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(duration(registry, "SlowService.sleep", "cancelled").count()).isEqualTo(1));
    });
  }

  @Test
  void plainAsync_staysOnBootsExecutor_andTheBridgeIsNoDefaultCandidate() {
    runner.withUserConfiguration(NeedsAnExecutor.class).run(context -> {
      assertThat(context).hasBean(AsyncWorkerAutoConfiguration.ASYNC_EXECUTOR_BEAN);
      assertThat(context.getBean(SlowService.class).onBootsExecutor().get(10, TimeUnit.SECONDS))
          .doesNotStartWith("atom-async-");
      assertThat(context.getBean(NeedsAnExecutor.class).executor).isSameAs(context.getBean("applicationTaskExecutor"));
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class NeedsAnExecutor {
    Executor executor;

    @Bean
    String needsExecutor(Executor executor) {
      this.executor = executor;
      return "ok";
    }
  }

  /** The README's recipe: an AsyncConfigurer that returns the bridge makes it every @Async method's executor. */
  @Test
  void anAsyncConfigurerReturningTheBridge_makesItTheDefaultForEveryAsyncMethod() {
    runner.withUserConfiguration(WorkersForEveryAsyncMethod.class).run(context -> {
      assertThat(context).hasBean("asyncOnWorkers");
      assertThat(context.getBean(SlowService.class).onBootsExecutor().get(10, TimeUnit.SECONDS)).startsWith("atom-async-");
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(duration(registry, "SlowService.onBootsExecutor", "success").count()).isEqualTo(1));
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class WorkersForEveryAsyncMethod {
    // --- README: the AsyncConfigurer
    @Bean
    AsyncConfigurer asyncOnWorkers(@Qualifier("asyncWorkerExecutor") AsyncTaskExecutor workers) {
      return new AsyncConfigurer() {
        @Override
        public Executor getAsyncExecutor() {
          return workers;
        }
      };
    }
  }

  record Order(String id) {}

  record Report(String orderId) {}

  /** Renders reports, slowly in real life. */
  static class Reports {
    Report render(Order order) {
      return new Report(order.id());
    }
  }

  /** The README's @Async example. */
  static class ReportService {
    private final Reports reports = new Reports();

    // --- README: the @Async method
    @Async("asyncWorkerExecutor")
    public CompletableFuture<Report> build(Order order) {
      return CompletableFuture.completedFuture(reports.render(order));
    }
  }

  @Test
  void theReadmesAsyncMethod_runsAsAWorkerNamedAfterIt() {
    runner.withBean(ReportService.class).run(context -> {
      Report report = context.getBean(ReportService.class).build(new Order("o-1")).get(10, TimeUnit.SECONDS);
      assertThat(report).isEqualTo(new Report("o-1"));
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(duration(registry, "ReportService.build", "success").count()).isEqualTo(1));
    });
  }

  /**
   * The README's Spring blocks marked {@code <!-- starter snippet: compiled in AsyncWorkerExecutorTests -->}
   * (which the core's ReadmeTourTest leaves out) are code of this class: each block's lines, in order.
   */
  @Test
  void theReadmesStarterSnippets_areTheCodeOfThisTest() throws java.io.IOException {
    assertThat(ReadmeSnippets.matchedIn(getClass())).as("the README's starter snippets").isEqualTo(2);
  }

  @Test
  void aRefusedTask_throwsSpringsTaskRejectedException_andItsWorkerIsCounted() {
    runner.run(context -> {
      context.getBean(AsyncWorkerManager.class).shutdown();
      SlowService service = context.getBean(SlowService.class);
      Probe probe = context.getBean(Probe.class);
      assertThatThrownBy(() -> service.greet("late")).isInstanceOf(TaskRejectedException.class)
          .hasMessageContaining("is shut down and accepts no new workers");
      assertThat(context.getBean(MeterRegistry.class).get("atom.async.workers.rejected").counter().count())
          .isEqualTo(1.0);
    });
  }

  @Test
  void aTaskSubmittedByHand_isAnUnnamedWorker() {
    runner.run(context -> {
      AsyncTaskExecutor executor = context.getBean(AsyncWorkerAutoConfiguration.ASYNC_EXECUTOR_BEAN, AsyncTaskExecutor.class);
      assertThat(executor.submitCompletable(() -> "by hand").get(10, TimeUnit.SECONDS)).isEqualTo("by hand");
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(duration(registry, "unnamed", "success").count()).isEqualTo(1));
    });
  }
}
