package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.BackoffStrategy;
import io.atom.async.RetryPolicy;
import io.atom.async.WorkerState;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** The asyncworkers endpoint with {@code access=unrestricted}: DELETE cancels and interrupts. */
@Timeout(120)
@SpringBootTest(classes = AsyncWorkersEndpointCancelTests.App.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"management.endpoints.web.exposure.include=asyncworkers",
        "management.endpoint.asyncworkers.access=unrestricted"})
class AsyncWorkersEndpointCancelTests {

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

  @Test
  void delete_cancelsTheWorker_andInterruptsItsThread() throws Exception {
    Http http = new Http(port);
    CountDownLatch running = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    AsyncWorker<String> job = manager.createWorker("stuck-job", () -> {
      running.countDown();
      try {
        Thread.sleep(30_000); // the task under test: a job stuck until someone cancels it
        return "slept";
      } catch (InterruptedException e) {
        interrupted.set(true);
        throw e;
      }
    });
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

    HttpResponse<String> delete = http.delete("/actuator/asyncworkers/" + job.id());
    assertThat(delete.statusCode()).isEqualTo(200);
    JsonNode answer = Http.json(delete);
    assertThat(answer.path("id").asLong()).isEqualTo(job.id());
    assertThat(answer.path("manager").asString()).isEqualTo(AsyncWorkerAutoConfiguration.MANAGER_BEAN);
    assertThat(answer.path("cancelled").asBoolean()).isTrue();
    assertThat(answer.path("state").asString()).isEqualTo("CANCELLED");
    assertThat(job.state()).isEqualTo(WorkerState.CANCELLED);
    assertThat(job.waitForCompletion(Duration.ofSeconds(10))).isTrue();
    assertThat(interrupted).as("its thread was interrupted").isTrue();

    assertThat(http.delete("/actuator/asyncworkers/" + job.id()).statusCode()).as("ended: no longer tracked")
        .isEqualTo(404);
    assertThat(http.delete("/actuator/asyncworkers/987654321012").statusCode()).isEqualTo(404);
    assertThat(http.get("/actuator/asyncworkers/987654321012").statusCode()).isEqualTo(404);
  }

  @Test
  void delete_ofAQueuedWorker_cancelsIt_andItNeverRuns() throws Exception {
    Http http = new Http(port);
    for (int i = 0; i < 20; i++) { // more than the pool's 16 threads at most: the rest queue
      manager.createWorker("blocker", () -> release.await(30, TimeUnit.SECONDS));
    }
    AtomicBoolean ran = new AtomicBoolean();
    AsyncWorker<Boolean> queued = manager.createWorker("queued-job", () -> ran.getAndSet(true));
    assertThat(queued.state()).isEqualTo(WorkerState.SCHEDULED);

    JsonNode answer = Http.json(http.delete("/actuator/asyncworkers/" + queued.id()));
    assertThat(answer.path("cancelled").asBoolean()).isTrue();
    assertThat(answer.path("state").asString()).isEqualTo("CANCELLED");
    release.countDown();
    await().atMost(Duration.ofSeconds(20)).until(() -> manager.inFlightCount() == 0);
    assertThat(ran).as("a cancelled queued task never runs").isFalse();
  }

  @Test
  void aRetriedOperation_inAScope_showsItsAttempt_andItsScope() throws Exception {
    Http http = new Http(port);
    CountDownLatch secondAttempt = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    try (AsyncWorkerManager request = manager.newScope()) {
      AsyncWorker<String> op = request.retry("inventory", () -> {
        if (calls.incrementAndGet() == 1) {
          throw new IOException("transient");
        }
        secondAttempt.countDown();
        return release.await(30, TimeUnit.SECONDS) ? "reserved" : "gave up";
      }, RetryPolicy.<String>builder().maxAttempts(3).backoff(BackoffStrategy.FIXED)
          .initialDelay(Duration.ofMillis(1)).build());
      assertThat(secondAttempt.await(10, TimeUnit.SECONDS)).isTrue();

      JsonNode worker = Http.json(http.get("/actuator/asyncworkers")).path("managers")
          .path(AsyncWorkerAutoConfiguration.MANAGER_BEAN).path("workers").path(0);
      assertThat(worker.path("id").asLong()).isEqualTo(op.id());
      assertThat(worker.path("name").asString()).isEqualTo("inventory");
      assertThat(worker.path("attempt").asInt()).isEqualTo(2);
      assertThat(worker.path("maxAttempts").asInt()).isEqualTo(3);
      assertThat(worker.path("scope").asLong()).isPositive();
      assertThat(worker.path("thread").asString()).startsWith("atom-async-");
    }
  }
}
