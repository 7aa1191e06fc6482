package io.atom.async.bench;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Many submitting threads on one pool, the shape of a web service: {@value #SUBMITTERS} JMH threads
 * each fan out {@value #TASKS} trivial tasks and read every result, on one shared pool of
 * {@code poolSize} threads (0, the default, is one per CPU). Peer: the bare {@link ThreadPoolExecutor},
 * submit then get each. Ours: the root manager shared by every submitter without scopes (the starter's
 * singleton bean used for fire-and-forget from request threads), and a scope per submitter (one per
 * request). A shared structure that every task touches shows here and not in {@link FanOutBenchmark},
 * which has one submitter.
 *
 * <p>Targets (issue 12): the shared root ≥ 0.90×, a scope per submitter ≥ 0.95× the bare pool.
 *
 * <p>Run: {@code async-benchmarks/run.sh [quick|full] Submitters} from the repository root; a 16-thread
 * pool: {@code java -jar async-benchmarks/target/benchmarks.jar Submitters -p poolSize=16}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(SubmittersBenchmark.SUBMITTERS)
@Fork(5)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class SubmittersBenchmark {

  /** Submitting threads. */
  public static final int SUBMITTERS = 8;

  /** Tasks per operation, per submitter. */
  public static final int TASKS = 1000;

  /** Pool threads; {@code 0} is one per CPU. */
  @Param({"0"})
  public int poolSize;

  ThreadPoolExecutor raw;
  ThreadPoolExecutor rawForRoot;
  ThreadPoolExecutor rawForScopes;
  AsyncWorkerManager root;
  AsyncWorkerManager scopes;

  /** One pool per variant, so that a variant never inherits another's threads. */
  @Setup
  public void setUp() {
    int threads = Pools.threads(poolSize);
    raw = Pools.rawPool("raw", threads);
    rawForRoot = Pools.rawPool("root", threads);
    rawForScopes = Pools.rawPool("scopes", threads);
    root = Pools.manager("root", rawForRoot, false, null, null);
    scopes = Pools.manager("scopes", rawForScopes, false, null, null);
  }

  /** Closes the managers and stops the pools. */
  @TearDown
  public void tearDown() {
    root.close();
    scopes.close();
    Pools.stop(raw);
    Pools.stop(rawForRoot);
    Pools.stop(rawForScopes);
  }

  /**
   * Peer: every submitter submits {@value #TASKS} to the bare pool, then gets each.
   *
   * @return the sum of the results
   * @throws Exception never: the tasks do not fail
   */
  @Benchmark
  public int rawTpeSubmitGetEach() throws Exception {
    return FanOutBenchmark.submitGetEach(raw);
  }

  /**
   * Ours: every submitter creates {@value #TASKS} workers on the one shared root manager, then reads
   * each result; no scope, no waitForAll (the root is shared).
   *
   * @return the sum of the results
   */
  @Benchmark
  public int oursSharedRoot() {
    @SuppressWarnings("unchecked")
    AsyncWorker<Integer>[] workers = new AsyncWorker[TASKS];
    for (int i = 0; i < TASKS; i++) {
      workers[i] = root.createWorker(Pools.TASK);
    }
    int sum = 0;
    for (AsyncWorker<Integer> w : workers) {
      sum += w.getResult();
    }
    return sum;
  }

  /**
   * Ours: every submitter opens its own scope, creates {@value #TASKS} workers, waits for all, then
   * reads each result.
   *
   * @return the sum of the results
   */
  @Benchmark
  public int oursScopePerSubmitter() {
    return FanOutBenchmark.scope(scopes);
  }
}
