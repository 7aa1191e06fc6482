package io.atom.async.sample;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import io.atom.async.hazelcast.ClusterWorkerManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;

/** Every endpoint over real HTTP, the retry path with its metrics, and the bad inputs. */
@Timeout(120)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"sample.order-initial-delay=5ms", "sample.order-max-total-delay=2s"})
class SampleApplicationTests {

  @LocalServerPort
  int port;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static double metric(String prometheus, String line) {
    Matcher m = Pattern.compile(Pattern.quote(line) + " ([0-9.E]+)").matcher(prometheus);
    return m.find() ? Double.parseDouble(m.group(1)) : 0.0;
  }

  // ------------------------------------------------------------ Example 1

  @Test
  void process_splitsIntoChunks_andReturnsPerChunkResultsAndTotals() throws Exception {
    HttpResponse<String> response = get("/process?size=100000&chunkSize=30000");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"totalRecords\":100000", "\"chunks\":4",
        "\"processedRecords\":30000", "\"processedRecords\":10000", "\"chunk\":3");
    // Chunk 0 averages sqrt(x^2 + 1) over 1..30000, just above 15000.5.
    assertThat(response.body()).containsPattern("\"chunk\":0,\"processedRecords\":30000,\"averageValue\":15000\\.50");
  }

  @Test
  void process_rejectsSizesOutOfRange_withAProblemDetail() throws Exception {
    HttpResponse<String> tooBig = get("/process?size=10000001");
    assertThat(tooBig.statusCode()).isEqualTo(400);
    assertThat(tooBig.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
    assertThat(tooBig.body()).contains("size must be between 1 and 10000000 but was 10000001");
    assertThat(get("/process?size=100&chunkSize=0").body()).contains("chunkSize must be between 1 and size (100) but was 0");
    assertThat(get("/process?size=1000000&chunkSize=10").body()).contains("at most 10000 are allowed");
    HttpResponse<String> notANumber = get("/process?size=lots");
    assertThat(notANumber.statusCode()).isEqualTo(400);
    assertThat(notANumber.body()).contains("\"status\":400").doesNotContain("Exception");
  }

  // ------------------------------------------------------------ Example 2

  @Test
  void order_retriesADownstreamThatFailsTwice_reportsAttempts_andTheRetryMetricMoves() throws Exception {
    // The two calls are named "payment" and "inventory": each has its own series.
    Map<String, Double> expected = new LinkedHashMap<>();
    for (String name : List.of("payment", "inventory")) {
      String tags = "manager=\"asyncWorkerManager\",name=\"" + name + "\"";
      expected.put("atom_async_retry_calls_total{kind=\"successful_with_retry\"," + tags + "}", 1.0);
      expected.put("atom_async_retry_calls_total{kind=\"successful_without_retry\"," + tags + "}", 0.0);
      expected.put("atom_async_retry_attempts_total{" + tags + ",outcome=\"failure\"}", name.equals("payment") ? 2.0 : 1.0);
      expected.put("atom_async_retry_attempts_total{" + tags + ",outcome=\"success\"}", 1.0);
      expected.put("atom_async_worker_duration_seconds_count{" + tags + ",outcome=\"success\"}", 1.0); // once per operation
    }
    String before = get("/actuator/prometheus").body();

    HttpResponse<String> order = post("/orders?paymentFailures=2&inventoryFailures=1",
        "{\"orderId\":\"o-retry\",\"items\":[\"book\"],\"amount\":42.0}");
    assertThat(order.statusCode()).isEqualTo(200);
    assertThat(order.body()).contains("\"status\":\"CONFIRMED\"",
        "\"payment\":{\"service\":\"payment\",\"attempts\":3", "\"inventory\":{\"service\":\"inventory\",\"attempts\":2");

    String after = get("/actuator/prometheus").body();
    Map<String, Double> moved = new LinkedHashMap<>();
    expected.keySet().forEach(line -> moved.put(line, metric(after, line) - metric(before, line)));
    assertThat(moved).isEqualTo(expected); // payment took 3 attempts, inventory 2; each one operation

    HttpResponse<String> stored = get("/orders/o-retry");
    assertThat(stored.statusCode()).isEqualTo(200);
    assertThat(stored.body()).contains("\"orderId\":\"o-retry\"");
  }

  @Test
  void order_whenADownstreamStaysDown_is503WithTheAttemptsMade() throws Exception {
    HttpResponse<String> order = post("/orders?paymentFailures=50",
        "{\"orderId\":\"o-down\",\"items\":[\"book\"],\"amount\":1.0}");
    assertThat(order.statusCode()).isEqualTo(503);
    assertThat(order.body()).contains("\"title\":\"Downstream unavailable\"", "\"service\":\"payment\"",
        "\"attempts\":5", "payment is unavailable after 5 attempts");
  }

  @Test
  void order_badInputs_are4xxProblemDetails() throws Exception {
    HttpResponse<String> malformed = post("/orders", "{not json");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.body()).contains("\"status\":400").doesNotContain("at com.", "at org.");
    assertThat(post("/orders", "{\"items\":[\"a\"],\"amount\":1}").body()).contains("orderId is required");
    assertThat(post("/orders", "{\"orderId\":\"x\",\"items\":[],\"amount\":1}").body())
        .contains("items must list at least one item");
    assertThat(post("/orders", "{\"orderId\":\"x\",\"items\":[\"a\"],\"amount\":-3}").body())
        .contains("amount must be > 0 but was -3.0");
    HttpResponse<String> unknown = get("/orders/never-placed");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("no order with id 'never-placed'");
  }

  // ------------------------------------------------------------ Example 3

  @Test
  void aggregate_returnsAvgMinMaxCountPerName() throws Exception {
    HttpResponse<String> response = post("/metrics/aggregate",
        "[{\"name\":\"cpu\",\"value\":0.5},{\"name\":\"cpu\",\"value\":0.7},{\"name\":\"mem\",\"value\":512}]");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(
        "{\"cpu\":{\"avg\":0.6,\"min\":0.5,\"max\":0.7,\"count\":2},\"mem\":{\"avg\":512.0,\"min\":512.0,\"max\":512.0,\"count\":1}}");
  }

  @Test
  void aggregate_badInputs_are400() throws Exception {
    assertThat(post("/metrics/aggregate", "[]").body()).contains("non-empty JSON array");
    assertThat(post("/metrics/aggregate", "[{\"value\":1}]").body()).contains("samples[0].name is required");
    assertThat(post("/metrics/aggregate", "[{\"name\":\"a\"}]").body()).contains("samples[0].value must be a finite number");
    assertThat(post("/metrics/aggregate", "{\"name\":\"a\"}").statusCode()).isEqualTo(400);
  }

  // ------------------------------------------------------------ fire and forget

  @Test
  void logs_answer202AtOnce_andTheJobsStateCanBeFollowed() throws Exception {
    HttpResponse<String> accepted = post("/logs", "{\"lines\":[\"abc\",\"de\"]}");
    assertThat(accepted.statusCode()).isEqualTo(202);
    String location = accepted.headers().firstValue("Location").orElseThrow();
    assertThat(location).startsWith("/logs/");
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> get(location).body().contains("\"state\":\"SUCCEEDED\""));
    assertThat(get(location).body()).contains("\"aggregatedCharacters\":5");
    assertThat(get("/logs/nope").statusCode()).isEqualTo(404);
    assertThat(post("/logs", "{\"lines\":[]}").statusCode()).isEqualTo(400);
  }

  // ------------------------------------------------------------ demo load and actuator

  @Test
  void demoLoad_makesTheMetricsMove() throws Exception {
    // Each kind of demo work has its name, and ends with its own outcome.
    String count = "atom_async_worker_duration_seconds_count{manager=\"asyncWorkerManager\",name=\"%s\",outcome=\"%s\"}";
    String success = count.formatted(DemoLoadController.LOOKUP, "success");
    String failure = count.formatted(DemoLoadController.VALIDATE, "failure");
    String timeout = count.formatted(DemoLoadController.REPORT, "timeout");
    String cancelled = count.formatted(DemoLoadController.PREFETCH, "cancelled");
    String retried = count.formatted(DemoLoadController.SYNC, "success");
    String before = get("/actuator/prometheus").body();
    HttpResponse<String> started = post("/demo/load?seconds=2", "");
    assertThat(started.statusCode()).isEqualTo(202);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
      String text = get("/actuator/prometheus").body();
      return metric(text, success) > metric(before, success) + 5 && metric(text, failure) > metric(before, failure)
          && metric(text, timeout) > metric(before, timeout) && metric(text, cancelled) > metric(before, cancelled)
          && metric(text, retried) > metric(before, retried);
    });
    assertThat(post("/demo/load?seconds=0", "").statusCode()).isEqualTo(400);
    // Let it end, so that it does not move the counters other tests read.
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> get("/demo/load").body().contains("\"running\":false"));
  }

  // ------------------------------------------------------------ no cluster without the profile

  @Test
  void withoutTheClusterProfile_noHazelcastMemberStarts_andThereIsNoClusterJob(@Autowired ApplicationContext context)
      throws Exception {
    assertThat(context.getBeanNamesForType(Config.class)).isEmpty();
    assertThat(context.getBeanNamesForType(HazelcastInstance.class)).isEmpty();
    assertThat(context.getBeanNamesForType(ClusterWorkerManager.class)).isEmpty();
    assertThat(post("/cluster/jobs?chunks=2", "").statusCode()).isEqualTo(404);
    assertThat(get("/actuator/asyncworkers").body()).contains("\"asyncWorkerManager\"").doesNotContain("clusterWorkerManager");
  }

  @Test
  void onlyHealthMetricsAndPrometheusAreExposed() throws Exception {
    assertThat(get("/actuator/health").statusCode()).isEqualTo(200);
    assertThat(get("/actuator/metrics").statusCode()).isEqualTo(200);
    assertThat(get("/actuator/prometheus").statusCode()).isEqualTo(200);
    assertThat(get("/actuator/env").statusCode()).isEqualTo(404);
    assertThat(get("/actuator/beans").statusCode()).isEqualTo(404);
  }
}
