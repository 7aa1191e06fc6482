package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atom.async.AsyncTimeoutException;
import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerState;
import io.atom.async.WorkersFailedException;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.MDC;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * {@code atom.async.pool.type=virtual} (issue 15). The tests for Java 21 and later run on CI's Temurin
 * 25 build ({@code .ci/run} checks that none of them was skipped there); the Java 17 ones on the main
 * build.
 */
@Timeout(120)
@ExtendWith(OutputCaptureExtension.class)
class VirtualThreadPoolTests {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
          CompositeMeterRegistryAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
          AsyncWorkerAutoConfiguration.class, AsyncWorkerMetricsAutoConfiguration.class));

  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void releaseTasks() {
    release.countDown();
    MDC.clear();
  }

  // ---------------------------------------------------------------- Java 17

  @Test
  @EnabledForJreRange(max = JRE.JAVA_20)
  void onJava17_typeVirtual_stopsStartUp_namingThePropertyAndTheJavaVersion() {
    runner.withPropertyValues("atom.async.pool.type=virtual").run(context -> {
      assertThat(context).hasFailed();
      String message = "atom.async.pool.type needs Java 21 or later (virtual threads), and this application runs on Java "
          + System.getProperty("java.version") + ", was virtual";
      FailureAnalysis analysis = new AtomAsyncPropertyFailureAnalyzer().analyze(context.getStartupFailure());
      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).isEqualTo(message);
      assertThat(analysis.getAction()).isEqualTo("Update 'atom.async.pool.type' in your configuration. "
          + "Run the application on Java 21 or later, or set atom.async.pool.type to platform.");
    });
  }

  @Test
  @EnabledForJreRange(max = JRE.JAVA_20)
  void onJava17_typeVirtual_printsBootsFailureReport(CapturedOutput output) {
    SpringApplication app = new SpringApplication(AsyncWorkerAutoConfigurationTests.BareApplication.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    app.setDefaultProperties(java.util.Map.of("atom.async.pool.type", "virtual", "spring.main.banner-mode", "off"));
    assertThatThrownBy(app::run).isNotNull();
    assertThat(output).contains("APPLICATION FAILED TO START")
        .contains("atom.async.pool.type needs Java 21 or later (virtual threads), and this application runs on Java "
            + System.getProperty("java.version"))
        .contains("Update 'atom.async.pool.type' in your configuration.");
  }

  @Test
  @EnabledForJreRange(max = JRE.JAVA_20)
  void onJava17_springThreadsVirtualEnabled_keepsThePlatformPool_asBootKeepsItsOwn() {
    runner.withPropertyValues("spring.threads.virtual.enabled=true").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(AsyncWorkerAutoConfiguration.EXECUTOR_BEAN)).isInstanceOf(ThreadPoolTaskExecutor.class);
    });
  }

  // ---------------------------------------------------------------- Java 21 and later

  @Test
  @EnabledForJreRange(min = JRE.JAVA_21)
  void typeVirtual_aWorkerRunsOnAVirtualThreadOfItsOwn() {
    runner.withPropertyValues("atom.async.pool.type=virtual").run(context -> {
      assertThat(context.getBean(AsyncWorkerAutoConfiguration.EXECUTOR_BEAN)).isInstanceOf(ExecutorService.class)
          .isNotInstanceOf(ThreadPoolTaskExecutor.class);
      AsyncWorker<Thread> worker = context.getBean(AsyncWorkerManager.class).createWorker(Thread::currentThread);
      Thread thread = worker.getResult(Duration.ofSeconds(10));
      assertThat(isVirtual(thread)).as("%s is virtual", thread).isTrue();
      assertThat(thread.getName()).isEqualTo("atom-async-1");
    });
  }

  @Test
  @EnabledForJreRange(min = JRE.JAVA_21)
  void springThreadsVirtualEnabled_andNoTypeSet_virtualToo_unlessTheTypeSaysPlatform() {
    runner.withPropertyValues("spring.threads.virtual.enabled=true").run(context -> {
      AsyncWorker<Thread> worker = context.getBean(AsyncWorkerManager.class).createWorker(Thread::currentThread);
      assertThat(isVirtual(worker.getResult(Duration.ofSeconds(10)))).isTrue();
    });
    runner.withPropertyValues("spring.threads.virtual.enabled=true", "atom.async.pool.type=platform").run(context -> {
      assertThat(context.getBean(AsyncWorkerAutoConfiguration.EXECUTOR_BEAN)).isInstanceOf(ThreadPoolTaskExecutor.class);
      AsyncWorker<Thread> worker = context.getBean(AsyncWorkerManager.class).createWorker(Thread::currentThread);
      assertThat(isVirtual(worker.getResult(Duration.ofSeconds(10)))).isFalse();
    });
  }

  /**
   * 10,000 workers that each block 100 ms. Under a limit of 10,000 they all run at once: each waits
   * for all the others to have started, which only happens if none waits for a permit. Under a limit
   * of 1,000 the first 1,000 wait for one another (so the limit is reached) and never more run at
   * once, so the 10,000 take at least ten rounds of 100 ms. No wall-clock bound is needed for either.
   */
  @Test
  @EnabledForJreRange(min = JRE.JAVA_21)
  void tenThousandWorkersBlocking100ms_runAllAtOnceUnderALimitOf10000_andTenRoundsUnderALimitOf1000() {
    runner.withPropertyValues("atom.async.pool.type=virtual", "atom.async.pool.max-concurrency=10000",
        "atom.async.pool.queue-capacity=0").run(context -> {
          Run run = tenThousandBlocking(context.getBean(AsyncWorkerManager.class), 10_000);
          assertThat(run.peak).as("all 10,000 at once").isEqualTo(10_000);
        });
    runner.withPropertyValues("atom.async.pool.type=virtual", "atom.async.pool.max-concurrency=1000",
        "atom.async.pool.queue-capacity=10000").run(context -> {
          Run run = tenThousandBlocking(context.getBean(AsyncWorkerManager.class), 1_000);
          assertThat(run.peak).as("the limit is reached and holds").isEqualTo(1000);
          assertThat(run.millis).as("ten rounds of 100 ms at least").isGreaterThanOrEqualTo(1000);
        });
  }

  private record Run(int peak, long millis) {}

  /** 10,000 workers; the first {@code together} wait for one another before their 100 ms. */
  private static Run tenThousandBlocking(AsyncWorkerManager manager, int together) throws Exception {
    AtomicInteger now = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    CountDownLatch gathered = new CountDownLatch(together);
    long start = System.nanoTime();
    List<AsyncWorker<Boolean>> workers = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      workers.add(manager.createWorker(() -> {
        peak.accumulateAndGet(now.incrementAndGet(), Math::max);
        try {
          gathered.countDown();
          boolean allThere = gathered.await(30, TimeUnit.SECONDS);
          Thread.sleep(100); // the task under test: 100 ms of blocking I/O
          return allThere;
        } finally {
          now.decrementAndGet();
        }
      }));
    }
    assertThat(manager.waitForAll(Duration.ofSeconds(60))).isTrue();
    assertThat(workers).allSatisfy(w -> assertThat(w.getResult()).as("the first %d ran together", together).isTrue());
    Run run = new Run(peak.get(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    System.out.printf("VirtualThreadPoolTests: 10,000 workers x 100 ms: %d ms, at most %d at once%n", run.millis, run.peak);
    return run;
  }

  @Test
  @EnabledForJreRange(min = JRE.JAVA_21)
  void overTheLimitAndTheQueue_workersEndFailedWithTheRejection_countedAndGaugedAsOnPlatformThreads() {
    runner.withPropertyValues("atom.async.pool.type=virtual", "atom.async.pool.max-concurrency=2",
        "atom.async.pool.queue-capacity=3").run(context -> {
          AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          CountDownLatch twoRunning = new CountDownLatch(2);
          List<AsyncWorker<Boolean>> accepted = new ArrayList<>();
          for (int i = 0; i < 5; i++) {
            accepted.add(manager.createWorker(() -> {
              twoRunning.countDown();
              return release.await(20, TimeUnit.SECONDS);
            }));
          }
          assertThat(twoRunning.await(10, TimeUnit.SECONDS)).isTrue();
          AsyncWorker<Boolean> refused = manager.createWorker(() -> true);
          assertThat(refused.state()).isEqualTo(WorkerState.FAILED);
          assertThatThrownBy(refused::getResult).isInstanceOf(RejectedExecutionException.class)
              .hasMessageEndingWith("its pool is saturated (2 of 2 virtual threads busy, 3 tasks queued, queue capacity left 0)");
          assertThat(registry.get("atom.async.workers.rejected").counter().count()).isEqualTo(1.0);
          assertThat(registry.get("atom.async.workers.active").gauge().value()).isEqualTo(2.0);
          assertThat(registry.get("atom.async.workers.pending").gauge().value()).isEqualTo(3.0);

          release.countDown();
          assertThatThrownBy(() -> manager.waitForAll(Duration.ofSeconds(10))).isInstanceOf(WorkersFailedException.class);
          assertThat(accepted).allSatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.SUCCEEDED));
          assertThat(registry.get("atom.async.worker.duration").tag("outcome", "success").timer().count()).isEqualTo(5);
        });
  }

  @Test
  @EnabledForJreRange(min = JRE.JAVA_21)
  void onVirtualThreads_theHardTimeoutInterrupts_andTheMdcPropagates() {
    runner.withPropertyValues("atom.async.pool.type=virtual", "atom.async.worker.timeout=200ms").run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      AtomicReference<String> seen = new AtomicReference<>();
      AtomicBoolean interrupted = new AtomicBoolean();
      MDC.put("requestId", "r-7");
      AsyncWorker<Boolean> slow = manager.createWorker(() -> {
        seen.set(MDC.get("requestId"));
        try {
          return new CountDownLatch(1).await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          interrupted.set(true);
          throw e;
        }
      });
      MDC.clear();
      assertThatThrownBy(() -> slow.getResult(Duration.ofSeconds(10))).isInstanceOf(AsyncTimeoutException.class);
      assertThat(slow.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      assertThat(interrupted).isTrue();
      assertThat(seen).hasValue("r-7");
    });
  }

  @Test
  @EnabledForJreRange(min = JRE.JAVA_21)
  void closingTheContext_letsRunningAndQueuedVirtualWorkFinish_thenTheExecutorTerminates() {
    runner.withPropertyValues("atom.async.pool.type=virtual", "atom.async.pool.max-concurrency=1",
        "atom.async.shutdown.await-termination-period=10s").run(context -> {
          AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
          ExecutorService executor = context.getBean(AsyncWorkerAutoConfiguration.EXECUTOR_BEAN, ExecutorService.class);
          CountDownLatch started = new CountDownLatch(1);
          AsyncWorker<String> running = manager.createWorker(() -> {
            started.countDown();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < end) {
              Thread.onSpinWait(); // work, not a wait for another thread
            }
            return "ran";
          });
          AsyncWorker<String> queued = manager.createWorker(() -> "queued");
          assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
          assertThat(queued.state()).isEqualTo(WorkerState.SCHEDULED);

          ((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();

          assertThat(running.state()).isEqualTo(WorkerState.SUCCEEDED);
          assertThat(queued.state()).isEqualTo(WorkerState.SUCCEEDED);
          assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).as("the executor bean was shut down").isTrue();
        });
  }

  @Test
  @EnabledForJreRange(min = JRE.JAVA_21)
  void aBadVirtualSetting_stopsStartUp_namingThePropertyAndTheFix() {
    runner.withPropertyValues("atom.async.pool.type=virtual", "atom.async.pool.max-concurrency=0").run(context -> {
      assertThat(context).hasFailed();
      FailureAnalysis analysis = new AtomAsyncPropertyFailureAnalyzer().analyze(context.getStartupFailure());
      assertThat(analysis.getDescription()).isEqualTo("atom.async.pool.max-concurrency must be >= 1, was 0");
      assertThat(analysis.getAction()).isEqualTo("Update 'atom.async.pool.max-concurrency' in your configuration. "
          + "Set it to how many tasks may run at once, such as 1000.");
    });
    runner.withPropertyValues("spring.threads.virtual.enabled=true", "atom.async.pool.rejection-policy=caller-runs")
        .run(context -> {
          assertThat(context).hasFailed();
          FailureAnalysis analysis = new AtomAsyncPropertyFailureAnalyzer().analyze(context.getStartupFailure());
          assertThat(analysis.getDescription()).isEqualTo("atom.async.pool.rejection-policy must be abort with virtual"
              + " threads (atom.async.pool.type is virtual, the default under spring.threads.virtual.enabled=true),"
              + " was caller-runs");
          assertThat(analysis.getAction()).isEqualTo("Update 'atom.async.pool.rejection-policy' in your configuration. "
              + "Remove it (abort is the default), or set atom.async.pool.type to platform.");
        });
  }

  private static final MethodHandle IS_VIRTUAL = isVirtualHandle();

  /** {@code thread.isVirtual()}, reached at run time: these tests compile for Java 17. */
  static boolean isVirtual(Thread thread) throws Throwable {
    return IS_VIRTUAL != null && (boolean) IS_VIRTUAL.invokeExact(thread);
  }

  private static MethodHandle isVirtualHandle() {
    try {
      return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }
}
