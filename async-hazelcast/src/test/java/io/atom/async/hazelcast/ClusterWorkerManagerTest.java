package io.atom.async.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.partition.PartitionAware;
import io.atom.async.AsyncWorker;
import io.atom.async.RetryExhaustedException;
import io.atom.async.RetryPolicy;
import io.atom.async.WorkerState;
import io.atom.async.WorkersFailedException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** Three embedded members in this JVM, joined over TCP/IP on 127.0.0.1 (issue 16, first slice). */
class ClusterWorkerManagerTest {

  private static final int BASE_PORT = 5901;
  private static final List<HazelcastInstance> MEMBERS = new ArrayList<>();

  /** What the long tasks observed on their member, keyed by a per-test id (all members share this JVM). */
  static final Map<String, CountDownLatch> STARTED = new ConcurrentHashMap<>();
  static final Map<String, CountDownLatch> INTERRUPTED = new ConcurrentHashMap<>();
  static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();

  private ClusterWorkerManager manager;

  @BeforeAll
  static void startMembers() {
    MEMBERS.addAll(LocalCluster.start(ClusterWorkerManagerTest.class, BASE_PORT, 3, config -> { }));
  }

  /** A fresh id with its started and interrupted latches, for one long task. */
  private static String latches() {
    String id = UUID.randomUUID().toString();
    STARTED.put(id, new CountDownLatch(1));
    INTERRUPTED.put(id, new CountDownLatch(1));
    return id;
  }

  @AfterAll
  static void stopMembers() {
    MEMBERS.forEach(HazelcastInstance::shutdown);
    MEMBERS.clear();
  }

  @BeforeEach
  void newManager() {
    manager = ClusterWorkerManager.builder(MEMBERS.get(0)).name("tests").build();
  }

  @AfterEach
  void closeManager() {
    manager.close();
  }

