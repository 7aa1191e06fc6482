package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.autoconfigure.AsyncWorkersEndpoint.ManagerDescriptor;
import io.atom.async.autoconfigure.AsyncWorkersEndpoint.WorkersDescriptor;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** When the asyncworkers endpoint exists, what it answers for several managers, and bad configuration. */
@Timeout(60)
class AsyncWorkersEndpointAutoConfigurationTests {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class,
          AsyncWorkersEndpointAutoConfiguration.class));

  @Test
  void theEndpoint_existsOnlyWhenExposed_andNotWithAccessNone() {
    runner.run(context -> assertThat(context).hasSingleBean(AsyncWorkerManager.class)
        .doesNotHaveBean(AsyncWorkersEndpoint.class));
    runner.withPropertyValues("management.endpoints.web.exposure.include=asyncworkers")
        .run(context -> assertThat(context).hasSingleBean(AsyncWorkersEndpoint.class)
            .hasSingleBean(AsyncWorkersEndpointWebExtension.class));
    runner.withPropertyValues("management.endpoints.web.exposure.include=asyncworkers",
        "management.endpoint.asyncworkers.access=NONE")
        .run(context -> assertThat(context).doesNotHaveBean(AsyncWorkersEndpoint.class));
  }

  @Test
  void withoutTheActuator_theStarterStillStarts() {
    runner.withPropertyValues("management.endpoints.web.exposure.include=asyncworkers")
        .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate", "org.springframework.boot.health"))
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(AsyncWorkerManager.class)
            .doesNotHaveBean(AsyncWorkersEndpoint.class));
  }

  @Test
  void aNegativeMaxListed_stopsStartUp_namingThePropertyAndTheValue() {
    runner.withPropertyValues("management.endpoints.web.exposure.include=asyncworkers",
        "atom.async.endpoint.max-listed=-1").run(context -> {
          assertThat(context).hasFailed();
          Throwable t = context.getStartupFailure();
          while (t != null && !(t instanceof InvalidAtomAsyncPropertyException)) {
            t = t.getCause();
          }
          assertThat(t).isInstanceOf(InvalidAtomAsyncPropertyException.class)
              .hasMessage("atom.async.endpoint.max-listed must be >= 0, was -1");
          assertThat(((InvalidAtomAsyncPropertyException) t).fix()).contains("such as 100");
        });
  }

  @Test
  void everyManagerBean_isListedByBeanName_cappedAtMaxListed_withEndedCountsWhereSomethingRecordsThem() {
    runner.withPropertyValues("management.endpoints.web.exposure.include=asyncworkers", "atom.async.endpoint.max-listed=1")
        .withBean("orders", AsyncWorkerManager.class,
            () -> AsyncWorkerManager.builder().name("orders").poolSize(1).recordStats().build())
        .withBean("billing", AsyncWorkerManager.class, () -> AsyncWorkerManager.builder().name("billing").poolSize(1).build())
        .run(context -> {
          AsyncWorkersEndpoint endpoint = context.getBean(AsyncWorkersEndpoint.class);
          AsyncWorkerManager orders = context.getBean("orders", AsyncWorkerManager.class);
          orders.createWorker(() -> 1).waitForCompletion(Duration.ofSeconds(10));
          CountDownLatch release = new CountDownLatch(1);
          CountDownLatch running = new CountDownLatch(1);
          try {
            AsyncWorker<Boolean> blocked = orders.createWorker("blocked", () -> {
              running.countDown();
              return release.await(30, TimeUnit.SECONDS);
            });
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            AsyncWorker<Integer> queued = orders.createWorker("queued", () -> 2);

            WorkersDescriptor all = endpoint.workers();
            assertThat(all.managers()).containsOnlyKeys("orders", "billing");
            ManagerDescriptor o = all.managers().get("orders");
            assertThat(o.inFlight()).isEqualTo(2);
            assertThat(o.workers()).hasSize(1);
            assertThat(o.workers().get(0).id()).isEqualTo(blocked.id());
            assertThat(o.states()).containsEntry("SCHEDULED", 1L).containsEntry("RUNNING", 1L)
                .containsEntry("SUCCEEDED", 1L).containsEntry("FAILED", 0L);
            assertThat(o.pool().queueRemaining()).as("unbounded").isNull();
            ManagerDescriptor b = all.managers().get("billing");
            assertThat(b.states()).as("records nothing: no ended counts").containsOnlyKeys("SCHEDULED", "RUNNING");

            assertThat(endpoint.worker(queued.id()).state()).isEqualTo("SCHEDULED");
            assertThat(endpoint.worker(queued.id()).stackTrace()).as("no thread yet").isEmpty();
            assertThat(endpoint.worker(123456789012L)).isNull();
            WebEndpointResponse<AsyncWorkersEndpoint.CancelDescriptor> cancelled = context
                .getBean(AsyncWorkersEndpointWebExtension.class).cancel(queued.id());
            assertThat(cancelled.getStatus()).isEqualTo(200);
            assertThat(cancelled.getBody().cancelled()).isTrue();
            assertThat(cancelled.getBody().manager()).isEqualTo("orders");
            assertThat(context.getBean(AsyncWorkersEndpointWebExtension.class).cancel(queued.id()).getStatus())
                .isEqualTo(404);
          } finally {
            release.countDown();
          }
        });
  }

  @Test
  void withMicrometer_theStartersManager_countsEndedWorkersFromItsTimers() {
    runner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
        SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
        AsyncWorkerMetricsAutoConfiguration.class))
        .withPropertyValues("management.endpoints.web.exposure.include=asyncworkers")
        .run(context -> {
          AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
          manager.createWorker("a", () -> 1).waitForCompletion(Duration.ofSeconds(10));
          manager.createWorker("b", () -> 2).waitForCompletion(Duration.ofSeconds(10));
          manager.createWorker("a", () -> {
            throw new IllegalStateException("boom");
          }).waitForCompletion(Duration.ofSeconds(10));
          assertThat(context.getBean(AsyncWorkersEndpoint.class).workers().managers()
              .get(AsyncWorkerAutoConfiguration.MANAGER_BEAN).states())
              .containsEntry("SUCCEEDED", 2L).containsEntry("FAILED", 1L).containsEntry("CANCELLED", 0L)
              .containsEntry("TIMED_OUT", 0L);
        });
  }
}
