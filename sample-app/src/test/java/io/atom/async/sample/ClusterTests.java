package io.atom.async.sample;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import io.atom.async.hazelcast.ClusterWorkerManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code cluster} profile as the two-copies demo runs it: this test's application and a second copy
 * of the sample (its own Spring context, web server and Hazelcast member, in this JVM) form a cluster on
 * ports 5971-5973, away from the demo's 5701 and the other suites' 5901-5960. The last test terminates the
 * second copy's member mid-job, as {@code kill -9} would.
 */
@Timeout(120)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    ClusterTests.PORT, ClusterTests.NAME, ClusterTests.CHUNK_WORK})
@ActiveProfiles("cluster")
@DirtiesContext // a Hazelcast member is no context to keep cached for the suites that follow
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTests {
  static final String PORT = "sample.cluster.port=5971";
  static final String NAME = "sample.cluster.name=atom-async-sample-tests";
  static final String CHUNK_WORK = "sample.cluster.chunk-work=50ms";
  static final String MANAGER = "clusterWorkerManager";

  /** The second copy of the sample. */
  static ConfigurableApplicationContext second;

  @LocalServerPort
  int port;

  @Autowired
  HazelcastInstance hazelcast;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final JsonMapper json = JsonMapper.builder().build();

  @BeforeAll
  static void startSecondCopy() {
    // Command-line arguments, as for a copy started by hand: builder properties would be defaults, which
    // application-cluster.yml overrides.
    second = new SpringApplicationBuilder(SampleApplication.class).profiles("cluster")
        .run("--server.port=0", "--" + PORT, "--" + NAME, "--" + CHUNK_WORK);
  }

  @AfterAll
  static void stopSecondCopy() {
    if (second != null) {
      second.close();
    }
  }

  @BeforeEach
  void clusterOfTwo() {
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> hazelcast.getCluster().getMembers().size() == 2);
  }

  private static HazelcastInstance secondMember() {
    return second.getBean(HazelcastInstance.class);
  }

  private static String address(HazelcastInstance member) {
    return ClusterJobController.hostAndPort(member.getCluster().getLocalMember().getAddress());
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(60));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> postJob(String chunks) throws Exception {
    return http.send(request("/cluster/jobs?chunks=" + chunks).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Asserts the job answered every chunk once with its value, and returns the chunks' results. */
  private List<JsonNode> allChunksDone(HttpResponse<String> response, int chunks) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode job = json.readTree(response.body());
    assertThat(job.path("chunks").asInt()).isEqualTo(chunks);
    List<JsonNode> results = new ArrayList<>();
    job.path("results").forEach(results::add);
    assertThat(results).hasSize(chunks);
    for (int c = 0; c < chunks; c++) {
      JsonNode result = results.get(c);
      assertThat(result.path("chunk").asInt()).isEqualTo(c);
      assertThat(result.path("value").asLong()).as("chunk %d's value", c).isEqualTo(ChunkRenderer.value(c));
    }
    int counted = 0;
    for (JsonNode n : job.path("chunksByMember")) {
      counted += n.asInt();
    }
    assertThat(counted).as("chunksByMember adds up").isEqualTo(chunks);
    return results;
  }

  @Test
  @Order(1)
  void job_runsEveryChunkOnTheCluster_andSaysWhichMemberRanEach() throws Exception {
    HttpResponse<String> response = postJob("24");

    List<JsonNode> results = allChunksDone(response, 24);
    JsonNode job = json.readTree(response.body());
    assertThat(job.path("submittedBy").asString()).isEqualTo(address(hazelcast));
    assertThat(job.path("resubmittedDuringJob").asLong()).isZero();
    // Members are chosen at random: 24 chunks all on one of two members has a chance of 2^-23.
    assertThat(job.path("chunksByMember").propertyNames())
        .containsExactlyInAnyOrder(address(hazelcast), address(secondMember()));
    assertThat(results).extracting(r -> r.path("member").asString())
        .containsOnly(address(hazelcast), address(secondMember()));
  }

  @Test
  @Order(2)
  void eachChunkIsRenderedByTheSpringBeanOfTheMemberThatRanIt() throws Exception {
    // Only a ChunkRenderer injected on the member knows that copy's web port: the second copy's port in a
    // chunk proves @SpringAware injection from the second copy's context, on the second copy's member.
    Map<String, Integer> webPortOf = new HashMap<>();
    webPortOf.put(address(hazelcast), port);
    webPortOf.put(address(secondMember()), second.getEnvironment().getProperty("local.server.port", Integer.class));
    assertThat(webPortOf.get(address(secondMember()))).isNotEqualTo(port);

    List<JsonNode> results = allChunksDone(postJob("16"), 16);

    assertThat(results).allSatisfy(r ->
        assertThat(r.path("webPort").asInt()).as(r.toString()).isEqualTo(webPortOf.get(r.path("member").asString())));
  }

  @Test
  @Order(3)
  void chunksOutOfRange_are400ProblemDetailsNamingTheArgument() throws Exception {
    HttpResponse<String> zero = postJob("0");
    assertThat(zero.statusCode()).isEqualTo(400);
    assertThat(zero.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
    assertThat(zero.body()).contains("chunks must be between 1 and 1000 but was 0");
    assertThat(postJob("1001").body()).contains("chunks must be between 1 and 1000 but was 1001");
    HttpResponse<String> notANumber = postJob("lots");
    assertThat(notANumber.statusCode()).isEqualTo(400);
    assertThat(notANumber.body()).contains("\"status\":400").doesNotContain("Exception");
  }

  @Test
  @Order(4)
  void theClusterManager_isInTheEndpoint_andPublishesItsMeters() throws Exception {
    allChunksDone(postJob("4"), 4);

    JsonNode workers = json.readTree(get("/actuator/asyncworkers").body()).path("managers");
    assertThat(workers.propertyNames()).contains("asyncWorkerManager", MANAGER);
    assertThat(workers.path(MANAGER).path("states").path("SUCCEEDED").asLong()).isGreaterThanOrEqualTo(4);

    HttpResponse<String> duration = get("/actuator/metrics/atom.async.worker.duration?tag=manager:" + MANAGER
        + "&tag=name:" + ClusterJobController.WORKER_NAME + "&tag=outcome:success");
    assertThat(duration.statusCode()).isEqualTo(200);
    JsonNode count = json.readTree(duration.body()).path("measurements").get(0);
    assertThat(count.path("statistic").asString()).isEqualTo("COUNT");
    assertThat(count.path("value").asDouble()).isGreaterThanOrEqualTo(4);

    HttpResponse<String> resubmitted = get("/actuator/metrics/atom.async.cluster.resubmitted?tag=manager:" + MANAGER);
    assertThat(resubmitted.statusCode()).isEqualTo(200);
  }

  @Test
  @Order(5) // last: the second copy's member does not come back
  void theSecondCopysMemberKilledMidJob_itsChunksAreResubmitted_andTheJobCompletes(
      @Autowired ClusterWorkerManager cluster) throws Exception {
    HazelcastInstance victim = secondMember();
    long startedBefore = startedOn(victim);
    long resubmittedBefore = cluster.resubmittedCount();
    // 200 chunks of 50 ms on 2 x 4 threads: about 1.3 s, the second member holding about 100 of them.
    CompletableFuture<HttpResponse<String>> job = http.sendAsync(
        request("/cluster/jobs?chunks=200").POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
        .until(() -> startedOn(victim) > startedBefore);
    victim.getLifecycleService().terminate(); // as kill -9: no goodbye, its chunks in flight are lost

    HttpResponse<String> response = job.get(60, TimeUnit.SECONDS);

    allChunksDone(response, 200);
    JsonNode answer = json.readTree(response.body());
    assertThat(answer.path("resubmittedDuringJob").asLong()).isPositive();
    assertThat(answer.path("resubmittedTotal").asLong()).isEqualTo(cluster.resubmittedCount());
    assertThat(cluster.resubmittedCount() - resubmittedBefore).isEqualTo(answer.path("resubmittedDuringJob").asLong());
    assertThat(hazelcast.getCluster().getMembers()).hasSize(1);
  }

  private static long startedOn(HazelcastInstance member) {
    return member.getExecutorService(MANAGER).getLocalExecutorStats().getStartedTaskCount();
  }
}
