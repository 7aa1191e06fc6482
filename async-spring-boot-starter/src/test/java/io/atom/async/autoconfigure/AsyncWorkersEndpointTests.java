package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerState;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The asyncworkers endpoint over real HTTP, exposed with its default (read-only) access: the listing,
 * one worker by id with its stack, a refused DELETE, 404 for an unknown id, and a listing of 10,000.
 */
@Timeout(120)
@SpringBootTest(classes = AsyncWorkersEndpointTests.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"management.endpoints.web.exposure.include=asyncworkers", "atom.async.pool.core-size=2",
        "atom.async.pool.max-size=2", "atom.async.pool.queue-capacity=20000"})
class AsyncWorkersEndpointTests {

  @SpringBootApplication
  static class App {}

  @LocalServerPort
  int port;

  @Autowired
  AsyncWorkerManager manager;

  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void cancelEverything() {
    release.countDown();
    manager.cancelAll();
    await().atMost(Duration.ofSeconds(20)).until(() -> manager.inFlightCount() == 0);
  }

  /** A job that holds its thread (sleeping) until released or interrupted; bounded. */
  private AsyncWorker<String> stuckJob(CountDownLatch running) {
    return manager.createWorker("stuck-job", () -> {
      running.countDown();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (release.getCount() > 0 && System.nanoTime() < end) {
        Thread.sleep(20); // the task under test: a job that takes long
      }
      return "released";
    });
  }

  @Test
  void aRunningWorker_isListedWithItsThread_readableByIdWithItsStack_andDeleteIsRefusedByDefault() throws Exception {
    Http http = new Http(port);
    CountDownLatch running = new CountDownLatch(1);
    AsyncWorker<String> job = stuckJob(running);
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

    HttpResponse<String> listing = http.get("/actuator/asyncworkers");
    assertThat(listing.statusCode()).isEqualTo(200);
    JsonNode ours = Http.json(listing).path("managers").path(AsyncWorkerAutoConfiguration.MANAGER_BEAN);
    assertThat(ours.path("inFlight").asInt()).isEqualTo(1);
    assertThat(ours.path("states").path("RUNNING").asInt()).isEqualTo(1);
    assertThat(ours.path("states").path("SCHEDULED").asInt()).isZero();
    assertThat(ours.path("states").has("SUCCEEDED")).as("the starter's manager records: ended counts too").isTrue();
    assertThat(ours.path("pool").path("max").asInt()).isEqualTo(2);
    assertThat(ours.path("pool").path("active").asInt()).isEqualTo(1);
    assertThat(ours.path("pool").path("queueRemaining").asInt()).isEqualTo(20000);
    JsonNode worker = ours.path("workers").path(0);
    assertThat(worker.path("id").asLong()).isEqualTo(job.id());
    assertThat(worker.path("name").asString()).isEqualTo("stuck-job");
    assertThat(worker.path("state").asString()).isEqualTo("RUNNING");
    assertThat(worker.path("thread").asString()).startsWith("atom-async-");
    assertThat(worker.path("runningFor").isNumber()).isTrue();
    assertThat(worker.path("queuedFor").isNumber()).isTrue();
    assertThat(worker.path("startedAt").asString()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(worker.path("stuck").asBoolean()).isFalse();
    assertThat(worker.has("scope")).as("not in a scope: omitted").isFalse();
    assertThat(worker.has("attempt")).as("not retried: omitted").isFalse();
    assertThat(worker.has("stackTrace")).as("not in the listing").isFalse();

    HttpResponse<String> one = http.get("/actuator/asyncworkers/" + job.id());
    assertThat(one.statusCode()).isEqualTo(200);
    JsonNode described = Http.json(one);
    assertThat(described.path("manager").asString()).isEqualTo(AsyncWorkerAutoConfiguration.MANAGER_BEAN);
    assertThat(described.path("name").asString()).isEqualTo("stuck-job");
    List<String> frames = new ArrayList<>();
    described.path("stackTrace").forEach(frame -> frames.add(frame.asString()));
    assertThat(frames).anyMatch(frame -> frame.contains("java.lang.Thread.sleep"));

    HttpResponse<String> delete = http.delete("/actuator/asyncworkers/" + job.id());
    assertThat(delete.statusCode()).as("no write access by default").isEqualTo(405);
    assertThat(job.state()).isEqualTo(WorkerState.RUNNING);

    assertThat(http.get("/actuator/asyncworkers/987654321012").statusCode()).isEqualTo(404);
    assertThat(http.get("/actuator/asyncworkers/not-a-number").statusCode()).isEqualTo(400);
  }

  @Test
  void tenThousandWorkersInFlight_areCountedAll_butListedUpToTheCap_oldestFirst() throws Exception {
    Http http = new Http(port);
    CountDownLatch running = new CountDownLatch(2);
    stuckJob(running);
    stuckJob(running);
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    List<AsyncWorker<Integer>> queued = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      queued.add(manager.createWorker("queued", () -> 1));
    }

    HttpResponse<String> listing = http.get("/actuator/asyncworkers");

    assertThat(listing.statusCode()).isEqualTo(200);
    JsonNode ours = Http.json(listing).path("managers").path(AsyncWorkerAutoConfiguration.MANAGER_BEAN);
    assertThat(ours.path("inFlight").asInt()).isEqualTo(10_002);
    assertThat(ours.path("states").path("SCHEDULED").asInt()).isEqualTo(10_000);
    assertThat(ours.path("pool").path("queued").asInt()).isEqualTo(10_000);
    JsonNode workers = ours.path("workers");
    assertThat(workers.size()).as("atom.async.endpoint.max-listed, 100 by default").isEqualTo(100);
    assertThat(workers.path(0).path("name").asString()).isEqualTo("stuck-job");
    assertThat(workers.path(2).path("id").asLong()).as("oldest first").isEqualTo(queued.get(0).id());
    assertThat(workers.path(99).path("id").asLong()).isEqualTo(queued.get(97).id());
    assertThat(listing.body().length()).as("a bounded answer: 100 workers, not 10,002").isLessThan(50_000);
  }
}
