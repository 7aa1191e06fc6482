package io.atom.async.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Grafana dashboard in {@code observability/} reads only metrics that the sample really publishes:
 * after a demo load, every metric name in every panel query and template variable query is in a scrape
 * of {@code /actuator/prometheus}. Renaming a meter, or adding a panel on a metric that does not exist,
 * fails here. Also checks that the dashboard imports anywhere (its data source is a variable) and has
 * the panels the README promises.
 */
@Timeout(120)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardTests {
  static final Path DASHBOARD = Path.of("observability", "atom-async-dashboard.json");

  static JsonNode dashboard;

  @LocalServerPort
  int port;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void readDashboard() {
    dashboard = JsonMapper.builder().build().readTree(DASHBOARD.toFile());
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)));
  }

  /** Every PromQL query of the dashboard, keyed by where it is, for the failure message. */
  private static Map<String, String> queries() {
    Map<String, String> queries = new LinkedHashMap<>();
    for (JsonNode panel : panels()) {
      for (JsonNode target : panel.path("targets")) {
        queries.put("panel '" + panel.path("title").asString() + "' " + target.path("refId").asString(),
            target.path("expr").asString());
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (variable.path("type").asString().equals("query")) {
        JsonNode query = variable.path("query"); // a string, or {"query": ...} as newer Grafana saves it
        queries.put("variable $" + variable.path("name").asString(),
            query.isObject() ? query.path("query").asString() : query.asString());
      }
    }
    return queries;
  }

  /** The panels, those inside collapsed rows included; rows themselves excluded. */
  private static List<JsonNode> panels() {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      if (panel.path("type").asString().equals("row")) {
        panel.path("panels").forEach(panels::add);
      } else {
        panels.add(panel);
      }
    }
    return panels;
  }

  /** The metric names of the samples in a Prometheus text scrape ({@code _bucket}, {@code _total}... included). */
  private static Set<String> scrapedNames(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  @Test
  void everyMetricTheDashboardReads_isInTheScrapeAfterADemoLoad() throws Exception {
    HttpResponse<String> started = send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/demo/load?seconds=2"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(started.statusCode()).isEqualTo(202);
    // The retry meters appear with the first retried operation, and the demo's only retried work is
    // demo-sync: wait for the load to end and for that name to show up on any meter (the wait names no
    // meter, so a renamed one fails the assertion below with its name, not this wait).
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> get("/demo/load").body().contains("\"running\":false")
            && get("/actuator/prometheus").body().contains("name=\"" + DemoLoadController.SYNC + "\""));
    HttpResponse<String> scrape = get("/actuator/prometheus");
    assertThat(scrape.statusCode()).isEqualTo(200);
    Set<String> scraped = scrapedNames(scrape.body());

    Map<String, String> queries = queries();
    Map<String, Set<String>> missing = new LinkedHashMap<>();
    Set<String> read = new TreeSet<>();
    queries.forEach((where, query) -> {
      Set<String> names = PromQl.metricNames(query);
      assertThat(names).as("%s reads no metric: %s", where, query).isNotEmpty();
      read.addAll(names);
      Set<String> absent = new TreeSet<>(names);
      absent.removeAll(scraped);
      if (!absent.isEmpty()) {
        missing.put(where, absent);
      }
    });
    assertThat(missing).as("metrics the dashboard reads but /actuator/prometheus does not publish").isEmpty();
    // The dashboard covers every meter family of the starter that this sample publishes, and the pool's.
    assertThat(read).contains(
        "atom_async_worker_duration_seconds_count", "atom_async_worker_duration_seconds_bucket",
        "atom_async_worker_queue_wait_seconds_sum", "atom_async_worker_queue_wait_seconds_count",
        "atom_async_worker_queue_wait_seconds_bucket", "atom_async_worker_queue_wait_seconds_max",
        "atom_async_workers_active_workers", "atom_async_workers_pending_workers",
        "atom_async_workers_rejected_workers_total", "atom_async_retry_calls_total", "atom_async_retry_attempts_total",
        "executor_active_threads", "executor_pool_size_threads", "executor_queued_tasks");
  }

  @Test
  void theDataSourceIsAVariable_neverAHardCodedUid() {
    List<JsonNode> variables = new ArrayList<>();
    dashboard.path("templating").path("list").forEach(variables::add);
    assertThat(variables).anySatisfy(v -> {
      assertThat(v.path("type").asString()).isEqualTo("datasource");
      assertThat(v.path("query").asString()).isEqualTo("prometheus");
      assertThat(v.path("name").asString()).isEqualTo("datasource");
    });
    List<String> uids = new ArrayList<>();
    collectDataSourceUids(dashboard, uids);
    assertThat(uids).isNotEmpty().allSatisfy(uid -> assertThat(uid).isEqualTo("${datasource}"));
  }

  private static void collectDataSourceUids(JsonNode node, List<String> uids) {
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> property : node.properties()) {
        if (property.getKey().equals("datasource")) {
          JsonNode ds = property.getValue();
          uids.add(ds.isObject() ? ds.path("uid").asString() : ds.asString()); // a bare string is a name or uid
        } else {
          collectDataSourceUids(property.getValue(), uids);
        }
      }
    } else if (node.isArray()) {
      node.forEach(child -> collectDataSourceUids(child, uids));
    }
  }

  @Test
  void managerAndNameAreTemplateVariables_fromLabelValues() {
    Map<String, String> variables = new LinkedHashMap<>();
    for (JsonNode v : dashboard.path("templating").path("list")) {
      variables.put(v.path("name").asString(), v.path("query").asString());
    }
    assertThat(variables.get("manager")).startsWith("label_values(").endsWith(", manager)");
    assertThat(variables.get("name")).startsWith("label_values(").endsWith(", name)");
  }

  @Test
  void hasThePanelsTheReadmePromises_eachWithAQuery() {
    List<String> titles = panels().stream().map(p -> p.path("title").asString()).toList();
    assertThat(titles).contains("Throughput by outcome and name", "Duration p50 / p95 / p99 by name",
        "Queue wait by name", "Active and pending workers", "Rejected workers", "Retry calls by kind",
        "Pool threads", "Pool queue");
    assertThat(panels()).allSatisfy(p -> assertThat(p.path("targets").isEmpty())
        .as("panel '%s' has no query", p.path("title").asString()).isFalse());
  }
}
