package io.atom.async.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.Counter;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps the benchmarks from rotting without running them: each benchmark method is called a few times
 * on its state, outside JMH, and must return the right value; the JMH annotation processor must have
 * listed every benchmark; the two plain programs run on tiny inputs. No timing is asserted. The suite
 * itself runs only through {@code async-benchmarks/run.sh [quick|full]}.
 */
@Timeout(60)
class BenchmarksSmokeTest {

  private static final int CALLS = 3;

  @Test
  void roundTrip_everyVariantReturnsTheTaskValue() throws Exception {
    RoundTripBenchmark b = new RoundTripBenchmark();
    b.setUp();
    try {
      for (int i = 0; i < CALLS; i++) {
        assertEquals(1, b.rawTpeSubmitGet());
        assertEquals(1, b.completableFutureSupplyAsyncJoin());
        assertEquals(1, b.springTaskExecutorSubmitGet());
        assertEquals(1, b.oursWorkerOnRawPool());
        assertEquals(1, b.oursManagerOnRawPool());
        assertEquals(1, b.oursManagerOnSpringExecutor());
      }
    } finally {
      b.tearDown();
    }
  }

  @Test
  void fanOut_everyVariantReadsEveryResult_andMetricsMove() throws Exception {
    FanOutBenchmark b = new FanOutBenchmark();
    b.setUp();
    try {
      for (int i = 0; i < CALLS; i++) {
        assertEquals(FanOutBenchmark.TASKS, b.rawTpeSubmitGetEach());
        assertEquals(FanOutBenchmark.TASKS, b.completableFutureAllOf());
        assertEquals(FanOutBenchmark.TASKS, b.springTaskExecutorSubmitGetEach());
        assertEquals(FanOutBenchmark.TASKS, b.oursScopeOnRawPool());
        assertEquals(FanOutBenchmark.TASKS, b.oursScopeOnRawPoolWithMetrics());
        assertEquals(FanOutBenchmark.TASKS, b.oursScopeOnSpringExecutor());
        assertEquals(FanOutBenchmark.TASKS, b.oursScopeOnSpringExecutorWithMetrics());
        assertEquals(FanOutBenchmark.TASKS, b.oursScopeOnRawPoolWithCoreStats());
        assertEquals(FanOutBenchmark.TASKS, b.oursScopeOnRawPoolWithNoopRecorder());
        assertEquals(FanOutBenchmark.TASKS, b.oursScopeOnRawPoolWithObservations());
      }
      assertEquals(CALLS * FanOutBenchmark.TASKS, b.registry.get("atom.async.worker").tag("name", "unnamed")
          .tag("outcome", "success").timer().count(), 0.0, "every worker observed (and timed by the meter handler)");
      assertEquals(CALLS * FanOutBenchmark.TASKS, b.onRawWithCoreStats.stats().ended(io.atom.async.WorkerState.SUCCEEDED));
      assertEquals(0, b.onRaw.inFlightCount());
      for (String manager : new String[] {"rawWithMetrics", "springWithMetrics"}) {
        double ended = b.registry.get("atom.async.worker.duration").tag("manager", manager).tag("name", "unnamed")
            .tag("outcome", "success").timer().count();
        assertEquals(CALLS * FanOutBenchmark.TASKS, ended, 0.0, manager + ": the starter's real timers");
        assertEquals(CALLS * FanOutBenchmark.TASKS, b.registry.get("atom.async.worker.queue.wait").tag("manager", manager)
            .timer().count(), 0.0, manager);
        Counter rejected = b.registry.get("atom.async.workers.rejected").tag("manager", manager).counter();
        assertEquals(0.0, rejected.count(), 0.0, manager);
        assertTrue(b.registry.find("executor.completed").tag("name", manager + "Executor").functionCounter() != null,
            manager + ": executor meters bound");
      }
      assertTrue(b.registry.find("atom.async.worker.duration").tag("manager", "raw").meters().isEmpty(),
          "metrics-off managers are not bound");
    } finally {
      b.tearDown();
    }
  }

  @Test
  void submitters_eightThreadsShareOnePoolAndReadEveryResult() throws Exception {
    SubmittersBenchmark b = new SubmittersBenchmark();
    b.setUp();
    java.util.concurrent.ExecutorService submitters =
        java.util.concurrent.Executors.newFixedThreadPool(SubmittersBenchmark.SUBMITTERS);
    try {
      java.util.List<java.util.concurrent.Future<Integer>> sums = new java.util.ArrayList<>();
      for (int t = 0; t < SubmittersBenchmark.SUBMITTERS; t++) {
        sums.add(submitters.submit(() -> b.rawTpeSubmitGetEach() + b.oursSharedRoot() + b.oursScopePerSubmitter()));
      }
      for (java.util.concurrent.Future<Integer> sum : sums) {
        assertEquals(3 * SubmittersBenchmark.TASKS, sum.get(60, java.util.concurrent.TimeUnit.SECONDS));
      }
      assertEquals(0, b.root.inFlightCount());
      assertTrue(b.root.allDone());
      assertEquals(0, b.scopes.inFlightCount());
    } finally {
      submitters.shutdownNow();
      b.tearDown();
    }
  }

