package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.atom.async.AsyncTimeoutException;
import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.RetryPolicy;
import io.atom.async.WorkerState;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.ObservationContextAssert;
import io.micrometer.observation.tck.TestObservationRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Issue 13, part 3: each worker an Observation under the one current at its start; attempts nest. */
@Timeout(60)
class AsyncWorkerObservationTests {

  /** Counts each context's starts and stops, and keeps them in start order. */
  static final class Lifecycle implements ObservationHandler<Observation.Context> {
    final Map<Observation.Context, AtomicInteger> starts = new ConcurrentHashMap<>();
    final Map<Observation.Context, AtomicInteger> stops = new ConcurrentHashMap<>();
    final List<Observation.Context> started = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void onStart(Observation.Context context) {
      started.add(context);
      starts.computeIfAbsent(context, c -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void onStop(Observation.Context context) {
      stops.computeIfAbsent(context, c -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public boolean supportsContext(Observation.Context context) {
      return true;
    }

    List<Observation.Context> named(String name) {
      List<Observation.Context> out = new ArrayList<>();
      for (Observation.Context c : started) {
        if (c.getName().equals(name)) {
          out.add(c);
        }
      }
      return out;
    }

    void assertEachStartedAndStoppedOnce() {
      assertThat(started).allSatisfy(c -> {
        assertThat(starts.get(c)).as("%s started", c.getContextualName()).hasValue(1);
        assertThat(stops.get(c)).as("%s stopped exactly once", c.getContextualName()).hasValue(1);
      });
    }
  }

  private final TestObservationRegistry registry = TestObservationRegistry.create();
  private final Lifecycle lifecycle = new Lifecycle();

  private final ApplicationContextRunner byDefault = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class,
          AsyncWorkerObservationAutoConfiguration.class))
      .withBean(ObservationRegistry.class, () -> {
        registry.observationConfig().observationHandler(lifecycle);
        return registry;
      });

  private final ApplicationContextRunner runner = byDefault.withPropertyValues("atom.async.observations.enabled=true");

  @Test
  void aWorker_isAnObservationUnderTheOneCurrentAtItsStart_andCurrentInsideItsTask() {
    runner.run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      AtomicReference<Observation> inside = new AtomicReference<>();
      Observation request = Observation.start("http.server.requests", registry);
      AsyncWorker<Integer> payment;
      try (Observation.Scope ignored = request.openScope()) {
        payment = manager.createWorker("payment", () -> {
          inside.set(registry.getCurrentObservation());
          return 1;
        });
      }
      assertThat(payment.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      request.stop();

      assertThat(lifecycle.named("atom.async.worker")).singleElement().satisfies(c -> {
        ObservationContextAssert.assertThat(c).hasContextualNameEqualTo("payment")
            .hasLowCardinalityKeyValue("manager", "asyncWorkerManager").hasLowCardinalityKeyValue("name", "payment")
            .hasLowCardinalityKeyValue("outcome", "success").doesNotHaveError()
            .hasParentObservationEqualTo(request);
        assertThat(inside.get()).as("the worker's observation is current in its task").isNotNull()
            .extracting(Observation::getContext).isSameAs(c);
      });
      lifecycle.assertEachStartedAndStoppedOnce();
    });
  }

