package io.atom.async.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.executor.LocalExecutorStats;
import io.atom.async.AsyncWorker;
import io.atom.async.WorkerState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A member terminated while a 1,000-task batch runs: at-least-once resubmission (issue 16). Its own
 * three members, since one of them dies.
 */
class MemberLossTest {

  private static final int BASE_PORT = 5921;
  private static final String EXECUTOR = "loss";
  private static final List<HazelcastInstance> MEMBERS = new ArrayList<>();

  @BeforeAll
  static void startMembers() {
    // Two threads per member: a member holds queued tasks as well as running ones when it dies.
    MEMBERS.addAll(LocalCluster.start(MemberLossTest.class, BASE_PORT, 3,
        config -> config.getExecutorConfig(EXECUTOR).setPoolSize(2)));
  }

  @AfterAll
  static void stopMembers() {
    MEMBERS.forEach(m -> m.getLifecycleService().terminate());
    MEMBERS.clear();
  }

  /** Works 5 ms, then answers with the UUID of the member it ran on. */
  static final class Chunk implements ClusterTask<UUID>, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    private transient HazelcastInstance member;

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
      this.member = hazelcastInstance;
    }

    @Override
    public UUID call() throws InterruptedException {
      Thread.sleep(5); // the remote task under test: long enough that the batch is mid-way at the kill
      return member.getCluster().getLocalMember().getUuid();
    }
  }

  @Test
  void aMemberTerminatedMidBatch_everyWorkerStillSucceeds_andOnlyItsHeldTasksAreResubmitted() {
    HazelcastInstance victim = MEMBERS.get(2);
    UUID victimId = victim.getCluster().getLocalMember().getUuid();
    try (ClusterWorkerManager manager = ClusterWorkerManager.builder(MEMBERS.get(0)).name(EXECUTOR).build()) {
      List<AsyncWorker<UUID>> workers = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        // Half at random, half by key: both kinds are resubmitted by us, and counted.
        workers.add(i % 2 == 0 ? manager.createWorker("chunk", new Chunk())
            : manager.createWorker("keyed", new ClusterWorkerManagerTest.Keyed(String.valueOf(i), 5)));
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> workers.stream().filter(AsyncWorker::isDone).count() >= 150);

      // Every task was sent before this point; what the victim received is what it may hold.
      LocalExecutorStats stats = victim.getExecutorService(EXECUTOR).getLocalExecutorStats();
      long received = stats.getPendingTaskCount() + stats.getStartedTaskCount();
      victim.getLifecycleService().terminate();

      assertThat(manager.waitForAll(Duration.ofSeconds(60))).isTrue();
      assertThat(workers).allSatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.SUCCEEDED));
      long answeredByVictim = workers.stream().filter(w -> w.getResult().equals(victimId)).count();
      long held = received - answeredByVictim;
      assertThat(held).as("tasks the victim held when it died").isPositive();
      assertThat(manager.resubmittedCount()).as("resubmissions").isPositive().isLessThanOrEqualTo(held);
      assertThat(manager.inFlightCount()).isZero();
    }
  }
}
