package io.atom.async.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import io.atom.async.AsyncWorker;
import io.atom.async.WorkerState;
import io.atom.async.WorkersFailedException;
import java.io.FileNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Three embedded members in this JVM, joined over TCP/IP on 127.0.0.1 (issue 16, first slice). */
class ClusterWorkerManagerTest {

  private static final int BASE_PORT = 5901;
  private static final List<HazelcastInstance> MEMBERS = new ArrayList<>();

  /** What the long tasks observed on their member, keyed by a per-test id (all members share this JVM). */
  static final Map<String, CountDownLatch> STARTED = new ConcurrentHashMap<>();
  static final Map<String, CountDownLatch> INTERRUPTED = new ConcurrentHashMap<>();

  private ClusterWorkerManager manager;

  @BeforeAll
  static void startMembers() {
    String cluster = "atom-async-" + ClusterWorkerManagerTest.class.getSimpleName() + "-" + UUID.randomUUID();
    for (int i = 0; i < 3; i++) {
      MEMBERS.add(Hazelcast.newHazelcastInstance(config(cluster)));
    }
    await().atMost(Duration.ofSeconds(30))
        .until(() -> MEMBERS.stream().allMatch(m -> m.getCluster().getMembers().size() == 3));
  }

  private static Config config(String cluster) {
    Config config = new Config();
    config.setClusterName(cluster);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "none");
    config.setProperty("hazelcast.partition.count", "71"); // fewer partitions: a faster start on 2 cores
    config.getNetworkConfig().setPort(BASE_PORT).setPortAutoIncrement(true).setPortCount(10);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true)
        .addMember("127.0.0.1:" + BASE_PORT).addMember("127.0.0.1:" + (BASE_PORT + 1))
        .addMember("127.0.0.1:" + (BASE_PORT + 2));
    return config;
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
    String id = UUID.randomUUID().toString();
    STARTED.put(id, new CountDownLatch(1));
    INTERRUPTED.put(id, new CountDownLatch(1));
    AsyncWorker<String> worker = manager.createWorker("sleeper", new Sleeper(id));
    assertThat(STARTED.get(id).await(30, TimeUnit.SECONDS)).isTrue();

    worker.cancel();

    assertThat(worker.state()).isEqualTo(WorkerState.CANCELLED);
    assertThat(manager.allDone()).isTrue();
    assertThat(INTERRUPTED.get(id).await(30, TimeUnit.SECONDS)).as("interrupted on its member").isTrue();
  }

  @Test
  void aShortTimeout_onALongRemoteTask_endsTimedOut_andInterruptsIt() throws Exception {
    String id = UUID.randomUUID().toString();
    STARTED.put(id, new CountDownLatch(1));
    INTERRUPTED.put(id, new CountDownLatch(1));
    AsyncWorker<String> worker = manager.createWorker("sleeper", new Sleeper(id));
    worker.setTimeout(Duration.ofMillis(100));

    await().atMost(Duration.ofSeconds(5)).until(worker::isDone);

    assertThat(worker.state()).isEqualTo(WorkerState.TIMED_OUT);
    assertThat(INTERRUPTED.get(id).await(30, TimeUnit.SECONDS)).as("interrupted on its member").isTrue();
    assertThatThrownBy(() -> manager.waitForAll(Duration.ofSeconds(5))).isInstanceOf(WorkersFailedException.class);
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
  }
}
