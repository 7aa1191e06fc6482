package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Counts a manager's ended workers from its {@code atom.async.worker.duration} timers (every name,
 * tag {@code manager} = the bean name), for the {@code asyncworkers} endpoint: what the recorder has
 * recorded anyway, so the task path pays nothing more. A cumulative registry (Prometheus, the simple
 * registry) counts since start; a step registry counts its current step only. A manager built with
 * {@code recordStats()} is counted by its own counters instead.
 */
final class MeterRegistryEndedCounts implements AsyncWorkersEndpoint.EndedCounts {

  private final Supplier<@Nullable MeterRegistry> registry;

  MeterRegistryEndedCounts(Supplier<@Nullable MeterRegistry> registry) {
    this.registry = registry;
  }

  @Override
  public @Nullable Map<WorkerState, Long> of(String beanName, AsyncWorkerManager manager) {
    if (manager.recordsStats()) {
      return STATS.of(beanName, manager);
    }
    MeterRegistry r = registry.get();
    if (r == null || !manager.records()) {
      return null;
    }
    Map<WorkerState, Long> counts = new LinkedHashMap<>();
    for (WorkerState s : WorkerState.values()) {
      if (s.isTerminal()) {
        long n = 0;
        for (Timer t : r.find("atom.async.worker.duration").tag("manager", beanName)
            .tag("outcome", AsyncWorkerManagerMetrics.outcome(s)).timers()) {
          n += t.count();
        }
        counts.put(s, n);
      }
    }
    return counts;
  }
}
