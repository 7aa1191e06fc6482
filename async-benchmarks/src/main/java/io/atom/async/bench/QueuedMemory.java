package io.atom.async.bench;

import com.sun.management.GcInfo;
import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Bytes retained per queued task: {@code items} tasks queued behind a pool of 2 threads that are both
 * blocked, the caller keeping every handle; heap used after a full GC, minus the same before, divided by
 * {@code items}. The handle array, the pool, the manager and the timer exist before the first reading,
 * so what is counted is what each queued task costs: its handle, what the pool queues (the queue's node
 * included) and, for ours, the manager's tracking and, with a timeout, the armed timer.
 *
 * <p>Peers: {@code pool.submit(callable)} ({@code FutureTask}), {@code CompletableFuture.supplyAsync(supplier,
 * pool)}, and with a timeout {@code supplyAsync(..).orTimeout(10, MINUTES)}. Ours: {@code new AsyncWorker<>(pool)}
 * + {@code startAsync}, {@code manager.createWorker}, and with a 10-minute timeout, {@code setTimeout} then
 * {@code startAsync} on each. Targets (issue 6): ≤ 200 B per queued worker without a timeout, ≤ 400 B with one.
 *
 * <p>Not a JMH benchmark: a plain program, run by {@code async-benchmarks/run.sh [quick|full]} from the
 * repository root, or alone: {@code java -XX:+UseParallelGC -Xms1g -Xmx1g -cp async-benchmarks/target/benchmarks.jar
 * io.atom.async.bench.QueuedMemory --items 100000 --rounds 3 --out memory.json}. Each variant is measured
 * {@code rounds} times after one warm-up round; the median is reported.
 *
 * <p>Use the parallel collector: its heap after {@code System.gc()} is exact and the same every round. The
 * serial one, on JDK 17, left the previous round's garbage in every other reading, and G1 counts a large
 * array (the manager's hash table, the timer's queue) by whole regions.
 */
public final class QueuedMemory {
  private QueuedMemory() {}

  static final Duration TIMEOUT = Duration.ofMinutes(10);

  /** One way of queuing a task. */
  interface Variant {
    Object queue(ThreadPoolExecutor pool, AsyncWorkerManager manager);
  }

  /** A named variant and whether it is ours, and whether it sets a timeout. */
  record Row(String name, boolean ours, boolean timeout, Variant variant) {}

  static List<Row> rows() {
    return List.of(
        new Row("FutureTask (pool.submit)", false, false, (pool, m) -> pool.submit(Pools.TASK)),
        new Row("CompletableFuture.supplyAsync", false, false,
            (pool, m) -> CompletableFuture.supplyAsync(Pools.SUPPLIER, pool)),
        new Row("AsyncWorker.startAsync (no manager)", true, false, (pool, m) -> {
          AsyncWorker<Integer> w = new AsyncWorker<>(pool);
          w.startAsync(Pools.TASK);
          return w;
        }),
        new Row("manager.createWorker", true, false, (pool, m) -> m.createWorker(Pools.TASK)),
        new Row("CompletableFuture.supplyAsync + orTimeout", false, true,
            (pool, m) -> CompletableFuture.supplyAsync(Pools.SUPPLIER, pool).orTimeout(10, TimeUnit.MINUTES)),
        new Row("AsyncWorker + setTimeout (no manager)", true, true, (pool, m) -> {
          AsyncWorker<Integer> w = new AsyncWorker<>(pool);
          w.setTimeout(TIMEOUT);
          w.startAsync(Pools.TASK);
          return w;
        }),
        new Row("manager.newWorker + setTimeout", true, true, (pool, m) -> {
          AsyncWorker<Integer> w = m.newWorker();
          w.setTimeout(TIMEOUT);
          w.startAsync(Pools.TASK);
          return w;
        }));
  }

  /**
   * Measures every variant and writes the JSON report.
   *
   * @param args {@code --items N} (100,000), {@code --rounds R} (3), {@code --out FILE} (stdout if absent)
   * @throws Exception if a measurement fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = Args.parse(args);
    int items = Integer.parseInt(opts.getOrDefault("items", "100000"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    String json = run(items, rounds);
    Args.write(opts.get("out"), json);
  }

  /**
   * Runs the measurement.
   *
   * @param items tasks queued per measurement
   * @param rounds measured rounds per variant (after one warm-up round)
   * @return the JSON report
   * @throws Exception if a measurement fails
   */
  public static String run(int items, int rounds) throws Exception {
    return run(items, rounds, rows(), true);
  }

