package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Named work (issue 13): names on the handles, one recorder per name, the bound on distinct names. */
@Timeout(60)
class NamedWorkTest {

  /** Records every event as "name event", and how often each name was resolved. */
  static final class EventRecorder implements WorkerRecorder {
    final String name;
    final List<String> events;
    final Map<String, AtomicInteger> resolved;

    EventRecorder() {
      this("(root)", new CopyOnWriteArrayList<>(), new ConcurrentHashMap<>());
    }

    private EventRecorder(String name, List<String> events, Map<String, AtomicInteger> resolved) {
      this.name = name;
      this.events = events;
      this.resolved = resolved;
    }

    @Override
    public WorkerRecorder forName(String name) {
      resolved.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
      return new EventRecorder(name, events, resolved);
    }

    @Override
    public void recordQueueWait(long nanos) {
      events.add(name + (nanos >= 0 ? " ran" : " BAD queue wait " + nanos)); // a throw here would be swallowed
    }

    @Override
    public void recordEnd(WorkerState outcome, boolean ran, long runNanos) {
      events.add(name + " " + outcome + (ran ? "" : " unrun") + (ran || runNanos == 0L ? "" : " BAD run time"));
    }

    @Override
    public void recordRejected() {
      events.add(name + " rejected");
    }

    @Override
    public void recordAttempt(boolean succeeded) {
      events.add(name + " attempt " + (succeeded ? "ok" : "failed"));
    }

    @Override
    public void recordRetryCall(WorkerStats.RetryCall kind) {
      events.add(name + " " + kind);
    }

    long count(String event) {
      return events.stream().filter(event::equals).count();
    }
  }

  @Test
  void aWorkersName_isItsOperation_andShowsInToStringAndMessages() {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().name("orders").executor(executor).build();
    AsyncWorker<Integer> payment = manager.createWorker("payment", () -> {
      throw new IOException("card declined"); // checked: getResult wraps it, with the worker's label
    });
    AsyncWorker<Integer> unnamed = manager.createWorker(() -> 1);
    AsyncWorker<Integer> later = manager.newWorker("inventory");
    AsyncWorker<Integer> retried = manager.retry("refund", () -> 1, RetryPolicy.<Integer>builder().build());
    executor.runAll();

    assertThat(payment.name()).isEqualTo("payment");
    assertThat(later.name()).isEqualTo("inventory");
    assertThat(retried.name()).isEqualTo("refund");
    assertThat(unnamed.name()).isEqualTo(WorkerRecorder.UNNAMED);
    assertThat(payment.toString()).startsWith("AsyncWorker[orders/payment#").endsWith(", FAILED]");
    assertThat(unnamed.toString()).startsWith("AsyncWorker[orders#");
    assertThatThrownBy(payment::getResult).isInstanceOf(AsyncExecutionException.class)
        .hasMessageStartingWith("worker orders/payment#").hasMessageContaining("card declined");
    later.startAsync(() -> 1);
    assertThatThrownBy(() -> later.startAsync(() -> 1)).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("worker orders/inventory#");
  }

