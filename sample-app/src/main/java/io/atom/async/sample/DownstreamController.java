package io.atom.async.sample;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Simulated downstream services (payment, inventory) of the order client. Each call takes
 * {@code sample.downstream-latency}; the first {@code X-Fail-First} calls for an order fail with 503,
 * and any call fails at random with {@code sample.downstream-failure-rate}.
 */
@RestController
class DownstreamController {
  private final SampleProperties properties;
  private final Map<String, AtomicInteger> callsPerOrder = new ConcurrentHashMap<>();

  DownstreamController(SampleProperties properties) {
    this.properties = properties;
  }

  @PostMapping("/downstream/{service}")
  ResponseEntity<Map<String, Object>> call(@PathVariable String service, @RequestHeader("X-Order-Id") String orderId,
      @RequestHeader(name = "X-Fail-First", defaultValue = "0") int failFirst) throws InterruptedException {
    if (!service.equals("payment") && !service.equals("inventory")) {
      throw new BadRequestException("service must be payment or inventory but was " + service);
    }
    Thread.sleep(properties.downstreamLatency().toMillis()); // the simulated remote work
    int call = callsPerOrder.computeIfAbsent(service + "/" + orderId, k -> new AtomicInteger()).incrementAndGet();
    if (call <= failFirst || ThreadLocalRandom.current().nextDouble() < properties.downstreamFailureRate()) {
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("service", service, "call", call));
    }
    callsPerOrder.remove(service + "/" + orderId); // done: keeps the map small
    return ResponseEntity.ok(Map.of("service", service, "call", call, "orderId", orderId));
  }
}