  @Test
  void failureTimeoutAndCancel_areRecordedAsSuch() {
    runner.run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      IllegalStateException boom = new IllegalStateException("boom");
      AsyncWorker<Integer> failed = manager.createWorker("failing", () -> {
        throw boom;
      });
      AsyncWorker<Integer> timesOut = manager.newWorker("slow");
      timesOut.setTimeout(Duration.ofMillis(50));
      CountDownLatch never = new CountDownLatch(1);
      timesOut.startAsync(() -> never.await(10, TimeUnit.SECONDS) ? 1 : 0);
      AsyncWorker<Integer> cancelled = manager.newWorker("cancelled");
      CountDownLatch started = new CountDownLatch(1);
      cancelled.startAsync(() -> {
        started.countDown();
        return never.await(10, TimeUnit.SECONDS) ? 1 : 0;
      });
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      cancelled.cancel();
      for (AsyncWorker<?> w : List.of(failed, timesOut, cancelled)) {
        assertThat(w.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      }
      assertThat(timesOut.state()).isEqualTo(WorkerState.TIMED_OUT);

      assertThat(contextNamed("failing")).satisfies(c -> ObservationContextAssert.assertThat(c)
          .hasLowCardinalityKeyValue("outcome", "failure").hasError(boom));
      assertThat(contextNamed("slow")).satisfies(c -> {
        ObservationContextAssert.assertThat(c).hasLowCardinalityKeyValue("outcome", "timeout").hasError();
        assertThat(c.getError()).isInstanceOf(AsyncTimeoutException.class);
      });
      assertThat(contextNamed("cancelled")).satisfies(c -> ObservationContextAssert.assertThat(c)
          .hasLowCardinalityKeyValue("outcome", "cancelled").doesNotHaveError());
      lifecycle.assertEachStartedAndStoppedOnce();
    });
  }

  @Test
  void aRetriedOperation_isOneObservation_withAChildPerAttempt() {
    runner.run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      AtomicInteger calls = new AtomicInteger();
      List<Observation> currentInAttempts = new java.util.concurrent.CopyOnWriteArrayList<>();
      AsyncWorker<String> op = manager.retry("refund", () -> {
        currentInAttempts.add(registry.getCurrentObservation());
        if (calls.incrementAndGet() <= 2) {
          throw new IOException("transient " + calls.get());
        }
        return "ok";
      }, RetryPolicy.<String>builder().initialDelay(Duration.ofMillis(1)).build());
      assertThat(op.waitForCompletion(Duration.ofSeconds(10))).isTrue();
      assertThat(op.state()).isEqualTo(WorkerState.SUCCEEDED);

      Observation.Context opContext = contextNamed("refund");
      ObservationContextAssert.assertThat(opContext).hasLowCardinalityKeyValue("outcome", "success")
          .doesNotHaveParentObservation();
      List<Observation.Context> attempts = lifecycle.named("atom.async.retry.attempt");
      assertThat(attempts).hasSize(3);
      for (int i = 0; i < 3; i++) {
        Observation.Context attempt = attempts.get(i);
        ObservationContextAssert.assertThat(attempt).hasLowCardinalityKeyValue("attempt", Integer.toString(i + 1))
            .hasLowCardinalityKeyValue("outcome", i < 2 ? "failure" : "success")
            .hasParentObservationContextMatching(parent -> parent == opContext, "the operation's observation");
        assertThat(currentInAttempts.get(i).getContext()).as("attempt %d runs inside its own observation", i + 1)
            .isSameAs(attempt);
      }
      assertThat(attempts.get(0).getError()).isInstanceOf(IOException.class).hasMessage("transient 1");
      lifecycle.assertEachStartedAndStoppedOnce();
    });
  }

  @Test
  void offByDefault_andWithoutARegistry() {
    byDefault.run(context -> {
      context.getBean(AsyncWorkerManager.class).createWorker("payment", () -> 1)
          .waitForCompletion(Duration.ofSeconds(10));
      assertThat(lifecycle.started).isEmpty();
    });
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class,
            AsyncWorkerObservationAutoConfiguration.class))
        .withPropertyValues("atom.async.observations.enabled=true")
        .run(context -> assertThat(context).hasNotFailed()
            .doesNotHaveBean("asyncWorkerManagerObservationCustomizer"));
  }

  private Observation.Context contextNamed(String contextualName) {
    return lifecycle.named("atom.async.worker").stream().filter(c -> contextualName.equals(c.getContextualName()))
        .findFirst().orElseThrow(() -> new AssertionError("no atom.async.worker observation named " + contextualName));
  }
}
