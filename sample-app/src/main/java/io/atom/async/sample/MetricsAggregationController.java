package io.atom.async.sample;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The document's Example 3: a worker with a timeout aggregates a batch of samples, fanning out one
 * worker per metric name in a scope of its own.
 */
@RestController
class MetricsAggregationController {
  static final int MAX_SAMPLES = 100_000;

  private final AsyncWorkerManager manager;

  MetricsAggregationController(AsyncWorkerManager manager) {
    this.manager = manager;
  }

  record MetricSample(String name, Double value, Long timestamp) {}

  record Aggregation(double avg, double min, double max, int count) {}

  @PostMapping("/metrics/aggregate")
  CompletableFuture<Map<String, Aggregation>> aggregate(@RequestBody List<MetricSample> samples) {
    if (samples == null || samples.isEmpty()) {
      throw new BadRequestException("the body must be a non-empty JSON array of {name, value} samples");
    }
    if (samples.size() > MAX_SAMPLES) {
      throw new BadRequestException("at most " + MAX_SAMPLES + " samples are allowed but got " + samples.size());
    }
    for (int i = 0; i < samples.size(); i++) {
      MetricSample s = samples.get(i);
      if (s == null || s.name() == null || s.name().isBlank()) {
        throw new BadRequestException("samples[" + i + "].name is required");
      }
      if (s.value() == null || !Double.isFinite(s.value())) {
        throw new BadRequestException("samples[" + i + "].value must be a finite number but was " + (s == null ? null : s.value()));
      }
    }
    AsyncWorker<Map<String, Aggregation>> worker = manager.newWorker("metrics-aggregate");
    worker.setTimeout(Duration.ofSeconds(30));
    worker.startAsync(() -> {
      Map<String, List<Double>> grouped = new LinkedHashMap<>();
      for (MetricSample sample : samples) {
        grouped.computeIfAbsent(sample.name(), k -> new ArrayList<>()).add(sample.value());
      }
      try (AsyncWorkerManager perName = manager.newScope()) {
        Map<String, AsyncWorker<Aggregation>> workers = new LinkedHashMap<>();
        // One name for every metric's worker: the metric names come from the request, so they must not tag.
        grouped.forEach((name, values) -> workers.put(name, perName.createWorker("metrics-aggregate-per-name", () -> {
          double sum = 0;
          double min = Double.MAX_VALUE;
          double max = -Double.MAX_VALUE;
          for (double v : values) {
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
          }
          return new Aggregation(sum / values.size(), min, max, values.size());
        })));
        perName.waitForAll();
        Map<String, Aggregation> result = new TreeMap<>();
        workers.forEach((name, w) -> result.put(name, w.getResult()));
        return result;
      }
    });
    return worker.toCompletableFuture(); // Spring MVC completes the response asynchronously
  }
}