  @Test
  void aBlankOrMissingName_isRefusedWithTheArgumentNamed() {
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(new ManualExecutor()).build();
    assertThatThrownBy(() -> manager.createWorker(" ", () -> 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank but was ' '");
    assertThatThrownBy(() -> manager.newWorker("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank but was ''");
    assertThatThrownBy(() -> manager.retry("\t", () -> 1, RetryPolicy.<Integer>builder().build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name must not be blank");
    assertThatThrownBy(() -> manager.createWorker((String) null, () -> 1)).isInstanceOf(NullPointerException.class)
        .hasMessage("name");
    assertThatThrownBy(() -> manager.createWorker("payment", null)).isInstanceOf(NullPointerException.class)
        .hasMessage("task");
    assertThat(manager.inFlightCount()).as("nothing was started").isZero();
  }

  @Test
  void eachNamesWork_reachesItsOwnRecorder_exactlyOnceEach() {
    ManualExecutor executor = new ManualExecutor();
    ManualScheduler scheduler = new ManualScheduler();
    EventRecorder recorder = new EventRecorder();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).scheduler(scheduler)
        .recorder(recorder).build();
    manager.createWorker("payment", () -> 1);
    manager.createWorker("payment", () -> {
      throw new IllegalStateException("x");
    });
    AsyncWorker<Integer> cancelled = manager.createWorker("inventory", () -> 1);
    AsyncWorker<Integer> timesOut = manager.newWorker("inventory");
    timesOut.setTimeout(Duration.ofSeconds(1));
    timesOut.startAsync(() -> 1);
    manager.createWorker(() -> 1);
    assertThat(manager.pendingCount()).isEqualTo(5);
    assertThat(manager.activeCount()).isZero();
    cancelled.cancel();
    scheduler.fireAll();
    assertThat(manager.pendingCount()).as("the cancelled and the timed-out one left").isEqualTo(3);
    executor.runAll();
    AtomicInteger calls = new AtomicInteger();
    AsyncWorker<Integer> retried = manager.retry("payment", () -> {
      if (calls.incrementAndGet() == 1) {
        throw new IOException("transient");
      }
      return 1;
    }, RetryPolicy.<Integer>builder().initialDelay(Duration.ofMillis(1)).build());
    for (int i = 0; i < 5 && !retried.isDone(); i++) {
      executor.runAll();
      scheduler.fireAll();
    }
    assertThat(retried.state()).isEqualTo(WorkerState.SUCCEEDED);
    manager.shutdown();
    AsyncWorker<Integer> refused = manager.createWorker("payment", () -> 1);
    assertThat(refused.state()).isEqualTo(WorkerState.FAILED);

    assertThat(recorder.count("payment ran")).as("2 workers and the retried operation").isEqualTo(3);
    assertThat(recorder.count("payment SUCCEEDED")).as("one worker and the retried operation").isEqualTo(2);
    assertThat(recorder.count("payment FAILED")).isEqualTo(1);
    assertThat(recorder.count("payment FAILED unrun")).as("refused by the shut-down manager").isEqualTo(1);
    assertThat(recorder.count("payment rejected")).isEqualTo(1);
    assertThat(recorder.count("payment attempt failed")).isEqualTo(1);
    assertThat(recorder.count("payment attempt ok")).isEqualTo(1);
    assertThat(recorder.count("payment SUCCESSFUL_WITH_RETRY")).isEqualTo(1);
    assertThat(recorder.count("inventory CANCELLED unrun")).isEqualTo(1);
    assertThat(recorder.count("inventory TIMED_OUT unrun")).isEqualTo(1);
    assertThat(recorder.count("inventory ran")).isZero();
    assertThat(recorder.count("unnamed ran")).isEqualTo(1);
    assertThat(recorder.count("unnamed SUCCEEDED")).isEqualTo(1);
    assertThat(recorder.events).as("every event, and nothing else").hasSize(15);
    assertThat(recorder.resolved).as("each name resolved once, off the task path")
        .containsOnlyKeys("unnamed", "payment", "inventory").allSatisfy((name, n) -> assertThat(n).hasValue(1));
    assertThat(manager.pendingCount()).isZero();
    assertThat(manager.activeCount()).isZero();
  }

  @Test
  void pastTheMaximumOfNames_furtherNamesAreRecordedAsOther_withOneWarning() {
    List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        warnings.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger log = Logger.getLogger(AsyncWorkerManager.class.getName());
    log.addHandler(handler);
    try {
      ManualExecutor executor = new ManualExecutor();
      EventRecorder recorder = new EventRecorder();
      AsyncWorkerManager manager = AsyncWorkerManager.builder().name("orders").executor(executor).recorder(recorder)
          .maxNames(2).build();
      AsyncWorkerManager scope = manager.newScope();
      List<AsyncWorker<Integer>> workers = new ArrayList<>();
      for (String name : new String[] {"a", "b", "c", "a", "d", "b"}) {
        workers.add(manager.createWorker(name, () -> 1));
      }
      workers.add(scope.createWorker("e", () -> 1)); // a scope shares its manager's bound
      workers.add(scope.createWorker("a", () -> 1));
      executor.runAll();

      assertThat(workers).extracting(AsyncWorker::name).as("the handles keep their own names")
          .containsExactly("a", "b", "c", "a", "d", "b", "e", "a");
      assertThat(recorder.count("a SUCCEEDED")).isEqualTo(3);
      assertThat(recorder.count("b SUCCEEDED")).isEqualTo(2);
      assertThat(recorder.count("other SUCCEEDED")).as("c, d and e").isEqualTo(3);
      assertThat(recorder.resolved).containsOnlyKeys("unnamed", "a", "b", "other")
          .allSatisfy((name, n) -> assertThat(n).hasValue(1));
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0).getLevel()).isEqualTo(java.util.logging.Level.WARNING);
      assertThat(warnings.get(0).getMessage()).contains("manager 'orders'", "2 distinct work names", "'c'",
          "recorded as 'other'", "maxNames");
    } finally {
      log.removeHandler(handler);
    }
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void aRecorderThatThrows_evenAnError_neverChangesAWorkersOutcome(boolean error) {
    ManualExecutor executor = new ManualExecutor();
    java.util.function.Supplier<RuntimeException> broken = () -> {
      if (error) {
        throw new LinkageError("recorder broken"); // as a metrics library missing a class would
      }
      return new IllegalStateException("recorder broken");
    };
    WorkerRecorder throwing = new WorkerRecorder() {
      @Override
      public void recordQueueWait(long nanos) {
        throw broken.get();
      }

      @Override
      public void recordEnd(WorkerState outcome, boolean ran, long runNanos) {
        throw broken.get();
      }

      @Override
      public void recordRejected() {
        throw broken.get();
      }

      @Override
      public void recordAttempt(boolean succeeded) {
        throw broken.get();
      }

      @Override
      public void recordRetryCall(WorkerStats.RetryCall kind) {
        throw broken.get();
      }
    };
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).recorder(throwing).build();
    AsyncWorker<Integer> worker = manager.createWorker("payment", () -> 7);
    AsyncWorker<Integer> retried = manager.retry("refund", () -> 8, RetryPolicy.<Integer>builder().build());
    executor.runAll();
    executor.runAll();
    assertThat(worker.getResult()).isEqualTo(7);
    assertThat(retried.getResult()).isEqualTo(8);
    assertThat(manager.allDone()).isTrue();
    assertThat(manager.waitForAll(Duration.ofSeconds(5))).isTrue();
    manager.shutdown();
    assertThat(manager.createWorker(() -> 1).state()).as("a refusal still ends the worker").isEqualTo(WorkerState.FAILED);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"start", "attempt", "end"})
  void anObserverThatThrowsAnError_leavesNoWorkerHanging(String where) {
    ManualExecutor executor = new ManualExecutor();
    ManualScheduler scheduler = new ManualScheduler();
    AtomicInteger ended = new AtomicInteger();
    WorkerObserver.Observed observed = new WorkerObserver.Observed() {
      @Override
      public <V> V call(java.util.concurrent.Callable<V> task) throws Exception {
        return task.call();
      }

      @Override
      public WorkerObserver.Observed attempt(int attempt) {
        if (where.equals("attempt")) {
          throw new LinkageError("observer broken");
        }
        return this;
      }

      @Override
      public void end(WorkerState outcome, Throwable failure) {
        ended.incrementAndGet();
        if (where.equals("end")) {
          throw new LinkageError("observer broken");
        }
      }
    };
    WorkerObserver observer = (manager, name, tag, retried) -> {
      if (where.equals("start")) {
        throw new LinkageError("observer broken");
      }
      return observed;
    };
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).scheduler(scheduler)
        .observer(observer).build();
    AsyncWorker<Integer> worker = manager.createWorker("payment", () -> 7);
    AsyncWorker<Integer> cancelled = manager.createWorker("payment", () -> 7);
    cancelled.cancel();
    AsyncWorker<Integer> retried = manager.retry("refund", () -> 8, RetryPolicy.<Integer>builder().build());
    executor.runAll();
    executor.runAll();
    assertThat(worker.getResult()).isEqualTo(7);
    assertThat(retried.getResult()).isEqualTo(8);
    assertThat(cancelled.state()).isEqualTo(WorkerState.CANCELLED);
    assertThat(manager.waitForAll(Duration.ofSeconds(5))).as("nothing hangs").isTrue();
    assertThat(manager.inFlightCount()).isZero();
    if (where.equals("end")) {
      assertThat(ended).as("each observation still ended once: 3 workers and 1 attempt").hasValue(4);
    }
  }

