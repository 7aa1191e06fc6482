package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.BackoffStrategy;
import io.atom.async.RetryPolicy;
import io.atom.async.WorkerState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
class GracefulShutdownTests {

  @Test
  void closingTheContext_finishesRunningQueuedAndRetryingWork_thenCancelsTheRest(CapturedOutput output) {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class))
        .withPropertyValues("atom.async.pool.core-size=2", "atom.async.pool.max-size=2",
            "atom.async.shutdown.await-termination-period=1500ms")
        .run(context -> {
          AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
          CountDownLatch bothRunning = new CountDownLatch(2);
          List<AsyncWorker<?>> finishing = new ArrayList<>();
          // Running: two tasks that take a while but end within the period.
          for (int i = 0; i < 2; i++) {
            finishing.add(manager.createWorker(() -> {
              bothRunning.countDown();
              long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
              while (System.nanoTime() < end) {
                Thread.onSpinWait(); // work, not a wait for another thread
              }
              return "ran";
            }));
          }
          assertThat(bothRunning.await(10, TimeUnit.SECONDS)).isTrue();
          // Queued behind them.
          for (int i = 0; i < 3; i++) {
            finishing.add(manager.createWorker(() -> "queued"));
          }
          // Retrying: fails twice, 100 ms apart, then succeeds: its attempts run during the drain.
          AtomicInteger calls = new AtomicInteger();
          finishing.add(manager.retry(() -> {
            if (calls.incrementAndGet() <= 2) {
              throw new IOException("transient");
            }
            return "retried";
          }, RetryPolicy.<String>builder().backoff(BackoffStrategy.FIXED).initialDelay(Duration.ofMillis(100)).build()));
          // Never ends on its own: cancelled at the end of the period.
          AsyncWorker<Boolean> stubborn = manager.createWorker(() -> new CountDownLatch(1).await(30, TimeUnit.SECONDS));

          long start = System.nanoTime();
          ((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();
          long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

          assertThat(finishing).allSatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.SUCCEEDED));
          assertThat(calls).hasValue(3);
          assertThat(stubborn.state()).isEqualTo(WorkerState.CANCELLED);
          assertThat(stubborn.waitForCompletion(Duration.ofSeconds(10))).as("interrupted and gone").isTrue();
          assertThat(manager.inFlightCount()).isZero();
          assertThat(manager.createWorker(() -> 1).state()).as("refused after close").isEqualTo(WorkerState.FAILED);
          // The period plus a margin for a loaded 2-core machine.
          assertThat(closeMs).isGreaterThanOrEqualTo(1400).isLessThan(1500 + 3000);
          assertThat(output).contains("cancelled 1 workers still in flight after the shutdown period of 1500ms");
        });
  }

  @Test
  void aHugeAwaitTerminationPeriod_drainsInsteadOfFailingToStop(CapturedOutput output) throws Exception {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class))
        .withPropertyValues("atom.async.shutdown.await-termination-period=1000000000d") // "forever"
        .run(context -> {
          AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
          CountDownLatch started = new CountDownLatch(1);
          CountDownLatch release = new CountDownLatch(1);
          AsyncWorker<String> running = manager.createWorker(() -> {
            started.countDown();
            if (!release.await(30, TimeUnit.SECONDS)) {
              throw new java.util.concurrent.TimeoutException("never released");
            }
            return "done";
          });
          assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
          // Released only once the closing thread waits inside the drain: the work must outlive the
          // start of the close, and nothing but the drain may be holding the close up.
          Thread closer = Thread.currentThread();
          Thread releaser = new Thread(() -> {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> waitsInWaitForAll(closer));
            release.countDown();
          }, "releaser");
          releaser.setDaemon(true);
          releaser.start();

          ((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();
          releaser.join(30_000);

          assertThat(running.state()).as("drained, not cancelled").isEqualTo(WorkerState.SUCCEEDED);
          assertThat(running.getResult(Duration.ofSeconds(1))).isEqualTo("done");
          assertThat(manager.isShutdown()).isTrue();
          assertThat(output).doesNotContain("Failed to stop bean").doesNotContain("ArithmeticException")
              .doesNotContain("cancelled 1 workers")
              .contains("atom.async manager 'asyncWorkerManager' shutting down: waiting until it is done for 1 workers in flight");
        });
  }

  private static boolean waitsInWaitForAll(Thread thread) {
    Thread.State state = thread.getState();
    return (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)
        && java.util.Arrays.stream(thread.getStackTrace()).anyMatch(frame ->
            frame.getClassName().equals(AsyncWorkerManager.class.getName()) && frame.getMethodName().equals("waitForAll"));
  }

  @Test
  void theDrain_logsOneInfoLinePerManager_withItsNameInFlightCountAndPeriod(CapturedOutput output) {
    CountDownLatch release = new CountDownLatch(1);
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class))
        .withBean("orders", AsyncWorkerManager.class, () -> AsyncWorkerManager.builder().name("orders").poolSize(2).build())
        .withBean("billing", AsyncWorkerManager.class, () -> AsyncWorkerManager.builder().name("billing").poolSize(1).build())
        .withPropertyValues("atom.async.shutdown.await-termination-period=250ms")
        .run(context -> {
          try {
            CountDownLatch started = new CountDownLatch(3);
            java.util.concurrent.Callable<Boolean> blocked = () -> {
              started.countDown();
              return release.await(30, TimeUnit.SECONDS);
            };
            AsyncWorkerManager orders = context.getBean("orders", AsyncWorkerManager.class);
            AsyncWorkerManager billing = context.getBean("billing", AsyncWorkerManager.class);
            orders.createWorker(blocked);
            orders.createWorker(blocked);
            billing.createWorker(blocked);
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

            ((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();
          } finally {
            release.countDown(); // the cancelled tasks were interrupted; this only guards a failed assertion
          }
          assertThat(output.getAll().lines().filter(line -> line.contains("shutting down"))).containsExactlyInAnyOrder(
              infoLine(output, "atom.async manager 'orders' shutting down: waiting for up to 250ms for 2 workers in flight"),
              infoLine(output, "atom.async manager 'billing' shutting down: waiting for up to 250ms for 1 workers in flight"));
          assertThat(output).contains("atom.async manager 'orders' cancelled 2 workers still in flight after the shutdown period of 250ms")
              .contains("atom.async manager 'billing' cancelled 1 workers still in flight after the shutdown period of 250ms");
        });
  }

  /** The whole captured line holding {@code message}, after asserting it is logged once, at INFO. */
  private static String infoLine(CapturedOutput output, String message) {
    List<String> lines = output.getAll().lines().filter(line -> line.endsWith(message)).toList();
    assertThat(lines).as(message).hasSize(1);
    assertThat(lines.get(0)).contains("INFO").contains(AsyncWorkerManagerLifecycle.class.getSimpleName());
    return lines.get(0);
  }

  @Test
  void closingTheContextMidLoad_leavesEveryWorkerTerminal_andSubmittersGetRefusalsNotExceptions() throws Exception {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class))
        .withPropertyValues("atom.async.pool.core-size=2", "atom.async.pool.max-size=2",
            "atom.async.pool.queue-capacity=50", "atom.async.pool.rejection-policy=caller-runs",
            "atom.async.shutdown.await-termination-period=200ms")
        .run(context -> {
          AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
          java.util.Queue<AsyncWorker<Integer>> all = new java.util.concurrent.ConcurrentLinkedQueue<>();
          java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
          java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
          List<Thread> submitters = new ArrayList<>();
          for (int t = 0; t < 3; t++) {
            Thread submitter = new Thread(() -> {
              try {
                while (!stop.get()) {
                  all.add(manager.createWorker(() -> {
                    Thread.sleep(1); // the task under test: simulated work
                    return 1;
                  }));
                }
              } catch (Throwable e) {
                thrown.set(e);
              }
            });
            submitter.start();
            submitters.add(submitter);
          }
          org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> all.size() > 500);
          ((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();
          stop.set(true);
          for (Thread submitter : submitters) {
            submitter.join(10_000);
          }
          assertThat(thrown.get()).as("createWorker never throws at a submitter").isNull();
          assertThat(all).allSatisfy(w -> assertThat(w.waitForCompletion(Duration.ofSeconds(10))).isTrue());
          assertThat(all).allSatisfy(w -> assertThat(w.isDone()).isTrue());
          assertThat(all).anySatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.SUCCEEDED));
          assertThat(all).anySatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.FAILED)); // refused after close
          assertThat(manager.inFlightCount()).isZero();
        });
  }

  @Test
  void callerRunsPolicy_runsOnTheCallerWhenSaturated_butRefusesOnceShutDown() {
    CallerRunsUnlessShutdownPolicy policy = new CallerRunsUnlessShutdownPolicy();
    java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0,
        TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(1), policy);
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(pool).build();
    CountDownLatch release = new CountDownLatch(1);
    try {
      manager.createWorker(() -> release.await(10, TimeUnit.SECONDS));
      manager.createWorker(() -> 1); // queued
      AsyncWorker<String> onCaller = manager.createWorker(() -> Thread.currentThread().getName());
      assertThat(onCaller.getResult(Duration.ofSeconds(10))).isEqualTo(Thread.currentThread().getName());
      pool.shutdown();
      AsyncWorker<Integer> refused = manager.createWorker(() -> 2);
      assertThat(refused.state()).as("not dropped: refused and FAILED").isEqualTo(WorkerState.FAILED);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void closingTheContext_withNothingInFlight_isImmediate() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class))
        .withPropertyValues("atom.async.shutdown.await-termination-period=30s")
        .run(context -> {
          AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
          manager.createWorker(() -> 1).waitForCompletion(Duration.ofSeconds(10));
          long start = System.nanoTime();
          ((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();
          assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
          assertThat(manager.isShutdown()).isTrue();
        });
  }
}
