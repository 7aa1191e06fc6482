package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.ThreadLocalCurrentTraceContext;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.atom.async.AsyncWorker;
import io.atom.async.WorkerState;
import io.atom.async.hazelcast.ClusterTask;
import io.atom.async.hazelcast.ClusterWorkerManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.brave.bridge.BraveBaggageManager;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BravePropagator;
import io.micrometer.tracing.brave.bridge.BraveTracer;
import io.micrometer.tracing.propagation.Propagator;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

/** The clusterWorkerManager bean on a HazelcastInstance bean (issue 16): one embedded member for the class. */
@Timeout(120)
class AsyncClusterAutoConfigurationTests {

  private static final int PORT = 5981;
  private static HazelcastInstance member;

  /** What the long tasks observed, keyed by a per-test id (the member runs in this JVM). */
  static final Map<String, CountDownLatch> STARTED = new ConcurrentHashMap<>();
  static final Map<String, CountDownLatch> INTERRUPTED = new ConcurrentHashMap<>();

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
          CompositeMeterRegistryAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
          AsyncWorkerAutoConfiguration.class, AsyncWorkerMetricsAutoConfiguration.class,
          AsyncClusterAutoConfiguration.class))
      .withBean(HazelcastInstance.class, () -> member);

  @BeforeAll
  static void startMember() {
    Config config = new Config();
    config.setClusterName("atom-async-" + AsyncClusterAutoConfigurationTests.class.getSimpleName() + "-" + UUID.randomUUID());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "none");
    config.setProperty("hazelcast.partition.count", "11");
    config.getNetworkConfig().setPort(PORT).setPortAutoIncrement(true).setPortCount(10);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + PORT);
    member = Hazelcast.newHazelcastInstance(config);
  }

  @AfterAll
  static void stopMember() {
    member.shutdown();
  }

  /** Sleeps ten seconds unless interrupted, recording its start and its interrupt under {@code id}. */
  static final class Sleeper implements ClusterTask<String> {
    private static final long serialVersionUID = 1L;
    private final String id;
    private final long millis;

    Sleeper(String id, long millis) {
      this.id = id;
      this.millis = millis;
    }

    @Override
    public String call() throws InterruptedException {
      STARTED.get(id).countDown();
      try {
        Thread.sleep(millis); // the remote task under test: runs until it ends or is interrupted
        return "slept";
      } catch (InterruptedException e) {
        INTERRUPTED.get(id).countDown();
        throw e;
      }
    }
  }

  private static String latches() {
    String id = UUID.randomUUID().toString();
    STARTED.put(id, new CountDownLatch(1));
    INTERRUPTED.put(id, new CountDownLatch(1));
    return id;
  }

  @Test
  void offUnlessEnabled() {
    runner.run(context -> assertThat(context).doesNotHaveBean(ClusterWorkerManager.class));
  }

  @Test
  void noHazelcastInstance_noClusterManager_evenWhenEnabled() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class,
            AsyncClusterAutoConfiguration.class))
        .withPropertyValues("atom.async.cluster.enabled=true")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(ClusterWorkerManager.class);
        });
  }

  @Test
  void enabled_runsClusterTasks_namedAfterTheBean_withItsMetrics() {
    runner.withPropertyValues("atom.async.cluster.enabled=true").run(context -> {
      ClusterWorkerManager cluster = context.getBean(AsyncClusterAutoConfiguration.CLUSTER_MANAGER_BEAN,
          ClusterWorkerManager.class);
      assertThat(cluster.name()).isEqualTo("clusterWorkerManager");

      AsyncWorker<Integer> chunk = cluster.createWorker("chunk", () -> 6 * 7);
      assertThat(chunk.getResult(Duration.ofSeconds(30))).isEqualTo(42);
      // The started count: Hazelcast 5.5 counts a task completed only after it has sent the answer,
      // which getResult may already have read.
      assertThat(member.getExecutorService("clusterWorkerManager").getLocalExecutorStats().getStartedTaskCount())
          .as("ran on the executor service named after the bean").isPositive();

      MeterRegistry registry = context.getBean(MeterRegistry.class);
      Timer duration = registry.find("atom.async.worker.duration")
          .tags("manager", "clusterWorkerManager", "name", "chunk", "outcome", "success").timer();
      assertThat(duration).isNotNull();
      assertThat(duration.count()).isEqualTo(1);
      assertThat(registry.get("atom.async.cluster.resubmitted").tag("manager", "clusterWorkerManager")
          .functionCounter().count()).isZero();
      assertThat(registry.get("atom.async.workers.active").tag("manager", "clusterWorkerManager").gauge().value())
          .isZero();
      assertThat(ManagerBeans.existing(context.getBeanFactory())).containsKey("clusterWorkerManager");
    });
  }

  @Test
  void properties_setTheExecutorServiceTheTimeoutAndTheResubmissions() {
    runner.withPropertyValues("atom.async.cluster.enabled=true", "atom.async.cluster.executor-name=reports",
        "atom.async.cluster.timeout=200ms").run(context -> {
          ClusterWorkerManager cluster = context.getBean(ClusterWorkerManager.class);
          long before = member.getExecutorService("reports").getLocalExecutorStats().getStartedTaskCount();
          String id = latches();

          AsyncWorker<String> slow = cluster.createWorker(new Sleeper(id, 10_000));

          assertThat(slow.waitForCompletion(Duration.ofSeconds(10))).isTrue();
          assertThat(slow.state()).isEqualTo(WorkerState.TIMED_OUT);
          assertThat(INTERRUPTED.get(id).await(10, TimeUnit.SECONDS)).as("interrupted where it ran").isTrue();
          assertThat(member.getExecutorService("reports").getLocalExecutorStats().getStartedTaskCount())
              .isGreaterThan(before);
        });
  }

  @Test
  void badProperties_failTheStart_namingThePropertyAndTheValue() {
    runner.withPropertyValues("atom.async.cluster.enabled=true", "atom.async.cluster.max-resubmissions=-1")
        .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
            .hasMessageContaining("atom.async.cluster.max-resubmissions").hasMessageContaining("-1"));
    runner.withPropertyValues("atom.async.cluster.enabled=true", "atom.async.cluster.completion-threads=0")
        .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
            .hasMessageContaining("atom.async.cluster.completion-threads"));
    runner.withPropertyValues("atom.async.cluster.enabled=true", "atom.async.cluster.timeout=0s")
        .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
            .hasMessageContaining("atom.async.cluster.timeout"));
  }

  @Test
  void closingTheContext_letsClusterWorkFinish_thenCancelsWhatIsLeftWhereItRuns() {
    runner.withPropertyValues("atom.async.cluster.enabled=true", "atom.async.shutdown.await-termination-period=1s")
        .run(context -> {
          ClusterWorkerManager cluster = context.getBean(ClusterWorkerManager.class);
          String quickId = latches();
          String stubbornId = latches();
          AsyncWorker<String> quick = cluster.createWorker(new Sleeper(quickId, 300));
          AsyncWorker<String> stubborn = cluster.createWorker(new Sleeper(stubbornId, 30_000));
          assertThat(STARTED.get(stubbornId).await(10, TimeUnit.SECONDS)).isTrue();

          ((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();

          assertThat(quick.state()).as("finished during the drain").isEqualTo(WorkerState.SUCCEEDED);
          assertThat(stubborn.state()).isEqualTo(WorkerState.CANCELLED);
          assertThat(INTERRUPTED.get(stubbornId).await(10, TimeUnit.SECONDS)).as("interrupted where it ran").isTrue();
          assertThat(cluster.isClosed()).isTrue();
          assertThat(member.getLifecycleService().isRunning()).as("the instance is not ours to stop").isTrue();
        });
  }

  /** Renders a report on the cluster: the README's Scale out example. */
  static class ReportRenderer {
    @Autowired ClusterWorkerManager cluster;

    List<Chunk> render(String reportId) {
      try (ClusterWorkerManager job = cluster.newScope()) {    // waits for and cancels only its own work
        List<AsyncWorker<Chunk>> chunks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          chunks.add(job.createWorker("report-chunk", new RenderChunk(reportId, i)));  // a ClusterTask
        }
        job.waitForAll(Duration.ofMinutes(5));                  // same states, timeouts, failure aggregation
        return chunks.stream().map(AsyncWorker::getResult).toList();
      }
    }
  }

  /** One rendered chunk of a report. */
  record Chunk(String reportId, int index) implements Serializable {}

  /** Renders one chunk wherever it runs. */
  record RenderChunk(String reportId, int index) implements ClusterTask<Chunk> {
    @Override
    public Chunk call() {
      return new Chunk(reportId, index);
    }
  }

  @Test
  void theReadmesScaleOutExample_runsAsWritten() throws Exception {
    runner.withPropertyValues("atom.async.cluster.enabled=true").withBean(ReportRenderer.class).run(context -> {
      List<Chunk> chunks = context.getBean(ReportRenderer.class).render("r-7");
      assertThat(chunks).hasSize(100);
      for (int i = 0; i < 100; i++) {
        assertThat(chunks.get(i)).isEqualTo(new Chunk("r-7", i));
      }
      assertThat(context.getBean(ClusterWorkerManager.class).allDone()).isTrue();
    });
    assertThat(ReadmeSnippets.matchedIn(getClass())).as("the README's cluster snippets").isEqualTo(1);
  }

  /** The tracer of the tracing test, reached by the task on its member (this JVM). */
  static volatile Tracer tracer;

  /** Returns the trace id and the parent span id of the span current where it runs. */
  static final class WhereInTheTrace implements ClusterTask<String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String call() {
      io.micrometer.tracing.Span current = tracer.currentSpan();
      return current == null ? "no span" : current.context().traceId() + "/" + current.context().parentId();
    }
  }

  @Test
  void withMicrometerTracing_theSubmittersTraceContinuesOnTheMember_asAChildSpan() {
    List<MutableSpan> finished = new java.util.concurrent.CopyOnWriteArrayList<>();
    Tracing brave = Tracing.newBuilder().currentTraceContext(ThreadLocalCurrentTraceContext.create())
        .addSpanHandler(new SpanHandler() {
          @Override
          public boolean end(brave.propagation.TraceContext context, MutableSpan span, Cause cause) {
            finished.add(span);
            return true;
          }
        }).build();
    tracer = new BraveTracer(brave.tracer(), new BraveCurrentTraceContext(brave.currentTraceContext()),
        new BraveBaggageManager());
    try {
      runner.withPropertyValues("atom.async.cluster.enabled=true")
          .withBean(Tracer.class, () -> tracer).withBean(Propagator.class, () -> new BravePropagator(brave))
          .run(context -> {
            ClusterWorkerManager cluster = context.getBean(ClusterWorkerManager.class);
            io.micrometer.tracing.Span request = tracer.nextSpan().name("request").start();
            AsyncWorker<String> traced;
            try (Tracer.SpanInScope ignored = tracer.withSpan(request)) {
              traced = cluster.createWorker("traced", new WhereInTheTrace());
            } finally {
              request.end();
            }
            AsyncWorker<String> untraced = cluster.createWorker(new WhereInTheTrace());

            assertThat(traced.getResult(Duration.ofSeconds(30)))
                .isEqualTo(request.context().traceId() + "/" + request.context().spanId());
            assertThat(untraced.getResult(Duration.ofSeconds(30))).isEqualTo("no span");
            assertThat(finished).filteredOn(span -> "traced".equals(span.name())).singleElement().satisfies(span -> {
              assertThat(span.traceId()).isEqualTo(request.context().traceId());
              assertThat(span.parentId()).isEqualTo(request.context().spanId());
              assertThat(span.tags()).containsEntry("atom.async.cluster.task", "true");
            });
          });
    } finally {
      brave.close();
    }
  }

  /** Gates that hold a task on its member until the test opens them. */
  static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

  /** Waits, at most 10 s, for its gate, then answers. */
  static final class Gated implements ClusterTask<String> {
    private static final long serialVersionUID = 1L;
    private final String id;

    Gated(String id) {
      this.id = id;
    }

    @Override
    public String call() throws InterruptedException {
      return GATES.get(id).await(10, TimeUnit.SECONDS) ? "opened" : "gate never opened";
    }
  }

  @Test
  void callbacksOfClusterWorkers_runWithTheSubmittersMdc_onTheCompletionThreads() {
    runner.withPropertyValues("atom.async.cluster.enabled=true").run(context -> {
      ClusterWorkerManager cluster = context.getBean(ClusterWorkerManager.class);
      String id = UUID.randomUUID().toString();
      GATES.put(id, new CountDownLatch(1));
      AsyncWorker<String> worker;
      MDC.put("requestId", "r-42");
      try {
        worker = cluster.createWorker(new Gated(id));
      } finally {
        MDC.remove("requestId");
      }
      java.util.concurrent.atomic.AtomicReference<String> seen = new java.util.concurrent.atomic.AtomicReference<>();
      worker.setCallback(v -> seen.set(v + " with requestId " + MDC.get("requestId")));

      GATES.get(id).countDown();

      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.get() != null);
      assertThat(seen).hasValue("opened with requestId r-42");
    });
  }
}
