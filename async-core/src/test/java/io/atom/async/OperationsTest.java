package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Worker ids, the listing of in-flight work and the stuck-work watchdog. */
@Timeout(60)
class OperationsTest {

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final TaskGate gate = new TaskGate();

  @AfterEach
  void tearDown() throws Exception {
    gate.release();
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private AsyncWorkerManager manager(AsyncWorkerManager.Builder builder) {
    AsyncWorkerManager m = builder.build();
    toClose.add(m);
    return m;
  }

  // ------------------------------------------------------------ ids

  @Test
  void id_isNotAssignedOnTheTaskPath_butOnFirstAsk_thenStable() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = manager(AsyncWorkerManager.builder().name("orders").executor(executor).recordStats());
    AsyncWorker<Integer> worker = manager.createWorker("payment", () -> 1);
    executor.runAll();
    assertThat(worker.getResult()).isEqualTo(1);
    assertThat(worker.assignedId()).as("created, run and ended: no id taken").isZero();

    long id = worker.id();
    assertThat(id).isPositive();
    assertThat(worker.id()).isEqualTo(id);
    assertThat(worker.assignedId()).isEqualTo(id);
    assertThat(worker.toString()).isEqualTo("AsyncWorker[orders/payment#" + id + ", SUCCEEDED]");
  }

