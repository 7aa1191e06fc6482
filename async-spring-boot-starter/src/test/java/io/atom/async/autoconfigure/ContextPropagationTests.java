package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.RetryPolicy;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MDC;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

@Timeout(60)
class ContextPropagationTests {
  private static final ThreadLocal<String> TRACE = new ThreadLocal<>();
  private static final String KEY = "test.trace";

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class))
      .withPropertyValues("atom.async.pool.core-size=2", "atom.async.pool.max-size=2");

  @AfterEach
  void clean() {
    MDC.clear();
    TRACE.remove();
    ContextRegistry.getInstance().removeThreadLocalAccessor(KEY);
  }

  @Test
  void mdcAndMicrometerContext_reachTasksRetryAttemptsAndCallbacks_andPoolThreadsAreLeftClean() {
    ContextRegistry.getInstance().registerThreadLocalAccessor(new ThreadLocalAccessor<String>() {
      @Override
      public Object key() {
        return KEY;
      }

      @Override
      public String getValue() {
        return TRACE.get();
      }

      @Override
      public void setValue(String value) {
        TRACE.set(value);
      }

      @Override
      public void setValue() {
        TRACE.remove();
      }
    });
    runner.run(context -> {
      AsyncWorkerManager manager = context.getBean(AsyncWorkerManager.class);
      List<String> seen = new CopyOnWriteArrayList<>();
      MDC.put("requestId", "r-7");
      TRACE.set("trace-abc");
      AsyncWorker<String> task = manager.createWorker(() -> MDC.get("requestId") + "/" + TRACE.get());
      task.setCallback(v -> seen.add("callback " + MDC.get("requestId") + "/" + TRACE.get()));
      AtomicInteger calls = new AtomicInteger();
      AsyncWorker<String> retried = manager.retry(() -> {
        seen.add("attempt " + calls.incrementAndGet() + " " + MDC.get("requestId") + "/" + TRACE.get());
        if (calls.get() < 3) {
          throw new IOException("again");
        }
        return "ok";
      }, RetryPolicy.<String>builder().initialDelay(Duration.ofMillis(1)).build());
      MDC.clear();
      TRACE.remove();

      assertThat(task.getResult(Duration.ofSeconds(10))).isEqualTo("r-7/trace-abc");
      assertThat(retried.getResult(Duration.ofSeconds(10))).isEqualTo("ok");
      task.waitForCompletion(Duration.ofSeconds(10));
      assertThat(seen).contains("callback r-7/trace-abc", "attempt 1 r-7/trace-abc", "attempt 2 r-7/trace-abc",
          "attempt 3 r-7/trace-abc");
      // Both pool threads are clean afterwards.
      for (int i = 0; i < 4; i++) {
        assertThat(manager.createWorker(() -> MDC.get("requestId") + "/" + TRACE.get()).getResult(Duration.ofSeconds(10)))
            .isEqualTo("null/null");
      }
    });
  }

  @Test
  void propagationCanBeSwitchedOff() {
    runner.withPropertyValues("atom.async.context-propagation.enabled=false").run(context -> {
      MDC.put("requestId", "r-8");
      AsyncWorker<String> task = context.getBean(AsyncWorkerManager.class).createWorker(() -> MDC.get("requestId"));
      assertThat(task.getResult(Duration.ofSeconds(10))).isNull();
    });
  }
}
