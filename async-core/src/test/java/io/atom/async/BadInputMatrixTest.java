package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad input of the public API, each with the exception a Java developer expects and a message
 * naming the argument, the bad value and what is allowed; and after each, no worker is left
 * non-terminal.
 */
class BadInputMatrixTest {

  /** What a case may use: a manager on a manual executor, and workers in known states. */
  static final class Fixture {
    final ManualExecutor executor = new ManualExecutor();
    final AsyncWorkerManager manager = AsyncWorkerManager.builder().name("m").executor(executor).build();
    final AsyncWorkerManager other = AsyncWorkerManager.builder().name("other").executor(executor).build();
    final AsyncWorker<Integer> fresh = manager.newWorker();
    final AsyncWorker<Integer> started = manager.createWorker(() -> 1);
    final AsyncWorker<Integer> foreign = other.createWorker(() -> 2);
  }

  interface Action {
    void run(Fixture f) throws Exception;
  }

  private static Arguments bad(String name, Class<? extends Throwable> type, String message, Action action) {
    return Arguments.of(name, type, message, action);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        // --- AsyncWorker
        bad("worker: null executor", NullPointerException.class, "executor", f -> new AsyncWorker<Integer>(null)),
        bad("startAsync: null task", NullPointerException.class, "task", f -> f.fresh.startAsync((Callable<Integer>) null)),
        bad("startAsync: null function", NullPointerException.class, "task",
            f -> f.fresh.startAsync((Function<String, Integer>) null, "a")),
        bad("startAsync: null bifunction", NullPointerException.class, "task",
            f -> f.fresh.startAsync((BiFunction<String, String, Integer>) null, "a", "b")),
        bad("startAsync: twice", IllegalStateException.class, "already started (state SCHEDULED)",
            f -> f.started.startAsync(() -> 3)),
        bad("startAsync: after cancel", IllegalStateException.class, "was cancelled before it started", f -> {
          f.fresh.cancel();
          f.fresh.startAsync(() -> 3);
        }),
        bad("setCallback: null", NullPointerException.class, "callback", f -> f.fresh.setCallback(null)),
        bad("setFailureCallback: null", NullPointerException.class, "callback", f -> f.fresh.setFailureCallback(null)),
        bad("setTimeout: null", NullPointerException.class, "timeout", f -> f.fresh.setTimeout(null)),
        bad("setTimeout: zero", IllegalArgumentException.class, "timeout must be > 0 but was PT0S",
            f -> f.fresh.setTimeout(Duration.ZERO)),
        bad("setTimeout: negative", IllegalArgumentException.class, "timeout must be > 0 but was PT-0.001S",
            f -> f.fresh.setTimeout(Duration.ofMillis(-1))),
        bad("setTimeout: twice", IllegalStateException.class, "already set to PT1S", f -> {
          f.fresh.setTimeout(Duration.ofSeconds(1));
          f.fresh.setTimeout(Duration.ofSeconds(2));
        }),
        bad("validate: null", NullPointerException.class, "validator", f -> f.started.validate(null)),
        bad("validate: never started", IllegalStateException.class, "was never started", f -> f.fresh.validate(x -> true)),
        bad("getResult: never started", IllegalStateException.class, "was never started", f -> f.fresh.getResult()),
        bad("getResult(d): null", NullPointerException.class, "timeout", f -> f.started.getResult(null)),
        bad("getResult(d): negative", IllegalArgumentException.class, "timeout must be >= 0 but was PT-1S",
            f -> f.started.getResult(Duration.ofSeconds(-1))),
        bad("getResult(d): never started", IllegalStateException.class, "was never started",
            f -> f.fresh.getResult(Duration.ofSeconds(1))),
        bad("waitForCompletion: never started", IllegalStateException.class, "was never started",
            f -> f.fresh.waitForCompletion()),
        bad("waitForCompletion(d): null", NullPointerException.class, "timeout", f -> f.started.waitForCompletion(null)),
        bad("waitForCompletion(d): negative", IllegalArgumentException.class, "timeout must be >= 0 but was PT-0.5S",
            f -> f.started.waitForCompletion(Duration.ofMillis(-500))),
        // --- AsyncWorkerManager
        bad("manager: pool size 0", IllegalArgumentException.class, "poolSize must be >= 1 but was 0",
            f -> new AsyncWorkerManager(0)),
        bad("manager: pool size -4", IllegalArgumentException.class, "poolSize must be >= 1 but was -4",
            f -> AsyncWorkerManager.builder().poolSize(-4)),
        bad("builder: null name", NullPointerException.class, "name", f -> AsyncWorkerManager.builder().name(null)),
        bad("builder: blank name", IllegalArgumentException.class, "name must not be blank but was ''",
            f -> AsyncWorkerManager.builder().name("")),
        bad("builder: null executor", NullPointerException.class, "executor", f -> AsyncWorkerManager.builder().executor(null)),
        bad("builder: null scheduler", NullPointerException.class, "scheduler", f -> AsyncWorkerManager.builder().scheduler(null)),
        bad("builder: null default timeout", NullPointerException.class, "defaultTimeout",
            f -> AsyncWorkerManager.builder().defaultTimeout(null)),
        bad("builder: zero default timeout", IllegalArgumentException.class, "defaultTimeout must be > 0 but was PT0S",
            f -> AsyncWorkerManager.builder().defaultTimeout(Duration.ZERO)),
        bad("builder: executor and pool size", IllegalStateException.class, "either executor(...) or poolSize(...)",
            f -> AsyncWorkerManager.builder().executor(f.executor).poolSize(2).build()),
        bad("builder: discarding executor", IllegalArgumentException.class, "DiscardOldestPolicy drops tasks silently", f -> {
          ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
              new ThreadPoolExecutor.DiscardOldestPolicy());
          try {
            AsyncWorkerManager.builder().executor(pool);
          } finally {
            pool.shutdown();
          }
        }),
        bad("builder: null context propagation", NullPointerException.class, "capture",
            f -> AsyncWorkerManager.builder().contextPropagation(null)),
        bad("builder: null default retry policy", NullPointerException.class, "policy",
            f -> AsyncWorkerManager.builder().defaultRetryPolicy(null)),
        bad("createWorker: null task", NullPointerException.class, "task",
            f -> f.manager.createWorker((Callable<Integer>) null)),
        bad("createWorker: null function", NullPointerException.class, "task",
            f -> f.manager.createWorker((Function<String, Integer>) null, "a")),
        bad("createWorker: null bifunction", NullPointerException.class, "task",
            f -> f.manager.createWorker((BiFunction<String, String, Integer>) null, "a", "b")),
        bad("isDone: null", NullPointerException.class, "worker", f -> f.manager.isDone(null)),
        bad("cancel: null", NullPointerException.class, "worker", f -> f.manager.cancel(null)),
        bad("isDone: foreign worker", IllegalArgumentException.class, "does not belong to manager 'm' but to manager 'other'",
            f -> f.manager.isDone(f.foreign)),
        bad("cancel: foreign worker", IllegalArgumentException.class, "does not belong to manager 'm'",
            f -> f.manager.cancel(f.foreign)),
        bad("scope: parent's worker", IllegalArgumentException.class, "does not belong to a scope of manager 'm'",
            f -> f.manager.newScope().isDone(f.started)),
        bad("waitForAll: null", NullPointerException.class, "timeout", f -> f.manager.waitForAll(null)),
        bad("waitForAll: negative", IllegalArgumentException.class, "timeout must be >= 0 but was PT-1S",
            f -> f.manager.waitForAll(Duration.ofSeconds(-1))),
        bad("newScope: after shutdown", IllegalStateException.class, "is shut down; no new scope can be opened", f -> {
          f.manager.shutdown();
          f.manager.newScope();
        }),
        bad("createWorker: after close", RejectedExecutionException.class,
            "manager 'm' is shut down and accepts no new workers", f -> {
              f.manager.close();
              f.manager.createWorker(() -> 1).getResult();
            }),
        bad("createWorker: in a closed scope", RejectedExecutionException.class,
            "a scope of manager 'm' is closed and accepts no new workers", f -> {
              AsyncWorkerManager scope = f.manager.newScope();
              scope.close();
              scope.createWorker(() -> 1).getResult();
            }),
        bad("retry: null task", NullPointerException.class, "task", f -> f.manager.retry(null, RetryPolicy.ofDefaults())),
        bad("retry: null policy", NullPointerException.class, "policy", f -> f.manager.retry(() -> 1, null)),
        // --- Async
        bad("getWithTimeout: null future", NullPointerException.class, "future", f -> Async.getWithTimeout(null, Duration.ZERO)),
        bad("getWithTimeout: null timeout", NullPointerException.class, "timeout",
            f -> Async.getWithTimeout(new CompletableFuture<>(), null)),
        bad("getWithTimeout: negative", IllegalArgumentException.class, "timeout must be >= 0 but was PT-0.001S",
            f -> Async.getWithTimeout(new CompletableFuture<>(), Duration.ofMillis(-1))),
        bad("asyncRetry: zero attempts", IllegalArgumentException.class, "maxAttempts must be >= 1 but was 0",
            f -> Async.asyncRetry(() -> 1, 0, Duration.ofMillis(1), BackoffStrategy.FIXED, Duration.ZERO, v -> { },
                e -> { }, () -> { })),
        bad("asyncRetry: negative attempts", IllegalArgumentException.class, "maxAttempts must be >= 1 but was -2",
            f -> Async.asyncRetry(() -> 1, -2, Duration.ofMillis(1), BackoffStrategy.FIXED, Duration.ZERO, v -> { },
                e -> { }, () -> { })),
        bad("asyncRetry: null strategy", NullPointerException.class, "strategy",
            f -> Async.asyncRetry(() -> 1, 3, Duration.ofMillis(1), null, Duration.ZERO, v -> { }, e -> { }, () -> { })),
        bad("asyncRetry: negative total", IllegalArgumentException.class, "maxTotalDelay must be >= 0 but was PT-1S",
            f -> Async.asyncRetry(() -> 1, 3, Duration.ofMillis(1), BackoffStrategy.FIXED, Duration.ofSeconds(-1),
                v -> { }, e -> { }, () -> { })),
        bad("asyncRetry: null onComplete", NullPointerException.class, "onComplete",
            f -> Async.asyncRetry(() -> 1, 3, Duration.ofMillis(1), BackoffStrategy.FIXED, Duration.ZERO, v -> { },
                e -> { }, null)),
        // --- RetryPolicy
        bad("policy: negative initial delay", IllegalArgumentException.class, "initialDelay must be >= 0 but was PT-1S",
            f -> RetryPolicy.builder().initialDelay(Duration.ofSeconds(-1))),
        bad("policy: zero initial delay, exponential", IllegalArgumentException.class,
            "initialDelay must be > 0 with EXPONENTIAL backoff but was PT0S",
            f -> RetryPolicy.builder().initialDelay(Duration.ZERO).build()),
        bad("policy: max delay below initial", IllegalArgumentException.class,
            "maxDelay must be >= initialDelay (PT0.1S) but was PT0.05S",
            f -> RetryPolicy.builder().maxDelay(Duration.ofMillis(50)).build()),
        bad("policy: negative jitter", IllegalArgumentException.class, "jitter must be >= 0 and < 1 but was -0.1",
            f -> RetryPolicy.builder().jitter(-0.1)),
        bad("policy: zero attempt timeout", IllegalArgumentException.class, "attemptTimeout must be > 0 but was PT0S",
            f -> RetryPolicy.builder().attemptTimeout(Duration.ZERO)),
        bad("policy: null retryOn", NullPointerException.class, "types",
            f -> RetryPolicy.builder().retryOn((Class<? extends Throwable>[]) null)),
        bad("policy: null handler", NullPointerException.class, "onError", f -> RetryPolicy.builder().onError(null)),
        bad("policy: delay of attempt 0", IllegalArgumentException.class, "failedAttempts must be >= 1 but was 0",
            f -> RetryPolicy.ofDefaults().delayMillis(0)),
        bad("stats: non-terminal outcome", IllegalArgumentException.class,
            "outcome must be a terminal state but was RUNNING", f -> f.manager.stats().ended(WorkerState.RUNNING)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void badInput_throwsTheExpectedTypeAndMessage_andLeavesNoWorkerBehind(String name,
      Class<? extends Throwable> type, String message, Action action) {
    Fixture f = new Fixture();
    assertThatThrownBy(() -> action.run(f)).isInstanceOf(type).hasMessageContaining(message);
    f.executor.runAll();
    assertThat(f.manager.inFlightCount()).as("workers left in flight").isZero();
    assertThat(f.started.isDone()).isTrue();
    assertThat(f.fresh.state()).isIn(WorkerState.CREATED, WorkerState.CANCELLED);
  }

  @org.junit.jupiter.api.Test
  void theMatrixHasAtLeastFortyCases() {
    assertThat(cases().count()).isGreaterThanOrEqualTo(40);
  }
}
