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

  /** Counts each context's starts and stops, and keeps them in start (and stop) order. */
  static final class Lifecycle implements ObservationHandler<Observation.Context> {
    final Map<Observation.Context, AtomicInteger> starts = new ConcurrentHashMap<>();
    final Map<Observation.Context, AtomicInteger> stops = new ConcurrentHashMap<>();
    final List<Observation.Context> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<Observation.Context> stopped = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void onStart(Observation.Context context) {
      started.add(context);
      starts.computeIfAbsent(context, c -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void onStop(Observation.Context context) {
      stopped.add(context);
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
  void cancellingARetriedOperation_endsItsRunningAttemptBeforeIt() {
    runner.run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      CountDownLatch attemptRunning = new CountDownLatch(1);
      CountDownLatch never = new CountDownLatch(1);
      AsyncWorker<Boolean> op = manager.retry("slow-refund", () -> {
        attemptRunning.countDown();
        return never.await(10, TimeUnit.SECONDS);
      }, RetryPolicy.<Boolean>builder().build());
      assertThat(attemptRunning.await(10, TimeUnit.SECONDS)).isTrue();
      op.cancel();
      assertThat(op.waitForCompletion(Duration.ofSeconds(10))).isTrue();

      Observation.Context opContext = contextNamed("slow-refund");
      Observation.Context attempt = lifecycle.named("atom.async.retry.attempt").get(0);
      ObservationContextAssert.assertThat(opContext).hasLowCardinalityKeyValue("outcome", "cancelled");
      ObservationContextAssert.assertThat(attempt).hasLowCardinalityKeyValue("outcome", "cancelled");
      assertThat(lifecycle.stopped.indexOf(attempt)).as("the child stops before its parent")
          .isLessThan(lifecycle.stopped.indexOf(opContext));
      lifecycle.assertEachStartedAndStoppedOnce();
    });
  }

  @Test
  void theNameKey_isBoundedLikeTheMetricsTag_whileTheContextualNameStaysTheWorks() {
    runner.withPropertyValues("atom.async.metrics.max-names=1").run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      manager.createWorker("payment", () -> 1).waitForCompletion(Duration.ofSeconds(10));
      manager.createWorker("order-4711", () -> 1).waitForCompletion(Duration.ofSeconds(10));
      ObservationContextAssert.assertThat(contextNamed("payment")).hasLowCardinalityKeyValue("name", "payment");
      ObservationContextAssert.assertThat(contextNamed("order-4711")).hasLowCardinalityKeyValue("name", "other");
    });
  }

  @Test
  void conventionsDeclaredAsBeans_renameAndAddKeys() {
    runner.withBean(AsyncWorkerObservationConvention.class, () -> new DefaultAsyncWorkerObservationConvention() {
      @Override
      public String getName() {
        return "jobs";
      }

      @Override
      public io.micrometer.common.KeyValues getLowCardinalityKeyValues(AsyncWorkerObservationContext c) {
        return super.getLowCardinalityKeyValues(c).and("team", "billing");
      }
    }).run(context -> {
      context.getBean(AsyncWorkerManager.class).createWorker("payment", () -> 1)
          .waitForCompletion(Duration.ofSeconds(10));
      assertThat(lifecycle.named("jobs")).singleElement().satisfies(c -> ObservationContextAssert.assertThat(c)
          .hasLowCardinalityKeyValue("team", "billing").hasLowCardinalityKeyValue("name", "payment"));
    });
  }

  /** A manager of the user's own, built as AsyncWorkerObservations' javadoc shows. */
  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  static class OwnManager {
    @org.springframework.context.annotation.Bean
    AsyncWorkerManager reports(org.springframework.beans.factory.ObjectProvider<AsyncWorkerObservations> observations) {
      AsyncWorkerManager.Builder builder = AsyncWorkerManager.builder().name("reports").poolSize(1);
      observations.ifAvailable(o -> builder.observer(o.observer()));
      return builder.build();
    }
  }

  @Test
  void aManagerOfYourOwn_isObservedThroughTheObservationsBean() {
    runner.withUserConfiguration(OwnManager.class).run(context -> {
      AsyncWorkerManager reports = context.getBean(AsyncWorkerManager.class);
      assertThat(reports.name()).isEqualTo("reports");
      reports.createWorker("render", () -> 1).waitForCompletion(Duration.ofSeconds(10));
      ObservationContextAssert.assertThat(contextNamed("render")).hasLowCardinalityKeyValue("manager", "reports");
    });
  }

  @Test
  void withoutMicrometerObservation_theStarterStillStarts() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class,
            AsyncWorkerObservationAutoConfiguration.class))
        .withClassLoader(new org.springframework.boot.test.context.FilteredClassLoader(ObservationRegistry.class))
        .withPropertyValues("atom.async.observations.enabled=true")
        .run(context -> {
          assertThat(context).hasNotFailed().doesNotHaveBean(AsyncWorkerObservations.class);
          assertThat(context.getBean(AsyncWorkerManager.class).createWorker(() -> 1).getResult(Duration.ofSeconds(10)))
              .isEqualTo(1);
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
