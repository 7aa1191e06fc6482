package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

/**
 * Workers on virtual threads ({@link VirtualThreads#newExecutor}). The tests that need virtual threads
 * call {@link ThreadKind#assumeAvailable()}: skipped on Java 17, and failing (never skipped) on Java 21
 * and later if virtual threads cannot be reached. The Java 17 behaviour has its own test.
 */
@Timeout(60)
class VirtualThreadsTest {

  private final List<ExecutorService> executors = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void shutDown() throws InterruptedException {
    release.countDown();
    for (ExecutorService executor : executors) {
      executor.shutdownNow();
      assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).as("%s terminated", executor).isTrue();
    }
  }

  private AsyncWorkerManager manager(int maxConcurrency, int queueCapacity) {
    ThreadKind.VIRTUAL.assumeAvailable();
    ExecutorService executor = VirtualThreads.newExecutor("virtual-test-", maxConcurrency, queueCapacity);
    executors.add(executor);
    return AsyncWorkerManager.builder().name("virtual").executor(executor).recordStats()
        .contextPropagation(TaskGate.propagating(CONTEXT)).build();
  }

  private static final ThreadLocal<String> CONTEXT = new ThreadLocal<>();

  @Test
  @EnabledForJreRange(max = JRE.JAVA_20)
  void beforeJava21_thereAreNone_andAskingForThemSaysWhichJavaThisIs() {
    assertThat(VirtualThreads.isSupported()).isFalse();
    assertThatThrownBy(() -> VirtualThreads.newExecutor("v-", 10, 10)).isInstanceOf(UnsupportedOperationException.class)
        .hasMessageStartingWith("virtual threads need Java 21 or later; this JVM is Java " + Runtime.version());
  }

  @Test
  void badArguments_areRefusedOnEveryJava() {
    assertThatThrownBy(() -> VirtualThreads.newExecutor(null, 1, 1)).isInstanceOf(NullPointerException.class)
        .hasMessage("threadNamePrefix");
    assertThatThrownBy(() -> VirtualThreads.newExecutor("v-", 0, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConcurrency must be >= 1 but was 0");
    assertThatThrownBy(() -> VirtualThreads.newExecutor("v-", 1, -1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("queueCapacity must be >= 0 but was -1");
  }

  @Test
  void fromJava21_aWorkerRunsOnAVirtualThreadOfItsOwn_namedByThePrefix() {
    AsyncWorkerManager manager = manager(10, 10);
    AsyncWorker<Thread> first = manager.createWorker(Thread::currentThread);
    AsyncWorker<Thread> second = manager.createWorker(Thread::currentThread);
    Thread one = first.getResult(Duration.ofSeconds(10));
    Thread two = second.getResult(Duration.ofSeconds(10));
    assertThat(ThreadKind.isVirtual(one)).as("%s is virtual", one).isTrue();
    assertThat(one).isNotSameAs(two);
    assertThat(List.of(one.getName(), two.getName())).containsExactlyInAnyOrder("virtual-test-1", "virtual-test-2");
  }

  private static final InheritableThreadLocal<String> INHERITED = new InheritableThreadLocal<>();

  @Test
  void nothingInheritableLeaks_fromTheSubmitter_orFromOneTaskToTheQueuedTaskItHandsItsPermitTo() throws Exception {
    AsyncWorkerManager manager = manager(1, 10);
    INHERITED.set("the submitter's");
    try {
      CountDownLatch secondQueued = new CountDownLatch(1);
      AsyncWorker<String> first = manager.createWorker(() -> {
        String seen = INHERITED.get();
        INHERITED.set("the first task's"); // its thread starts the next queued task's thread when it ends
        assertThat(secondQueued.await(10, TimeUnit.SECONDS)).isTrue();
        return String.valueOf(seen);
      });
      AsyncWorker<String> second = manager.createWorker(() -> String.valueOf(INHERITED.get()));
      secondQueued.countDown();
      assertThat(first.getResult(Duration.ofSeconds(10))).as("the submitter's value stays with it").isEqualTo("null");
      assertThat(second.getResult(Duration.ofSeconds(10))).as("nothing of the first task").isEqualTo("null");
    } finally {
      INHERITED.remove();
    }
  }

  @Test
  void theLimitHolds_theRestWaitPending_andPastTheQueueWorkersEndFailedCounted() throws Exception {
    AsyncWorkerManager manager = manager(10, 5);
    AtomicInteger now = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    CountDownLatch tenStarted = new CountDownLatch(10);
    List<AsyncWorker<Integer>> workers = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      workers.add(manager.createWorker(() -> {
        peak.accumulateAndGet(now.incrementAndGet(), Math::max);
        tenStarted.countDown();
        try {
          release.await(20, TimeUnit.SECONDS);
        } finally {
          now.decrementAndGet();
        }
        return 1;
      }));
    }
    assertThat(tenStarted.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(manager.activeCount()).isEqualTo(10);
    assertThat(manager.pendingCount()).isEqualTo(5);
    AsyncWorker<Integer> refused = workers.get(15);
    assertThat(refused.state()).isEqualTo(WorkerState.FAILED);
    assertThatThrownBy(refused::getResult).isInstanceOf(RejectedExecutionException.class)
        .hasMessageEndingWith("its pool is saturated (10 of 10 virtual threads busy, 5 tasks queued, queue capacity left 0)");
    assertThat(manager.stats().rejected()).isEqualTo(1);

    release.countDown();
    assertThatThrownBy(() -> manager.waitForAll(Duration.ofSeconds(10))).isInstanceOf(WorkersFailedException.class)
        .satisfies(e -> assertThat(((WorkersFailedException) e).failures()).singleElement()
            .isInstanceOf(RejectedExecutionException.class));
    assertThat(workers.subList(0, 15)).allSatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.SUCCEEDED));
    assertThat(peak.get()).isEqualTo(10);
  }

  @Test
  void cancellingARunningVirtualWorker_interruptsIt_andCancellingAQueuedOne_freesItsSlot() throws Exception {
    AsyncWorkerManager manager = manager(1, 1);
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    AsyncWorker<Integer> running = manager.createWorker(() -> {
      started.countDown();
      try {
        new CountDownLatch(1).await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        interrupted.set(true);
        throw e;
      }
      return 1;
    });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    AsyncWorker<Integer> queued = manager.createWorker(() -> 2);
    assertThat(manager.createWorker(() -> 3).state()).as("limit and queue full").isEqualTo(WorkerState.FAILED);

    queued.cancel();
    AsyncWorker<Integer> next = manager.createWorker(() -> 4);
    assertThat(next.state()).as("took the freed queue slot").isEqualTo(WorkerState.SCHEDULED);

    running.cancel();
    assertThat(running.waitForCompletion(Duration.ofSeconds(10))).isTrue();
    assertThat(interrupted).isTrue();
    assertThatThrownBy(running::getResult).isInstanceOf(CancellationException.class);
    assertThat(next.getResult(Duration.ofSeconds(10))).as("the permit passed on").isEqualTo(4);
  }

  @Test
  void aHardTimeoutInterruptsAVirtualWorker_andContextPropagates() throws Exception {
    AsyncWorkerManager manager = manager(4, 4);
    AtomicReference<String> seen = new AtomicReference<>();
    AtomicBoolean interrupted = new AtomicBoolean();
    CONTEXT.set("request-42");
    AsyncWorker<Integer> slow;
    try {
      slow = manager.newWorker();
      slow.setTimeout(Duration.ofMillis(100)).startAsync(() -> {
        seen.set(CONTEXT.get());
        try {
          new CountDownLatch(1).await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          interrupted.set(true);
          throw e;
        }
        return 1;
      });
    } finally {
      CONTEXT.remove();
    }
    assertThatThrownBy(() -> slow.getResult(Duration.ofSeconds(10))).isInstanceOf(AsyncTimeoutException.class);
    assertThat(slow.waitForCompletion(Duration.ofSeconds(10))).isTrue();
    assertThat(interrupted).isTrue();
    assertThat(seen).hasValue("request-42");
  }

  @Test
  void shutdown_letsRunningAndQueuedWorkFinish_thenRefuses_andTheExecutorTerminates() throws Exception {
    ThreadKind.VIRTUAL.assumeAvailable();
    ExecutorService executor = VirtualThreads.newExecutor("virtual-test-", 2, 10);
    executors.add(executor);
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).build();
    List<AsyncWorker<Integer>> workers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      workers.add(manager.createWorker(() -> {
        release.await(20, TimeUnit.SECONDS);
        return 1;
      }));
    }
    manager.shutdown();
    assertThat(manager.createWorker(() -> 2).state()).isEqualTo(WorkerState.FAILED);
    release.countDown();
    assertThatThrownBy(() -> manager.waitForAll(Duration.ofSeconds(10))).isInstanceOf(WorkersFailedException.class)
        .hasMessageContaining("is shut down and accepts no new workers");
    assertThat(workers).allSatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.SUCCEEDED));
    executor.shutdown();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(() -> executor.execute(() -> {})).isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void manyBlockingWorkers_runUnderTheLimit_asVirtualThreadsDo() {
    AsyncWorkerManager manager = manager(500, 5_000);
    AtomicInteger now = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    for (int i = 0; i < 5_000; i++) {
      manager.createWorker(() -> {
        peak.accumulateAndGet(now.incrementAndGet(), Math::max);
        try {
          Thread.sleep(5);
        } finally {
          now.decrementAndGet();
        }
        return 1;
      });
    }
    assertThat(manager.waitForAll(Duration.ofSeconds(30))).isTrue();
    assertThat(manager.stats().ended(WorkerState.SUCCEEDED)).isEqualTo(5_000);
    assertThat(peak.get()).isLessThanOrEqualTo(500).isGreaterThan(1);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> manager.activeCount() == 0);
  }
}