  @Test
  void id_isInLogLinesAndExceptionMessages() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(Runnable::run);
    assertThatThrownBy(worker::getResult).hasMessage("worker worker#" + worker.id() + " was never started");
  }

  @Test
  void ids_areUniqueAcrossThreads_andOneWorkerAskedConcurrentlyGetsOneId() throws Exception {
    int threads = 4;
    int perThread = 10_000;
    Set<Long> ids = ConcurrentHashMap.newKeySet();
    AsyncWorker<Integer> shared = new AsyncWorker<>(Runnable::run);
    Set<Long> sharedIds = ConcurrentHashMap.newKeySet();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        sharedIds.add(shared.id());
        for (int i = 0; i < perThread; i++) {
          ids.add(new AsyncWorker<Integer>(Runnable::run).id());
        }
      });
      thread.start();
      started.add(thread);
    }
    go.countDown();
    for (Thread thread : started) {
      thread.join(30_000);
    }
    assertThat(ids).hasSize(threads * perThread);
    assertThat(sharedIds).containsExactly(shared.id());
    assertThat(ids).doesNotContain(shared.id());
  }

  // ------------------------------------------------------------ listing

  @Test
  void inFlightWorkers_listsOldestFirst_cappedAt_max_withStateThreadAndTimes() throws Exception {
    AsyncWorkerManager manager = manager(AsyncWorkerManager.builder().name("orders").poolSize(1).recordStats());
    long before = System.currentTimeMillis();
    AsyncWorker<Integer> running = manager.createWorker("blocker", gate::block);
    gate.awaitStarted();
    List<AsyncWorker<Integer>> queued = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      queued.add(manager.createWorker("queued-" + i, () -> 1));
    }
    long after = System.currentTimeMillis();

    List<WorkerInfo> listed = manager.inFlightWorkers(3);
    assertThat(listed).extracting(WorkerInfo::id)
        .containsExactly(running.id(), queued.get(0).id(), queued.get(1).id());
    WorkerInfo first = listed.get(0);
    assertThat(first.name()).isEqualTo("blocker");
    assertThat(first.manager()).isEqualTo("orders");
    assertThat(first.state()).isEqualTo(WorkerState.RUNNING);
    assertThat(first.thread()).startsWith("orders-");
    assertThat(first.scope()).isZero();
    assertThat(first.attempt()).isZero();
    assertThat(first.maxAttempts()).isZero();
    assertThat(first.stuck()).as("no threshold").isFalse();
    assertThat(first.stackTrace()).as("not captured by a listing").isEmpty();
    assertThat(first.startedAt()).isBetween(Instant.ofEpochMilli(before - 1_000), Instant.ofEpochMilli(after + 1_000));
    assertThat(first.runningFor()).isPositive();
    assertThat(listed.get(1).state()).isEqualTo(WorkerState.SCHEDULED);
    assertThat(listed.get(1).thread()).isNull();
    assertThat(listed.get(1).runningFor()).isZero();
    assertThat(listed.get(1).queuedFor()).isPositive();

    assertThat(manager.inFlightWorkers(100)).hasSize(6);
    assertThat(manager.inFlightWorkers(0)).isEmpty();
    assertThatThrownBy(() -> manager.inFlightWorkers(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max must be >= 0 but was -1");

    gate.release();
    manager.waitForAll(Duration.ofSeconds(10));
    assertThat(manager.inFlightWorkers(100)).isEmpty();
  }

  @Test
  void inFlightWorkers_ofTenThousand_keepsTheOldest() throws Exception {
    AsyncWorkerManager manager = manager(AsyncWorkerManager.builder().name("bulk").poolSize(1));
    manager.createWorker(gate::block);
    gate.awaitStarted();
    List<AsyncWorker<Integer>> queued = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      queued.add(manager.createWorker(() -> 1));
    }
    List<WorkerInfo> listed = manager.inFlightWorkers(100);
    assertThat(listed).hasSize(100);
    assertThat(listed.subList(1, 100)).extracting(WorkerInfo::id)
        .containsExactlyElementsOf(queued.subList(0, 99).stream().map(AsyncWorker::id).toList());
    assertThat(manager.inFlightCount()).isEqualTo(10_001);
  }

  @Test
  void inFlightWorkers_ofAManager_includeItsScopes_eachScopeWithItsOwnId() throws Exception {
    AsyncWorkerManager manager = manager(AsyncWorkerManager.builder().name("web").poolSize(1));
    manager.createWorker(gate::block);
    gate.awaitStarted();
    try (AsyncWorkerManager requestA = manager.newScope(); AsyncWorkerManager requestB = manager.newScope()) {
      AsyncWorker<Integer> a1 = requestA.createWorker("a", () -> 1);
      AsyncWorker<Integer> b1 = requestB.createWorker("b", () -> 2);
      AsyncWorker<Integer> a2 = requestA.createWorker("a", () -> 3);

      List<WorkerInfo> all = manager.inFlightWorkers(10);
      assertThat(all).hasSize(4);
      // A manager that records nothing notes a start at the first listing: the four are first seen
      // together, so only each thread's own order is known (WorkerInfo); find the manager's own by scope.
      assertThat(all).filteredOn(i -> i.scope() == 0L).as("the manager's own worker").hasSize(1);
      long scopeA = info(all, a1).scope();
      assertThat(scopeA).isPositive();
      assertThat(info(all, a2).scope()).isEqualTo(scopeA);
      assertThat(info(all, b1).scope()).isPositive().isNotEqualTo(scopeA);

      assertThat(requestA.inFlightWorkers(10)).extracting(WorkerInfo::id).containsExactly(a1.id(), a2.id());
      assertThat(manager.findWorker(b1.id())).containsSame(b1);
      assertThat(requestA.findWorker(b1.id())).as("another scope's worker").isEmpty();
    }
  }

  private static WorkerInfo info(List<WorkerInfo> infos, AsyncWorker<?> worker) {
    return infos.stream().filter(i -> i.id() == worker.id()).findFirst().orElseThrow();
  }

  @Test
  void aRetriedOperation_isListedOnce_withItsAttemptAndMaxAttempts_andTheAttemptsThread() throws Exception {
    AsyncWorkerManager manager = manager(AsyncWorkerManager.builder().name("orders").poolSize(2));
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    AsyncWorker<Integer> op = manager.retry("inventory", () -> {
      if (calls.incrementAndGet() == 1) {
        throw new IOException("transient");
      }
      return gate.block();
    }, RetryPolicy.<Integer>builder().maxAttempts(3).backoff(BackoffStrategy.FIXED).initialDelay(Duration.ofMillis(1))
        .build());
    gate.awaitStarted();

    List<WorkerInfo> listed = manager.inFlightWorkers(10);
    assertThat(listed).hasSize(1);
    WorkerInfo info = listed.get(0);
    assertThat(info.id()).isEqualTo(op.id());
    assertThat(info.name()).isEqualTo("inventory");
    assertThat(info.state()).isEqualTo(WorkerState.RUNNING);
    assertThat(info.attempt()).isEqualTo(2);
    assertThat(info.maxAttempts()).isEqualTo(3);
    assertThat(info.thread()).startsWith("orders-");
    assertThat(manager.inFlightWorker(op.id()).orElseThrow().stackTrace())
        .anyMatch(frame -> frame.getClassName().equals(TaskGate.class.getName()));
  }

  @Test
  void inFlightWorker_byId_capturesItsThreadsStack_andFindsNothingOnceItEnded() throws Exception {
    AsyncWorkerManager manager = manager(AsyncWorkerManager.builder().name("orders").poolSize(1));
    AsyncWorker<Integer> running = manager.createWorker("blocker", gate::block);
    gate.awaitStarted();
    long id = running.id();

    WorkerInfo info = manager.inFlightWorker(id).orElseThrow();
    assertThat(info.thread()).isNotNull();
    assertThat(info.stackTrace()).anyMatch(frame -> frame.getClassName().equals(TaskGate.class.getName())
        && frame.getMethodName().equals("block"));
    assertThat(manager.findWorker(id)).containsSame(running);
    assertThat(manager.findWorker(id + 1_000_000)).isEmpty();
    assertThat(manager.inFlightWorker(0)).isEmpty();
    assertThat(manager.findWorker(-1)).isEmpty();

    gate.release();
    running.waitForCompletion(Duration.ofSeconds(10));
    assertThat(manager.findWorker(id)).as("ended: no longer tracked").isEmpty();
    assertThat(manager.inFlightWorker(id)).isEmpty();
  }

  @Test
  void withoutARecorder_runningForIsTimedFromTheFirstLook_andGrows() throws Exception {
    AsyncWorkerManager manager = manager(AsyncWorkerManager.builder().poolSize(1));
    AsyncWorker<Integer> running = manager.createWorker(gate::block);
    gate.awaitStarted();
    WorkerInfo first = manager.inFlightWorker(running.id()).orElseThrow();
    await().atMost(Duration.ofSeconds(10)).until(() ->
        manager.inFlightWorker(running.id()).orElseThrow().runningFor().compareTo(first.runningFor()) > 0);
    WorkerInfo later = manager.inFlightWorker(running.id()).orElseThrow();
    assertThat(later.queuedFor()).as("fixed once the start is noted").isEqualTo(first.queuedFor());
  }

  @Test
  void withoutARecorder_aStartIsNotedAtTheFirstLook_andKept_withARecorderItIsExact() throws Exception {
    AsyncWorkerManager plain = manager(AsyncWorkerManager.builder().poolSize(1));
    AsyncWorkerManager recording = manager(AsyncWorkerManager.builder().poolSize(1).recordStats());
    TaskGate other = new TaskGate();
    plain.createWorker(gate::block);
    recording.createWorker(other::block);
    gate.awaitStarted();
    other.awaitStarted();
    try {
      AsyncWorker<Integer> queued = plain.createWorker(() -> 1);
      AsyncWorker<Integer> timed = recording.createWorker(() -> 2);
      spin(Duration.ofMillis(100));

      WorkerInfo first = plain.inFlightWorker(queued.id()).orElseThrow();
      assertThat(first.queuedFor()).as("no clock read at the start: timed from this first look").isZero();
      assertThat(recording.inFlightWorker(timed.id()).orElseThrow().queuedFor())
          .as("a recording manager times the queue wait from the start").isGreaterThanOrEqualTo(Duration.ofMillis(100));
      spin(Duration.ofMillis(100));
      WorkerInfo later = plain.inFlightWorkers(10).stream().filter(i -> i.id() == queued.id()).findFirst().orElseThrow();
      assertThat(later.queuedFor()).as("kept from the first look").isGreaterThanOrEqualTo(Duration.ofMillis(100));
      assertThat(Duration.between(first.startedAt(), later.startedAt()).abs()).isLessThan(Duration.ofMillis(20));
    } finally {
      other.release();
    }
  }

  /** Lets {@code time} pass on the monotonic clock (bounded busy wait: the clock itself is under test). */
  private static void spin(Duration time) {
    long start = System.nanoTime();
    while (System.nanoTime() - start < time.toNanos()) {
      Thread.onSpinWait();
    }
  }

  // ------------------------------------------------------------ watchdog

  @Test
  void watchdog_logsAStuckWorkerOnce_withItsStack_countsItWhileItRuns_andNeverAFastOne() throws Exception {
    List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    Handler handler = capture(warnings);
    Logger log = Logger.getLogger(StuckWorkerWatchdog.class.getName());
    log.addHandler(handler);
    try {
      AsyncWorkerManager manager = manager(AsyncWorkerManager.builder().name("jobs").poolSize(2)
          .stuckThreshold(Duration.ofMillis(100)));
      for (int i = 0; i < 20; i++) {
        manager.createWorker("fast", () -> 1).waitForCompletion(Duration.ofSeconds(10));
      }
      java.util.concurrent.atomic.AtomicBoolean release = new java.util.concurrent.atomic.AtomicBoolean();
      AsyncWorker<Integer> slow = manager.createWorker("slow-job", () -> {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!release.get() && System.nanoTime() < end) {
          Thread.sleep(10); // the task under test holds its thread past the threshold
        }
        return 1;
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> !warnings.isEmpty());
      assertThat(manager.stuckCount()).isEqualTo(1);
      assertThat(manager.inFlightWorker(slow.id()).orElseThrow().stuck()).isTrue();
      release.set(true);
      slow.waitForCompletion(Duration.ofSeconds(10));
      assertThat(manager.stuckCount()).isZero();

      assertThat(warnings).hasSize(1);
      LogRecord warning = warnings.get(0);
      assertThat(warning.getLevel()).isEqualTo(Level.WARNING);
      assertThat(warning.getMessage()).contains("id " + slow.id(), "name 'slow-job'", "manager 'jobs'",
          "stuck threshold 100 ms", "on thread 'jobs-", "java.lang.Thread.sleep").doesNotContain("fast");
    } finally {
      log.removeHandler(handler);
    }
  }

  @Test
  void watchdog_reportsARetryAttemptThatHoldsItsThread_withTheAttempt() throws Exception {
    List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    Handler handler = capture(warnings);
    Logger log = Logger.getLogger(StuckWorkerWatchdog.class.getName());
    log.addHandler(handler);
    try {
      AsyncWorkerManager manager = manager(AsyncWorkerManager.builder().name("jobs").poolSize(1)
          .stuckThreshold(Duration.ofMillis(50)));
      AsyncWorker<Integer> op = manager.retry("inventory", gate::block,
          RetryPolicy.<Integer>builder().maxAttempts(2).build());
      gate.awaitStarted();
      await().atMost(Duration.ofSeconds(10)).until(() -> !warnings.isEmpty());
      assertThat(warnings.get(0).getMessage()).contains("id " + op.id(), "name 'inventory'", "attempt 1 of 2",
          TaskGate.class.getName() + ".block");
      assertThat(manager.stuckCount()).isEqualTo(1);
    } finally {
      log.removeHandler(handler);
    }
  }

  @Test
  void watchdog_stopsWhenTheManagerCloses() {
    AsyncWorkerManager manager = AsyncWorkerManager.builder().stuckThreshold(Duration.ofSeconds(1)).build();
    StuckWorkerWatchdog watchdog = manager.watchdog();
    assertThat(watchdog).isNotNull();
    assertThat(watchdog.isCancelled()).isFalse();
    assertThat(manager.newScope().inFlightWorkers(1)).isEmpty();
    manager.close();
    assertThat(watchdog.isCancelled()).isTrue();
    assertThat(AsyncWorkerManager.builder().build().watchdog()).as("none without a threshold").isNull();
  }

  @Test
  void stuckThreshold_badValues_areRefusedNamingTheArgument() {
    assertThatThrownBy(() -> AsyncWorkerManager.builder().stuckThreshold(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("stuckThreshold must be > 0 but was PT0S");
    assertThatThrownBy(() -> AsyncWorkerManager.builder().stuckThreshold(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("stuckThreshold must be > 0 but was PT-1S");
    assertThatThrownBy(() -> AsyncWorkerManager.builder().stuckThreshold(null))
        .isInstanceOf(NullPointerException.class).hasMessage("stuckThreshold");
    ScheduledExecutorService dead = Executors.newSingleThreadScheduledExecutor();
    dead.shutdown();
    assertThatThrownBy(() -> AsyncWorkerManager.builder().name("m").scheduler(dead)
        .stuckThreshold(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("manager 'm' cannot start its stuck-work watchdog: its scheduler refused it (shut down?)");
  }

  @Test
  void watchdogPeriod_isAQuarterOfTheThreshold_within10msAnd5s() {
    assertThat(StuckWorkerWatchdog.periodNanos(Duration.ofMillis(200).toNanos())).isEqualTo(Duration.ofMillis(50).toNanos());
    assertThat(StuckWorkerWatchdog.periodNanos(Duration.ofMillis(1).toNanos())).isEqualTo(Duration.ofMillis(10).toNanos());
    assertThat(StuckWorkerWatchdog.periodNanos(Duration.ofMinutes(5).toNanos())).isEqualTo(Duration.ofSeconds(5).toNanos());
    assertThat(StuckWorkerWatchdog.periodNanos(Long.MAX_VALUE)).isEqualTo(Duration.ofSeconds(5).toNanos());
  }

  @Test
  void aWorkerWithoutAThreshold_isNeverStuck() throws Exception {
    AsyncWorkerManager manager = manager(AsyncWorkerManager.builder().poolSize(1));
    manager.createWorker(gate::block);
    gate.awaitStarted();
    assertThat(manager.stuckCount()).isZero();
    Set<Boolean> stuck = new HashSet<>();
    manager.inFlightWorkers(10).forEach(i -> stuck.add(i.stuck()));
    assertThat(stuck).containsExactly(false);
  }

  private static Handler capture(List<LogRecord> records) {
    return new Handler() {
      @Override
      public void publish(LogRecord record) {
        records.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
  }
}
