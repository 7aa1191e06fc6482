package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker's observation is started only by the start that won and ended exactly once, with the
 * worker's final state, whoever ends it: the runner, a canceller racing the start, or the timeout.
 */
@Timeout(120)
class ObserverRaceStressTest {

  private static final int ROUNDS = 5_000;

  /** One observation: how often it ended, and with what. */
  static final class Seen implements WorkerObserver.Observed {
    final AtomicInteger ends = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();
    volatile @Nullable WorkerState outcome;

    @Override
    public <V> V call(Callable<V> task) throws Exception {
      calls.incrementAndGet();
      return task.call();
    }

    @Override
    public WorkerObserver.@Nullable Observed attempt(int attempt) {
      return null;
    }

    @Override
    public void end(WorkerState outcome, @Nullable Throwable failure) {
      this.outcome = outcome;
      ends.incrementAndGet();
    }
  }

  @Test
  void startCancelTimeoutAndCompletion_endEachObservationExactlyOnce() throws Exception {
    Map<String, Seen> observed = new ConcurrentHashMap<>();
    AtomicInteger duplicateStarts = new AtomicInteger();
    WorkerObserver observer = (manager, name, tag, retried) -> {
      Seen seen = new Seen();
      if (observed.putIfAbsent(name, seen) != null) {
        duplicateStarts.incrementAndGet();
      }
      return seen;
    };
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(2).observer(observer).build()) {
      AtomicReference<AsyncWorker<Integer>> current = new AtomicReference<>();
      AtomicReference<Boolean> startWon = new AtomicReference<>();
      AtomicReference<Throwable> error = new AtomicReference<>();
      CyclicBarrier gate = new CyclicBarrier(3);
      Thread starter = Racer.start("start", gate, error, () -> {
        try {
          current.get().startAsync(() -> ThreadLocalRandom.current().nextBoolean() ? 1 : spin());
          startWon.set(true);
        } catch (IllegalStateException cancelledFirst) {
          startWon.set(false);
        }
      });
      Thread canceller = Racer.start("cancel", gate, error, () -> {
        if (ThreadLocalRandom.current().nextInt(3) != 0) {
          current.get().cancel();
        }
      });
      try {
        int won = 0;
        for (int round = 0; round < ROUNDS; round++) {
          AsyncWorker<Integer> worker = manager.newWorker("w" + round);
          if (round % 4 == 0) {
            worker.setTimeout(Duration.ofNanos(ThreadLocalRandom.current().nextInt(1, 200_000)));
          }
          current.set(worker);
          gate.await(10, TimeUnit.SECONDS); // go
          gate.await(10, TimeUnit.SECONDS); // both acted
          assertThat(error.get()).isNull();
          Seen seen = observed.get("w" + round);
          if (startWon.get()) {
            won++;
            assertThat(worker.waitForCompletion(Duration.ofSeconds(10))).isTrue();
            assertThat(seen).as("round %d: the start that won is observed", round).isNotNull();
            assertThat(seen.ends).as("round %d: ended once", round).hasValue(1);
            assertThat(seen.outcome).as("round %d", round).isEqualTo(worker.state());
            assertThat(seen.calls.get()).as("round %d: the task ran inside it at most once", round).isBetween(0, 1);
          } else {
            assertThat(seen).as("round %d: a start refused after a cancel is not observed", round).isNull();
          }
        }
        assertThat(duplicateStarts).hasValue(0);
        assertThat(won).as("both orders happened").isBetween(1, ROUNDS - 1);
      } finally {
        starter.interrupt();
        canceller.interrupt();
      }
    }
  }

  /** A task that runs a little, so that a cancel or a timeout may land while it runs. */
  private static int spin() {
    long end = System.nanoTime() + 20_000;
    int n = 0;
    while (System.nanoTime() < end) {
      n++;
    }
    return n;
  }
}
