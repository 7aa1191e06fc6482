package io.atom.async.bench;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.pause.NoPauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where the cost of metrics goes, per call, on 2 threads sharing each meter (as the 2 pool threads of
 * the fan-out benchmark do): the clock reads a recorded task needs (two {@code System.nanoTime()}: one
 * ends the queue wait and starts the run, one ends the run), and what a Micrometer {@code Timer.record}
 * costs on a {@link SimpleMeterRegistry} with and without the registry's default pause detector (the
 * starter's timers use none), against the two striped adds of the core's own counters. A task with
 * metrics on pays two clock reads and two {@code Timer.record}s.
 *
 * <p>Run: {@code java -jar async-benchmarks/target/benchmarks.jar RecordingCostBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(2)
@Fork(5)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class RecordingCostBenchmark {

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final Timer timer = Timer.builder("bench.no.pause").pauseDetector(new NoPauseDetector()).register(registry);
  final Timer timerWithPauseDetector = Timer.builder("bench.default").register(registry);
  final LongAdder count = new LongAdder();
  final LongAdder total = new LongAdder();

  /**
   * One clock read of the kind the core makes per recorded phase.
   *
   * @return the time
   */
  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }

  /**
   * The wall-clock read a Micrometer timer's max makes on every record.
   *
   * @return the time
   */
  @Benchmark
  public long currentTimeMillis() {
    return System.currentTimeMillis();
  }

  /** One record on the starter's kind of timer (no pause detector). */
  @Benchmark
  public void timerRecord() {
    timer.record(1234L, TimeUnit.NANOSECONDS);
  }

  /** One record on a timer with the registry's default pause detector. */
  @Benchmark
  public void timerRecordWithPauseDetector() {
    timerWithPauseDetector.record(1234L, TimeUnit.NANOSECONDS);
  }

  /** What the core's own counters do per phase: a count and a sum. */
  @Benchmark
  public void twoStripedAdds() {
    count.increment();
    total.add(1234L);
  }
}