  @Test
  void inlineCost_everyVariantRunsEachTaskOnTheCaller_andTheRecordingOnesCountThem() throws Exception {
    InlineCostBenchmark b = new InlineCostBenchmark();
    b.setUp();
    try {
      for (int i = 0; i < CALLS; i++) {
        assertEquals(InlineCostBenchmark.TASKS, b.futureTask());
        assertEquals(InlineCostBenchmark.TASKS, b.createWorker());
        assertEquals(InlineCostBenchmark.TASKS, b.scope());
        assertEquals(InlineCostBenchmark.TASKS, b.createWorkerRecording());
        assertEquals(InlineCostBenchmark.TASKS, b.scopeRecording());
        assertEquals(InlineCostBenchmark.TASKS, b.createWorkerWithMetrics());
      }
      assertEquals(CALLS * InlineCostBenchmark.TASKS, b.registry.get("atom.async.worker.duration")
          .tag("manager", "inlineMetrics").tag("outcome", "success").timer().count());
      assertEquals(0, b.manager.inFlightCount());
      assertEquals(2L * CALLS * InlineCostBenchmark.TASKS,
          b.recording.stats().ended(io.atom.async.WorkerState.SUCCEEDED));
    } finally {
      b.tearDown();
    }
  }

  @Test
  void retry_everyVariantSucceedsOnTheThirdOrFirstAttempt() throws Exception {
    for (long delay : new long[] {0, 1}) {
      RetryBenchmark.FailTwice s = new RetryBenchmark.FailTwice();
      s.delayMillis = delay;
      s.setUp();
      RetryBenchmark b = new RetryBenchmark();
      try {
        for (int i = 0; i < CALLS; i++) {
          assertEquals(1, b.oursRetryFailTwice(s));
          assertEquals(1, b.handRolledRetryFailTwice(s));
          assertEquals(1, b.resilience4jRetryFailTwice(s));
        }
        // Each call ran three attempts on the pool (ours, hand-rolled and resilience4j alike).
        assertEquals(0, s.manager.inFlightCount());
      } finally {
        s.tearDown();
      }
      assertEquals(3L * 3 * CALLS, s.pool.getCompletedTaskCount(), "attempts on the pool at delay " + delay);
    }
    RetryBenchmark.FirstSuccess s = new RetryBenchmark.FirstSuccess();
    s.setUp();
    try {
      RetryBenchmark b = new RetryBenchmark();
      for (int i = 0; i < CALLS; i++) {
        assertEquals(1, b.oursRetryFirstSuccess(s));
        assertEquals(1, b.bareWorkerFirstSuccess(s));
      }
    } finally {
      s.tearDown();
    }
  }

  @Test
  void cluster_everyVariantReadsEveryResult_andEveryMemberRunsItsShare() throws Exception {
    ClusterBenchmark b = new ClusterBenchmark();
    b.setUp();
    try {
      for (int i = 0; i < CALLS; i++) {
        assertEquals(1, b.hazelcastRoundTrip());
        assertEquals(1, b.oursRoundTrip());
        assertEquals(ClusterBenchmark.TASKS, b.hazelcastFanOut());
        assertEquals(ClusterBenchmark.TASKS, b.oursFanOut());
      }
      assertEquals(0, b.cluster.inFlightCount());
      assertEquals(ClusterBenchmark.MEMBERS, b.members.size());
      // Both sides' tasks went through the one executor service, spread over the members as in production.
      for (HazelcastInstance member : b.members) {
        long completed = member.getExecutorService(ClusterBenchmark.EXECUTOR).getLocalExecutorStats()
            .getCompletedTaskCount();
        assertTrue(completed > 0, member.getCluster().getLocalMember() + " ran none of the tasks");
      }
    } finally {
      b.tearDown();
    }
  }

  @Test
  void jmhListsEveryBenchmark() throws Exception {
    String list;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("META-INF/BenchmarkList")) {
      assertTrue(in != null, "META-INF/BenchmarkList: the JMH annotation processor did not run");
      list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (String method : new String[] {"RoundTripBenchmark_rawTpeSubmitGet", "RoundTripBenchmark_oursManagerOnSpringExecutor",
        "FanOutBenchmark_oursScopeOnSpringExecutorWithMetrics", "RetryBenchmark_oursRetryFailTwice",
        "RetryBenchmark_bareWorkerFirstSuccess", "ClusterBenchmark_hazelcastFanOut", "ClusterBenchmark_oursFanOut"}) {
      assertTrue(list.contains("io.atom.async.bench.jmh_generated." + method + "_jmhTest"),
          method + " missing from the BenchmarkList");
    }
  }

  @Test
  void memoryAndProofPrograms_runOnTinyInputs() throws Exception {
    List<QueuedMemory.Row> rows = QueuedMemory.rows();
    String memory = QueuedMemory.run(500, 1, List.of(rows.get(0), rows.get(rows.size() - 1)), false);
    assertTrue(memory.contains("\"manager.newWorker + setTimeout\""), memory);
    String proof = RetryProof.run(50, 0, 1);
    assertTrue(proof.contains("\"oursMillis\""), proof);
  }
}
