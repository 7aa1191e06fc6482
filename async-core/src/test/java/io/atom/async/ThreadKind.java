package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * The two kinds of threads a suite runs on. {@link #VIRTUAL} is skipped before Java 21 and must run
 * from Java 21 on: there, {@link #assumeAvailable()} fails instead of skipping if virtual threads
 * cannot be reached, so that CI's Temurin 25 run cannot pass with the virtual variants skipped.
 */
enum ThreadKind {
  PLATFORM,
  VIRTUAL;

  private static final MethodHandle IS_VIRTUAL = isVirtualHandle();

  /** Skips the test for VIRTUAL before Java 21; from Java 21 on, fails if virtual threads are missing. */
  void assumeAvailable() {
    if (this != VIRTUAL) {
      return;
    }
    if (Runtime.version().feature() >= 21) {
      assertThat(VirtualThreads.isSupported())
          .as("Java %s must run the virtual-thread variant, not skip it", Runtime.version()).isTrue();
    } else {
      Assumptions.assumeTrue(false, "virtual threads need Java 21 or later; this is Java " + Runtime.version());
    }
  }

  /** Threads of this kind named {@code prefix1}, {@code prefix2}, ...; platform ones are daemons. */
  ThreadFactory factory(String prefix) {
    if (this == VIRTUAL) {
      return VirtualThreads.factory(prefix);
    }
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** {@code thread.isVirtual()}, reached at run time (false before Java 21). */
  static boolean isVirtual(Thread thread) {
    if (IS_VIRTUAL == null) {
      return false;
    }
    try {
      return (boolean) IS_VIRTUAL.invokeExact(thread);
    } catch (Throwable e) {
      throw new AssertionError(e);
    }
  }

  private static MethodHandle isVirtualHandle() {
    try {
      return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
    } catch (NoSuchMethodException | IllegalAccessException e) {
      return null; // before Java 21
    }
  }
}
