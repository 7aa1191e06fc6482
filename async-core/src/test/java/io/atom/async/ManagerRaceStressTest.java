package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Races a scope's createWorker against the root's cancelAll, the scope's close, cancel(worker),
 * allDone and a pool thread running tasks, released together by a start gate, many times. After
 * each round: every worker created is terminal or still runnable-and-tracked, and once the pool has
 * drained, nothing is tracked and allDone() is true. {@code -Datom.stress.iterations=N} (default 20,000).
 */
@Timeout(600)
class ManagerRaceStressTest {
  private static final int ROUNDS = Integer.getInteger("atom.stress.iterations", 20_000);

  @Test
  void createCancelAllCloseAndAllDone_neverLoseOrStrandAWorker() throws Exception {
    ManualExecutor executor = new ManualExecutor();
    AsyncWorkerManager root = AsyncWorkerManager.builder().executor(executor).build();
    CyclicBarrier gate = new CyclicBarrier(5);
    AtomicReference<AsyncWorkerManager> scope = new AtomicReference<>();
    Queue<AsyncWorker<Integer>> created = new ConcurrentLinkedQueue<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    List<Thread> racers = new ArrayList<>();
    racers.add(Racer.start("creator", gate, error, () -> {
      for (int i = 0; i < 3; i++) {
        created.add(scope.get().createWorker(() -> 1));
      }
    }));
    racers.add(Racer.start("cancelAll", gate, error, root::cancelAll));
    racers.add(Racer.start("closer", gate, error, () -> scope.get().close()));
    racers.add(Racer.start("runner", gate, error, () -> {
      executor.runAll();
      AsyncWorker<Integer> first = created.peek();
      if (first != null) {
        root.cancel(first);
      }
      root.allDone();
    }));
    int rounds = 0;
    try {
      for (int round = 0; round < ROUNDS; round++) {
        created.clear();
        scope.set(root.newScope());
        gate.await(10, TimeUnit.SECONDS);
        gate.await(10, TimeUnit.SECONDS);
        assertThat(error.get()).as("round %d", round).isNull();
        for (AsyncWorker<Integer> w : created) {
          // The scope's close() has returned: each worker was refused by it, cancelled by it, or ran
          // before; none may be left queued, as one whose start close() missed would be.
          assertThat(w.isDone()).as("round %d: close() left %s queued", round, w).isTrue();
        }
        executor.runAll(); // whatever is still queued runs (or finds itself cancelled)
        for (AsyncWorker<Integer> w : created) {
          assertThat(w.isDone()).as("round %d: %s", round, w).isTrue();
          assertThat(w.state()).isIn(WorkerState.SUCCEEDED, WorkerState.CANCELLED, WorkerState.FAILED);
          if (w.state() == WorkerState.FAILED) {
            assertThat(w.toCompletableFuture()).isCompletedExceptionally(); // refused by the closed scope
          }
        }
        assertThat(root.inFlightCount()).as("round %d", round).isZero();
        assertThat(root.allDone()).isTrue();
        try {
          assertThat(root.waitForAll(Duration.ZERO)).as("nothing left to wait for").isTrue();
        } catch (WorkersFailedException refusals) {
          // workers refused by the closed scope are failures reported to the root: expected
          assertThat(refusals.failures()).allMatch(f -> f instanceof java.util.concurrent.RejectedExecutionException);
        }
        rounds++;
      }
    } finally {
      racers.forEach(Thread::interrupt);
    }
    assertThat(rounds).isEqualTo(ROUNDS);
    System.out.printf("ManagerRaceStressTest: %d rounds%n", rounds);
  }
}