  static String run(int items, int rounds, List<Row> rows, boolean warmUp) throws Exception {
    StringBuilder json = new StringBuilder();
    json.append("{\n  \"items\": ").append(items).append(",\n  \"rounds\": ").append(rounds)
        .append(",\n  \"gc\": ").append(Args.quote(gcNames()))
        .append(",\n  \"jdk\": ").append(Args.quote(System.getProperty("java.vm.name") + " "
            + System.getProperty("java.runtime.version")))
        .append(",\n  \"variants\": [");
    for (int r = 0; r < rows.size(); r++) {
      Row row = rows.get(r);
      if (warmUp) {
        measure(row, Math.min(items, 1000)); // classes loaded, shared timers started
      }
      double[] perItem = new double[rounds];
      for (int i = 0; i < rounds; i++) {
        perItem[i] = measure(row, items);
      }
      double[] sorted = perItem.clone();
      Arrays.sort(sorted);
      double median = sorted[sorted.length / 2];
      System.err.printf(Locale.ROOT, "%-45s %7.1f B per queued task  (rounds: %s)%n", row.name(), median,
          Arrays.toString(perItem));
      json.append(r == 0 ? "\n" : ",\n").append("    {\"name\": ").append(Args.quote(row.name()))
          .append(", \"ours\": ").append(row.ours()).append(", \"timeout\": ").append(row.timeout())
          .append(", \"bytesPerItem\": ").append(String.format(Locale.ROOT, "%.1f", median))
          .append(", \"rounds\": ").append(Args.numbers(perItem)).append("}");
    }
    json.append("\n  ]\n}\n");
    return json.toString();
  }

  static double measure(Row row, int items) throws Exception {
    // The pool of Pools.rawPool, with threads we can join: a round's garbage must be gone before the next
    // round's first reading, and a dying pool thread can keep some of it reachable for a while.
    List<Thread> threads = new ArrayList<>();
    ThreadFactory daemons = Pools.daemonThreads("memory");
    ThreadFactory recorded = task -> {
      Thread t = daemons.newThread(task);
      synchronized (threads) {
        threads.add(t);
      }
      return t;
    };
    ThreadPoolExecutor pool = new ThreadPoolExecutor(Pools.THREADS, Pools.THREADS, 0L, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), recorded);
    ScheduledThreadPoolExecutor timer = Pools.timer("memory-timer");
    timer.setThreadFactory(recorded);
    AsyncWorkerManager manager = Pools.manager("memory", pool, false, null, timer);
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(Pools.THREADS);
    for (int i = 0; i < Pools.THREADS; i++) {
      pool.execute(() -> {
        blocked.countDown();
        try {
          gate.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }
    blocked.await();
    Object[] handles = new Object[items];
    long before = usedAfterGc();
    for (int i = 0; i < items; i++) {
      handles[i] = row.variant().queue(pool, manager);
    }
    long after = usedAfterGc();
    if (pool.getQueue().size() != items) {
      throw new IllegalStateException(row.name() + ": " + pool.getQueue().size() + " queued, expected " + items);
    }
    gate.countDown();
    pool.shutdown();
    if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(row.name() + ": the queued tasks did not drain");
    }
    manager.close();
    timer.shutdownNow();
    if (!timer.awaitTermination(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(row.name() + ": the timer did not stop");
    }
    Arrays.fill(handles, null); // reachable until here
    synchronized (threads) {
      for (Thread t : threads) {
        t.join(60_000);
      }
    }
    return (double) (after - before) / items;
  }

  /** Heap used after full GCs, once two readings in a row agree (at most 10 GCs). */
  static long usedAfterGc() throws InterruptedException {
    long previous = -1;
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      System.gc();
      Thread.sleep(20);
      long now = heapAfterLastGc();
      used = Math.min(used, now);
      if (now == previous && i >= 2) {
        break;
      }
      previous = now;
    }
    return used;
  }

  /**
   * The heap's size right after the last GC, as that GC reported it (what {@code -Xlog:gc} prints): the
   * current usage would count what was allocated since, and a pool's collection usage can be stale (the
   * young pools' is updated by young collections only).
   */
  static long heapAfterLastGc() {
    Set<String> heapPools = new HashSet<>();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        heapPools.add(pool.getName());
      }
    }
    GcInfo last = null;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      GcInfo info = gc instanceof com.sun.management.GarbageCollectorMXBean
          ? ((com.sun.management.GarbageCollectorMXBean) gc).getLastGcInfo() : null;
      if (info != null && (last == null || info.getEndTime() > last.getEndTime())) {
        last = info;
      }
    }
    if (last == null) {
      throw new IllegalStateException("this JVM does not report GC details (com.sun.management)");
    }
    long used = 0;
    for (Map.Entry<String, MemoryUsage> e : last.getMemoryUsageAfterGc().entrySet()) {
      if (heapPools.contains(e.getKey())) {
        used += e.getValue().getUsed();
      }
    }
    return used;
  }

  static String gcNames() {
    List<String> names = new ArrayList<>();
    ManagementFactory.getGarbageCollectorMXBeans().forEach(gc -> names.add(gc.getName()));
    return String.join(", ", names);
  }

  /** Tiny argument and JSON helpers shared by the two programs. */
  static final class Args {
    private Args() {}

    static Map<String, String> parse(String[] args) {
      Map<String, String> opts = new LinkedHashMap<>();
      for (int i = 0; i < args.length; i++) {
        if (!args[i].startsWith("--") || i + 1 >= args.length) {
          throw new IllegalArgumentException("expected --name value pairs but got " + Arrays.toString(args));
        }
        opts.put(args[i].substring(2), args[++i]);
      }
      return opts;
    }

    static void write(String out, String json) throws IOException {
      if (out == null) {
        System.out.print(json);
      } else {
        Files.writeString(Path.of(out), json);
      }
    }

    static String quote(String s) {
      return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String numbers(double[] values) {
      StringBuilder b = new StringBuilder("[");
      for (int i = 0; i < values.length; i++) {
        b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", values[i]));
      }
      return b.append("]").toString();
    }
  }
}
