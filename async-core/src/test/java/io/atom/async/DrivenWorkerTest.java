package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The public hook that lets another module drive a worker's completion (issue 16, first slice). */
class DrivenWorkerTest {

  /** Three fresh threads per round, so not scaled by the soak profile. */
  private static final int ROUNDS = 2_000;

  @Test
  void succeedFromAnotherThread_endsTheWorkerOnce_andWaitForAllSeesIt() throws Exception {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().name("driven").poolSize(1).build()) {
      AtomicReference<WorkerCompletion<String>> handle = new AtomicReference<>();
      AsyncWorker<String> worker = manager.createDrivenWorker("remote", handle::set);

      assertThat(worker.state()).isEqualTo(WorkerState.RUNNING);
      assertThat(worker.name()).isEqualTo("remote");
      assertThat(manager.inFlightCount()).isEqualTo(1);
      assertThat(manager.allDone()).isFalse();

      AtomicInteger cancels = new AtomicInteger();
      handle.get().onCancel(cancels::incrementAndGet);
      Thread driver = new Thread(() -> handle.get().succeed("ok"));
      driver.start();
      driver.join(TimeUnit.SECONDS.toMillis(10));

      assertThat(manager.waitForAll(Duration.ofSeconds(10))).isTrue();
      assertThat(worker.getResult()).isEqualTo("ok");
      assertThat(worker.state()).isEqualTo(WorkerState.SUCCEEDED);
      assertThat(handle.get().succeed("late")).isFalse();
      assertThat(handle.get().fail(new IllegalStateException("late"))).isFalse();
      assertThat(worker.getResult()).isEqualTo("ok");
      worker.cancel();
      assertThat(cancels).hasValue(0);
      assertThat(manager.inFlightCount()).isZero();
    }
  }

  @Test
  void fail_endsTheWorkerFailed_andWaitForAllAggregatesTheFailure() {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().name("driven").poolSize(1).build()) {
      IOException remote = new IOException("disk on fire");
      AsyncWorker<String> failed = manager.createDrivenWorker(c -> c.fail(remote));
      AsyncWorker<String> ok = manager.createDrivenWorker(c -> c.succeed("fine"));

      assertThat(failed.state()).isEqualTo(WorkerState.FAILED);
      assertThatThrownBy(failed::getResult).isInstanceOf(AsyncExecutionException.class).hasCause(remote);
      assertThat(ok.getResult()).isEqualTo("fine");
      assertThatThrownBy(manager::waitForAll).isInstanceOf(WorkersFailedException.class)
          .satisfies(e -> assertThat(((WorkersFailedException) e).failures()).containsExactly(remote));
    }
  }

  @Test
  void aDriverThatThrows_failsTheWorkerWithItsException() {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).build()) {
      IllegalStateException boom = new IllegalStateException("cannot submit");
      AsyncWorker<String> worker = manager.createDrivenWorker(c -> {
        throw boom;
      });
      assertThat(worker.state()).isEqualTo(WorkerState.FAILED);
      assertThatThrownBy(worker::getResult).isSameAs(boom);
    }
  }

  @Test
  void cancel_runsOnCancelOnce_andACompletionAfterItIsDiscarded() {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).build()) {
      AtomicReference<WorkerCompletion<String>> handle = new AtomicReference<>();
      AtomicInteger cancels = new AtomicInteger();
      AsyncWorker<String> worker = manager.createDrivenWorker(c -> {
        handle.set(c);
        c.onCancel(cancels::incrementAndGet);
      });

      worker.cancel();
      worker.cancel();

      assertThat(worker.state()).isEqualTo(WorkerState.CANCELLED);
      assertThat(cancels).hasValue(1);
      assertThat(handle.get().succeed("late")).isFalse();
      assertThat(handle.get().isDone()).isTrue();
      assertThatThrownBy(worker::getResult).isInstanceOf(CancellationException.class);
      AtomicInteger lateRegistration = new AtomicInteger();
      handle.get().onCancel(lateRegistration::incrementAndGet); // after the end: runs at once
      assertThat(lateRegistration).hasValue(1);
      assertThat(manager.allDone()).isTrue();
    }
  }

  @Test
  void cancelAll_reachesDrivenWorkers() {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).build()) {
      AtomicInteger cancels = new AtomicInteger();
      List<AsyncWorker<Integer>> workers = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        workers.add(manager.createDrivenWorker(c -> c.onCancel(cancels::incrementAndGet)));
      }
      assertThat(manager.cancelAll()).isEqualTo(10);
      assertThat(workers).allSatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.CANCELLED));
      assertThat(cancels).hasValue(10);
      assertThat(manager.allDone()).isTrue();
    }
  }

  @Test
  void timeout_endsTimedOut_andRunsOnCancel() {
    ManualScheduler scheduler = new ManualScheduler();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).scheduler(scheduler)
        .defaultTimeout(Duration.ofMillis(100)).build()) {
      AtomicReference<WorkerCompletion<String>> handle = new AtomicReference<>();
      AtomicInteger cancels = new AtomicInteger();
      AsyncWorker<String> worker = manager.createDrivenWorker(c -> {
        handle.set(c);
        c.onCancel(cancels::incrementAndGet);
      });
      assertThat(scheduler.pending()).hasSize(1);

      scheduler.fireAll();

      assertThat(worker.state()).isEqualTo(WorkerState.TIMED_OUT);
      assertThat(cancels).hasValue(1);
      assertThat(handle.get().succeed("late")).isFalse();
      assertThatThrownBy(manager::waitForAll).isInstanceOf(WorkersFailedException.class);
    }
  }

  @Test
  void completionBeforeTheTimeout_cancelsTheTimer_andNeverRunsOnCancel() {
    ManualScheduler scheduler = new ManualScheduler();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).scheduler(scheduler)
        .defaultTimeout(Duration.ofMillis(100)).build()) {
      AtomicInteger cancels = new AtomicInteger();
      AsyncWorker<String> worker = manager.createDrivenWorker(c -> {
        c.onCancel(cancels::incrementAndGet);
        c.succeed("done");
      });
      assertThat(scheduler.pending()).isEmpty(); // the timer was cancelled when the worker ended
      scheduler.fireAll();
      assertThat(worker.state()).isEqualTo(WorkerState.SUCCEEDED);
      assertThat(cancels).hasValue(0);
    }
  }

  @Test
  void cancelAndTimeoutRacingCompletion_endTheWorkerExactlyOnce() throws Exception {
    ManualScheduler scheduler = new ManualScheduler();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).scheduler(scheduler)
        .defaultTimeout(Duration.ofHours(1)).build()) {
      for (int i = 0; i < ROUNDS; i++) {
        AtomicReference<WorkerCompletion<Integer>> handle = new AtomicReference<>();
        AtomicInteger cancels = new AtomicInteger();
        AtomicInteger ends = new AtomicInteger();
        AsyncWorker<Integer> worker = manager.createDrivenWorker(c -> {
          handle.set(c);
          c.onCancel(cancels::incrementAndGet);
        });
        worker.setCallback(v -> ends.incrementAndGet()).setFailureCallback(e -> ends.incrementAndGet());
        CyclicBarrier start = new CyclicBarrier(3);
        AtomicInteger completed = new AtomicInteger();
        Thread completer = new Thread(() -> {
          cross(start);
          if (handle.get().succeed(1)) {
            completed.incrementAndGet();
          }
        });
        Thread canceller = new Thread(() -> {
          cross(start);
          worker.cancel();
        });
        Thread timer = new Thread(() -> {
          cross(start);
          scheduler.fireAll();
        });
        completer.start();
        canceller.start();
        timer.start();
        completer.join(10_000);
        canceller.join(10_000);
        timer.join(10_000);

        WorkerState end = worker.state();
        assertThat(end.isTerminal()).isTrue();
        assertThat(ends).as("callbacks in round %d", i).hasValue(1);
        if (end == WorkerState.SUCCEEDED) {
          assertThat(completed).hasValue(1);
          assertThat(cancels).hasValue(0);
        } else {
          assertThat(end).isIn(WorkerState.CANCELLED, WorkerState.TIMED_OUT);
          assertThat(completed).hasValue(0);
          assertThat(cancels).hasValue(1);
        }
      }
      assertThat(manager.inFlightCount()).isZero();
    }
  }

  private static void cross(CyclicBarrier barrier) {
    try {
      barrier.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void driverLatch_completionFromAPoolThread_isSeenByWaiters() throws Exception {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(2).build()) {
      CountDownLatch go = new CountDownLatch(1);
      List<AsyncWorker<Integer>> workers = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        int n = i;
        workers.add(manager.createDrivenWorker(c -> new Thread(() -> {
          try {
            go.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          c.succeed(n);
        }).start()));
      }
      assertThat(manager.allDone()).isFalse();
      go.countDown();
      assertThat(manager.waitForAll(Duration.ofSeconds(10))).isTrue();
      for (int i = 0; i < 100; i++) {
        assertThat(workers.get(i).getResult()).isEqualTo(i);
      }
    }
  }

  @Test
  void recorder_seesTheRunAndTheEnd_ofDrivenWorkers() {
    NamedWorkTest.EventRecorder recorder = new NamedWorkTest.EventRecorder();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).recorder(recorder).build()) {
      manager.<String>createDrivenWorker("remote", c -> c.succeed("x"));
      manager.<String>createDrivenWorker("remote", c -> c.fail(new IOException("x")));
      manager.<String>createDrivenWorker("remote", c -> { }).cancel();
      await().atMost(Duration.ofSeconds(10)).until(manager::allDone);
    }
    assertThat(recorder.events).containsExactly("remote ran", "remote SUCCEEDED", "remote ran", "remote FAILED",
        "remote ran", "remote CANCELLED");
  }

  @Test
  void badInput_isRefusedWithTheArgumentsName() {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).build()) {
      assertThatThrownBy(() -> manager.createDrivenWorker(null)).isInstanceOf(NullPointerException.class)
          .hasMessage("driver");
      assertThatThrownBy(() -> manager.createDrivenWorker("x", null)).isInstanceOf(NullPointerException.class)
          .hasMessage("driver");
      assertThatThrownBy(() -> manager.createDrivenWorker(" ", c -> { }))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("name must not be blank but was ' '");
      AtomicReference<WorkerCompletion<String>> handle = new AtomicReference<>();
      manager.createDrivenWorker(handle::set);
      assertThatThrownBy(() -> handle.get().fail(null)).isInstanceOf(NullPointerException.class)
          .hasMessage("failure");
      assertThatThrownBy(() -> handle.get().onCancel(null)).isInstanceOf(NullPointerException.class)
          .hasMessage("action");
      assertThat(handle.get().succeed("y")).isTrue();
    }
  }

  @Test
  void aShutDownManager_failsTheDrivenWorker_withoutCallingTheDriver() {
    AsyncWorkerManager manager = AsyncWorkerManager.builder().name("gone").poolSize(1).build();
    manager.close();
    AtomicInteger calls = new AtomicInteger();
    AsyncWorker<String> worker = manager.createDrivenWorker(c -> calls.incrementAndGet());
    assertThat(worker.state()).isEqualTo(WorkerState.FAILED);
    assertThat(calls).hasValue(0);
    assertThatThrownBy(worker::getResult).isInstanceOf(java.util.concurrent.RejectedExecutionException.class)
        .hasMessageContaining("gone");
  }

  /** A context a test can see: the submitter's value, set around what the manager wraps. */
  private static final ThreadLocal<String> TENANT = new ThreadLocal<>();

  private static UnaryOperator<Runnable> tenantPropagation() {
    return task -> {
      String captured = TENANT.get();
      return () -> {
        String before = TENANT.get();
        TENANT.set(captured);
        try {
          task.run();
        } finally {
          TENANT.set(before);
        }
      };
    };
  }

  @Test
  void callbacksOfADrivenWorker_runInTheSubmittersContext_onTheCompletingThread() throws Exception {
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1)
        .contextPropagation(tenantPropagation()).build()) {
      AtomicReference<WorkerCompletion<String>> handle = new AtomicReference<>();
      TENANT.set("acme");
      AsyncWorker<String> worker;
      try {
        worker = manager.createDrivenWorker("remote", handle::set);
      } finally {
        TENANT.remove();
      }
      AtomicReference<String> seenBySuccess = new AtomicReference<>();
      worker.setCallback(v -> seenBySuccess.set(TENANT.get() + " on " + Thread.currentThread().getName()));
      AtomicReference<String> seenByCancelled = new AtomicReference<>();
      AsyncWorker<String> cancelled;
      TENANT.set("globex");
      try {
        cancelled = manager.createDrivenWorker(c -> { });
      } finally {
        TENANT.remove();
      }
      cancelled.setFailureCallback(e -> seenByCancelled.set(TENANT.get()));

      Thread completer = new Thread(() -> handle.get().succeed("ok"), "completer");
      completer.start();
      completer.join(10_000);
      cancelled.cancel();

      assertThat(seenBySuccess).hasValue("acme on completer");
      assertThat(seenByCancelled).hasValue("globex");
      assertThat(TENANT.get()).as("the cancelling thread's own context is back").isNull();
    }
  }

  @Test
  void aContextCaptureThatThrows_failsTheDrivenWorker_withoutCallingTheDriver() {
    IllegalStateException broken = new IllegalStateException("no context");
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(1).contextPropagation(task -> {
      throw broken;
    }).build()) {
      AtomicInteger calls = new AtomicInteger();
      AsyncWorker<String> worker = manager.createDrivenWorker(c -> calls.incrementAndGet());
      assertThat(worker.state()).isEqualTo(WorkerState.FAILED);
      assertThatThrownBy(worker::getResult).isSameAs(broken);
      assertThat(calls).hasValue(0);
    }
  }
}
