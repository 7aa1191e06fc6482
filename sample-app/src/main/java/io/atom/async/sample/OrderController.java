package io.atom.async.sample;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.BackoffStrategy;
import io.atom.async.RetryExhaustedException;
import io.atom.async.RetryPolicy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.RestClient;

/**
 * The document's Example 2: an order calls payment and inventory in parallel, each with retry and
 * exponential backoff, over real HTTP with Spring's RestClient. The response says how many attempts
 * each call took; a downstream that stays down past the deadline gives a 503 saying the same.
 */
@RestController
class OrderController {
  private final AsyncWorkerManager manager;
  private final RestClient.Builder http;
  private final WebServerApplicationContext server;
  private final RetryPolicy<Map<String, Object>> policy;
  private final Map<String, OrderResult> orders = new ConcurrentHashMap<>();

  OrderController(AsyncWorkerManager manager, RestClient.Builder http, WebServerApplicationContext server,
      SampleProperties properties) {
    this.manager = manager;
    this.http = http;
    this.server = server;
    this.policy = RetryPolicy.<Map<String, Object>>builder()
        .maxAttempts(properties.orderMaxAttempts())
        .initialDelay(properties.orderInitialDelay())
        .backoff(BackoffStrategy.EXPONENTIAL)
        .maxTotalDelay(properties.orderMaxTotalDelay())
        .retryOn(HttpServerErrorException.class) // 5xx: retry; a 4xx would be our bug, not transient
        .build();
  }

  record OrderRequest(String orderId, List<String> items, Double amount) {}

  record CallResult(String service, int attempts, Map<String, Object> response) {}

  record OrderResult(String orderId, String status, CallResult payment, CallResult inventory) {}

  @PostMapping("/orders")
  OrderResult place(@RequestBody OrderRequest order, @RequestParam(defaultValue = "0") int paymentFailures,
      @RequestParam(defaultValue = "0") int inventoryFailures) {
    if (order.orderId() == null || order.orderId().isBlank()) {
      throw new BadRequestException("orderId is required");
    }
    if (order.items() == null || order.items().isEmpty()) {
      throw new BadRequestException("items must list at least one item");
    }
    if (order.amount() == null || !(order.amount() > 0)) {
      throw new BadRequestException("amount must be > 0 but was " + order.amount());
    }
    if (paymentFailures < 0 || inventoryFailures < 0) {
      throw new BadRequestException("paymentFailures and inventoryFailures must be >= 0");
    }
    RestClient client = http.baseUrl("http://localhost:" + server.getWebServer().getPort()).build();
    try (AsyncWorkerManager request = manager.newScope()) {
      AtomicInteger paymentAttempts = new AtomicInteger();
      AtomicInteger inventoryAttempts = new AtomicInteger();
      // Named by operation, never by order id: the name tags the metrics, so it must stay low-cardinality.
      AsyncWorker<Map<String, Object>> payment = request.retry("payment",
          () -> call(client, "payment", order.orderId(), paymentFailures, paymentAttempts), policy);
      AsyncWorker<Map<String, Object>> inventory = request.retry("inventory",
          () -> call(client, "inventory", order.orderId(), inventoryFailures, inventoryAttempts), policy);
      Map<String, Object> paid = result(payment, "payment");
      Map<String, Object> reserved = result(inventory, "inventory");
      // Each attempt count is final once its call has ended.
      OrderResult result = new OrderResult(order.orderId(), "CONFIRMED",
          new CallResult("payment", paymentAttempts.get(), paid),
          new CallResult("inventory", inventoryAttempts.get(), reserved));
      orders.put(order.orderId(), result);
      return result;
    }
  }

  @GetMapping("/orders/{orderId}")
  OrderResult get(@PathVariable String orderId) {
    OrderResult result = orders.get(orderId);
    if (result == null) {
      throw new UnknownOrderException(orderId);
    }
    return result;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> call(RestClient client, String service, String orderId, int failFirst,
      AtomicInteger attempts) {
    attempts.incrementAndGet();
    return client.post().uri("/downstream/{service}", service)
        .header("X-Order-Id", orderId).header("X-Fail-First", String.valueOf(failFirst))
        .retrieve().body(Map.class);
  }

  private static Map<String, Object> result(AsyncWorker<Map<String, Object>> call, String service) {
    try {
      return call.getResult();
    } catch (RetryExhaustedException e) {
      throw new DownstreamUnavailableException(service, e.attempts(), e);
    }
  }

  /** An order id that was never placed: 404. */
  static final class UnknownOrderException extends RuntimeException {
    UnknownOrderException(String orderId) {
      super("no order with id '" + orderId + "'");
    }
  }

  /** A downstream that stayed down past the retry deadline: 503 with the attempts made. */
  static final class DownstreamUnavailableException extends RuntimeException {
    final String service;
    final int attempts;

    DownstreamUnavailableException(String service, int attempts, Throwable cause) {
      super(service + " is unavailable after " + attempts + " attempts", cause);
      this.service = service;
      this.attempts = attempts;
    }

    ProblemDetail problem() {
      ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, getMessage());
      problem.setTitle("Downstream unavailable");
      problem.setProperty("service", service);
      problem.setProperty("attempts", attempts);
      return problem;
    }
  }

  static ResponseEntity<ProblemDetail> notFound(UnknownOrderException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    problem.setTitle("Unknown order");
    return ResponseEntity.status(HttpStatus.NOT_FOUND).body(problem);
  }
}
