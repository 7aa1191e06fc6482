package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many tasks of a random mix (success, exception, Error, cancel before or while running, timeouts,
 * retries, callbacks that throw, scopes opened and closed) from several submitting threads at once.
 * At the end: every worker in exactly one terminal state, counts by state equal to the manager's
 * counters, every callback run exactly once, nothing tracked, threads back to baseline, and a heap
 * that does not grow with the number of tasks.
 *
 * <p>On both kinds of threads: {@code PLATFORM}, a pool of 4 threads; {@code VIRTUAL} (Java 21+), each
 * task on its own virtual thread, at most {@value #VIRTUAL_LIMIT} at once, the rest queued (a queue that
 * holds every batch in flight, so nothing is refused), and the executor must terminate at the end.
 *
 * <p>{@code -Datom.soak.tasks=N} (default 200,000 per kind); {@code ./mvnw -B verify -Psoak} runs 10,000,000.
 */
@Timeout(3600)
class SoakTest {
  private static final int TASKS = Integer.getInteger("atom.soak.tasks", 200_000);
  private static final int SUBMITTERS = 4;
  private static final int BATCH = 1_000;
  private static final int VIRTUAL_LIMIT = 16;
  private static final RetryPolicy<Integer> RETRY = RetryPolicy.<Integer>builder().maxAttempts(3)
      .backoff(BackoffStrategy.FIXED).initialDelay(Duration.ZERO).build();

