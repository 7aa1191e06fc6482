package io.atom.async;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;

/**
 * Virtual threads (Java 21 and later) for a manager's work, from a library built for Java 17.
 *
 * <pre>{@code
 * ExecutorService virtual = VirtualThreads.newExecutor("orders-", 1000, 1000);
 * AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(virtual).build();
 * }</pre>
 *
 * <p>{@link #newExecutor} runs each task on its own new virtual thread, at most
 * {@code maxConcurrency} at once; beyond that, tasks wait in a bounded FIFO queue of
 * {@code queueCapacity}, and beyond that they are refused with a {@link java.util.concurrent.RejectedExecutionException}.
 * So it keeps the back-pressure contract of a bounded {@link java.util.concurrent.ThreadPoolExecutor}:
 * submitting never blocks; a worker refused by it ends {@link WorkerState#FAILED} with the rejection;
 * a worker waiting for a turn stays {@link WorkerState#SCHEDULED} (it counts as pending, not active),
 * and one cancelled or timed out while it waits leaves the queue at once and gives its slot back.
 * The limit exists because virtual threads are cheap and what they call is not: it caps how many
 * calls the work makes at once on a database, a connection pool or a downstream service.
 *
 * <p><b>Java 17.</b> This class compiles against Java 17 and reaches {@code Thread.ofVirtual()} at run
 * time, through {@link MethodHandles}, once per executor it creates; running a task costs two plain
 * interface calls ({@code ThreadFactory.newThread}, {@code Thread.start}), no reflection. On a JVM
 * without virtual threads (before Java 21), {@link #isSupported()} is false and {@link #newExecutor}
 * throws: nothing falls back to platform threads silently.
 *
 * <p>This class is thread-safe (stateless).
 */
public final class VirtualThreads {

  /** Creates {@code Thread.ofVirtual().name(prefix, 1).factory()}; null without virtual threads. */
  private static final @Nullable MethodHandle FACTORY = lookUpFactory();

  private VirtualThreads() {}

  /**
   * Tells whether this JVM runs virtual threads (Java 21 or later).
   *
   * @return {@code true} if {@link #newExecutor} can be called
   */
  public static boolean isSupported() {
    return FACTORY != null;
  }

  /**
   * Returns an executor that runs each task on its own new virtual thread, named
   * {@code threadNamePrefix} followed by 1, 2, 3 and so on, at most {@code maxConcurrency} at once, with
   * at most {@code queueCapacity} more waiting in FIFO order; a task beyond both is refused with a
   * {@link java.util.concurrent.RejectedExecutionException} that says so. Submitting never blocks.
   *
   * <p>{@link ExecutorService#shutdown()} refuses new tasks and lets queued ones run;
   * {@link ExecutorService#shutdownNow()} also takes the queued ones out and returns them (a worker's
   * task is a {@link java.util.concurrent.Future}: cancel it to end its worker), and does not interrupt
   * running tasks (cancel their workers for that, as {@link AsyncWorkerManager#close()} does). Give it to
   * {@link AsyncWorkerManager.Builder#executor}; the manager does not own it, so shut it down yourself.
   *
   * @param threadNamePrefix the prefix of the thread names, such as {@code "orders-"}
   * @param maxConcurrency how many tasks run at once at most, at least 1
   * @param queueCapacity how many tasks wait at most, at least 0 (none: a task beyond the limit is refused)
   * @return a new executor; it is thread-safe
   * @throws NullPointerException if {@code threadNamePrefix} is null
   * @throws IllegalArgumentException if {@code maxConcurrency < 1} or {@code queueCapacity < 0}
   * @throws UnsupportedOperationException if this JVM has no virtual threads (before Java 21); the
   *     message names the Java version
   */
  public static ExecutorService newExecutor(String threadNamePrefix, int maxConcurrency, int queueCapacity) {
    Objects.requireNonNull(threadNamePrefix, "threadNamePrefix");
    LimitedExecutor.checkLimits(maxConcurrency, queueCapacity);
    ThreadFactory threads = factory(threadNamePrefix);
    return new LimitedExecutor(task -> threads.newThread(task).start(), maxConcurrency, queueCapacity,
        "virtual threads");
  }

  /**
   * A factory of virtual threads named {@code prefix1}, {@code prefix2}, ... (thread-safe, as the
   * JDK's is).
   */
  static ThreadFactory factory(String prefix) {
    MethodHandle factory = FACTORY;
    if (factory == null) {
      throw new UnsupportedOperationException("virtual threads need Java 21 or later; this JVM is Java "
          + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")");
    }
    try {
      return (ThreadFactory) factory.invoke(prefix);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("could not create a factory of virtual threads", e);
    }
  }

  /**
   * {@code (String prefix) -> Thread.ofVirtual().inheritInheritableThreadLocals(false).name(prefix, 1).factory()},
   * composed once from the
   * Java 21 API, or null on an older JVM. On Java 19 and 20 the API exists as a preview feature; it is
   * not used there.
   */
  private static @Nullable MethodHandle lookUpFactory() {
    if (Runtime.version().feature() < 21) {
      return null;
    }
    try {
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      Class<?> builder = Class.forName("java.lang.Thread$Builder");
      Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
      MethodHandle newBuilder = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtual));
      MethodHandle name = lookup.findVirtual(ofVirtual, "name",
          MethodType.methodType(ofVirtual, String.class, long.class));
      MethodHandle factory = lookup.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class));
      MethodHandle noInheritance = lookup.findVirtual(ofVirtual, "inheritInheritableThreadLocals",
          MethodType.methodType(ofVirtual, boolean.class));
      // prefix -> factory(name(inheritInheritableThreadLocals(ofVirtual(), false), prefix, 1L)): a new
      // thread copies no InheritableThreadLocal of the thread that starts it (a submitter, or the task
      // that just finished and hands its permit on), so nothing of one task reaches the next one; the
      // manager's context propagation is what carries the submitter's context.
      MethodHandle clean = MethodHandles.filterReturnValue(newBuilder,
          MethodHandles.insertArguments(noInheritance, 1, false)); // () -> OfVirtual
      MethodHandle named = MethodHandles.insertArguments(name, 2, 1L); // (OfVirtual, String) -> OfVirtual
      named = MethodHandles.foldArguments(named, clean); // (String) -> OfVirtual
      MethodHandle composed = MethodHandles.filterReturnValue(named,
          factory.asType(MethodType.methodType(ThreadFactory.class, ofVirtual)));
      ThreadFactory probe = (ThreadFactory) composed.invoke("probe-"); // fails here, not at first use
      Objects.requireNonNull(probe, "factory");
      return composed;
    } catch (Throwable e) {
      // Java 21+ without the API would be a broken JDK: say so rather than run on platform threads.
      System.getLogger(VirtualThreads.class.getName()).log(System.Logger.Level.WARNING,
          "this JVM (Java " + Runtime.version() + ") reports Java 21 or later but its virtual threads could not be"
              + " reached; virtual threads are unavailable", e);
      return null;
    }
  }
}
