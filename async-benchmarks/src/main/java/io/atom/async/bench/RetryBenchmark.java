package io.atom.async.bench;

import io.atom.async.AsyncWorkerManager;
import io.atom.async.BackoffStrategy;
import io.atom.async.RetryPolicy;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledThreadPoolExecutor;
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

/**
 * Retry on a pool of 2 threads with one timer thread, the caller blocking for the outcome.
 *
 * <ul>
 *   <li>Fails twice, then succeeds (3 attempts, {@code FIXED} delay of {@code delayMillis}: 0, the smallest
 *       the engine allows, and 1 ms): ours ({@code manager.retry(task, policy).getResult()}) vs the same
 *       reschedule written by hand on a {@code ScheduledExecutorService} ({@link HandRolledRetry}), and vs
 *       resilience4j's {@code Retry.executeCompletionStage} (the engine ours is built on) with the same
 *       pool, timer and delay. With no delay, ours goes on from the thread that saw the attempt fail
 *       (the next attempt is submitted to the pool at once); the peers hop through the timer thread.
 *   <li>Succeeds on the first attempt: ours ({@code manager.retry}) vs a bare worker of the same manager
 *       ({@code manager.createWorker(task).getResult()}).
 * </ul>
 *
 * <p>The failure is a preallocated exception without a stack trace, so that the engines, not
 * {@code fillInStackTrace}, are measured. Target (issue 6): ours ≤ 1.05× the hand-rolled time.
 *
 * <p>Run: {@code async-benchmarks/run.sh [quick|full]} from the repository root (writes
 * {@code async-benchmarks/results/latest.md}); this class alone:
 * {@code java -jar async-benchmarks/target/benchmarks.jar RetryBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// The full mode of run.sh, for a run of the jar alone; run.sh passes its own options.
@Fork(5)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class RetryBenchmark {

  /** The attempts of every retried operation here. */
  public static final int ATTEMPTS = 3;

  /** A transient failure: no stack trace, no suppression, shared. */
  static final class Transient extends Exception {
    private static final long serialVersionUID = 1L;

    Transient() {
      super("transient", null, false, false);
    }
  }

  static final Transient TRANSIENT = new Transient();

  /** A task that fails twice, then returns 1. One per operation. */
  static final class FailsTwice implements Callable<Integer> {
    private int calls; // attempts are sequential; every engine orders them through its executors

    @Override
    public Integer call() throws Transient {
      if (++calls <= 2) {
        throw TRANSIENT;
      }
      return 1;
    }
  }

  /** Pool, timer and manager shared by both groups. */
  static class Env {
    ThreadPoolExecutor pool;
    ScheduledThreadPoolExecutor timer;
    AsyncWorkerManager manager;

    void start() {
      pool = Pools.rawPool("retry");
      timer = Pools.timer("retry-timer");
      manager = Pools.manager("retry", pool, false, null, timer);
    }

    void stop() {
      manager.close();
      Pools.stop(pool);
      Pools.stop(timer);
    }
  }

  /** The fail-twice group, by delay. */
  @State(Scope.Benchmark)
  public static class FailTwice extends Env {
    /** The fixed delay between attempts, in milliseconds. */
    @Param({"0", "1"})
    public long delayMillis;

    RetryPolicy<Integer> policy;
    Retry resilience4j;

    /** Creates the pool, timer, manager, our policy and resilience4j's retry. */
    @Setup
    public void setUp() {
      start();
      policy = RetryPolicy.<Integer>builder().maxAttempts(ATTEMPTS).backoff(BackoffStrategy.FIXED)
          .initialDelay(Duration.ofMillis(delayMillis)).build();
      long delay = delayMillis;
      resilience4j = Retry.of("bench", RetryConfig.<Integer>custom().maxAttempts(ATTEMPTS)
          .intervalFunction(attempt -> delay) // IntervalFunction.of(..) refuses 0 ms
          .build());
    }

    /** Stops everything. */
    @TearDown
    public void tearDown() {
      stop();
    }
  }

  /** The first-success group. */
  @State(Scope.Benchmark)
  public static class FirstSuccess extends Env {
    RetryPolicy<Integer> policy;

    /** Creates the pool, timer, manager and policy. */
    @Setup
    public void setUp() {
      start();
      policy = RetryPolicy.<Integer>builder().maxAttempts(ATTEMPTS).backoff(BackoffStrategy.FIXED)
          .initialDelay(Duration.ZERO).build();
    }

    /** Stops everything. */
    @TearDown
    public void tearDown() {
      stop();
    }
  }

  /**
   * Ours: fails twice, then succeeds.
   *
   * @param s the state
   * @return 1
   */
  @Benchmark
  public Integer oursRetryFailTwice(FailTwice s) {
    return s.manager.retry(new FailsTwice(), s.policy).getResult();
  }

  /**
   * Peer: the same, hand-rolled on the scheduler.
   *
   * @param s the state
   * @return 1
   */
  @Benchmark
  public Integer handRolledRetryFailTwice(FailTwice s) {
    return HandRolledRetry.start(new FailsTwice(), ATTEMPTS, s.delayMillis, s.pool, s.timer).join();
  }

  /**
   * Peer: resilience4j's asynchronous retry, attempts on the same pool, delays on the same timer.
   *
   * @param s the state
   * @return 1
   */
  @Benchmark
  public Integer resilience4jRetryFailTwice(FailTwice s) {
    FailsTwice task = new FailsTwice();
    return s.resilience4j.executeCompletionStage(s.timer, () -> attempt(task, s.pool)).toCompletableFuture().join();
  }

  /**
   * Ours: a retried operation that succeeds at once.
   *
   * @param s the state
   * @return 1
   */
  @Benchmark
  public Integer oursRetryFirstSuccess(FirstSuccess s) {
    return s.manager.retry(Pools.TASK, s.policy).getResult();
  }

  /**
   * Peer: a bare worker of the same manager.
   *
   * @param s the state
   * @return 1
   */
  @Benchmark
  public Integer bareWorkerFirstSuccess(FirstSuccess s) {
    return s.manager.<Integer>createWorker(Pools.TASK).getResult();
  }

  static <T> CompletionStage<T> attempt(Callable<T> task, ThreadPoolExecutor pool) {
    CompletableFuture<T> stage = new CompletableFuture<>();
    pool.execute(() -> {
      try {
        stage.complete(task.call());
      } catch (Exception e) {
        stage.completeExceptionally(e);
      }
    });
    return stage;
  }
}
