package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.atom.async.AsyncWorkerManager;
import io.atom.async.RetryPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** A real web application with the actuator: the metrics are on /actuator/metrics and in Prometheus text. */
@Timeout(120)
@SpringBootTest(classes = ActuatorMetricsTests.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"management.endpoints.web.exposure.include=health,metrics,prometheus",
        "management.metrics.distribution.percentiles-histogram.atom.async.worker.duration=true"})
class ActuatorMetricsTests {

  @SpringBootApplication
  static class App {}

  @LocalServerPort
  int port;

  @Autowired
  AsyncWorkerManager manager;

  @Autowired
  MeterRegistry registry;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @Test
  void workerAndRetryMetrics_areOnTheActuator_andInPrometheusText() throws Exception {
    manager.createWorker(() -> 1).waitForCompletion(Duration.ofSeconds(10));
    manager.createWorker(() -> {
      throw new IllegalStateException("boom");
    }).waitForCompletion(Duration.ofSeconds(10));
    AtomicInteger calls = new AtomicInteger();
    manager.retry(() -> {
      if (calls.incrementAndGet() <= 2) {
        throw new IOException("transient");
      }
      return "ok";
    }, RetryPolicy.<String>builder().initialDelay(Duration.ofMillis(1)).build()).waitForCompletion(Duration.ofSeconds(10));

    String duration = get("/actuator/metrics/atom.async.worker.duration?tag=outcome:failure");
    assertThat(duration).contains("\"name\":\"atom.async.worker.duration\"")
        .contains("\"statistic\":\"COUNT\",\"value\":1.0").contains("\"baseUnit\":\"seconds\"");
    assertThat(get("/actuator/metrics")).contains("atom.async.worker.queue.wait", "atom.async.workers.active",
        "atom.async.workers.pending", "atom.async.workers.rejected", "atom.async.retry.calls",
        "atom.async.retry.attempts");

    String prometheus = get("/actuator/prometheus");
    assertThat(prometheus)
        .contains("atom_async_worker_duration_seconds_count{manager=\"asyncWorkerManager\",name=\"unnamed\",outcome=\"success\"} 2")
        .contains("atom_async_worker_duration_seconds_count{manager=\"asyncWorkerManager\",name=\"unnamed\",outcome=\"failure\"} 1")
        .contains("atom_async_worker_duration_seconds_max{manager=\"asyncWorkerManager\",name=\"unnamed\",outcome=\"success\"}")
        .contains("atom_async_retry_calls_total{kind=\"successful_with_retry\",manager=\"asyncWorkerManager\",name=\"unnamed\"} 1")
        .contains("atom_async_retry_attempts_total{manager=\"asyncWorkerManager\",name=\"unnamed\",outcome=\"failure\"} 2")
        .contains("executor_pool_size_threads{name=\"atomAsyncTaskExecutor\"");
  }

  @Test
  void namedWork_hasARealTimerPerName_withHistogramBucketsFromBootsDistributionProperties() throws Exception {
    manager.createWorker("payment", () -> {
      Thread.sleep(5); // a task that takes time, so that the max moves measurably
      return 1;
    }).waitForCompletion(Duration.ofSeconds(10));
    manager.createWorker("inventory", () -> 2).waitForCompletion(Duration.ofSeconds(10));

    Timer payment = registry.find("atom.async.worker.duration").tag("name", "payment").tag("outcome", "success").timer();
    assertThat(payment).as("a real Timer, not a FunctionTimer").isNotNull();
    assertThat(payment.count()).isEqualTo(1);
    assertThat(payment.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(5.0);

    String prometheus = get("/actuator/prometheus");
    for (String name : new String[] {"payment", "inventory"}) {
      assertThat(prometheus).containsPattern("atom_async_worker_duration_seconds_bucket\\{[^}]*name=\"" + name
          + "\"[^}]*outcome=\"success\"[^}]*\\} 1");
    }
  }

  private String get(String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return response.body();
  }
}
