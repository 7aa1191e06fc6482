package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerInfo;
import io.atom.async.WorkerState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code asyncworkers} actuator endpoint: the work in flight in every {@link AsyncWorkerManager}
 * bean, one worker by id with its thread's stack, and the cancellation of one worker.
 *
 * <ul>
 *   <li>{@code GET /actuator/asyncworkers}: per manager bean (key: the bean name), its in-flight count,
 *       its pool, its workers by state (the ended ones when the manager records metrics), how many are
 *       stuck, and its oldest in-flight workers, at most {@code atom.async.endpoint.max-listed} (100);
 *   <li>{@code GET /actuator/asyncworkers/{id}}: that worker with the stack of the thread running it,
 *       or 404 if no manager has it in flight;
 *   <li>{@code DELETE /actuator/asyncworkers/{id}}: cancels it (its thread is interrupted) and answers
 *       whether it was cancelled or had already ended, and in which state; 404 if no manager has it in
 *       flight. A write operation: only with {@code management.endpoint.asyncworkers.access=unrestricted}.
 * </ul>
 *
 * <p>Its default access is read-only, so exposing it does not expose the cancellation: that takes
 * {@code management.endpoint.asyncworkers.access=unrestricted} (or raising
 * {@code management.endpoints.access.default}, which applies to every endpoint).
 * Listing walks each manager's tracked workers (the tasks take no lock for it) and is weakly
 * consistent; see {@link WorkerInfo} for what its times mean. A finished worker is no longer tracked:
 * its id answers 404.
 *
 * <p>This class is thread-safe.
 */
@Endpoint(id = AsyncWorkersEndpoint.ID, defaultAccess = Access.READ_ONLY)
public final class AsyncWorkersEndpoint {

  /** The endpoint's id. */
  public static final String ID = "asyncworkers";

  private final Supplier<Map<String, AsyncWorkerManager>> managers;
  private final int maxListed;
  private final EndedCounts endedCounts;

  AsyncWorkersEndpoint(Supplier<Map<String, AsyncWorkerManager>> managers, int maxListed, EndedCounts endedCounts) {
    this.managers = managers;
    this.maxListed = maxListed;
    this.endedCounts = endedCounts;
  }

  /**
   * Lists the work in flight in every manager bean.
   *
   * @return the managers by bean name
   */
  @ReadOperation
  public WorkersDescriptor workers() {
    Map<String, ManagerDescriptor> byBean = new LinkedHashMap<>();
    managers.get().forEach((bean, manager) -> byBean.put(bean, describe(bean, manager)));
    return new WorkersDescriptor(byBean);
  }

  /**
   * Describes one in-flight worker, with the stack of the thread running it.
   *
   * @param id the worker's id
   * @return the worker, or null (404) if no manager bean has it in flight
   */
  @ReadOperation
  public @Nullable WorkerDescriptor worker(@Selector long id) {
    for (Map.Entry<String, AsyncWorkerManager> bean : managers.get().entrySet()) {
      Optional<WorkerInfo> info = bean.getValue().inFlightWorker(id);
      if (info.isPresent()) {
        return WorkerDescriptor.of(info.get(), bean.getKey(), true);
      }
    }
    return null;
  }

  /**
   * Cancels one in-flight worker: it never runs if it waits, its thread is interrupted if it runs.
   *
   * @param id the worker's id
   * @return what happened, or null if no manager bean has it in flight (the web extension answers 404)
   */
  @DeleteOperation
  public @Nullable CancelDescriptor cancel(@Selector long id) {
    for (Map.Entry<String, AsyncWorkerManager> bean : managers.get().entrySet()) {
      Optional<AsyncWorker<?>> found = bean.getValue().findWorker(id);
      if (found.isPresent()) {
        AsyncWorker<?> worker = found.get();
        bean.getValue().cancel(worker);
        WorkerState state = worker.state(); // terminal now: CANCELLED, or what it reached first
        return new CancelDescriptor(id, bean.getKey(), state == WorkerState.CANCELLED, state.name());
      }
    }
    return null;
  }

  private ManagerDescriptor describe(String bean, AsyncWorkerManager manager) {
    List<WorkerInfo> oldest = manager.inFlightWorkers(maxListed);
    List<WorkerDescriptor> workers = new ArrayList<>(oldest.size());
    for (WorkerInfo info : oldest) {
      workers.add(WorkerDescriptor.of(info, null, false));
    }
    Map<String, Long> states = new LinkedHashMap<>();
    states.put(WorkerState.SCHEDULED.name(), (long) manager.pendingCount());
    states.put(WorkerState.RUNNING.name(), (long) manager.activeCount());
    Map<WorkerState, Long> ended = endedCounts.of(bean, manager);
    if (ended != null) {
      for (WorkerState s : WorkerState.values()) {
        Long n = ended.get(s);
        if (s.isTerminal() && n != null) {
          states.put(s.name(), n);
        }
      }
    }
    return new ManagerDescriptor(manager.inFlightCount(), PoolDescriptor.of(manager.executor()), states,
        manager.stuckCount(), workers);
  }

