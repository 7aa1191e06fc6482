package io.atom.async.bench;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Fan-out/fan-in of {@value #TASKS} trivial tasks on a pool of one thread per CPU ({@code poolSize}); one operation is the whole batch,
 * and every variant reads all {@value #TASKS} results. Peers: raw {@link ThreadPoolExecutor} submit then
 * {@code get} each, {@code CompletableFuture.supplyAsync} × {@value #TASKS} + {@code allOf(..).join()}, Spring's
 * {@link ThreadPoolTaskExecutor} submit then {@code get} each. Ours: a scope ({@code manager.newScope()} in
 * try-with-resources), {@code createWorker} × {@value #TASKS} + {@code waitForAll()}, on the raw pool and on
 * the starter-configured Spring executor's pool, each without metrics and with them
 * ({@code builder().recordStats()} and the starter's meters bound to a {@link SimpleMeterRegistry}).
 *
 * <p>Targets (issue 6): on the raw pool ≥ 0.9× raw submit+get; on the Spring executor ≥ 1.0× Spring's own
 * submit+get; p95 ≤ 0.35 ms; metrics on ≥ 0.85× off.
 *
 * <p>Run: {@code async-benchmarks/run.sh [quick|full]} from the repository root (writes
 * {@code async-benchmarks/results/latest.md}); this class alone:
 * {@code java -jar async-benchmarks/target/benchmarks.jar FanOutBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// The full mode of run.sh, for a run of the jar alone; run.sh passes its own options.
@Fork(5)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class FanOutBenchmark {

  /** Tasks per operation. */
  public static final int TASKS = 1000;

  /** Pool threads; {@code 0} (the default) is one per CPU. {@code -p poolSize=16} measures a 16-thread pool. */
  @Param({"0"})
  public int poolSize;

  ThreadPoolExecutor raw;
  ThreadPoolExecutor rawWithMetrics;
  ThreadPoolTaskExecutor spring;
  ThreadPoolTaskExecutor springWithMetrics;
  SimpleMeterRegistry registry;
  AsyncWorkerManager onRaw;
  AsyncWorkerManager onRawWithMetrics;
  AsyncWorkerManager onSpring;
  AsyncWorkerManager onSpringWithMetrics;
  ThreadPoolExecutor rawWithCoreStats;
  ThreadPoolExecutor rawWithNoopRecorder;
  AsyncWorkerManager onRawWithCoreStats;
  AsyncWorkerManager onRawWithNoopRecorder;
  ThreadPoolExecutor rawWithObservations;
  AsyncWorkerManager onRawWithObservations;
  ObservationRegistry observations;

  /** Creates the pools (threads start on first use; each fork uses one) and the managers. */
  @Setup
  public void setUp() {
    registry = new SimpleMeterRegistry();
    int threads = Pools.threads(poolSize);
    raw = Pools.rawPool("raw", threads);
    rawWithMetrics = Pools.rawPool("raw-metrics", threads);
    spring = Pools.springExecutor(threads);
    springWithMetrics = Pools.springExecutor(threads);
    onRaw = Pools.manager("raw", raw, false, null, null);
    onRawWithMetrics = Pools.manager("rawWithMetrics", rawWithMetrics, true, registry, null);
    onSpring = Pools.manager("spring", spring.getThreadPoolExecutor(), false, null, null);
    onSpringWithMetrics = Pools.manager("springWithMetrics", springWithMetrics.getThreadPoolExecutor(), true, registry, null);
    rawWithCoreStats = Pools.rawPool("raw-core-stats", threads);
    rawWithNoopRecorder = Pools.rawPool("raw-noop-recorder", threads);
    onRawWithCoreStats = AsyncWorkerManager.builder().name("rawWithCoreStats").executor(rawWithCoreStats)
        .recordStats().build();
    onRawWithNoopRecorder = AsyncWorkerManager.builder().name("rawWithNoopRecorder").executor(rawWithNoopRecorder)
        .recorder(Pools.NOOP_RECORDER).build();
    // What Boot gives an application with metrics and no tracer: each observation also times itself.
    observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(registry));
    rawWithObservations = Pools.rawPool("raw-observations", threads);
    onRawWithObservations = Pools.starterObservations(observations,
        AsyncWorkerManager.builder().name("rawWithObservations").executor(rawWithObservations)).build();
  }

  /** Closes the managers and stops the pools. */
  @TearDown
  public void tearDown() {
    onRaw.close();
    onRawWithMetrics.close();
    onSpring.close();
    onSpringWithMetrics.close();
    onRawWithCoreStats.close();
    onRawWithNoopRecorder.close();
    onRawWithObservations.close();
    Pools.stop(rawWithObservations);
    Pools.stop(rawWithCoreStats);
    Pools.stop(rawWithNoopRecorder);
    Pools.stop(raw);
    Pools.stop(rawWithMetrics);
    spring.shutdown();
    springWithMetrics.shutdown();
    registry.close();
  }

  /**
   * Peer: raw pool, submit all, then get each.
   *
   * @return the sum of the results ({@value #TASKS})
   * @throws Exception never: the tasks do not fail
   */
  @Benchmark
  public int rawTpeSubmitGetEach() throws Exception {
    return submitGetEach(raw);
  }

  /**
   * Peer: {@code CompletableFuture.allOf} on the raw pool.
   *
   * @return the sum of the results
   */
  @Benchmark
  public int completableFutureAllOf() {
    @SuppressWarnings("unchecked")
    CompletableFuture<Integer>[] futures = new CompletableFuture[TASKS];
    for (int i = 0; i < TASKS; i++) {
      futures[i] = CompletableFuture.supplyAsync(Pools.SUPPLIER, raw);
    }
    CompletableFuture.allOf(futures).join();
    int sum = 0;
    for (CompletableFuture<Integer> f : futures) {
      sum += f.join();
    }
    return sum;
  }

  /**
   * Peer: Spring's executor, submit all, then get each.
   *
   * @return the sum of the results
   * @throws Exception never: the tasks do not fail
   */
  @Benchmark
  public int springTaskExecutorSubmitGetEach() throws Exception {
    @SuppressWarnings("unchecked")
    Future<Integer>[] futures = new Future[TASKS];
    for (int i = 0; i < TASKS; i++) {
      futures[i] = spring.submit(Pools.TASK);
    }
    int sum = 0;
    for (Future<Integer> f : futures) {
      sum += f.get();
    }
    return sum;
  }

  /**
   * Ours: a scope on the raw pool, no metrics.
   *
   * @return the sum of the results
   */
  @Benchmark
  public int oursScopeOnRawPool() {
    return scope(onRaw);
  }

  /**
   * Ours: a scope on the raw pool, with metrics.
   *
   * @return the sum of the results
   */
  @Benchmark
  public int oursScopeOnRawPoolWithMetrics() {
    return scope(onRawWithMetrics);
  }

  /**
   * Ours: a scope on the Spring executor's pool, no metrics.
   *
   * @return the sum of the results
   */
  @Benchmark
  public int oursScopeOnSpringExecutor() {
    return scope(onSpring);
  }

  /**
   * Ours: a scope on the Spring executor's pool, with metrics (the starter's default when a registry exists).
   *
   * @return the sum of the results
   */
  @Benchmark
  public int oursScopeOnSpringExecutorWithMetrics() {
    return scope(onSpringWithMetrics);
  }

  /**
   * Where the cost of metrics goes, 1 of 2: a scope on the raw pool recording into the core's own
   * counters ({@code recordStats()}: four striped adds per task, no Micrometer).
   *
   * @return the sum of the results
   */
  @Benchmark
  public int oursScopeOnRawPoolWithCoreStats() {
    return scope(onRawWithCoreStats);
  }

  /**
   * Where the cost of metrics goes, 2 of 2: a scope on the raw pool with a recorder that does nothing,
   * so what it costs is the core's side of recording alone (two clock reads and the calls).
   *
   * @return the sum of the results
   */
  @Benchmark
  public int oursScopeOnRawPoolWithNoopRecorder() {
    return scope(onRawWithNoopRecorder);
  }

  /**
   * The cost of {@code atom.async.observations.enabled=true}: a scope on the raw pool whose workers are
   * each an Observation, on a registry with Micrometer's meter handler (Boot's setup without a tracer),
   * with no other metrics. Compare with {@link #oursScopeOnRawPool()}.
   *
   * @return the sum of the results
   */
  @Benchmark
  public int oursScopeOnRawPoolWithObservations() {
    return scope(onRawWithObservations);
  }

  static int submitGetEach(ThreadPoolExecutor pool) throws Exception {
    @SuppressWarnings("unchecked")
    Future<Integer>[] futures = new Future[TASKS];
    for (int i = 0; i < TASKS; i++) {
      futures[i] = pool.submit(Pools.TASK);
    }
    int sum = 0;
    for (Future<Integer> f : futures) {
      sum += f.get();
    }
    return sum;
  }

  static int scope(AsyncWorkerManager manager) {
    @SuppressWarnings("unchecked")
    AsyncWorker<Integer>[] workers = new AsyncWorker[TASKS];
    try (AsyncWorkerManager scope = manager.newScope()) {
      for (int i = 0; i < TASKS; i++) {
        workers[i] = scope.createWorker(Pools.TASK);
      }
      scope.waitForAll();
    }
    int sum = 0;
    for (AsyncWorker<Integer> w : workers) {
      sum += w.getResult();
    }
    return sum;
  }
}