  @Test
  void recordStatsAndARecorder_bothReceiveEveryEvent() {
    ManualExecutor executor = new ManualExecutor();
    EventRecorder recorder = new EventRecorder();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).recordStats().recorder(recorder)
        .build();
    manager.createWorker("payment", () -> 1);
    manager.createWorker(() -> {
      throw new IllegalStateException("x");
    });
    executor.runAll();
    assertThat(manager.recordsStats()).isTrue();
    assertThat(manager.stats().ended(WorkerState.SUCCEEDED)).isEqualTo(1);
    assertThat(manager.stats().ended(WorkerState.FAILED)).isEqualTo(1);
    assertThat(manager.stats().queueWaits()).isEqualTo(2);
    assertThat(recorder.count("payment SUCCEEDED")).isEqualTo(1);
    assertThat(recorder.count("unnamed FAILED")).isEqualTo(1);
    assertThat(recorder.count("payment ran") + recorder.count("unnamed ran")).isEqualTo(2);
  }

  @Test
  void aManagerThatDoesNotRecord_sharesNoCountersWithAnother() {
    AsyncWorkerManager quiet = AsyncWorkerManager.builder().executor(new ManualExecutor()).build();
    AsyncWorkerManager other = AsyncWorkerManager.builder().executor(new ManualExecutor()).build();
    assertThat(quiet.stats()).as("each a zero view, not one shared writable instance").isNotSameAs(other.stats());
  }

  @Test
  void theBuilder_refusesABadMaximumAndNulls() {
    assertThatThrownBy(() -> AsyncWorkerManager.builder().maxNames(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxNames must be >= 1 but was 0");
    assertThatThrownBy(() -> AsyncWorkerManager.builder().recorder(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("recorder");
    assertThat(AsyncWorkerManager.builder().executor(new ManualExecutor()).build().records()).isFalse();
  }
}
