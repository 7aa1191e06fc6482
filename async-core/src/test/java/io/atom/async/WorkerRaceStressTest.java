package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Races completion, cancel, the timeout firing, a late callback registration and getResult on one
 * worker, released together by a start gate, many times; checks the invariants after each round.
 * Iterations: {@code -Datom.stress.iterations=N} (default 20,000).
 *
 * <p>On both kinds of threads. {@code PLATFORM}: the task goes straight to the pool. {@code VIRTUAL}
 * (Java 21+): the racers are virtual threads and the task goes through the concurrency limiter of a
 * virtual-thread executor ({@link LimitedExecutor}, one permit and one queue slot): a task holds the
 * permit, so the worker waits in the limiter's queue, and the runner ends that task (which hands the
 * permit to the worker) and runs what it was handed, while cancel and the timeout race to take the
 * worker out of the queue. After each round the permit and the queue slot must be free again.
 */
@Timeout(300)
class WorkerRaceStressTest {
  private static final int ITERATIONS = Integer.getInteger("atom.stress.iterations", 20_000);
  private static final IllegalStateException BOOM = new IllegalStateException("boom");

  /** One round's worker and what each racer saw. */
  private static final class Round {
    AsyncWorker<Integer> worker;
    Runnable taskRun;
    ManualScheduler.Scheduled<?> timer;
    final AtomicInteger successCallbacks = new AtomicInteger();
    final AtomicInteger failureCallbacks = new AtomicInteger();
    final AtomicInteger lateCallbacks = new AtomicInteger();
    final AtomicReference<Object> seenByGetter = new AtomicReference<>();
    volatile boolean runnerLeftInterrupted;
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ThreadKind.class)
  void completionCancelTimeoutAndReaders_alwaysEndInExactlyOneConsistentState(ThreadKind kind) throws Exception {
    kind.assumeAvailable();
    ManualExecutor threads = new ManualExecutor();
    LimitedExecutor limiter = kind == ThreadKind.VIRTUAL ? new LimitedExecutor(threads, 1, 1, "virtual threads") : null;
    Executor executor = limiter != null ? limiter : threads;
    ManualScheduler scheduler = new ManualScheduler();
    AsyncWorkerManager manager = AsyncWorkerManager.builder().executor(executor).scheduler(scheduler)
        .defaultTimeout(Duration.ofHours(1)).build();
    CyclicBarrier gate = new CyclicBarrier(5);
    AtomicReference<Round> current = new AtomicReference<>();
    AtomicReference<Throwable> racerError = new AtomicReference<>();

    List<Thread> racers = new ArrayList<>();
    racers.add(Racer.start(kind, "runner", gate, racerError, () -> {
      Round r = current.get();
      r.taskRun.run();
      Runnable handedOver = threads.poll(); // VIRTUAL: the worker's task, if the ended task handed it the permit
      if (handedOver != null) {
        handedOver.run();
      }
      r.runnerLeftInterrupted = Thread.interrupted();
    }));
    racers.add(Racer.start(kind, "canceller", gate, racerError, () -> current.get().worker.cancel()));
    racers.add(Racer.start(kind, "timer", gate, racerError, () -> current.get().timer.run()));
    racers.add(Racer.start(kind, "reader", gate, racerError, () -> {
      Round r = current.get();
      r.worker.setCallback(v -> r.lateCallbacks.incrementAndGet());
      r.worker.setFailureCallback(e -> r.lateCallbacks.incrementAndGet());
      try {
        r.seenByGetter.set(r.worker.getResult(Duration.ofSeconds(10)));
      } catch (Throwable t) {
        r.seenByGetter.set(t);
      }
    }));

    int[] byState = new int[WorkerState.values().length];
    try {
      for (int i = 0; i < ITERATIONS; i++) {
        Round r = new Round();
        boolean fails = (i & 1) == 1;
        r.worker = manager.newWorker();
        r.worker.setCallback(v -> r.successCallbacks.incrementAndGet());
        r.worker.setFailureCallback(e -> r.failureCallbacks.incrementAndGet());
        if (limiter != null) {
          limiter.execute(() -> {}); // holds the one permit until the runner runs it
        }
        r.worker.startAsync(() -> {
          if (kind == ThreadKind.VIRTUAL && !ThreadKind.isVirtual(Thread.currentThread())) {
            throw new AssertionError("ran on " + Thread.currentThread());
          }
          if (fails) {
            throw BOOM;
          }
          return 7;
        });
        r.taskRun = threads.take();
        assertThat(threads.queued()).as("the worker waits for the permit").isZero();
        r.timer = scheduler.scheduled.poll();
        current.set(r);
        gate.await(10, TimeUnit.SECONDS); // start
        gate.await(10, TimeUnit.SECONDS); // all four racers are done
        if (racerError.get() != null) {
          fail("a racer failed in round " + i, racerError.get());
        }
        check(r, fails, i);
        if (limiter != null) {
          assertThat(limiter.running()).as("round %d: the permit was given back", i).isZero();
          assertThat(limiter.queued()).as("round %d: the queue slot was given back", i).isZero();
        }
        assertThat(threads.queued()).as("round %d: nothing left to run", i).isZero();
        byState[r.worker.state().ordinal()]++;
      }
    } finally {
      racers.forEach(Thread::interrupt);
    }
    assertThat(manager.inFlightCount()).isZero();
    assertThat(scheduler.pending()).as("every timer was cancelled or fired").isEmpty();
    System.out.printf("WorkerRaceStressTest[%s]: %d rounds; SUCCEEDED=%d FAILED=%d CANCELLED=%d TIMED_OUT=%d%n",
        kind, ITERATIONS, byState[WorkerState.SUCCEEDED.ordinal()], byState[WorkerState.FAILED.ordinal()],
        byState[WorkerState.CANCELLED.ordinal()], byState[WorkerState.TIMED_OUT.ordinal()]);
    // Each outcome must actually have been reached, or the race was not exercised.
    assertThat(byState[WorkerState.CANCELLED.ordinal()]).isPositive();
    assertThat(byState[WorkerState.TIMED_OUT.ordinal()]).isPositive();
    assertThat(byState[WorkerState.SUCCEEDED.ordinal()] + byState[WorkerState.FAILED.ordinal()]).isPositive();
  }

