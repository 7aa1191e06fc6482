package io.atom.async.bench;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
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

/**
 * What a task costs us on one thread, with no hand-off: every variant runs its tasks on the calling
 * thread (an executor that runs what it is given at once), so that no queue, lock, wake-up or
 * scheduler decides the figure, only the instructions, allocations and atomic writes of the task's
 * own path. One operation is a batch of {@value #TASKS} tasks and every result. Peer: {@link FutureTask}
 * created, run and read. Ours: {@code createWorker} on the root manager and {@code getResult}; and a
 * scope with {@code waitForAll}, as the fan-out benchmark does; each also with {@code recordStats()}
 * (the core's counters), and {@code createWorker} with the starter's Micrometer timers on a
 * {@link SimpleMeterRegistry} (metrics on, as the starter records them).
 * The pooled benchmarks show what this costs against a real hand-off; this one tells the changes to
 * the task's path apart, run to run, where the pooled ones drift.
 *
 * <p>Run: {@code java -jar async-benchmarks/target/benchmarks.jar InlineCostBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(5)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class InlineCostBenchmark {

  /** Tasks per operation. */
  public static final int TASKS = 1000;

  private static final Executor INLINE = Runnable::run;

  AsyncWorkerManager manager;
  AsyncWorkerManager recording;
  AsyncWorkerManager metrics;
  SimpleMeterRegistry registry;

  /** The managers, on the inline executor. */
  @Setup
  public void setUp() {
    manager = AsyncWorkerManager.builder().name("inline").executor(INLINE).build();
    recording = AsyncWorkerManager.builder().name("inlineRecording").executor(INLINE).recordStats().build();
    registry = new SimpleMeterRegistry();
    metrics = Pools.starterMetrics(registry, AsyncWorkerManager.builder().name("inlineMetrics").executor(INLINE),
        "inlineMetrics").build();
  }

  /** Closes the managers. */
  @TearDown
  public void tearDown() {
    manager.close();
    recording.close();
    metrics.close();
    registry.close();
  }

  /**
   * Peer: {@value #TASKS} {@link FutureTask}s, each created, run and read.
   *
   * @return the sum of the results
   * @throws Exception never
   */
  @Benchmark
  public int futureTask() throws Exception {
    int sum = 0;
    for (int i = 0; i < TASKS; i++) {
      FutureTask<Integer> task = new FutureTask<>(Pools.TASK);
      INLINE.execute(task);
      sum += task.get();
    }
    return sum;
  }

  /**
   * Ours: {@value #TASKS} workers of the root manager, each read.
   *
   * @return the sum of the results
   */
  @Benchmark
  public int createWorker() {
    return workers(manager);
  }

  /**
   * Ours, recording: as {@link #createWorker()} with {@code recordStats()}.
   *
   * @return the sum of the results
   */
  @Benchmark
  public int createWorkerRecording() {
    return workers(recording);
  }

  /**
   * Ours, metrics on: as {@link #createWorker()} with the starter's Micrometer timers.
   *
   * @return the sum of the results
   */
  @Benchmark
  public int createWorkerWithMetrics() {
    return workers(metrics);
  }

  /**
   * Ours: a scope of {@value #TASKS} workers and {@code waitForAll}, as in the fan-out benchmark.
   *
   * @return the sum of the results
   */
  @Benchmark
  public int scope() {
    return FanOutBenchmark.scope(manager);
  }

  /**
   * Ours, recording: as {@link #scope()} with {@code recordStats()}.
   *
   * @return the sum of the results
   */
  @Benchmark
  public int scopeRecording() {
    return FanOutBenchmark.scope(recording);
  }

  private static int workers(AsyncWorkerManager m) {
    int sum = 0;
    for (int i = 0; i < TASKS; i++) {
      AsyncWorker<Integer> w = m.createWorker(Pools.TASK);
      sum += w.getResult();
    }
    return sum;
  }
}
