package io.atom.async.autoconfigure;

import io.atom.async.hazelcast.ClusterTaskContext;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.util.HashMap;
import java.util.Map;

/**
 * Carries the submitter's trace to the member that runs a cluster task: the current trace context is
 * injected into the task's entries with the application's {@link Propagator} (W3C or B3 headers, as
 * configured), and on the executing member a span named after the worker (tag
 * {@code atom.async.cluster.task}) is started as its child and made current around the task, so spans the
 * task opens nest under it and its MDC carries the trace. Nothing travels when no span is current.
 *
 * <p>Thread-safe: stateless beyond the tracer and propagator, which are.
 */
final class TracingClusterTaskContext implements ClusterTaskContext {
  private final Tracer tracer;
  private final Propagator propagator;

  TracingClusterTaskContext(Tracer tracer, Propagator propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
  }

  @Override
  public Map<String, String> capture() {
    TraceContext context = tracer.currentTraceContext().context();
    if (context == null) {
      return Map.of();
    }
    Map<String, String> carrier = new HashMap<>();
    propagator.inject(context, carrier, Map::put);
    return carrier;
  }

  @Override
  public Scope restore(Map<String, String> captured, String name) {
    Span span = propagator.extract(captured, Map::get).name(name).kind(Span.Kind.CONSUMER)
        .tag("atom.async.cluster.task", "true").start();
    Tracer.SpanInScope inScope = tracer.withSpan(span);
    return () -> {
      inScope.close();
      span.end();
    };
  }

  @Override
  public String toString() {
    return "TracingClusterTaskContext[" + propagator.getClass().getSimpleName() + "]";
  }
}