  private static void check(Round r, boolean fails, int round) {
    AsyncWorker<Integer> w = r.worker;
    WorkerState state = w.state();
    String at = "round " + round + ", state " + state;
    assertThat(state.isTerminal()).as(at).isTrue();
    assertThat(r.runnerLeftInterrupted).as("%s: the pool thread was left interrupted", at).isFalse();
    boolean success = state == WorkerState.SUCCEEDED;
    assertThat(r.successCallbacks.get()).as(at).isEqualTo(success ? 1 : 0);
    assertThat(r.failureCallbacks.get()).as(at).isEqualTo(success ? 0 : 1);
    assertThat(r.lateCallbacks.get()).as("%s: a late callback ran once", at).isEqualTo(1);
    switch (state) {
      case SUCCEEDED:
        assertThat(fails).as(at).isFalse();
        assertThat(r.seenByGetter.get()).as(at).isEqualTo(7);
        assertThat(w.getResult()).isEqualTo(7);
        break;
      case FAILED:
        assertThat(fails).as(at).isTrue();
        assertThat(r.seenByGetter.get()).as(at).isSameAs(BOOM);
        break;
      case CANCELLED:
        assertThat(r.seenByGetter.get()).as(at).isInstanceOf(CancellationException.class);
        break;
      case TIMED_OUT:
        assertThat(r.seenByGetter.get()).as(at).isInstanceOf(AsyncTimeoutException.class);
        break;
      default:
        fail(at);
    }
    assertThat(w.waitForCompletion(Duration.ofSeconds(10))).as(at).isTrue();
  }
}
