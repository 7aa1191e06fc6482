package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atom.async.AsyncTimeoutException;
import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.BackoffStrategy;
import io.atom.async.RetryPolicy;
import io.atom.async.WorkerState;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
class AsyncWorkerAutoConfigurationTests {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class));

  @Test
  void zeroConfiguration_givesAWorkingManager_andKeepsBootsApplicationTaskExecutor() {
    runner.run(context -> {
      assertThat(context).hasSingleBean(AsyncWorkerManager.class);
      assertThat(context).hasBean("asyncWorkerManager").hasBean("atomAsyncTaskExecutor").hasBean("atomAsyncScheduler");
      assertThat(context).as("@Async and MVC keep Boot's executor").hasBean("applicationTaskExecutor");
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      assertThat(manager.name()).isEqualTo("asyncWorkerManager");
      AsyncWorker<String> worker = manager.createWorker(() -> Thread.currentThread().getName());
      assertThat(worker.getResult(Duration.ofSeconds(10))).startsWith("atom-async-");

      ThreadPoolTaskExecutor executor = context.getBean("atomAsyncTaskExecutor", ThreadPoolTaskExecutor.class);
      assertThat(executor.getCorePoolSize()).isEqualTo(8);
      assertThat(executor.getMaxPoolSize()).isEqualTo(16);
      assertThat(executor.getQueueCapacity()).isEqualTo(1000);
      assertThat(executor.getKeepAliveSeconds()).isEqualTo(60);
      assertThat(executor.getThreadPoolExecutor().getRejectedExecutionHandler())
          .isInstanceOf(ThreadPoolExecutor.AbortPolicy.class);

      RetryPolicy<Object> retry = manager.defaultRetryPolicy();
      assertThat(retry.maxAttempts()).isEqualTo(3);
      assertThat(retry.initialDelay()).isEqualTo(Duration.ofMillis(100));
      assertThat(retry.backoff()).isEqualTo(BackoffStrategy.EXPONENTIAL);
      assertThat(retry.jitter()).isEqualTo(0.5);
      assertThat(context.getBean(AsyncWorkerManagerLifecycle.class).getPhase()).as("stops after the web server")
          .isLessThan(org.springframework.context.SmartLifecycle.DEFAULT_PHASE - 2048);
    });
  }

  @Test
  void injectingAnExecutorByType_stillGetsBootsOwn_notOurs() {
    runner.withUserConfiguration(NeedsAnExecutor.class).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(NeedsAnExecutor.class).executor)
          .isSameAs(context.getBean("applicationTaskExecutor"));
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class NeedsAnExecutor {
    Executor executor;

    @Bean
    String needsExecutor(Executor executor) {
      this.executor = executor;
      return "ok";
    }
  }

  @Test
  void bootsTaskSchedulerIsKept_whenSchedulingIsEnabled() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TaskSchedulingAutoConfiguration.class, AsyncWorkerAutoConfiguration.class))
        .withUserConfiguration(SchedulingOn.class)
        .run(context -> assertThat(context).hasBean("taskScheduler").hasBean("atomAsyncScheduler"));
  }

  @Configuration(proxyBeanMethods = false)
  @EnableScheduling
  static class SchedulingOn {}

  @Test
  void everyPropertyIsApplied() {
    runner.withPropertyValues(
        "atom.async.pool.core-size=2", "atom.async.pool.max-size=3", "atom.async.pool.queue-capacity=5",
        "atom.async.pool.keep-alive=7s", "atom.async.pool.thread-name-prefix=orders-",
        "atom.async.pool.rejection-policy=caller-runs", "atom.async.worker.timeout=50ms",
        "atom.async.retry.max-attempts=5", "atom.async.retry.initial-delay=20ms", "atom.async.retry.backoff=linear",
        "atom.async.retry.max-delay=1s", "atom.async.retry.max-total-delay=3s", "atom.async.retry.jitter=0.25",
        "atom.async.shutdown.await-termination-period=4s", "atom.async.metrics.enabled=false",
        "atom.async.context-propagation.enabled=false")
        .run(context -> {
          ThreadPoolTaskExecutor executor = context.getBean("atomAsyncTaskExecutor", ThreadPoolTaskExecutor.class);
          assertThat(executor.getCorePoolSize()).isEqualTo(2);
          assertThat(executor.getMaxPoolSize()).isEqualTo(3);
          assertThat(executor.getQueueCapacity()).isEqualTo(5);
          assertThat(executor.getKeepAliveSeconds()).isEqualTo(7);
          assertThat(executor.getThreadNamePrefix()).isEqualTo("orders-");
          assertThat(executor.getThreadPoolExecutor().getRejectedExecutionHandler())
              .isInstanceOf(CallerRunsUnlessShutdownPolicy.class);

          AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
          RetryPolicy<Object> retry = manager.defaultRetryPolicy();
          assertThat(retry.maxAttempts()).isEqualTo(5);
          assertThat(retry.initialDelay()).isEqualTo(Duration.ofMillis(20));
          assertThat(retry.backoff()).isEqualTo(BackoffStrategy.LINEAR);
          assertThat(retry.jitter()).isEqualTo(0.25);
          assertThat(retry.toString()).contains("maxDelay=PT1S", "maxTotalDelay=PT3S");

          AsyncWorker<Boolean> stuck = manager.createWorker(() -> new CountDownLatch(1).await(10, TimeUnit.SECONDS));
          assertThatThrownBy(() -> stuck.getResult(Duration.ofSeconds(10))).isInstanceOf(AsyncTimeoutException.class)
              .hasMessageContaining("PT0.05S");
          AsyncWorker<String> thread = manager.createWorker(() -> Thread.currentThread().getName());
          assertThat(thread.getResult(Duration.ofSeconds(10))).startsWith("orders-");
          assertThat(context.getBean(AsyncWorkerManagerLifecycle.class)).extracting("awaitTermination")
              .isEqualTo(Duration.ofSeconds(4));
        });
  }

  @Test
  void aUsersManagerWins() {
    runner.withUserConfiguration(OwnManager.class).run(context -> {
      assertThat(context).hasSingleBean(AsyncWorkerManager.class);
      assertThat(context.getBean(AsyncWorkerManager.class).name()).isEqualTo("mine");
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnManager {
    @Bean
    AsyncWorkerManager myManager() {
      return AsyncWorkerManager.builder().name("mine").poolSize(1).build();
    }
  }

  @Test
  void aUsersExecutorWins() {
    runner.withUserConfiguration(OwnExecutor.class).run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      assertThat(manager.createWorker(() -> Thread.currentThread().getName()).getResult(Duration.ofSeconds(10)))
          .startsWith("users-own-");
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnExecutor {
    @Bean(name = "atomAsyncTaskExecutor", defaultCandidate = false)
    ThreadPoolTaskExecutor usersExecutor() {
      ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
      executor.setThreadNamePrefix("users-own-");
      return executor;
    }
  }

  @Test
  void aCustomizerCanAddToTheManager() {
    runner.withBean(AsyncWorkerManagerCustomizer.class, () -> builder -> builder.defaultTimeout(Duration.ofMillis(30)))
        .run(context -> {
          AsyncWorker<Boolean> stuck = context.getBean(AsyncWorkerManager.class)
              .createWorker(() -> new CountDownLatch(1).await(10, TimeUnit.SECONDS));
          assertThat(stuck.waitForCompletion(Duration.ofSeconds(10))).isTrue();
          assertThat(stuck.state()).isEqualTo(WorkerState.TIMED_OUT);
        });
  }

  @Test
  void withoutMicrometer_theContextStarts_andNothingIsCounted() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class,
            AsyncWorkerAutoConfiguration.class, AsyncWorkerMetricsAutoConfiguration.class))
        .withClassLoader(new FilteredClassLoader(MeterRegistry.class))
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(AsyncWorkerManager.class)
              .doesNotHaveBean(AsyncWorkerManagerMetrics.class);
          AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
          manager.createWorker(() -> 1).waitForCompletion(Duration.ofSeconds(10));
          assertThat(manager.stats().ended(WorkerState.SUCCEEDED)).isZero();
        });
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "atom.async.pool.core-size | -1 | atom.async.pool.core-size must be >= 0, was -1",
      "atom.async.pool.max-size | 0 | atom.async.pool.max-size must be >= 1, was 0",
      "atom.async.pool.max-size | 4 | atom.async.pool.max-size must be >= atom.async.pool.core-size (8), was 4",
      "atom.async.pool.queue-capacity | -5 | atom.async.pool.queue-capacity must be >= 0, was -5",
      "atom.async.pool.keep-alive | -1s | atom.async.pool.keep-alive must not be negative, was -1s",
      "atom.async.pool.keep-alive | 1500ms | atom.async.pool.keep-alive must be whole seconds (the pool counts keep-alive in seconds), was 1500ms",
      "atom.async.pool.keep-alive | 1000000000d | atom.async.pool.keep-alive must be at most 2147483647s (the pool counts keep-alive in an int of seconds), was 1000000000d",
      "atom.async.worker.timeout | 0s | atom.async.worker.timeout must be positive, was 0s",
      "atom.async.worker.timeout | -3s | atom.async.worker.timeout must be positive, was -3s",
      "atom.async.retry.max-attempts | 0 | atom.async.retry.max-attempts must be >= 1, was 0",
      "atom.async.retry.initial-delay | -1ms | atom.async.retry.initial-delay must not be negative, was -1ms",
      "atom.async.retry.initial-delay | 0ms | atom.async.retry.initial-delay must be positive unless atom.async.retry.backoff is fixed (it is exponential), was 0s",
      "atom.async.retry.max-delay | 0s | atom.async.retry.max-delay must be positive, was 0s",
      "atom.async.retry.max-delay | 10ms | atom.async.retry.max-delay must be >= atom.async.retry.initial-delay (100ms), was 10ms",
      "atom.async.retry.max-total-delay | -1s | atom.async.retry.max-total-delay must not be negative, was -1s",
      "atom.async.retry.jitter | 1.5 | atom.async.retry.jitter must be >= 0 and < 1, was 1.5",
      "atom.async.retry.jitter | -0.1 | atom.async.retry.jitter must be >= 0 and < 1, was -0.1",
      "atom.async.retry.jitter | NaN | atom.async.retry.jitter must be >= 0 and < 1, was NaN",
      "atom.async.shutdown.await-termination-period | -2s | atom.async.shutdown.await-termination-period must not be negative, was -2s",
      "atom.async.watchdog.stuck-threshold | -1s | atom.async.watchdog.stuck-threshold must not be negative, was -1s"})
  void aBadValue_stopsStartUp_namingThePropertyTheValueAndTheFix(String property, String value, String message) {
    runner.withPropertyValues(property + "=" + value).run(context -> {
      assertThat(context).hasFailed();
      Throwable failure = context.getStartupFailure();
      InvalidAtomAsyncPropertyException cause = rootCause(failure, InvalidAtomAsyncPropertyException.class);
      assertThat(cause.property()).isEqualTo(property);
      assertThat(cause).hasMessage(message);
      FailureAnalysis analysis = new AtomAsyncPropertyFailureAnalyzer().analyze(failure);
      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).isEqualTo(message);
      // In the user's terms: no ISO duration, no name of a core builder method.
      assertThat(analysis.getDescription()).doesNotContainPattern("PT-?[0-9]")
          .doesNotContain("defaultTimeout", "maxAttempts", "initialDelay", "maxDelay", "maxTotalDelay",
              " but was ", "EXPONENTIAL", "Invalid value");
      String prefix = "Update '" + property + "' in your configuration. ";
      assertThat(analysis.getAction()).startsWith(prefix).hasSizeGreaterThan(prefix.length() + 20); // and a fix
    });
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "atom.async.retry.backoff | quadratic | fixed, linear, exponential",
      "atom.async.pool.rejection-policy | discard | abort, caller-runs",
      "atom.async.pool.type | green | platform, virtual"})
  void anUnknownEnumValue_stopsStartUp_listingTheValuesAsWrittenInTheConfiguration(String property, String value,
      String allowed) {
    runner.withPropertyValues(property + "=" + value).run(context -> {
      assertThat(context).hasFailed();
      FailureAnalysis analysis = new AtomAsyncEnumPropertyFailureAnalyzer().analyze(context.getStartupFailure());
      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription().lines().findFirst())
          .hasValue(property + " must be one of " + allowed + ", was " + value);
      assertThat(analysis.getDescription()).doesNotContain("EXPONENTIAL", "CALLER_RUNS", "ABORT");
      assertThat(analysis.getAction())
          .isEqualTo("Update '" + property + "' in your configuration. Use one of " + allowed + ".");
    });
  }

  @Test
  void anUnknownEnumValue_printsOurAnalysis_notBootsUpperCaseOne(CapturedOutput output) {
    runFailing("atom.async.retry.backoff", "quadratic");
    assertThat(output).contains("APPLICATION FAILED TO START")
        .contains("atom.async.retry.backoff must be one of fixed, linear, exponential, was quadratic")
        .contains("Update 'atom.async.retry.backoff' in your configuration. Use one of fixed, linear, exponential.")
        .doesNotContain("EXPONENTIAL");
  }

  @Test
  void aBindingFailureOfAnotherProperty_isLeftToBoot() {
    runner.withPropertyValues("atom.async.pool.core-size=many").run(context -> {
      assertThat(context).hasFailed();
      assertThat(new AtomAsyncEnumPropertyFailureAnalyzer().analyze(context.getStartupFailure())).isNull();
    });
  }

  @Test
  void aBadValue_printsBootsApplicationFailedToStartBlock(CapturedOutput output) {
    runFailing("atom.async.retry.max-attempts", "0");
    assertThat(output).contains("APPLICATION FAILED TO START")
        .contains("Description:" + System.lineSeparator() + System.lineSeparator()
            + "atom.async.retry.max-attempts must be >= 1, was 0" + System.lineSeparator())
        .contains("Update 'atom.async.retry.max-attempts' in your configuration. Set it to 1 (no retry) or more, such as 3.");
  }

  /** Runs a real SpringApplication with one bad property, so that Boot prints its failure report. */
  private static void runFailing(String property, String value) {
    SpringApplication app = new SpringApplication(BareApplication.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    app.setDefaultProperties(java.util.Map.of(property, value, "spring.main.banner-mode", "off"));
    assertThatThrownBy(app::run).isNotNull();
  }

  @org.springframework.boot.autoconfigure.SpringBootApplication
  static class BareApplication {}

  @Test
  void theRetryPolicyFromPropertiesDrivesManagerRetry() {
    runner.withPropertyValues("atom.async.retry.max-attempts=4", "atom.async.retry.backoff=fixed",
        "atom.async.retry.initial-delay=1ms").run(context -> {
          java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
          Callable<String> flaky = () -> {
            if (calls.incrementAndGet() < 4) {
              throw new IllegalStateException("not yet");
            }
            return "fourth";
          };
          assertThat(context.getBean(AsyncWorkerManager.class).retry(flaky).getResult(Duration.ofSeconds(10)))
              .isEqualTo("fourth");
          assertThat(calls).hasValue(4);
        });
  }

  @Test
  void theReadmesYamlExample_isValidConfiguration() throws Exception {
    java.util.List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of("..", "README.md"));
    int start = lines.indexOf("```yaml");
    assertThat(start).as("README has a yaml example").isNotNegative();
    String yaml = String.join("\n", lines.subList(start + 1, lines.subList(start + 1, lines.size()).indexOf("```") + start + 1));
    var sources = new org.springframework.boot.env.YamlPropertySourceLoader()
        .load("readme", new org.springframework.core.io.ByteArrayResource(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    java.util.List<String> pairs = new java.util.ArrayList<>();
    var source = (org.springframework.core.env.EnumerablePropertySource<?>) sources.get(0);
    for (String name : source.getPropertyNames()) {
      pairs.add(name + "=" + source.getProperty(name));
    }
    assertThat(pairs).hasSizeGreaterThanOrEqualTo(10);
    runner.withPropertyValues(pairs.toArray(String[]::new)).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(AsyncWorkerManager.class).defaultRetryPolicy().toString()).contains("maxTotalDelay=PT30S");
    });
  }

  @Test
  void configurationMetadata_describesEveryPropertyWithItsDefault_andListsTheStrategies() throws Exception {
    String json = new String(getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json").readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    // Each property is a flat JSON object (no nested braces) in the processor's output.
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{[^{}]*\"name\":\\s*\"(atom\\.async\\.[^\"]+)\"[^{}]*}")
        .matcher(json);
    java.util.Set<String> names = new java.util.TreeSet<>();
    while (m.find()) {
      String name = m.group(1);
      String property = m.group();
      if (property.contains("\"sourceMethod\"")) {
        continue; // a group (a nested class), not a property
      }
      names.add(name);
      assertThat(property).as(name).containsPattern("\"description\":\\s*\"[^\"]{10,}");
      if (!java.util.Set.of("atom.async.worker.timeout", "atom.async.retry.max-total-delay", "atom.async.retry.jitter",
          "atom.async.pool.type", "atom.async.cluster.executor-name", "atom.async.cluster.timeout").contains(name)) {
        assertThat(property).as("%s has a default", name).contains("\"defaultValue\"");
      }
    }
    assertThat(names).containsExactlyInAnyOrder("atom.async.pool.type", "atom.async.pool.max-concurrency",
        "atom.async.pool.core-size", "atom.async.pool.max-size",
        "atom.async.pool.queue-capacity", "atom.async.pool.keep-alive", "atom.async.pool.thread-name-prefix",
        "atom.async.pool.rejection-policy", "atom.async.worker.timeout", "atom.async.retry.max-attempts",
        "atom.async.retry.initial-delay", "atom.async.retry.backoff", "atom.async.retry.max-delay",
        "atom.async.retry.max-total-delay", "atom.async.retry.jitter", "atom.async.shutdown.await-termination-period",
        "atom.async.metrics.enabled", "atom.async.metrics.max-names", "atom.async.context-propagation.enabled",
        "atom.async.observations.enabled", "atom.async.watchdog.stuck-threshold", "atom.async.endpoint.max-listed",
        "atom.async.cluster.enabled", "atom.async.cluster.executor-name", "atom.async.cluster.completion-threads",
        "atom.async.cluster.max-resubmissions", "atom.async.cluster.timeout");
    String additional = new String(getClass().getResourceAsStream("/META-INF/additional-spring-configuration-metadata.json")
        .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(additional).contains("\"fixed\"", "\"linear\"", "\"exponential\"", "\"abort\"", "\"caller-runs\"",
        "\"platform\"", "\"virtual\"");
  }

  private static <T extends Throwable> T rootCause(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in " + failure, failure);
  }
}
