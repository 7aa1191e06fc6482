package io.atom.async;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model-checks one started worker: completion (the pool running its task), cancel, the timeout
 * firing, and the readers race, and every interleaving must be explainable by some sequential order
 * of the same operations (linearizability). The worker starts SCHEDULED in each scenario
 * ({@code actorsBefore(0)}: a one-shot state machine must not be moved past its interesting states
 * before the race).
 *
 * <p>Callbacks are not in the model on purpose: they run after the terminal state is published, so an
 * observer may see {@code isDone()} before a callback has run. That lag is documented
 * ({@link AsyncWorker#getResult()} vs {@link AsyncWorker#waitForCompletion()}); exactly-once is proven
 * by {@link WorkerRaceStressTest} instead.
 */
@Timeout(300)
public class WorkerLincheckTest {
  private final ManualExecutor executor = new ManualExecutor();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final AsyncWorker<Integer> worker;
  private final Runnable task;
  private final Runnable timer;

  public WorkerLincheckTest() {
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).scheduler(scheduler).build();
    worker = manager.newWorker();
    worker.setTimeout(Duration.ofHours(1));
    worker.startAsync(() -> 42);
    task = executor.take();
    timer = scheduler.scheduled.poll();
  }

  /** The pool runs the task: once at a time, as an executor runs each task at most once. */
  @Operation(nonParallelGroup = "pool")
  public void complete() {
    task.run();
    Thread.interrupted(); // a stray interrupt would be a bug, but must not leak into Lincheck's thread
  }

  @Operation
  public void cancel() {
    worker.cancel();
  }

  /** The timer thread fires: one timer thread, so never in parallel with itself. */
  @Operation(nonParallelGroup = "timer")
  public void timeout() {
    timer.run();
  }

  /**
   * The state, with SCHEDULED and RUNNING folded into ACTIVE (what isActive() reports): RUNNING is
   * the visible middle of complete(), which no sequential order of whole operations can show.
   */
  @Operation
  public String state() {
    WorkerState state = worker.state();
    return state.isTerminal() ? state.name() : "ACTIVE";
  }

  @Operation
  public boolean isDone() {
    return worker.isDone();
  }

  @Operation
  public String result() {
    try {
      return String.valueOf(worker.getResult(Duration.ZERO));
    } catch (CancellationException e) {
      return "cancelled";
    } catch (AsyncTimeoutException e) {
      return e.getCause() instanceof java.util.concurrent.TimeoutException ? "not done" : "timed out";
    }
  }

  @Test
  void modelChecking() {
    ModelCheckingOptions options = new ModelCheckingOptions().actorsBefore(0).actorsAfter(1).threads(2)
        .actorsPerThread(3).iterations(Integer.getInteger("atom.lincheck.iterations", 30)).invocationsPerIteration(500);
    // check() throws a LincheckAssertionError with the offending interleaving if one is not linearizable.
    assertThatCode(() -> options.check(getClass())).doesNotThrowAnyException();
  }

  @Test
  void stress() {
    StressOptions options = new StressOptions().actorsBefore(0).actorsAfter(1).threads(3).actorsPerThread(2)
        .iterations(Integer.getInteger("atom.lincheck.iterations", 30)).invocationsPerIteration(2_000);
    assertThatCode(() -> options.check(getClass())).doesNotThrowAnyException();
  }
}