  /**
   * The answer of {@code GET /actuator/asyncworkers}.
   *
   * @param managers each manager bean's work, by bean name
   */
  public record WorkersDescriptor(Map<String, ManagerDescriptor> managers) implements OperationResponseBody {}

  /**
   * One manager bean's work.
   *
   * @param inFlight its workers started and not ended, its scopes' included
   * @param pool its pool's threads and queue, or null if its executor is not a {@link ThreadPoolExecutor}
   * @param states how many workers are {@code SCHEDULED} and {@code RUNNING} now and, when the manager
   *     records metrics, how many ended in each terminal state since start
   * @param stuck how many workers hold their thread longer than the stuck threshold now
   * @param workers the oldest in-flight workers, oldest first, at most {@code atom.async.endpoint.max-listed}
   */
  public record ManagerDescriptor(int inFlight, @Nullable PoolDescriptor pool, Map<String, Long> states, int stuck,
      List<WorkerDescriptor> workers) {}

  /**
   * A pool's state.
   *
   * @param active threads running a task
   * @param max the most threads it may have
   * @param queued tasks waiting in its queue
   * @param queueRemaining free places in its queue, or null if the queue is unbounded
   */
  public record PoolDescriptor(int active, int max, int queued, @Nullable Integer queueRemaining) {

    static @Nullable PoolDescriptor of(Executor executor) {
      if (!(executor instanceof ThreadPoolExecutor)) {
        return null;
      }
      ThreadPoolExecutor pool = (ThreadPoolExecutor) executor;
      int remaining = pool.getQueue().remainingCapacity();
      return new PoolDescriptor(pool.getActiveCount(), pool.getMaximumPoolSize(), pool.getQueue().size(),
          remaining < Integer.MAX_VALUE / 2 ? remaining : null);
    }
  }

  /**
   * One in-flight worker.
   *
   * @param id its id, unique in the JVM
   * @param manager the manager bean it belongs to (only when asked for by id)
   * @param name its name ({@code unnamed} for unnamed work)
   * @param state {@code SCHEDULED} or {@code RUNNING}
   * @param scope the id of the scope it was created in, or null if it belongs to the manager itself
   * @param startedAt when it was started, ISO-8601
   * @param queuedFor milliseconds it waited for a thread
   * @param runningFor milliseconds it has been running (a retried operation: since its first attempt)
   * @param thread the name of the thread running it, or null while none does
   * @param stuck whether it has held its thread longer than the stuck threshold
   * @param attempt the current attempt of a retried operation, or null if it is not retried
   * @param maxAttempts the most attempts of a retried operation, or null if it is not retried
   * @param stackTrace its thread's stack, innermost frame first (only when asked for by id, while it runs)
   */
  public record WorkerDescriptor(long id, @Nullable String manager, String name, String state, @Nullable Long scope,
      String startedAt, long queuedFor, long runningFor, @Nullable String thread, boolean stuck,
      @Nullable Integer attempt, @Nullable Integer maxAttempts, @Nullable List<String> stackTrace)
      implements OperationResponseBody {

    static WorkerDescriptor of(WorkerInfo w, @Nullable String manager, boolean withStack) {
      List<String> stack = null;
      if (withStack) {
        stack = new ArrayList<>(w.stackTrace().size());
        for (StackTraceElement frame : w.stackTrace()) {
          stack.add(frame.toString());
        }
      }
      boolean retried = w.maxAttempts() > 0;
      return new WorkerDescriptor(w.id(), manager, w.name(), w.state().name(), w.scope() != 0 ? w.scope() : null,
          w.startedAt().toString(), w.queuedFor().toMillis(), w.runningFor().toMillis(), w.thread(), w.stuck(),
          retried ? w.attempt() : null, retried ? w.maxAttempts() : null, stack);
    }
  }

  /**
   * The answer of {@code DELETE /actuator/asyncworkers/{id}}.
   *
   * @param id the worker's id
   * @param manager the manager bean it belongs to
   * @param cancelled whether it is cancelled now (false: it had already ended)
   * @param state its state now: {@code CANCELLED}, or the terminal state it reached first
   */
  public record CancelDescriptor(long id, String manager, boolean cancelled, String state)
      implements OperationResponseBody {}

  /** How many workers of a manager ended in each terminal state since start, where something records it. */
  @FunctionalInterface
  interface EndedCounts {
    /** The counts, or null if nothing records them for this manager. */
    @Nullable Map<WorkerState, Long> of(String beanName, AsyncWorkerManager manager);

    /** The core's own counters of a manager built with {@code recordStats()}. */
    EndedCounts STATS = (beanName, manager) -> {
      if (!manager.recordsStats()) {
        return null;
      }
      Map<WorkerState, Long> counts = new LinkedHashMap<>();
      for (WorkerState s : WorkerState.values()) {
        if (s.isTerminal()) {
          counts.put(s, manager.stats().ended(s));
        }
      }
      return counts;
    };
  }
}
