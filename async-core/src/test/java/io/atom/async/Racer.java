package io.atom.async;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** A daemon thread that runs one action per round of a start gate: wait, act, wait for the others. */
final class Racer {
  private Racer() {}

  /**
   * @param gate released once to start a round (all racers and the test) and once to end it
   * @param error keeps the first exception an action throws
   */
  static Thread start(String name, CyclicBarrier gate, AtomicReference<Throwable> error, Runnable action) {
    return start(ThreadKind.PLATFORM, name, gate, error, action);
  }

  /** As {@link #start(String, CyclicBarrier, AtomicReference, Runnable)}, on a thread of {@code kind}. */
  static Thread start(ThreadKind kind, String name, CyclicBarrier gate, AtomicReference<Throwable> error,
      Runnable action) {
    Thread t = kind.factory("racer-" + name + "-").newThread(() -> {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          gate.await(); // waits for the next round; interrupted at the end of the test
          try {
            action.run();
          } catch (Throwable e) {
            error.compareAndSet(null, e);
          }
          gate.await(10, TimeUnit.SECONDS);
        }
      } catch (Exception end) {
        // interrupted or the barrier broke: the test is over
      }
    });
    t.start();
    return t;
  }
}
