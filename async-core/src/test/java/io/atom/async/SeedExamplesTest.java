package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The examples of the original async.hpp document, ported line by line, asserting their numbers. */
@Timeout(60)
class SeedExamplesTest {

  @Test
  void quickStartStep2_singleTaskExecution() {
    AtomicReference<Integer> printed = new AtomicReference<>();
    AsyncWorker<Integer> worker = new AsyncWorker<>();
    worker.startAsync(() -> {
      Thread.sleep(100); // the document's simulated work (1 s there)
      return 42;
    });
    worker.setCallback(result -> printed.set(result)); // "Task completed: 42"
    worker.waitForCompletion();
    assertThat(printed.get()).isEqualTo(42);
    assertThat(worker.getResult()).isEqualTo(42);
  }

  @Test
  void quickStartStep3_batchTaskManagement() {
    try (AsyncWorkerManager manager = new AsyncWorkerManager()) {
      AsyncWorker<String> worker1 = manager.createWorker(() -> "Task 1 complete");
      AsyncWorker<String> worker2 = manager.createWorker(() -> "Task 2 complete");
      AsyncWorker<String> worker3 = manager.createWorker(() -> "Task 3 complete");
      manager.waitForAll();
      assertThat(List.of(worker1.getResult(), worker2.getResult(), worker3.getResult()))
          .containsExactly("Task 1 complete", "Task 2 complete", "Task 3 complete");
    }
  }

  @Test
  void startAsyncExample_hypotenuse() {
    AsyncWorker<Double> worker = new AsyncWorker<>();
    worker.startAsync((Double x, Double y) -> Math.sqrt(x * x + y * y), 3.0, 4.0);
    assertThat(worker.getResult()).isEqualTo(5.0);
  }

  @Test
  void createWorkerExample_square() {
    try (AsyncWorkerManager manager = new AsyncWorkerManager()) {
      AsyncWorker<Integer> worker = manager.createWorker(x -> x * x, 5);
      assertThat(worker.getResult()).isEqualTo(25);
    }
  }

  @Test
  void validateExample_isEven() {
    AsyncWorker<Integer> worker = new AsyncWorker<>();
    worker.startAsync(() -> 42);
    boolean isEven = worker.validate(n -> n % 2 == 0);
    assertThat(isEven).isTrue();
  }

  @Test
  void getWithTimeoutExample_packagedTaskOnItsOwnThread() throws Exception {
    FutureTask<Integer> task = new FutureTask<>(() -> 42);
    Thread thread = new Thread(task);
    thread.start();
    Integer result = Async.getWithTimeout(task, Duration.ofMillis(5000));
    assertThat(result).isEqualTo(42);
    thread.join(10_000);
  }

  @Test
  void getWithTimeoutExample_timeoutBranch() {
    CountDownLatch never = new CountDownLatch(1);
    FutureTask<Integer> task = new FutureTask<>(() -> {
      never.await(10, TimeUnit.SECONDS);
      return 1;
    });
    Thread thread = new Thread(task);
    thread.start();
    try {
      assertThatThrownBy(() -> Async.getWithTimeout(task, Duration.ofMillis(50)))
          .isInstanceOf(AsyncTimeoutException.class) // "Operation timed out"
          .hasMessage("future did not complete within PT0.05S");
      assertThat(task.isDone()).as("the future is left running").isFalse();
    } finally {
      never.countDown();
    }
  }

  // ------------------------------------------------------------ Example 1

  record ProcessingResult(int processedRecords, double averageValue, Duration processingTime) {}

  static List<ProcessingResult> processLargeDataset(double[] data, int chunkSize) {
    try (AsyncWorkerManager manager = new AsyncWorkerManager()) {
      List<AsyncWorker<ProcessingResult>> workers = new ArrayList<>();
      for (int i = 0; i < data.length; i += chunkSize) {
        int start = i;
        int end = Math.min(i + chunkSize, data.length);
        workers.add(manager.createWorker(() -> {
          long startTime = System.nanoTime();
          double sum = 0.0;
          for (int j = start; j < end; ++j) {
            sum += Math.sqrt(data[j] * data[j] + 1.0);
          }
          return new ProcessingResult(end - start, sum / (end - start),
              Duration.ofNanos(System.nanoTime() - startTime));
        }));
      }
      manager.waitForAll();
      List<ProcessingResult> results = new ArrayList<>(workers.size());
      for (AsyncWorker<ProcessingResult> worker : workers) {
        results.add(worker.getResult());
      }
      return results;
    }
  }

