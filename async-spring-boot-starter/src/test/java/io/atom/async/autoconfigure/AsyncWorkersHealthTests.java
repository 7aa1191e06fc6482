package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.atom.async.AsyncWorkerManager;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The asyncWorkers health contributor. */
@Timeout(60)
class AsyncWorkersHealthTests {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class,
          AsyncWorkersHealthAutoConfiguration.class))
      .withPropertyValues("atom.async.pool.core-size=1", "atom.async.pool.max-size=1", "atom.async.pool.queue-capacity=1");

  @Test
  void isUpWithEachManagersDetails_andStaysUpWhenThePoolIsSaturated_untilTheManagerShutsDown() {
    runner.withConfiguration(AutoConfigurations.of(HealthContributorAutoConfiguration.class,
        HealthContributorRegistryAutoConfiguration.class)).run(context -> {
      assertThat(context.getBean(HealthContributorRegistry.class).getContributor("asyncWorkers"))
          .as("named after the bean, without its suffix").isNotNull();
      HealthIndicator indicator = context.getBean("asyncWorkersHealthIndicator", HealthIndicator.class);
      Health idle = indicator.health();
      assertThat(idle.getStatus()).isEqualTo(Status.UP);
      assertThat(idle.getDetails()).containsOnlyKeys(AsyncWorkerAutoConfiguration.MANAGER_BEAN);
      assertThat(detail(idle)).containsExactly(Map.entry("inFlight", 0), Map.entry("poolActive", 0),
          Map.entry("poolMax", 1), Map.entry("queueRemaining", 1), Map.entry("stuck", 0), Map.entry("accepting", true));

      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch running = new CountDownLatch(1);
      try {
        manager.createWorker(() -> {
          running.countDown();
          return release.await(30, TimeUnit.SECONDS);
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        manager.createWorker(() -> 1); // fills the queue: saturated
        Health saturated = indicator.health();
        assertThat(saturated.getStatus()).as("saturation is a detail, never DOWN").isEqualTo(Status.UP);
        assertThat(detail(saturated)).containsEntry("inFlight", 2).containsEntry("poolActive", 1)
            .containsEntry("queueRemaining", 0);
      } finally {
        release.countDown();
      }
      manager.waitForAll(Duration.ofSeconds(10));
      manager.shutdown();
      Health stopping = indicator.health();
      assertThat(stopping.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
      assertThat(detail(stopping)).containsEntry("accepting", false);
    });
  }

  @Test
  void aManagerOfYourOwnWithAnUnboundedQueue_hasNoQueueRemaining() {
    runner.withBean("reports", AsyncWorkerManager.class, () -> AsyncWorkerManager.builder().name("reports").poolSize(3).build())
        .run(context -> {
          Health health = context.getBean("asyncWorkersHealthIndicator", HealthIndicator.class).health();
          assertThat(health.getDetails()).containsOnlyKeys("reports");
          assertThat(detail(health, "reports")).containsEntry("poolMax", 3).doesNotContainKey("queueRemaining");
        });
  }

  @Test
  void canBeTurnedOff_andNeedsBootsHealthSupport() {
    runner.withPropertyValues("management.health.asyncworkers.enabled=false")
        .run(context -> assertThat(context).hasSingleBean(AsyncWorkerManager.class)
            .doesNotHaveBean("asyncWorkersHealthIndicator"));
    runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(AsyncWorkerManager.class)
            .doesNotHaveBean("asyncWorkersHealthIndicator"));
  }

  private static Map<String, Object> detail(Health health) {
    return detail(health, AsyncWorkerAutoConfiguration.MANAGER_BEAN);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> detail(Health health, String bean) {
    return (Map<String, Object>) health.getDetails().get(bean);
  }
}
