package io.atom.async.bench;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.BackoffStrategy;
import io.atom.async.RetryPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The 10,000 concurrent retries proof: {@code ops} operations started at once on a pool of 2 threads, each
 * failing twice (a fresh {@link IOException} per failure) then succeeding, 3 attempts, {@code FIXED} 50 ms
 * delay. Elapsed time from the first start until every operation has ended, next to the delay sum of one
 * operation (2 × 50 ms = 100 ms: the least any of them can take) and to what sleeping on the pool would
 * take ({@code ops} × 100 ms / 2 threads = 500 s). The same operations hand-rolled on a
 * {@code ScheduledExecutorService} ({@link HandRolledRetry}) are the reference of what this machine
 * allows. Target (issue 6): ≤ 2× the delay sum.
 *
 * <p>Not a JMH benchmark: a plain program, run by {@code async-benchmarks/run.sh [quick|full]} from the
 * repository root, or alone: {@code java -cp async-benchmarks/target/benchmarks.jar
 * io.atom.async.bench.RetryProof --ops 10000 --warmups 1 --rounds 3 --out proof.json}. The median of the
 * measured rounds is reported; warm-up rounds are not.
 */
public final class RetryProof {
  private RetryProof() {}

  static final int ATTEMPTS = 3;
  static final long DELAY_MILLIS = 50;

  /** A task that fails twice with a fresh exception, then returns 1. */
  static final class FailsTwice implements Callable<Integer> {
    private int calls;

    @Override
    public Integer call() throws IOException {
      if (++calls <= 2) {
        throw new IOException("transient");
      }
      return 1;
    }
  }

  /**
   * Runs the proof and writes the JSON report.
   *
   * @param args {@code --ops N} (10,000), {@code --warmups W} (1), {@code --rounds R} (3), {@code --out FILE}
   * @throws Exception if a round fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = QueuedMemory.Args.parse(args);
    int ops = Integer.parseInt(opts.getOrDefault("ops", "10000"));
    int warmups = Integer.parseInt(opts.getOrDefault("warmups", "1"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    QueuedMemory.Args.write(opts.get("out"), run(ops, warmups, rounds));
  }

  /**
   * Runs the proof.
   *
   * @param ops concurrent operations
   * @param warmups unreported rounds first
   * @param rounds reported rounds
   * @return the JSON report
   * @throws Exception if a round fails
   */
  public static String run(int ops, int warmups, int rounds) throws Exception {
    double[] ours = new double[rounds];
    double[] handRolled = new double[rounds];
    for (int i = -warmups; i < rounds; i++) {
      double o = ours(ops); // alternate, so that drift hits both alike
      double h = handRolled(ops);
      if (i >= 0) {
        ours[i] = o;
        handRolled[i] = h;
      }
    }
    long delaySum = (ATTEMPTS - 1) * DELAY_MILLIS;
    double sleeping = ops * (double) delaySum / Pools.THREADS;
    System.err.printf(Locale.ROOT, "%,d retried operations (%d attempts, %d ms delay, %d threads): ours %.0f ms, "
            + "hand-rolled %.0f ms, delay sum %d ms, sleeping on the pool would take %.0f ms%n", ops, ATTEMPTS,
        DELAY_MILLIS, Pools.THREADS, median(ours), median(handRolled), delaySum, sleeping);
    return "{\n  \"ops\": " + ops + ",\n  \"attempts\": " + ATTEMPTS + ",\n  \"delayMillis\": " + DELAY_MILLIS
        + ",\n  \"threads\": " + Pools.THREADS + ",\n  \"delaySumMillis\": " + delaySum
        + ",\n  \"sleepingMillis\": " + String.format(Locale.ROOT, "%.0f", sleeping)
        + ",\n  \"warmups\": " + warmups
        + ",\n  \"oursMillis\": " + String.format(Locale.ROOT, "%.1f", median(ours))
        + ",\n  \"oursRounds\": " + QueuedMemory.Args.numbers(ours)
        + ",\n  \"handRolledMillis\": " + String.format(Locale.ROOT, "%.1f", median(handRolled))
        + ",\n  \"handRolledRounds\": " + QueuedMemory.Args.numbers(handRolled) + "\n}\n";
  }

  static double ours(int ops) throws Exception {
    ThreadPoolExecutor pool = Pools.rawPool("proof");
    ScheduledThreadPoolExecutor timer = Pools.timer("proof-timer");
    RetryPolicy<Integer> policy = RetryPolicy.<Integer>builder().maxAttempts(ATTEMPTS).backoff(BackoffStrategy.FIXED)
        .initialDelay(Duration.ofMillis(DELAY_MILLIS)).build();
    try (AsyncWorkerManager manager = Pools.manager("proof", pool, false, null, timer)) {
      @SuppressWarnings("unchecked")
      AsyncWorker<Integer>[] workers = new AsyncWorker[ops];
      long start = System.nanoTime();
      for (int i = 0; i < ops; i++) {
        workers[i] = manager.retry(new FailsTwice(), policy);
      }
      if (!manager.waitForAll(Duration.ofSeconds(120))) {
        throw new IllegalStateException("the retried operations did not end within 120 s");
      }
      double millis = (System.nanoTime() - start) / 1e6;
      int sum = 0;
      for (AsyncWorker<Integer> w : workers) {
        sum += w.getResult();
      }
      check(sum, ops, pool);
      return millis;
    } finally {
      Pools.stop(pool);
      Pools.stop(timer);
    }
  }

  static double handRolled(int ops) throws Exception {
    ThreadPoolExecutor pool = Pools.rawPool("proof");
    ScheduledThreadPoolExecutor timer = Pools.timer("proof-timer");
    try {
      @SuppressWarnings("unchecked")
      CompletableFuture<Integer>[] futures = new CompletableFuture[ops];
      long start = System.nanoTime();
      for (int i = 0; i < ops; i++) {
        futures[i] = HandRolledRetry.start(new FailsTwice(), ATTEMPTS, DELAY_MILLIS, pool, timer);
      }
      CompletableFuture.allOf(futures).get(120, TimeUnit.SECONDS);
      double millis = (System.nanoTime() - start) / 1e6;
      int sum = 0;
      for (CompletableFuture<Integer> f : futures) {
        sum += f.join();
      }
      check(sum, ops, pool);
      return millis;
    } finally {
      Pools.stop(pool);
      Pools.stop(timer);
    }
  }

  private static void check(int sum, int ops, ThreadPoolExecutor pool) {
    if (sum != ops) {
      throw new IllegalStateException("expected " + ops + " successes but got " + sum);
    }
    Pools.stop(pool); // the count of a task is taken after it completed its future: read it once all have left
    long tasks = pool.getCompletedTaskCount();
    if (tasks < (long) ATTEMPTS * ops) {
      throw new IllegalStateException("expected at least " + ATTEMPTS * ops + " attempts on the pool but got " + tasks);
    }
  }

  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