  @Test
  void example1_parallelChunkProcessor_overAMillionDoubles() {
    double[] largeDataset = new double[1_000_000];
    for (int i = 0; i < largeDataset.length; i++) {
      largeDataset[i] = i + 1.0; // std::iota from 1.0
    }
    List<ProcessingResult> results = processLargeDataset(largeDataset, 10_000);

    assertThat(results).hasSize(100);
    long totalRecords = results.stream().mapToLong(ProcessingResult::processedRecords).sum();
    assertThat(totalRecords).isEqualTo(1_000_000);
    for (int c = 0; c < 100; c++) {
      double sum = 0.0; // the same chunk summed sequentially, in the same order: bit-identical
      for (int j = c * 10_000; j < (c + 1) * 10_000; j++) {
        sum += Math.sqrt(largeDataset[j] * largeDataset[j] + 1.0);
      }
      assertThat(results.get(c).averageValue()).as("chunk %d", c).isEqualTo(sum / 10_000);
      assertThat(results.get(c).processingTime().isNegative()).isFalse();
    }
    // sqrt(x^2 + 1) is just above x: chunk 0 averages ~5000.5, the last ~995000.5.
    assertThat(results.get(0).averageValue()).isCloseTo(5000.5, org.assertj.core.data.Offset.offset(0.01));
    assertThat(results.get(99).averageValue()).isCloseTo(995000.5, org.assertj.core.data.Offset.offset(0.01));
  }

  // ------------------------------------------------------------ Example 3

  record MetricData(String name, double value, long timestamp) {}

  record AggregationResult(double avg, double min, double max, int count, Duration processingTime) {}

  static AsyncWorker<Map<String, AggregationResult>> aggregateMetrics(List<MetricData> metrics,
      AtomicInteger aggregatedTypes) {
    AsyncWorker<Map<String, AggregationResult>> worker = new AsyncWorker<>();
    worker.setTimeout(Duration.ofSeconds(30));
    worker.setCallback(results -> aggregatedTypes.set(results.size())); // "Aggregated N metric types"
    worker.startAsync(() -> {
      Map<String, List<Double>> grouped = new HashMap<>();
      for (MetricData metric : metrics) {
        grouped.computeIfAbsent(metric.name(), k -> new ArrayList<>()).add(metric.value());
      }
      // A worker that creates a manager inside: the manager owns its pool, so this cannot starve
      // the default pool the outer worker runs on.
      try (AsyncWorkerManager aggManager = new AsyncWorkerManager()) {
        List<AsyncWorker<Map.Entry<String, AggregationResult>>> aggWorkers = new ArrayList<>();
        grouped.forEach((name, values) -> aggWorkers.add(aggManager.createWorker(() -> {
          long aggStart = System.nanoTime();
          double sum = 0.0;
          double minVal = Double.MAX_VALUE;
          double maxVal = -Double.MAX_VALUE;
          for (double value : values) {
            sum += value;
            minVal = Math.min(minVal, value);
            maxVal = Math.max(maxVal, value);
          }
          return Map.entry(name, new AggregationResult(sum / values.size(), minVal, maxVal, values.size(),
              Duration.ofNanos(System.nanoTime() - aggStart)));
        })));
        aggManager.waitForAll();
        Map<String, AggregationResult> finalResults = new HashMap<>();
        for (AsyncWorker<Map.Entry<String, AggregationResult>> w : aggWorkers) {
          Map.Entry<String, AggregationResult> entry = w.getResult();
          finalResults.put(entry.getKey(), entry.getValue());
        }
        return finalResults;
      }
    });
    return worker;
  }

  @Test
  void example3_metricsAggregation_withAManagerInsideAWorker() {
    Random rand = new Random(2024);
    List<MetricData> metrics = new ArrayList<>();
    for (int i = 0; i < 10_000; ++i) {
      metrics.add(new MetricData("cpu_usage_" + (i % 10), rand.nextInt(100), System.currentTimeMillis()));
    }
    AtomicInteger aggregatedTypes = new AtomicInteger();
    AsyncWorker<Map<String, AggregationResult>> aggregationWorker = aggregateMetrics(metrics, aggregatedTypes);
    Map<String, AggregationResult> results = aggregationWorker.getResult();

    assertThat(results).hasSize(10);
    for (int n = 0; n < 10; n++) {
      String name = "cpu_usage_" + n;
      double sum = 0;
      double min = Double.MAX_VALUE;
      double max = -Double.MAX_VALUE;
      int count = 0;
      for (MetricData m : metrics) {
        if (m.name().equals(name)) {
          sum += m.value();
          min = Math.min(min, m.value());
          max = Math.max(max, m.value());
          count++;
        }
      }
      AggregationResult r = results.get(name);
      assertThat(r.count()).isEqualTo(1000).isEqualTo(count);
      assertThat(r.avg()).isEqualTo(sum / count);
      assertThat(r.min()).isEqualTo(min);
      assertThat(r.max()).isEqualTo(max);
      assertThat(r.min()).isGreaterThanOrEqualTo(0.0);
      assertThat(r.max()).isLessThan(100.0);
    }
    aggregationWorker.waitForCompletion();
    assertThat(aggregatedTypes).hasValue(10);
  }
}
