package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The document's retry examples (Quick Start step 4, Example 2), against in-test fakes. */
@Timeout(60)
class SeedRetryExamplesTest {

  /** A fake network operation that fails a set number of times, then answers. */
  static final class FakeService {
    final AtomicInteger calls = new AtomicInteger();
    final int failures;
    final int statusWhenFailing;

    FakeService(int failures, int statusWhenFailing) {
      this.failures = failures;
      this.statusWhenFailing = statusWhenFailing;
    }

    int call() {
      if (calls.incrementAndGet() <= failures) {
        if (statusWhenFailing == 0) {
          throw new IllegalStateException("Network timeout");
        }
        return statusWhenFailing;
      }
      return 200;
    }
  }

  @Test
  void quickStartStep4_errorHandlingWithRetry() {
    FakeService network = new FakeService(2, 0);
    List<String> events = new CopyOnWriteArrayList<>();
    CompletableFuture<Integer> task = Async.asyncRetry(
        () -> network.call(),                   // fails twice with "Network timeout", then 200
        3,                                      // Max attempts
        Duration.ofMillis(100),                 // Initial delay
        BackoffStrategy.EXPONENTIAL,            // Backoff strategy
        Duration.ofMillis(5000),                // Max total time
        result -> events.add("success " + result),
        e -> events.add("error " + e.getMessage()),
        () -> events.add("complete"));
    assertThat(task.join()).isEqualTo(200);
    assertThat(network.calls).hasValue(3);
    assertThat(events).containsExactly("error Network timeout", "error Network timeout", "success 200", "complete");
  }

  @Test
  void quickStartStep4_whenTheNetworkStaysDown_failsAfterThreeAttempts() {
    FakeService network = new FakeService(99, 0);
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger completes = new AtomicInteger();
    CompletableFuture<Integer> task = Async.asyncRetry(() -> network.call(), 3, Duration.ofMillis(10),
        BackoffStrategy.EXPONENTIAL, Duration.ofMillis(5000), r -> { }, e -> errors.incrementAndGet(),
        completes::incrementAndGet);
    assertThatThrownBy(task::join).hasCauseInstanceOf(RetryExhaustedException.class)
        .cause().hasMessageContaining("all 3 attempts");
    assertThat(network.calls).hasValue(3);
    assertThat(errors).hasValue(3);
    assertThat(completes).hasValue(1);
  }

  // ------------------------------------------------------------ Example 2

  record ServiceResponse(int statusCode, String body, Duration latency) {}

  record OrderResult(boolean success, String detail) {}

  /** The document's MicroserviceClient: 5 attempts, exponential backoff, 30 s total, three handlers. */
  static final class MicroserviceClient {
    final List<String> log = new CopyOnWriteArrayList<>();
    private final AsyncWorkerManager manager;

    MicroserviceClient(AsyncWorkerManager manager) {
      this.manager = manager;
    }

    CompletableFuture<ServiceResponse> makeResilientRequest(String endpoint, FakeService http) {
      return manager.asyncRetry(
          () -> {
            long start = System.nanoTime();
            int status = http.call();
            if (status >= 500) {
              throw new IllegalStateException("Server error: " + status); // triggers a retry
            }
            return new ServiceResponse(status, "ok from " + endpoint, Duration.ofNanos(System.nanoTime() - start));
          },
          5,                                    // Max attempts
          Duration.ofMillis(20),                // Initial delay (200 ms in the document; shorter for the test)
          BackoffStrategy.EXPONENTIAL,          // Exponential backoff
          Duration.ofMillis(30_000),            // 30 s total timeout
          resp -> log.add("Request to " + endpoint + " succeeded (HTTP " + resp.statusCode() + ")"),
          e -> log.add("Request to " + endpoint + " failed: " + e.getMessage()),
          () -> log.add("Request sequence to " + endpoint + " completed"));
    }
  }

  @Test
  void example2_orderServiceCallsPaymentAndInventoryInParallelWithRetries() {
    FakeService payment = new FakeService(2, 503);
    FakeService inventory = new FakeService(1, 502);
    try (AsyncWorkerManager manager = new AsyncWorkerManager(4)) {
      MicroserviceClient client = new MicroserviceClient(manager);
      AsyncWorker<OrderResult> order = new AsyncWorker<>();
      order.startAsync(() -> {
        CompletableFuture<ServiceResponse> paymentFuture = client.makeResilientRequest("/payment/process", payment);
        CompletableFuture<ServiceResponse> inventoryFuture = client.makeResilientRequest("/inventory/reserve", inventory);
        ServiceResponse paymentResponse = paymentFuture.get();
        ServiceResponse inventoryResponse = inventoryFuture.get();
        return paymentResponse.statusCode() == 200 && inventoryResponse.statusCode() == 200
            ? new OrderResult(true, "order-1")
            : new OrderResult(false, "Service call failed");
      });
      assertThat(order.getResult(Duration.ofSeconds(30))).isEqualTo(new OrderResult(true, "order-1"));
      assertThat(payment.calls).hasValue(3);
      assertThat(inventory.calls).hasValue(2);
      assertThat(client.log).filteredOn(l -> l.startsWith("Request to /payment/process failed"))
          .containsExactly("Request to /payment/process failed: Server error: 503",
              "Request to /payment/process failed: Server error: 503");
      assertThat(client.log).contains("Request to /inventory/reserve failed: Server error: 502",
          "Request to /payment/process succeeded (HTTP 200)", "Request to /inventory/reserve succeeded (HTTP 200)",
          "Request sequence to /payment/process completed", "Request sequence to /inventory/reserve completed");
      assertThat(client.log).hasSize(3 + 2 + 2); // 2+1 errors, 2 successes, 2 completions
      assertThat(manager.inFlightCount()).isZero();
    }
  }
}
