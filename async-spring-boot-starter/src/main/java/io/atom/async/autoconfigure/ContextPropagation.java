package io.atom.async.autoconfigure;

import java.util.Map;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;
import org.springframework.util.ClassUtils;

/**
 * Captures the submitting thread's MDC, and its Micrometer context (trace ids, ...) when
 * {@code io.micrometer:context-propagation} is on the class path, and restores both around the task;
 * the thread gets its own MDC back afterwards. Boot does not do this for its executors unless a
 * decorator is declared; the starter does it for every task, retry attempt, timeout and callback.
 */
final class ContextPropagation implements UnaryOperator<Runnable> {

  private static final boolean MICROMETER_CONTEXT =
      ClassUtils.isPresent("io.micrometer.context.ContextSnapshotFactory", ContextPropagation.class.getClassLoader());

  private final @Nullable UnaryOperator<Runnable> micrometer = MICROMETER_CONTEXT ? MicrometerContext.capture() : null;

  @Override
  public Runnable apply(Runnable task) {
    Runnable inner = micrometer != null ? micrometer.apply(task) : task;
    Map<String, String> captured = MDC.getCopyOfContextMap();
    return () -> {
      Map<String, String> previous = MDC.getCopyOfContextMap();
      setMdc(captured);
      try {
        inner.run();
      } finally {
        setMdc(previous);
      }
    };
  }

  private static void setMdc(@Nullable Map<String, String> mdc) {
    if (mdc == null || mdc.isEmpty()) {
      MDC.clear();
    } else {
      MDC.setContextMap(mdc);
    }
  }

  /** Kept apart so that the class loads without context-propagation on the class path. */
  private static final class MicrometerContext {
    static UnaryOperator<Runnable> capture() {
      io.micrometer.context.ContextSnapshotFactory factory = io.micrometer.context.ContextSnapshotFactory.builder().build();
      return task -> factory.captureAll().wrap(task);
    }
  }
}
