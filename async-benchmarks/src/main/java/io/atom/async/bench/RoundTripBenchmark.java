package io.atom.async.bench;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Round trip: submit one trivial task to a pool of 2 threads, then block for its result. Peers: the raw
 * {@link ThreadPoolExecutor} ({@code submit} + {@code get}), {@code CompletableFuture.supplyAsync(task, pool).join()}
 * and Spring's {@link ThreadPoolTaskExecutor} ({@code submit} + {@code get}); ours: an {@link AsyncWorker}
 * ({@code startAsync} + {@code getResult}) on the raw pool, and {@code manager.createWorker(task).getResult()}
 * on the raw pool and on the starter-configured Spring executor's pool. Throughput and SampleTime (p50/p95).
 *
 * <p>Targets (issue 6): ours ≥ 0.95× the raw pool's throughput, p50 no worse.
 *
 * <p>Run: {@code async-benchmarks/run.sh [quick|full]} from the repository root (writes
 * {@code async-benchmarks/results/latest.md}); this class alone:
 * {@code java -jar async-benchmarks/target/benchmarks.jar RoundTripBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// The full mode of run.sh, for a run of the jar alone; run.sh passes its own options.
@Fork(5)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class RoundTripBenchmark {

  ThreadPoolExecutor raw;
  ThreadPoolTaskExecutor spring;
  AsyncWorkerManager onRaw;
  AsyncWorkerManager onSpring;

  /** Creates the pools (threads start on first use) and the managers. */
  @Setup
  public void setUp() {
    raw = Pools.rawPool("raw");
    spring = Pools.springExecutor();
    onRaw = Pools.manager("raw", raw, false, null, null);
    onSpring = Pools.manager("spring", spring.getThreadPoolExecutor(), false, null, null);
  }

  /** Closes the managers and stops the pools. */
  @TearDown
  public void tearDown() {
    onRaw.close();
    onSpring.close();
    Pools.stop(raw);
    spring.shutdown();
  }

  /**
   * Peer: raw pool.
   *
   * @return the task's value
   * @throws Exception never: the task does not fail
   */
  @Benchmark
  public Integer rawTpeSubmitGet() throws Exception {
    return raw.submit(Pools.TASK).get();
  }

  /**
   * Peer: {@code CompletableFuture} on the raw pool.
   *
   * @return the task's value
   */
  @Benchmark
  public Integer completableFutureSupplyAsyncJoin() {
    return CompletableFuture.supplyAsync(Pools.SUPPLIER, raw).join();
  }

  /**
   * Peer: Spring's executor, as an application would call it.
   *
   * @return the task's value
   * @throws Exception never: the task does not fail
   */
  @Benchmark
  public Integer springTaskExecutorSubmitGet() throws Exception {
    return spring.submit(Pools.TASK).get();
  }

  /**
   * Ours: a bare worker on the raw pool.
   *
   * @return the task's value
   */
  @Benchmark
  public Integer oursWorkerOnRawPool() {
    AsyncWorker<Integer> worker = new AsyncWorker<>(raw);
    worker.startAsync(Pools.TASK);
    return worker.getResult();
  }

  /**
   * Ours: a manager's worker on the raw pool.
   *
   * @return the task's value
   */
  @Benchmark
  public Integer oursManagerOnRawPool() {
    return onRaw.<Integer>createWorker(Pools.TASK).getResult();
  }

  /**
   * Ours: a manager's worker on the Spring executor's pool, as the starter wires it.
   *
   * @return the task's value
   */
  @Benchmark
  public Integer oursManagerOnSpringExecutor() {
    return onSpring.<Integer>createWorker(Pools.TASK).getResult();
  }
}
