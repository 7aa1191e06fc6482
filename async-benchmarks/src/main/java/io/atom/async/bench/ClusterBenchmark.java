package io.atom.async.bench;

import com.hazelcast.config.Config;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import io.atom.async.AsyncWorker;
import io.atom.async.hazelcast.ClusterTask;
import io.atom.async.hazelcast.ClusterWorkerManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Future;
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
 * The cluster manager against Hazelcast's own {@link IExecutorService}, on {@value #MEMBERS} embedded members in
 * the benchmark's JVM, joined over TCP/IP on 127.0.0.1; every task is submitted through the first member, which
 * sends it to a random member (ours) or the owner of a random partition (Hazelcast's {@code submit}), so about a
 * third runs on the submitting member and the rest travel over loopback. Both sides use the same executor service ({@value #EXECUTOR}, {@value #THREADS}
 * threads per member) and the same trivial task, an instance of a static serializable class, so both pay the same
 * serialization.
 *
 * <ul>
 *   <li>Round trip: ours {@code cluster.createWorker(task).getResult()}; peer
 *       {@code executor.submit(task).get()}.
 *   <li>Fan-out of {@value #TASKS}: ours {@code createWorker} × {@value #TASKS}, {@code waitForAll()}, then every
 *       result; peer {@code submit} × {@value #TASKS}, then {@code get} each.
 * </ul>
 *
 * <p>Average time per operation. No target (issue 16): the row shows what the handle costs on top of
 * Hazelcast. Ours also Java-serializes each task once before submitting it ({@code createWorker} refuses a task
 * that cannot be serialized), and learns of each end on its completion threads, not in a blocked {@code get()}.
 *
 * <p>Run: {@code async-benchmarks/run.sh [quick|full]} from the repository root (writes
 * {@code async-benchmarks/results/latest.md}); this class alone:
 * {@code java -jar async-benchmarks/target/benchmarks.jar ClusterBenchmark}. Each fork starts its own cluster
 * (a few seconds on 2 cores).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// The full mode of run.sh, for a run of the jar alone; run.sh passes its own options, which keep these JVM
// flags: the JDK internals Hazelcast asks for (as async-hazelcast's tests pass them).
@Fork(value = 5, jvmArgsAppend = {"--add-modules", "java.se",
    "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang=ALL-UNNAMED",
    "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens", "java.management/sun.management=ALL-UNNAMED",
    "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class ClusterBenchmark {

  /** Members of the cluster, all in the benchmark's JVM. */
  public static final int MEMBERS = 3;

  /** Tasks per fan-out operation. */
  public static final int TASKS = 1000;

  /** The executor service of both sides: the manager's name is the name of its executor service. */
  public static final String EXECUTOR = "bench";

  /** Executor threads per member, as the suite's pools. */
  public static final int THREADS = Pools.THREADS;

  /** Away from Hazelcast's default (5701) and async-hazelcast's tests (5901), which may run meanwhile. */
  private static final int BASE_PORT = 5951;

  private static final int PORT_COUNT = 10;

  private static final long JOIN_TIMEOUT_MILLIS = 60_000;

  /** The trivial task, a static class so that neither side serializes a captured lambda. */
  static final class One implements ClusterTask<Integer> {
    private static final long serialVersionUID = 1L;

    @Override
    public Integer call() {
      return 1;
    }
  }

  static final One TASK = new One();

  final List<HazelcastInstance> members = new ArrayList<>();
  IExecutorService executor;
  ClusterWorkerManager cluster;

  /**
   * Starts the members and waits, at most a minute, until each sees all of them; then the manager on the first.
   *
   * @throws InterruptedException if interrupted while waiting for the members to join
   * @throws IllegalStateException if the members did not form one cluster in time
   */
  @Setup
  public void setUp() throws InterruptedException {
    String name = "atom-async-bench-" + UUID.randomUUID();
    for (int i = 0; i < MEMBERS; i++) {
      members.add(Hazelcast.newHazelcastInstance(config(name)));
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_TIMEOUT_MILLIS);
    while (!members.stream().allMatch(m -> m.getCluster().getMembers().size() == MEMBERS)) {
      if (System.nanoTime() - deadline > 0) {
        tearDown();
        throw new IllegalStateException(MEMBERS + " members did not join within " + JOIN_TIMEOUT_MILLIS + " ms");
      }
      Thread.sleep(50); // polls the members' view of the cluster until they all agree, within the deadline above
    }
    HazelcastInstance submitter = members.get(0);
    executor = submitter.getExecutorService(EXECUTOR);
    cluster = ClusterWorkerManager.builder(submitter).name(EXECUTOR).build();
  }

  static Config config(String clusterName) {
    Config config = new Config();
    config.setClusterName(clusterName); // unique: never joins another run's members
    config.setProperty("hazelcast.logging.type", "none");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.partition.count", "71"); // fewer partitions: a faster start on 2 cores
    config.setProperty("hazelcast.shutdownhook.enabled", "false"); // tearDown shuts the members down
    config.setProperty("hazelcast.graceful.shutdown.max.wait", "10"); // seconds: bounds tearDown
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(BASE_PORT).setPortAutoIncrement(true).setPortCount(PORT_COUNT);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    // No port: the joiner tries the port and the next ones, as many as the try count, wherever a busy port
    // pushed a member.
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    config.setProperty("hazelcast.tcp.join.port.try.count", String.valueOf(PORT_COUNT));
    config.addExecutorConfig(new ExecutorConfig(EXECUTOR).setPoolSize(THREADS));
    return config;
  }

  /** Closes the manager and shuts the members down, the last first (each bounded by its graceful wait). */
  @TearDown
  public void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
    for (int i = members.size() - 1; i >= 0; i--) {
      members.get(i).shutdown();
    }
    members.clear();
  }

  /**
   * Peer: Hazelcast's executor service, submit then {@code get}.
   *
   * @return the task's value
   * @throws Exception never: the task does not fail
   */
  @Benchmark
  public Integer hazelcastRoundTrip() throws Exception {
    return executor.submit(TASK).get();
  }

  /**
   * Ours: a cluster worker, created then {@code getResult}.
   *
   * @return the task's value
   */
  @Benchmark
  public Integer oursRoundTrip() {
    return cluster.createWorker(TASK).getResult();
  }

  /**
   * Peer: Hazelcast's executor service, submit all, then {@code get} each.
   *
   * @return the sum of the results ({@value #TASKS})
   * @throws Exception never: the tasks do not fail
   */
  @Benchmark
  public int hazelcastFanOut() throws Exception {
    @SuppressWarnings("unchecked")
    Future<Integer>[] futures = new Future[TASKS];
    for (int i = 0; i < TASKS; i++) {
      futures[i] = executor.submit(TASK);
    }
    int sum = 0;
    for (Future<Integer> f : futures) {
      sum += f.get();
    }
    return sum;
  }

  /**
   * Ours: {@value #TASKS} cluster workers, {@code waitForAll()}, then every result. The manager is the only
   * one of this fork and one benchmark thread uses it, so {@code waitForAll()} waits for this batch alone.
   *
   * @return the sum of the results
   */
  @Benchmark
  public int oursFanOut() {
    @SuppressWarnings("unchecked")
    AsyncWorker<Integer>[] workers = new AsyncWorker[TASKS];
    for (int i = 0; i < TASKS; i++) {
      workers[i] = cluster.createWorker(TASK);
    }
    cluster.waitForAll();
    int sum = 0;
    for (AsyncWorker<Integer> w : workers) {
      sum += w.getResult();
    }
    return sum;
  }
}