  /** Returns the UUID of the member it runs on. */
  static final class WhereAmI implements ClusterTask<UUID>, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    private transient HazelcastInstance member;

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
      this.member = hazelcastInstance;
    }

    @Override
    public UUID call() {
      return member.getCluster().getLocalMember().getUuid();
    }
  }

  /** Sleeps ten seconds on its member, recording its start and its interrupt under {@code id}. */
  static final class Sleeper implements ClusterTask<String> {
    private static final long serialVersionUID = 1L;
    private final String id;

    Sleeper(String id) {
      this.id = id;
    }

    @Override
    public String call() throws Exception {
      STARTED.get(id).countDown();
      try {
        Thread.sleep(10_000); // the remote task under test: long, until cancelled or timed out
        return "slept";
      } catch (InterruptedException e) {
        INTERRUPTED.get(id).countDown();
        throw e;
      }
    }
  }

  @Test
  void thousandTasks_spreadOverAllThreeMembers_andAllSucceed() {
    List<AsyncWorker<UUID>> workers = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      workers.add(manager.createWorker("where", new WhereAmI()));
    }

    assertThat(manager.waitForAll(Duration.ofSeconds(30))).isTrue();

    assertThat(workers).allSatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.SUCCEEDED));
    Set<UUID> ranOn = workers.stream().map(AsyncWorker::getResult).collect(Collectors.toSet());
    Set<UUID> members = MEMBERS.stream().map(m -> m.getCluster().getLocalMember().getUuid())
        .collect(Collectors.toSet());
    assertThat(ranOn).isEqualTo(members);
    assertThat(manager.inFlightCount()).isZero();
    assertThat(manager.allDone()).isTrue();
  }

  @Test
  void aRemoteFailure_arrivesWithItsTypeAndMessage_inGetResultAndWaitForAll() {
    AsyncWorker<String> worker = manager.createWorker("fails", () -> {
      throw new FileNotFoundException("no such report: 42");
    });

    assertThatThrownBy(() -> manager.waitForAll(Duration.ofSeconds(30)))
        .isInstanceOf(WorkersFailedException.class)
        .satisfies(e -> assertThat(((WorkersFailedException) e).failures()).singleElement()
            .isInstanceOf(FileNotFoundException.class)
            .extracting(Throwable::getMessage).isEqualTo("no such report: 42"));
    assertThat(worker.state()).isEqualTo(WorkerState.FAILED);
    assertThatThrownBy(worker::getResult).hasRootCauseInstanceOf(FileNotFoundException.class)
        .rootCause().hasMessage("no such report: 42");
    assertThatThrownBy(worker::getResult).cause().isInstanceOf(FileNotFoundException.class);
  }

  @Test
  void aNonSerializableTask_isRefusedNamingItsClass_andNothingIsSubmitted() {
    Object notSerializable = new Object();
    ClusterTask<String> capturing = () -> String.valueOf(notSerializable);

    long submittedBefore = submitted();

    assertThatThrownBy(() -> manager.createWorker(capturing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("task of " + capturing.getClass().getName() + " is not serializable")
        .hasMessageContaining("java.lang.Object");
    assertThat(manager.inFlightCount()).isZero();
    assertThat(submitted()).as("tasks that reached a member's executor").isEqualTo(submittedBefore);
  }

  /** Tasks started or pending on the members' "tests" executors. */
  private static long submitted() {
    return MEMBERS.stream().map(m -> m.getExecutorService("tests").getLocalExecutorStats())
        .mapToLong(s -> s.getStartedTaskCount() + s.getPendingTaskCount()).sum();
  }

  @Test
  void cancel_ofALongRemoteTask_endsTheWorkerCancelledAtOnce_andInterruptsItOnItsMember() throws Exception {
    String id = latches();
    AsyncWorker<String> worker = manager.createWorker("sleeper", new Sleeper(id));
    assertThat(STARTED.get(id).await(30, TimeUnit.SECONDS)).isTrue();

    worker.cancel();

    assertThat(worker.state()).isEqualTo(WorkerState.CANCELLED);
    assertThat(manager.allDone()).isTrue();
    assertThat(INTERRUPTED.get(id).await(30, TimeUnit.SECONDS)).as("interrupted on its member").isTrue();
  }

  /** Counts its starts and, after a second's work, its completions (under {@code id}). */
  static final class Counted implements ClusterTask<String> {
    private static final long serialVersionUID = 1L;
    private final String id;

    Counted(String id) {
      this.id = id;
    }

    @Override
    public String call() throws InterruptedException {
      RUNS.computeIfAbsent(id + "/started", k -> new AtomicInteger()).incrementAndGet();
      Thread.sleep(1_000); // the remote task under test: long enough to be cancelled while it runs
      RUNS.computeIfAbsent(id + "/completed", k -> new AtomicInteger()).incrementAndGet();
      return "completed";
    }
  }

  @Test
  void aCancelRightAfterTheSubmit_keepsTheTaskFromRunning_orInterruptsIt_onItsMember() {
    // Hazelcast's own cancel is lost when it reaches the member before the task: the task then runs.
    String id = UUID.randomUUID().toString();
    List<AsyncWorker<String>> workers = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      AsyncWorker<String> worker = manager.createWorker(new Counted(id));
      worker.cancel();
      workers.add(worker);
    }
    assertThat(workers).allSatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.CANCELLED));
    // Longer than a task takes, and than the members' 16 threads each take to work through 100 such tasks
    // run in full: a task the cancel missed would complete in this time.
    await().during(Duration.ofMillis(3_000)).atMost(Duration.ofSeconds(10))
        .until(() -> RUNS.getOrDefault(id + "/completed", new AtomicInteger()).get() == 0);
    assertThat(MEMBERS).allSatisfy(m -> assertThat(Executions.of(m).pendingMarks()).as("marks left").isLessThan(100));
  }

  @Test
  void aShortTimeout_onALongRemoteTask_endsTimedOut_andInterruptsIt() throws Exception {
    String id = latches();
    AsyncWorker<String> worker = manager.createWorker("sleeper", new Sleeper(id));
    worker.setTimeout(Duration.ofMillis(100));

    await().atMost(Duration.ofSeconds(5)).until(worker::isDone);

    assertThat(worker.state()).isEqualTo(WorkerState.TIMED_OUT);
    assertThat(INTERRUPTED.get(id).await(30, TimeUnit.SECONDS)).as("interrupted on its member").isTrue();
    assertThatThrownBy(() -> manager.waitForAll(Duration.ofSeconds(5))).isInstanceOf(WorkersFailedException.class);
  }

  /** Fails with an IOException on its first {@code failures} runs (counted under {@code id}), then answers. */
  static final class Flaky implements ClusterTask<String> {
    private static final long serialVersionUID = 1L;
    private final String id;
    private final int failures;

    Flaky(String id, int failures) {
      this.id = id;
      this.failures = failures;
    }

    @Override
    public String call() throws IOException {
      int run = RUNS.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
      if (run <= failures) {
        throw new IOException("flaky run " + run);
      }
      return "ok on run " + run;
    }
  }

  @Test
  void retry_runsEachAttemptOnTheCluster_untilOneSucceeds() {
    String id = UUID.randomUUID().toString();
    RetryPolicy<String> policy = RetryPolicy.<String>builder().maxAttempts(4).initialDelay(Duration.ofMillis(10))
        .noJitter().build();

    AsyncWorker<String> op = manager.retry("flaky", new Flaky(id, 2), policy);

    assertThat(op.getResult(Duration.ofSeconds(30))).isEqualTo("ok on run 3");
    assertThat(op.name()).isEqualTo("flaky");
    assertThat(RUNS.get(id)).hasValue(3);
    assertThat(manager.allDone()).isTrue();
  }

  @Test
  void retry_exhausted_failsWithEveryRemoteFailure() {
    String id = UUID.randomUUID().toString();
    RetryPolicy<String> policy = RetryPolicy.<String>builder().maxAttempts(2).initialDelay(Duration.ofMillis(10))
        .noJitter().build();

    AsyncWorker<String> op = manager.retry(new Flaky(id, 5), policy);

    assertThatThrownBy(() -> op.getResult(Duration.ofSeconds(30))).isInstanceOfSatisfying(
        RetryExhaustedException.class, e -> {
          assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("flaky run 2");
          assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("flaky run 1");
        });
    assertThat(RUNS.get(id)).hasValue(2);
  }

  @Test
  void cancellingARetriedOperation_interruptsItsRunningAttemptOnItsMember() throws Exception {
    String id = latches();
    AsyncWorker<String> op = manager.retry(new Sleeper(id), RetryPolicy.<String>builder().maxAttempts(3).build());
    assertThat(STARTED.get(id).await(30, TimeUnit.SECONDS)).isTrue();

    op.cancel();

    assertThat(op.state()).isEqualTo(WorkerState.CANCELLED);
    assertThat(INTERRUPTED.get(id).await(30, TimeUnit.SECONDS)).as("interrupted on its member").isTrue();
    assertThat(manager.allDone()).isTrue();
  }

  @Test
  void aScopesWaitForAll_waitsOnlyForItsOwnClusterWork() throws Exception {
    String id = latches();
    AsyncWorker<String> outside = manager.createWorker("sleeper", new Sleeper(id));
    List<AsyncWorker<UUID>> inside = new ArrayList<>();
    try (ClusterWorkerManager scope = manager.newScope()) {
      for (int i = 0; i < 50; i++) {
        inside.add(scope.createWorker("where", new WhereAmI()));
      }

      assertThat(scope.waitForAll(Duration.ofSeconds(30))).isTrue();

      assertThat(inside).allSatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.SUCCEEDED));
      assertThat(scope.allDone()).isTrue();
      assertThat(scope.inFlightCount()).isZero();
      assertThat(outside.isDone()).isFalse();
      assertThat(manager.inFlightCount()).isEqualTo(1);
      assertThat(scope.cancelAll()).isZero(); // the manager's own work is not the scope's
      assertThat(outside.isDone()).isFalse();
      assertThat(scope.toString()).contains("scope");
    }
    assertThat(manager.isClosed()).isFalse();
    assertThat(manager.cancelAll()).isEqualTo(1);
    assertThat(outside.state()).isEqualTo(WorkerState.CANCELLED);
    assertThat(INTERRUPTED.get(id).await(30, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void closingAScope_cancelsItsWork_andLeavesTheManagerOpen() throws Exception {
    String id = latches();
    ClusterWorkerManager scope = manager.newScope();
    AsyncWorker<String> inside = scope.createWorker(new Sleeper(id));
    assertThat(STARTED.get(id).await(30, TimeUnit.SECONDS)).isTrue();

    scope.close();

    assertThat(inside.state()).isEqualTo(WorkerState.CANCELLED);
    assertThat(scope.isClosed()).isTrue();
    assertThat(INTERRUPTED.get(id).await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(manager.createWorker(new WhereAmI()).getResult(Duration.ofSeconds(30))).isNotNull();
  }

  /** Returns the value of an MDC key where it runs. */
  static final class MdcReader implements ClusterTask<String> {
    private static final long serialVersionUID = 1L;
    private final String key;

    MdcReader(String key) {
      this.key = key;
    }

    @Override
    public String call() {
      return String.valueOf(MDC.get(key));
    }
  }

  @Test
  void theSubmittersMdc_isSetAroundTheTaskOnItsMember_andClearedAfter() {
    List<AsyncWorker<String>> with = new ArrayList<>();
    MDC.put("traceId", "4bf92f3577b34da6");
    try {
      for (int i = 0; i < 30; i++) {
        with.add(manager.createWorker(new MdcReader("traceId")));
      }
    } finally {
      MDC.remove("traceId");
    }
    assertThat(manager.waitForAll(Duration.ofSeconds(30))).isTrue();
    // Members reuse their executor threads: a task sent without an MDC must not see the last one's.
    List<AsyncWorker<String>> without = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      without.add(manager.createWorker(new MdcReader("traceId")));
    }
    assertThat(manager.waitForAll(Duration.ofSeconds(30))).isTrue();

    assertThat(with).extracting(AsyncWorker::getResult).containsOnly("4bf92f3577b34da6");
    assertThat(without).extracting(AsyncWorker::getResult).containsOnly("null");
  }

  /** A tenant held in a thread local, as an application might: carried by {@link TenantContext}. */
  static final ThreadLocal<String> TENANT = new ThreadLocal<>();
  static final List<String> RESTORED = new java.util.concurrent.CopyOnWriteArrayList<>();

  static final class TenantContext implements ClusterTaskContext {
    @Override
    public Map<String, String> capture() {
      String tenant = TENANT.get();
      return tenant == null ? Map.of() : Map.of("tenant", tenant);
    }

    @Override
    public Scope restore(Map<String, String> captured, String name) {
      TENANT.set(captured.get("tenant"));
      RESTORED.add(name);
      return TENANT::remove;
    }
  }

  static final class TenantReader implements ClusterTask<String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String call() {
      return String.valueOf(TENANT.get());
    }
  }

  @Test
  void aClusterTaskContext_travelsWithTheTask_andIsRestoredAroundItOnEveryMember() {
    TenantContext tenants = new TenantContext();
    List<ClusterWorkerManager> perMember = MEMBERS.stream()
        .map(m -> ClusterWorkerManager.builder(m).name("tests").taskContext(tenants).build()).toList();
    RESTORED.clear();
    try {
      ClusterWorkerManager submitter = perMember.get(0);
      List<AsyncWorker<String>> with = new ArrayList<>();
      TENANT.set("acme");
      try {
        for (int i = 0; i < 30; i++) {
          with.add(submitter.createWorker("tenant-check", new TenantReader()));
        }
      } finally {
        TENANT.remove();
      }
      assertThat(submitter.waitForAll(Duration.ofSeconds(30))).isTrue();
      List<AsyncWorker<String>> without = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        without.add(submitter.createWorker(new TenantReader()));
      }
      assertThat(submitter.waitForAll(Duration.ofSeconds(30))).isTrue();

      assertThat(with).extracting(AsyncWorker::getResult).containsOnly("acme");
      assertThat(without).extracting(AsyncWorker::getResult).as("scopes closed, nothing captured").containsOnly("null");
      assertThat(RESTORED).hasSize(30).containsOnly("tenant-check");
    } finally {
      perMember.forEach(ClusterWorkerManager::close);
    }
    assertThat(MEMBERS).allSatisfy(m -> assertThat(m.getUserContext()).doesNotContainValue(tenants));
  }

  /** Routed by its key: returns the UUID of the member it ran on. */
  static final class Keyed implements ClusterTask<UUID>, HazelcastInstanceAware, PartitionAware<String> {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final long workMillis;
    private transient HazelcastInstance member;

    Keyed(String key) {
      this(key, 0);
    }

    /** Works {@code workMillis} first (MemberLossTest's chunks). */
    Keyed(String key, long workMillis) {
      this.key = key;
      this.workMillis = workMillis;
    }

    @Override
    public String getPartitionKey() {
      return key;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
      this.member = hazelcastInstance;
    }

    @Override
    public UUID call() throws InterruptedException {
      if (workMillis > 0) {
        Thread.sleep(workMillis); // the remote task under test: long enough that a batch is mid-way at a kill
      }
      return member.getCluster().getLocalMember().getUuid();
    }
  }

  @Test
  void aPartitionAwareTask_runsOnItsKeysOwner() {
    for (int i = 0; i < 20; i++) {
      String key = "customer-" + i;
      UUID owner = MEMBERS.get(0).getPartitionService().getPartition(key).getOwner().getUuid();
      assertThat(manager.createWorker(new Keyed(key)).getResult(Duration.ofSeconds(30))).as(key).isEqualTo(owner);
    }
  }

  /** A result that cannot be read back: its deserialization throws. */
  static final class Unreadable implements Serializable {
    private static final long serialVersionUID = 1L;

    private void readObject(ObjectInputStream in) throws IOException {
      throw new InvalidObjectException("this result cannot be read back");
    }
  }

  static final class ReturnsUnreadable implements ClusterTask<Unreadable> {
    private static final long serialVersionUID = 1L;

    @Override
    public Unreadable call() {
      return new Unreadable();
    }
  }

  @Test
  void aResultThatCannotBeDeserialized_failsTheWorkerWithAClearMessage() {
    // On three members, most tasks run on another member; a local execution may answer with the
    // object itself, never serialized. Every answer that was serialized must fail clearly.
    List<AsyncWorker<Unreadable>> workers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      workers.add(manager.createWorker("unreadable", new ReturnsUnreadable()));
    }
    assertThatThrownBy(() -> manager.waitForAll(Duration.ofSeconds(30))).isInstanceOf(WorkersFailedException.class);

    List<AsyncWorker<Unreadable>> failed = workers.stream().filter(w -> w.state() == WorkerState.FAILED).toList();
    assertThat(failed).isNotEmpty();
    assertThat(failed).allSatisfy(w -> assertThatThrownBy(w::getResult)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("could not be serialized or deserialized between members")
        .hasMessageContaining(ReturnsUnreadable.class.getName()));
    assertThat(workers).allSatisfy(w -> assertThat(w.state()).isIn(WorkerState.FAILED, WorkerState.SUCCEEDED));
  }

  /** An exception that cannot be read back. */
  static final class UnreadableException extends Exception {
    private static final long serialVersionUID = 1L;

    UnreadableException() {
      super("thrown remotely");
    }

    private void readObject(ObjectInputStream in) throws IOException {
      throw new InvalidObjectException("this exception cannot be read back");
    }
  }

  @Test
  void anExceptionThatCannotBeDeserialized_orAResultThatCannotBeSerialized_failsTheWorkerClearly() {
    List<AsyncWorker<Object>> workers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      workers.add(manager.createWorker("throws-unreadable", () -> {
        throw new UnreadableException();
      }));
      workers.add(manager.createWorker("returns-unserializable", () -> new Object()));
    }
    assertThatThrownBy(() -> manager.waitForAll(Duration.ofSeconds(10))).isInstanceOf(WorkersFailedException.class);

    // A task that ran on this member may answer with its objects as they are, never serialized.
    assertThat(workers).allSatisfy(w -> assertThat(w.state()).isIn(WorkerState.FAILED, WorkerState.SUCCEEDED));
    for (String name : List.of("throws-unreadable", "returns-unserializable")) {
      List<Throwable> unclear = workers.stream().filter(w -> w.name().equals(name) && w.state() == WorkerState.FAILED)
          .map(ClusterWorkerManagerTest::failureOf).filter(e -> !(e instanceof UnreadableException)).toList();
      assertThat(unclear).as(name).isNotEmpty().allSatisfy(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("could not be serialized or deserialized between members"));
    }
  }

  private static Throwable failureOf(AsyncWorker<?> worker) {
    try {
      worker.getResult();
      throw new AssertionError(worker + " did not fail");
    } catch (RuntimeException e) {
      return e instanceof io.atom.async.AsyncExecutionException ? e.getCause() : e;
    }
  }

  @Test
  void badInput_isRefusedWithTheArgumentsName() {
    assertThatThrownBy(() -> ClusterWorkerManager.builder(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("hazelcast");
    assertThatThrownBy(() -> ClusterWorkerManager.builder(MEMBERS.get(0)).name(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("name must not be blank but was ' '");
    assertThatThrownBy(() -> ClusterWorkerManager.builder(MEMBERS.get(0)).completionThreads(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("completionThreads must be >= 1 but was 0");
    assertThatThrownBy(() -> manager.createWorker(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("task");
    assertThatThrownBy(() -> manager.createWorker(null, () -> 1)).isInstanceOf(NullPointerException.class)
        .hasMessage("name");
    assertThatThrownBy(() -> manager.createWorker("", () -> 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank but was ''");
    assertThatThrownBy(() -> manager.retry(() -> 1, null)).isInstanceOf(NullPointerException.class)
        .hasMessage("policy");
    assertThatThrownBy(() -> ClusterWorkerManager.builder(MEMBERS.get(0)).maxResubmissions(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxResubmissions must be >= 0 but was -1");
    assertThatThrownBy(() -> ClusterWorkerManager.builder(MEMBERS.get(0)).defaultTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("defaultTimeout must be positive but was PT0S");
    assertThatThrownBy(() -> ClusterWorkerManager.builder(MEMBERS.get(0)).executorName(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("executorName must not be blank but was ' '");
  }
}
