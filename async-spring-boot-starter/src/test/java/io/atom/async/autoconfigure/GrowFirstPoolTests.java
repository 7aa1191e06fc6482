package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerState;
import io.atom.async.WorkersFailedException;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
 * The platform pool grows before it queues (issue 15): with the default core 8, max 16 and queue 1,000,
 * sixteen simultaneous blocking tasks run on sixteen threads at once, the 17th onwards queue, and past
 * the queue they are refused; a pool whose threads are idle hands them new tasks before it grows; and
 * the queue keeps its capacity, its cancelled tasks' slots and both rejection policies.
 */
@Timeout(60)
class GrowFirstPoolTests {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
          CompositeMeterRegistryAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
          AsyncWorkerAutoConfiguration.class, AsyncWorkerMetricsAutoConfiguration.class));

  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void releaseTasks() {
    release.countDown();
  }

  private AsyncWorker<String> blocking(AsyncWorkerManager manager, CountDownLatch started) {
    return manager.createWorker(() -> {
      started.countDown();
      release.await(20, TimeUnit.SECONDS);
      return Thread.currentThread().getName();
    });
  }

  private static ThreadPoolExecutor pool(AssertableApplicationContext context) {
    return context.getBean(AsyncWorkerAutoConfiguration.EXECUTOR_BEAN, ThreadPoolTaskExecutor.class).getThreadPoolExecutor();
  }

  @Test
  void theDefaultPool_runs16BlockingTasksOn16ThreadsAtOnce_the17thOnwardQueue_andPastTheQueueTheyAreRefused() {
    runner.run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      ThreadPoolExecutor pool = pool(context);
      CountDownLatch sixteen = new CountDownLatch(16);
      List<AsyncWorker<String>> running = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        running.add(blocking(manager, sixteen));
      }
      assertThat(sixteen.await(10, TimeUnit.SECONDS)).as("16 tasks run at once").isTrue();
      assertThat(pool.getPoolSize()).isEqualTo(16);
      assertThat(pool.getQueue()).isEmpty();

      CountDownLatch never = new CountDownLatch(1);
      List<AsyncWorker<String>> queued = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        queued.add(blocking(manager, never));
      }
      assertThat(queued).allSatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.SCHEDULED));
      assertThat(pool.getQueue()).hasSize(1000);
      assertThat(manager.activeCount()).isEqualTo(16);
      assertThat(manager.pendingCount()).isEqualTo(1000);

      AsyncWorker<String> refused = blocking(manager, never);
      assertThat(refused.state()).isEqualTo(WorkerState.FAILED);
      assertThatThrownBy(refused::getResult).isInstanceOf(RejectedExecutionException.class)
          .hasMessageEndingWith("its pool is saturated (16 of 16 threads busy, 1000 tasks queued, queue capacity left 0)");
      assertThat(context.getBean(MeterRegistry.class).get("atom.async.workers.rejected").counter().count())
          .isEqualTo(1.0);

      release.countDown();
      assertThatThrownBy(() -> manager.waitForAll(Duration.ofSeconds(20))).isInstanceOf(WorkersFailedException.class)
          .hasMessageContaining("1 worker");
      assertThat(running).allSatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.SUCCEEDED));
      assertThat(queued).allSatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.SUCCEEDED));
    });
  }

  @Test
  void aPoolWithIdleThreads_handsThemNewTasksFirst_thenGrows() {
    runner.run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      ThreadPoolExecutor pool = pool(context);
      GrowFirstQueue queue = (GrowFirstQueue) pool.getQueue();
      for (int i = 0; i < 8; i++) {
        manager.createWorker(() -> 1); // starts the 8 core threads, which then wait in the queue
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queue.idleThreads() == 8);
      assertThat(pool.getPoolSize()).isEqualTo(8);

      CountDownLatch sixteen = new CountDownLatch(16);
      for (int i = 0; i < 16; i++) {
        blocking(manager, sixteen);
      }
      assertThat(sixteen.await(10, TimeUnit.SECONDS)).as("8 idle threads took 8, 8 new threads the rest").isTrue();
      assertThat(pool.getPoolSize()).isEqualTo(16);
      assertThat(queue.idleThreads()).isZero();
      release.countDown(); // before the context closes, which would wait for the tasks
    });
  }

  @Test
  void aCancelledQueuedTask_givesItsSlotBack_andCallerRunsRunsOnTheCallerOnlyOnceTheQueueIsFull() {
    runner.withPropertyValues("atom.async.pool.core-size=1", "atom.async.pool.max-size=2",
        "atom.async.pool.queue-capacity=1", "atom.async.pool.rejection-policy=caller-runs").run(context -> {
          AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
          ThreadPoolExecutor pool = pool(context);
          CountDownLatch two = new CountDownLatch(2);
          blocking(manager, two);
          blocking(manager, two);
          assertThat(two.await(10, TimeUnit.SECONDS)).as("grew to 2 threads").isTrue();

          AsyncWorker<String> queued = blocking(manager, new CountDownLatch(1));
          assertThat(queued.state()).as("queued, not run on the caller").isEqualTo(WorkerState.SCHEDULED);
          assertThat(pool.getQueue().remainingCapacity()).isZero();
          queued.cancel();
          assertThat(pool.getQueue().remainingCapacity()).as("the slot came back").isEqualTo(1);

          AsyncWorker<String> again = manager.createWorker(() -> Thread.currentThread().getName());
          assertThat(again.state()).isEqualTo(WorkerState.SCHEDULED);
          AsyncWorker<String> onCaller = manager.createWorker(() -> Thread.currentThread().getName());
          assertThat(onCaller.getResult(Duration.ofSeconds(1))).isEqualTo(Thread.currentThread().getName());
          release.countDown();
        });
  }

  @Test
  void queueCapacityZero_handsTasksStraightToThreads_andRefusesPastTheMaximum() {
    runner.withPropertyValues("atom.async.pool.core-size=0", "atom.async.pool.max-size=2",
        "atom.async.pool.queue-capacity=0").run(context -> {
          AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
          CountDownLatch two = new CountDownLatch(2);
          blocking(manager, two);
          blocking(manager, two);
          assertThat(two.await(10, TimeUnit.SECONDS)).isTrue();
          assertThat(blocking(manager, new CountDownLatch(1)).state()).isEqualTo(WorkerState.FAILED);
          release.countDown();
        });
  }

  /**
   * Submitters race a small pool (core 2, max 4, queue 20) with tasks of random length, at most five out
   * at once plus bursts past the maximum and the queue, while tasks end and threads go idle; afterwards
   * the pool must still grow before it queues. The idle
   * count may undercount after such a run (the pool then adds a thread where an idle one would do) but
   * never overcount: an overcount would queue a task for a thread that is not waiting, the very delay
   * the queue exists to prevent. Every accepted task must run, and once the threads beyond the core
   * have ended, four blocking tasks must run at once (two idle threads, two new ones).
   */
  @Test
  void afterARaceOfSubmitsEndsAndRefusals_theIdleCountNeverExceedsTheWaitingThreads_andThePoolStillGrows()
      throws Exception {
    GrowFirstQueue.GrowingTaskExecutor executor = new GrowFirstQueue.GrowingTaskExecutor();
    executor.setCorePoolSize(2);
    executor.setMaxPoolSize(4);
    executor.setQueueCapacity(20);
    executor.setKeepAliveSeconds(1); // the threads beyond the core end soon after the race
    executor.setThreadNamePrefix("grow-first-race-");
    executor.setRejectedExecutionHandler(new GrowFirstQueue.AbortPolicy());
    executor.initialize();
    ThreadPoolExecutor pool = executor.getThreadPoolExecutor();
    GrowFirstQueue queue = (GrowFirstQueue) pool.getQueue();
    try {
      int submitters = 4;
      CyclicBarrier start = new CyclicBarrier(submitters);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicInteger ran = new AtomicInteger();
      AtomicInteger accepted = new AtomicInteger();
      // At most 5 tasks out at once: the pool moves between idle threads, growing and its maximum with
      // a task or two queued by the rejection handler; every 1,000th round a burst past the queue.
      Semaphore outstanding = new Semaphore(5);
      List<Thread> threads = new ArrayList<>();
      for (int s = 0; s < submitters; s++) {
        Thread t = new Thread(() -> {
          try {
            start.await(10, TimeUnit.SECONDS);
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < 10_000; i++) {
              boolean burst = i % 1000 == 999;
              if (!burst && !outstanding.tryAcquire(10, TimeUnit.SECONDS)) {
                throw new AssertionError("tasks stopped ending");
              }
              int spins = random.nextInt(2_000);
              try {
                pool.execute(() -> {
                  try {
                    for (int k = 0; k < spins; k++) {
                      Thread.onSpinWait(); // work of random length, not a wait
                    }
                    ran.incrementAndGet();
                  } finally {
                    if (!burst) {
                      outstanding.release();
                    }
                  }
                });
                accepted.incrementAndGet();
              } catch (RejectedExecutionException refused) {
                if (!burst) {
                  outstanding.release(); // part of the race: the pool and its queue were full
                }
              }
              if (burst) {
                for (int k = 0; k < 30; k++) {
                  try {
                    pool.execute(ran::incrementAndGet);
                    accepted.incrementAndGet();
                  } catch (RejectedExecutionException refused) {
                    // past the maximum and the queue
                  }
                }
              }
              if (random.nextInt(100) == 0) {
                Thread.yield(); // lets the pool go idle now and then
              }
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        });
        t.start();
        threads.add(t);
      }
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(60));
      }
      assertThat(failure.get()).isNull();
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ran.get() == accepted.get());
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> pool.getActiveCount() == 0);
      // Below its maximum again, where an overcount would queue a task instead of starting a thread.
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> pool.getPoolSize() == 2);
      System.out.printf("GrowFirstPoolTests race: %d accepted, %d threads at most, idle count %d of %d threads%n",
          accepted.get(), pool.getLargestPoolSize(), queue.idleThreads(), pool.getPoolSize());
      assertThat(queue.idleThreads()).as("idle count vs %d threads", pool.getPoolSize())
          .isLessThanOrEqualTo(pool.getPoolSize());

      CountDownLatch four = new CountDownLatch(4);
      for (int i = 0; i < 4; i++) {
        pool.execute(() -> {
          four.countDown();
          try {
            release.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
      }
      assertThat(four.await(10, TimeUnit.SECONDS)).as("4 blocking tasks run at once: 2 idle threads, 2 new").isTrue();
    } finally {
      release.countDown();
      executor.shutdown();
    }
  }
}
