package io.atom.async;

import static org.assertj.core.api.Assertions.assertThatCode;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model-checks the manager's tracking of a worker that is started while it is cancelled (issue 10,
 * item 3): {@code startAsync} on a worker from {@code newWorker()} racing {@code cancel()} from
 * another thread, and a second {@code startAsync} racing both. After every interleaving, a worker
 * that has ended must no longer be tracked (no {@code inFlightCount()} stuck at 1, no owned pool
 * kept alive after {@code shutdown()}), and a started worker that has not ended must be.
 */
@Timeout(300)
public class ManagerTrackingLincheckTest {
  private final ManualExecutor executor = new ManualExecutor();
  private final AsyncWorkerManager manager =
      AsyncWorkerManager.builder().executor(executor).scheduler(new ManualScheduler()).build();
  private final AsyncWorker<Integer> worker = manager.newWorker();

  @Operation
  public String startAsync() {
    try {
      worker.startAsync(() -> 1);
      return "started";
    } catch (IllegalStateException e) {
      return "refused";
    }
  }

  @Operation
  public void cancel() {
    worker.cancel();
  }

  /** Runs after each interleaving, once every operation has returned. */
  @Validate
  public void trackedIffStartedAndNotEnded() {
    int expected = worker.state() == WorkerState.SCHEDULED ? 1 : 0;
    int tracked = manager.inFlightCount();
    if (tracked != expected) {
      throw new IllegalStateException("worker " + worker.state() + " but the manager tracks " + tracked);
    }
  }

  @Test
  void modelChecking() {
    // Two operations on two threads make few distinct scenarios: a third of the worker test's
    // iterations covers them (the soak profile runs 200).
    int iterations = Math.max(10, Integer.getInteger("atom.lincheck.iterations", 30) / 3);
    ModelCheckingOptions options = new ModelCheckingOptions().actorsBefore(0).actorsAfter(0).threads(2)
        .actorsPerThread(2).iterations(iterations).invocationsPerIteration(500);
    assertThatCode(() -> options.check(getClass())).doesNotThrowAnyException();
  }
}