  @ParameterizedTest(name = "{0}")
  @EnumSource(ThreadKind.class)
  void randomMix_everyWorkerEndsOnce_countsMatch_andNothingLeaks(ThreadKind kind) throws Exception {
    kind.assumeAvailable();
    Logger workerLog = Logger.getLogger(AsyncWorker.class.getName());
    Level previousLevel = workerLog.getLevel();
    workerLog.setLevel(Level.OFF); // callbacks that throw are logged; thousands of stack traces are noise here
    java.util.Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
    long[] byState = new long[WorkerState.values().length];
    AtomicLong callbacks = new AtomicLong();
    AtomicLong badCallbacks = new AtomicLong();
    long heapAtHalf;
    long start = System.nanoTime();
    ExecutorService virtual = kind == ThreadKind.VIRTUAL
        ? VirtualThreads.newExecutor("soak-virtual-", VIRTUAL_LIMIT, SUBMITTERS * BATCH) : null;
    AsyncWorkerManager manager = (virtual != null ? AsyncWorkerManager.builder().executor(virtual)
        : AsyncWorkerManager.builder().poolSize(4)).recordStats().build();
    ExecutorService submitters = Executors.newFixedThreadPool(SUBMITTERS);
    try {
      heapAtHalf = runHalf(manager, submitters, TASKS / 2, byState, callbacks, badCallbacks);
      runHalf(manager, submitters, TASKS - TASKS / 2, byState, callbacks, badCallbacks);
    } finally {
      submitters.shutdownNow();
      workerLog.setLevel(previousLevel);
    }
    long heapAtEnd = usedHeapAfterGc();
    double seconds = (System.nanoTime() - start) / 1e9;

    WorkerStats stats = manager.stats();
    long total = 0;
    for (WorkerState state : WorkerState.values()) {
      if (state.isTerminal()) {
        assertThat(stats.ended(state)).as("counter of %s", state).isEqualTo(byState[state.ordinal()]);
        total += byState[state.ordinal()];
      } else {
        assertThat(byState[state.ordinal()]).as("workers left %s", state).isZero();
      }
    }
    assertThat(total).isEqualTo(TASKS);
    assertThat(callbacks.get()).as("callbacks run").isEqualTo(TASKS);
    assertThat(badCallbacks.get()).as("workers whose callbacks did not run exactly once").isZero();
    assertThat(manager.inFlightCount()).isZero();
    assertThat(stats.pending()).isZero();
    assertThat(stats.active()).isZero();

    manager.close();
    if (virtual != null) {
      virtual.shutdown();
      assertThat(virtual.awaitTermination(30, TimeUnit.SECONDS)).as("every virtual thread has ended").isTrue();
      assertThat(stats.rejected()).as("the queue held every batch").isZero();
    }
    // Back to baseline: nothing new but the JVM-wide timer thread, JUnit's timeout watcher and the
    // JDK's carrier threads of virtual threads.
    Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(newThreads(threadsBefore)).isEmpty());
    System.out.printf("SoakTest[%s]: %,d tasks in %.1f s (%,.0f tasks/s); SUCCEEDED=%d FAILED=%d CANCELLED=%d "
            + "TIMED_OUT=%d; heap after GC at half %,d KB, at end %,d KB; threads %d -> %d%n",
        kind, TASKS, seconds, TASKS / seconds, byState[WorkerState.SUCCEEDED.ordinal()],
        byState[WorkerState.FAILED.ordinal()], byState[WorkerState.CANCELLED.ordinal()],
        byState[WorkerState.TIMED_OUT.ordinal()], heapAtHalf / 1024, heapAtEnd / 1024, threadsBefore.size(),
        Thread.activeCount());
    // The second half ran as many tasks as the first: retained heap must not have grown with them.
    assertThat(heapAtEnd - heapAtHalf).as("heap growth over the second half, bytes").isLessThan(16L << 20);
  }

  private long runHalf(AsyncWorkerManager manager, ExecutorService submitters, int tasks, long[] byState,
      AtomicLong callbacks, AtomicLong badCallbacks) throws Exception {
    List<Future<long[]>> results = new ArrayList<>();
    for (int s = 0; s < SUBMITTERS; s++) {
      int share = tasks / SUBMITTERS + (s < tasks % SUBMITTERS ? 1 : 0);
      results.add(submitters.submit(() -> submit(manager, share, callbacks, badCallbacks)));
    }
    for (Future<long[]> result : results) {
      long[] counts = result.get(30, TimeUnit.MINUTES);
      for (int i = 0; i < counts.length; i++) {
        byState[i] += counts[i];
      }
    }
    return usedHeapAfterGc();
  }

  /** One submitting thread: batches in scopes; returns its workers' end states. */
  private static long[] submit(AsyncWorkerManager manager, int tasks, AtomicLong callbacks, AtomicLong badCallbacks) {
    long[] byState = new long[WorkerState.values().length];
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int done = 0; done < tasks; ) {
      int n = Math.min(BATCH, tasks - done);
      List<AsyncWorker<Integer>> batch = new ArrayList<>(n);
      List<AtomicInteger> fired = new ArrayList<>(n);
      try (AsyncWorkerManager scope = manager.newScope()) {
        for (int i = 0; i < n; i++) {
          AtomicInteger count = new AtomicInteger();
          AsyncWorker<Integer> worker = create(scope, random.nextInt(100));
          boolean throwing = random.nextInt(20) == 0;
          worker.setCallback(v -> {
            count.incrementAndGet();
            callbacks.incrementAndGet();
            if (throwing) {
              throw new IllegalStateException("callback bug");
            }
          });
          worker.setFailureCallback(e -> {
            count.incrementAndGet();
            callbacks.incrementAndGet();
            if (throwing) {
              throw new IllegalStateException("failure callback bug");
            }
          });
          batch.add(worker);
          fired.add(count);
        }
        try {
          scope.waitForAll(Duration.ofMinutes(5));
        } catch (WorkersFailedException expected) {
          // failures and timeouts are part of the mix
        }
      } // closing cancels nothing here: all ended; a close racing the last ones is covered elsewhere
      for (int i = 0; i < n; i++) {
        AsyncWorker<Integer> worker = batch.get(i);
        worker.waitForCompletion(Duration.ofMinutes(1)); // callbacks have run once it returns
        byState[worker.state().ordinal()]++;
        if (fired.get(i).get() != 1) {
          badCallbacks.incrementAndGet();
        }
      }
      done += n;
    }
    return byState;
  }

  private static AsyncWorker<Integer> create(AsyncWorkerManager scope, int kind) {
    if (kind < 40) {
      return scope.createWorker(() -> 1);
    } else if (kind < 50) {
      return scope.createWorker(() -> {
        throw new IllegalArgumentException("task failure");
      });
    } else if (kind < 53) {
      return scope.createWorker(() -> {
        throw new AssertionError("task error");
      });
    } else if (kind < 63) {
      AsyncWorker<Integer> w = scope.createWorker(() -> 2);
      w.cancel(); // queued or just running
      return w;
    } else if (kind < 70) {
      AsyncWorker<Integer> w = scope.createWorker(() -> {
        new CountDownLatch(1).await(); // runs until cancelled
        return 3;
      });
      w.cancel();
      return w;
    } else if (kind < 75) {
      AsyncWorker<Integer> w = scope.newWorker();
      w.setTimeout(Duration.ofMillis(1));
      w.startAsync(() -> {
        new CountDownLatch(1).await(); // until the timeout interrupts it
        return 4;
      });
      return w;
    } else if (kind < 85) {
      AtomicInteger calls = new AtomicInteger();
      return scope.retry(() -> {
        if (calls.incrementAndGet() == 1) {
          throw new IOException("transient");
        }
        return 5;
      }, RETRY);
    } else {
      AsyncWorker<Integer> w = scope.newWorker();
      if (kind < 90) {
        w.cancel(); // cancelled before it was ever started
        return w;
      }
      w.startAsync(x -> x * 2, 21);
      return w;
    }
  }

  private static List<String> newThreads(java.util.Set<Thread> before) {
    List<String> names = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String name = t.getName();
      if (!before.contains(t) && t.isAlive() && !name.startsWith("atom-async-timer-") && !name.startsWith("junit-")
          && !name.startsWith("awaitility") && !t.getClass().getName().equals("jdk.internal.misc.CarrierThread")
          && !name.equals("VirtualThread-unparker")) {
        names.add(name);
      }
    }
    return names;
  }

  private static long usedHeapAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
