package io.atom.async.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.TraceContext;
import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

/**
 * With a real tracer (Brave, spans kept in memory) and {@code atom.async.observations.enabled=true}: the
 * HTTP request's span is the parent of the worker spans, retry attempts nest under their operation,
 * and the MDC inside a task carries the worker's trace.
 */
@Timeout(60)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"atom.async.observations.enabled=true", "management.tracing.sampling.probability=1.0",
        "sample.order-initial-delay=5ms", "sample.order-max-total-delay=2s"})
class TracingTests {

  /** Every finished span, in finishing order. */
  @TestConfiguration(proxyBeanMethods = false)
  static class InMemorySpans {
    static final List<MutableSpan> FINISHED = new CopyOnWriteArrayList<>();

    @Bean
    SpanHandler inMemorySpanHandler() {
      return new SpanHandler() {
        @Override
        public boolean end(TraceContext context, MutableSpan span, Cause cause) {
          if (cause == Cause.FINISHED) {
            FINISHED.add(span);
          }
          return true;
        }
      };
    }
  }

  @LocalServerPort
  int port;

  @Autowired
  AsyncWorkerManager manager;

  @Autowired
  ObservationRegistry observations;

  @Autowired
  Tracer tracer;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeEach
  void clear() {
    InMemorySpans.FINISHED.clear();
  }

  @Test
  void theRequestsSpan_isTheParentOfTheWorkerSpans_andAttemptsNestUnderTheirOperation() throws Exception {
    HttpResponse<String> order = http.send(HttpRequest.newBuilder(
            URI.create("http://localhost:" + port + "/orders?paymentFailures=2&inventoryFailures=0"))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString("{\"orderId\":\"o-trace\",\"items\":[\"book\"],\"amount\":42.0}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(order.statusCode()).isEqualTo(200);

    MutableSpan request = await().atMost(Duration.ofSeconds(20)).until(
        () -> spans(s -> s.kind() == brave.Span.Kind.SERVER && "/orders".equals(s.tag("uri"))), l -> l.size() == 1)
        .get(0);
    MutableSpan payment = onlySpanNamed("payment");
    MutableSpan inventory = onlySpanNamed("inventory");
    for (MutableSpan op : List.of(payment, inventory)) {
      assertThat(op.traceId()).isEqualTo(request.traceId());
      assertThat(op.parentId()).as("%s under the request", op.name()).isEqualTo(request.id());
      assertThat(op.tag("manager")).isEqualTo("asyncWorkerManager");
      assertThat(op.tag("outcome")).isEqualTo("success");
    }
    List<MutableSpan> paymentAttempts = spans(s -> s.name() != null && s.name().startsWith("payment attempt"));
    assertThat(paymentAttempts).extracting(s -> s.tag("attempt")).containsExactlyInAnyOrder("1", "2", "3");
    assertThat(paymentAttempts).allSatisfy(a -> assertThat(a.parentId()).isEqualTo(payment.id()));
    assertThat(paymentAttempts).filteredOn(a -> !"3".equals(a.tag("attempt")))
        .allSatisfy(a -> assertThat(a.tag("outcome")).isEqualTo("failure"));
    assertThat(spans(s -> s.name() != null && s.name().startsWith("inventory attempt"))).singleElement()
        .satisfies(a -> assertThat(a.parentId()).isEqualTo(inventory.id()));
  }

  @Test
  void insideATask_theMdcCarriesTheTraceOfTheObservationThatStartedIt() throws Exception {
    Observation parent = Observation.start("test.parent", observations);
    AsyncWorker<String> worker;
    String traceId;
    try (Observation.Scope ignored = parent.openScope()) {
      traceId = Objects.requireNonNull(tracer.currentSpan()).context().traceId();
      worker = manager.createWorker("mdc-check", () -> MDC.get("traceId"));
    }
    assertThat(worker.waitForCompletion(Duration.ofSeconds(10))).isTrue();
    parent.stop();
    assertThat(worker.getResult()).isEqualTo(traceId);
    MutableSpan span = await().atMost(Duration.ofSeconds(10)).until(() -> spans(s -> "mdc-check".equals(s.name())),
        l -> l.size() == 1).get(0);
    assertThat(span.traceId()).isEqualTo(traceId);
  }

  private static MutableSpan onlySpanNamed(String name) {
    return await().atMost(Duration.ofSeconds(20)).until(() -> spans(s -> name.equals(s.name())), l -> l.size() == 1)
        .get(0);
  }

  private static List<MutableSpan> spans(java.util.function.Predicate<MutableSpan> filter) {
    return InMemorySpans.FINISHED.stream().filter(filter).collect(Collectors.toList());
  }
}
