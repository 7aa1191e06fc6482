package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The {@code asyncWorkers} health contributor: for each manager bean, its in-flight workers, its
 * pool's active and maximum threads and free queue places, and its stuck workers.
 *
 * <p>Its status is {@code UP} while every manager accepts work, and {@code OUT_OF_SERVICE} once one
 * is shut down (the application is stopping). A saturated pool or stuck work never makes it
 * {@code DOWN}: they are in the details and in the metrics, for alerts. A {@code DOWN} here would make
 * a liveness probe restart the instance, losing the very work in flight and adding load to the other
 * instances, and would make a readiness probe shed traffic at each burst.
 */
final class AsyncWorkersHealthIndicator implements HealthIndicator {

  private final Supplier<Map<String, AsyncWorkerManager>> managers;

  AsyncWorkersHealthIndicator(Supplier<Map<String, AsyncWorkerManager>> managers) {
    this.managers = managers;
  }

  @Override
  public Health health() {
    boolean accepting = true;
    Map<String, Object> details = new LinkedHashMap<>();
    for (Map.Entry<String, AsyncWorkerManager> bean : managers.get().entrySet()) {
      AsyncWorkerManager manager = bean.getValue();
      accepting &= !manager.isShutdown();
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("inFlight", manager.inFlightCount());
      if (manager.executor() instanceof ThreadPoolExecutor) {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) manager.executor();
        detail.put("poolActive", pool.getActiveCount());
        detail.put("poolMax", pool.getMaximumPoolSize());
        int remaining = pool.getQueue().remainingCapacity();
        if (remaining < Integer.MAX_VALUE / 2) {
          detail.put("queueRemaining", remaining); // an unbounded queue has no meaningful figure
        }
      }
      detail.put("stuck", manager.stuckCount());
      detail.put("accepting", !manager.isShutdown());
      details.put(bean.getKey(), detail);
    }
    return (accepting ? Health.up() : Health.outOfService()).withDetails(details).build();
  }
}
