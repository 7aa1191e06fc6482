package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RetryTest {
  private final ManualExecutor executor = new ManualExecutor();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final AsyncWorkerManager manager =
      AsyncWorkerManager.builder().name("retrying").executor(executor).scheduler(scheduler).build();

  /** Fails {@code failures} times with IOException("n"), then returns "ok". Counts calls. */
  private static final class Flaky implements java.util.concurrent.Callable<String> {
    final AtomicInteger calls = new AtomicInteger();
    final int failures;

    Flaky(int failures) {
      this.failures = failures;
    }

    @Override
    public String call() throws IOException {
      int n = calls.incrementAndGet();
      if (n <= failures) {
        throw new IOException("failure " + n);
      }
      return "ok";
    }
  }

  /** Runs queued attempts and fires due delays until nothing is left. */
  private void drive() {
    for (int i = 0; i < 1000 && (executor.queued() > 0 || !scheduler.pending().isEmpty()); i++) {
      executor.runAll();
      scheduler.fireAll();
    }
  }

  private List<Long> firedDelaysMillis(RetryPolicy<String> policy, int failures) {
    List<Long> delays = new ArrayList<>();
    AsyncWorker<String> op = manager.retry(new Flaky(failures), policy);
    while (!op.isDone()) {
      executor.runAll();
      ManualScheduler.Scheduled<?> next = scheduler.scheduled.poll();
      if (next != null) {
        delays.add(next.getDelay(TimeUnit.MILLISECONDS));
        next.run();
      }
    }
    return delays;
  }

  // ------------------------------------------------------------ delay sequences

  @Test
  void delays_withoutJitter_followEachStrategyExactly_andAreScheduledAsComputed() {
    RetryPolicy<String> fixed = RetryPolicy.<String>builder().maxAttempts(5).initialDelay(Duration.ofMillis(100))
        .backoff(BackoffStrategy.FIXED).build();
    RetryPolicy<String> linear = RetryPolicy.<String>builder().maxAttempts(5).initialDelay(Duration.ofMillis(100))
        .backoff(BackoffStrategy.LINEAR).build();
    RetryPolicy<String> exponential = RetryPolicy.<String>builder().maxAttempts(5)
        .initialDelay(Duration.ofMillis(100)).backoff(BackoffStrategy.EXPONENTIAL).noJitter().build();
    RetryPolicy<String> capped = RetryPolicy.<String>builder().maxAttempts(5).initialDelay(Duration.ofMillis(100))
        .backoff(BackoffStrategy.EXPONENTIAL).noJitter().maxDelay(Duration.ofMillis(300)).build();

    assertThat(firedDelaysMillis(fixed, 4)).containsExactly(100L, 100L, 100L, 100L);
    assertThat(firedDelaysMillis(linear, 4)).containsExactly(100L, 200L, 300L, 400L);
    assertThat(firedDelaysMillis(exponential, 4)).containsExactly(100L, 200L, 400L, 800L);
    assertThat(firedDelaysMillis(capped, 4)).containsExactly(100L, 200L, 300L, 300L);
    assertThat(fixed.jitter()).isZero();
    assertThat(linear.jitter()).isZero();
  }

  @Test
  void exponentialJitter_staysInItsBand_bothEndsReachable() {
    RetryPolicy<String> low = RetryPolicy.<String>builder().initialDelay(Duration.ofMillis(100)).random(() -> 0.0).build();
    RetryPolicy<String> high = RetryPolicy.<String>builder().initialDelay(Duration.ofMillis(100))
        .random(() -> 0.999_999).build();
    assertThat(low.jitter()).isEqualTo(0.5);
    assertThat(List.of(low.delayMillis(1), low.delayMillis(2), low.delayMillis(3))).containsExactly(50L, 100L, 200L);
    assertThat(List.of(high.delayMillis(1), high.delayMillis(2), high.delayMillis(3))).containsExactly(150L, 300L, 600L);

    RetryPolicy<String> real = RetryPolicy.<String>builder().initialDelay(Duration.ofMillis(100)).build();
    for (int i = 0; i < 1000; i++) {
      assertThat(real.delayMillis(3)).isBetween(200L, 600L);
    }
    RetryPolicy<String> fixedWithJitter = RetryPolicy.<String>builder().backoff(BackoffStrategy.FIXED)
        .initialDelay(Duration.ofMillis(100)).jitter(0.2).build();
    for (int i = 0; i < 1000; i++) {
      assertThat(fixedWithJitter.delayMillis(4)).isBetween(80L, 120L);
    }
    RetryPolicy<String> cappedHigh = RetryPolicy.<String>builder().initialDelay(Duration.ofMillis(100))
        .maxDelay(Duration.ofMillis(120)).random(() -> 0.999_999).build();
    assertThat(cappedHigh.delayMillis(1)).as("the cap applies after jitter").isEqualTo(120L);
  }

  @Test
  void subMillisecondDelay_roundsUpToOneMillisecond_zeroFixedRetriesAtOnce() {
    RetryPolicy<String> tiny = RetryPolicy.<String>builder().backoff(BackoffStrategy.LINEAR)
        .initialDelay(Duration.ofNanos(1)).build();
    assertThat(tiny.delayMillis(1)).isEqualTo(1L);
    RetryPolicy<String> zero = RetryPolicy.<String>builder().maxAttempts(3).backoff(BackoffStrategy.FIXED)
        .initialDelay(Duration.ZERO).build();
    Flaky flaky = new Flaky(2);
    AsyncWorker<String> op = manager.retry(flaky, zero);
    for (int i = 0; i < 10 && !op.isDone(); i++) {
      executor.runAll(); // each failed attempt queues the next one itself
      assertThat(scheduler.scheduled).as("no delay: no hop through the timer").isEmpty();
    }
    assertThat(op.getResult()).isEqualTo("ok");
    assertThat(flaky.calls).hasValue(3);
  }

  @Test
  void zeroDelay_anAttemptThatLeavesItsThreadInterrupted_doesNotStartTheNextOneInterrupted() throws Exception {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    try (AsyncWorkerManager inline = AsyncWorkerManager.builder().name("inline").executor(Runnable::run)
        .scheduler(timer).build()) {
      List<Boolean> startedInterrupted = new java.util.concurrent.CopyOnWriteArrayList<>();
      RetryPolicy<String> zero = RetryPolicy.<String>builder().maxAttempts(3).backoff(BackoffStrategy.FIXED)
          .initialDelay(Duration.ZERO).build();
      AsyncWorker<String> op = inline.retry(() -> {
        startedInterrupted.add(Thread.currentThread().isInterrupted());
        if (startedInterrupted.size() < 3) {
          Thread.currentThread().interrupt(); // a task that leaves its thread interrupted, then fails
          throw new IOException("failure " + startedInterrupted.size());
        }
        return "ok";
      }, zero);
      Thread.interrupted(); // the first attempt ran here, on the caller, and left it interrupted
      assertThat(op.getResult(Duration.ofSeconds(30))).isEqualTo("ok");
      assertThat(startedInterrupted).as("each attempt's thread was interrupted when it began")
          .containsExactly(false, false, false);
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void zeroDelay_onAnExecutorThatRunsOnTheCaller_neverNestsAttempts() throws Exception {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    try (AsyncWorkerManager inline = AsyncWorkerManager.builder().name("inline").executor(Runnable::run)
        .scheduler(timer).build()) {
      java.util.Set<Integer> depths = java.util.concurrent.ConcurrentHashMap.newKeySet();
      AtomicInteger calls = new AtomicInteger();
      RetryPolicy<String> zero = RetryPolicy.<String>builder().maxAttempts(40).backoff(BackoffStrategy.FIXED)
          .initialDelay(Duration.ZERO).build();
      AsyncWorker<String> op = inline.retry(() -> {
        depths.add(Thread.currentThread().getStackTrace().length);
        if (calls.incrementAndGet() < 40) {
          throw new IOException("failure " + calls.get());
        }
        return "ok";
      }, zero);
      assertThat(op.getResult(Duration.ofSeconds(30))).isEqualTo("ok");
      assertThat(calls).hasValue(40);
      // An attempt goes on in the failed one's stack at most once before the timer unwinds it: a few
      // depths (the start, the timer's thread, each with one nested attempt), not one per attempt.
      assertThat(depths).as("stack depths of the 40 attempts").hasSizeLessThanOrEqualTo(4);
    } finally {
      timer.shutdownNow();
    }
  }

  // ------------------------------------------------------------ outcomes and handlers

  @Test
  void failTwiceThenSucceed_callsOnErrorPerFailure_onSuccessOnce_onCompleteOnce_andIsOneWorker() {
    List<String> events = new CopyOnWriteArrayList<>();
    RetryPolicy<String> policy = RetryPolicy.<String>builder().maxAttempts(3).initialDelay(Duration.ofMillis(10))
        .onError(e -> events.add("error " + e.getMessage()))
        .onSuccess(v -> events.add("success " + v))
        .onComplete(() -> events.add("complete"))
        .build();
    Flaky flaky = new Flaky(2);
    AsyncWorker<String> op = manager.retry(flaky, policy);
    assertThat(manager.inFlightCount()).isEqualTo(1);
    executor.runAll(); // attempt 1
    assertThat(op.state()).isEqualTo(WorkerState.RUNNING);
    assertThat(executor.queued()).as("no pool task waits out the delay").isZero();
    assertThat(scheduler.pending()).hasSize(1);
    drive();
    assertThat(op.getResult()).isEqualTo("ok");
    assertThat(flaky.calls).hasValue(3);
    assertThat(events).containsExactly("error failure 1", "error failure 2", "success ok", "complete");
    assertThat(manager.inFlightCount()).isZero();
    manager.waitForAll(); // the failed attempts are not failures of the manager
  }

  @Test
  void allAttemptsFail_failsWithOurException_lastAsCause_earlierSuppressedInOrder() {
    AtomicInteger completes = new AtomicInteger();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    RetryPolicy<String> policy = RetryPolicy.<String>builder().maxAttempts(3).initialDelay(Duration.ofMillis(5))
        .onError(errors::add).onComplete(completes::incrementAndGet).build();
    AsyncWorker<String> op = manager.retry(new Flaky(99), policy);
    drive();
    assertThat(op.state()).isEqualTo(WorkerState.FAILED);
    assertThatThrownBy(op::getResult).isInstanceOfSatisfying(RetryExhaustedException.class, e -> {
      assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("failure 3");
      assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("failure 1", "failure 2");
      assertThat(e.attempts()).isEqualTo(3);
      assertThat(e.deadlineReached()).isFalse();
      assertThat(e.elapsed()).isPositive();
      assertThat(e).hasMessageStartingWith("all 3 attempts of retrying#");
    });
    assertThat(errors).hasSize(3);
    assertThat(completes).hasValue(1);
    assertThatThrownBy(manager::waitForAll).isInstanceOfSatisfying(WorkersFailedException.class,
        e -> assertThat(e.failures()).singleElement().isInstanceOf(RetryExhaustedException.class));
  }

  @Test
  void abortOnException_failsAtOnceWithThatException() {
    AtomicInteger errors = new AtomicInteger();
    RetryPolicy<String> policy = RetryPolicy.<String>builder().maxAttempts(5).abortOn(IOException.class)
        .onError(e -> errors.incrementAndGet()).build();
    Flaky flaky = new Flaky(3);
    AsyncWorker<String> op = manager.retry(flaky, policy);
    drive();
    assertThatThrownBy(op::getResult).isInstanceOf(AsyncExecutionException.class)
        .cause().isInstanceOf(IOException.class).hasMessage("failure 1");
    assertThat(flaky.calls).hasValue(1);
    assertThat(errors).hasValue(1);
  }

  @Test
  void retryOnAndRetryIf_selectWhatIsRetried() {
    RetryPolicy<String> onlyState = RetryPolicy.<String>builder().retryOn(IllegalStateException.class).build();
    Flaky flaky = new Flaky(2);
    AsyncWorker<String> op = manager.retry(flaky, onlyState);
    drive();
    assertThat(flaky.calls).as("IOException is not in retryOn").hasValue(1);
    assertThat(op.state()).isEqualTo(WorkerState.FAILED);

    RetryPolicy<String> byMessage = RetryPolicy.<String>builder().retryIf(e -> e.getMessage().equals("failure 1"))
        .initialDelay(Duration.ofMillis(1)).build();
    Flaky other = new Flaky(2);
    manager.retry(other, byMessage);
    drive();
    assertThat(other.calls).hasValue(2);
  }

  @Test
  void error_isNotRetried_andFailsTheFutureWithItself() {
    AssertionError error = new AssertionError("fatal");
    AtomicInteger calls = new AtomicInteger();
    AsyncWorker<String> op = manager.retry(() -> {
      calls.incrementAndGet();
      throw error;
    }, RetryPolicy.<String>builder().maxAttempts(5).build());
    drive();
    assertThatThrownBy(op::getResult).isSameAs(error);
    assertThat(calls).hasValue(1);
  }

  @Test
  void rejectedSubmission_failsTheOperation_neverHangs() {
    AsyncWorkerManager rejecting = AsyncWorkerManager.builder().name("full").scheduler(scheduler).executor(task -> {
      throw new RejectedExecutionException("queue full");
    }).build();
    AsyncWorker<String> op = rejecting.retry(new Flaky(0), RetryPolicy.<String>builder().maxAttempts(3).build());
    assertThat(op.state()).isEqualTo(WorkerState.FAILED);
    assertThatThrownBy(op::getResult).isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("could not run").hasMessageContaining("queue full");
  }

  @Test
  void schedulerFailingOnARetryAttempt_stillEndsTheOperation() {
    // resilience4j 2.4.0 leaves its future incomplete when the supplier throws on a retry attempt;
    // here the attempt's timeout cannot be scheduled on the second attempt.
    RetryPolicy<String> policy = RetryPolicy.<String>builder().maxAttempts(3).initialDelay(Duration.ofMillis(1))
        .attemptTimeout(Duration.ofSeconds(5)).build();
    AsyncWorker<String> op = manager.retry(new Flaky(1), policy);
    executor.runAll(); // attempt 1 fails; its timer is cancelled; a delay is pending
    ManualScheduler.Scheduled<?> delay = scheduler.pending().get(0);
    scheduler.rejecting = true;
    delay.run(); // the engine asks for attempt 2, whose timeout cannot be scheduled
    executor.runAll();
    assertThat(op.isDone()).isTrue();
    assertThatThrownBy(op::getResult).isInstanceOf(RejectedExecutionException.class)
        .hasMessage("test scheduler is shut down");
  }

  @Test
  void handlersThatThrow_areLogged_andChangeNothing() {
    AtomicInteger completes = new AtomicInteger();
    RetryPolicy<String> policy = RetryPolicy.<String>builder().initialDelay(Duration.ofMillis(1))
        .onError(e -> {
          throw new IllegalStateException("onError bug");
        })
        .onSuccess(v -> {
          throw new IllegalStateException("onSuccess bug");
        })
        .onComplete(() -> {
          completes.incrementAndGet();
          throw new IllegalStateException("onComplete bug");
        })
        .retryIf(e -> {
          throw new IllegalStateException("never reached: IOException is retried by type first");
        })
        .build();
    AsyncWorker<String> op = manager.retry(new Flaky(0), policy);
    drive();
    assertThat(op.getResult()).isEqualTo("ok");
    assertThat(completes).hasValue(1);

    // A predicate that throws means "do not retry", and the operation still ends.
    AsyncWorker<String> failing = manager.retry(new Flaky(2), policy);
    drive();
    assertThat(failing.isDone()).isTrue();
    assertThatThrownBy(failing::getResult).hasCauseInstanceOf(IOException.class);
  }

  @Test
  void retryIfResult_retriesUnacceptableResults_thenFailsNamingTheResult() {
    AtomicInteger calls = new AtomicInteger();
    RetryPolicy<Integer> policy = RetryPolicy.<Integer>builder().maxAttempts(3).initialDelay(Duration.ofMillis(1))
        .retryIfResult(status -> status >= 500).build();
    AsyncWorker<Integer> recovers = manager.retry(() -> calls.incrementAndGet() < 3 ? 503 : 200, policy);
    drive();
    assertThat(recovers.getResult()).isEqualTo(200);
    assertThat(calls).hasValue(3);

    AsyncWorker<Integer> neverRecovers = manager.retry(() -> 503, policy);
    drive();
    assertThatThrownBy(neverRecovers::getResult).isInstanceOf(RetryExhaustedException.class)
        .cause().hasMessage("attempt 3 returned a java.lang.Integer that the retryIfResult predicate rejects");
  }

  @Test
  void attemptTimeout_interruptsAStuckAttempt_andRetriesIt() throws Exception {
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    RetryPolicy<String> policy = RetryPolicy.<String>builder().maxAttempts(3).initialDelay(Duration.ofMillis(1))
        .attemptTimeout(Duration.ofMillis(50)).onError(errors::add).build();
    try (AsyncWorkerManager real = new AsyncWorkerManager(2)) {
      AsyncWorker<String> op = real.retry(() -> {
        if (calls.incrementAndGet() == 1) {
          new CountDownLatch(1).await(); // stuck until the attempt timeout interrupts it
        }
        return "second";
      }, policy);
      assertThat(op.getResult(Duration.ofSeconds(10))).isEqualTo("second");
      assertThat(errors).singleElement().isInstanceOf(AsyncTimeoutException.class);
    }
  }

  // ------------------------------------------------------------ deadline

  @Test
  void maxTotalDelay_noAttemptStartsAfterIt_andRetryingStopsWhenTheNextDelayWouldEndPastIt() throws Exception {
    List<Long> attemptStartsMs = new CopyOnWriteArrayList<>();
    RetryPolicy<String> policy = RetryPolicy.<String>builder().maxAttempts(1000).backoff(BackoffStrategy.FIXED)
        .initialDelay(Duration.ofMillis(30)).maxTotalDelay(Duration.ofMillis(200)).build();
    try (AsyncWorkerManager real = new AsyncWorkerManager(2)) {
      long start = System.nanoTime();
      AsyncWorker<String> op = real.retry(() -> {
        attemptStartsMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        throw new IOException("down");
      }, policy);
      assertThatThrownBy(() -> op.getResult(Duration.ofSeconds(20)))
          .isInstanceOfSatisfying(RetryExhaustedException.class, e -> {
            assertThat(e.deadlineReached()).isTrue();
            assertThat(e.attempts()).isEqualTo(attemptStartsMs.size()).isBetween(2, 7);
            assertThat(e).hasMessageContaining("retry deadline of PT0.2S");
          });
      assertThat(attemptStartsMs).allMatch(ms -> ms <= 200, "every attempt started within the deadline");
    }
  }

  @Test
  void maxTotalDelayZero_meansOneAttempt() {
    Flaky flaky = new Flaky(5);
    AsyncWorker<String> op = manager.retry(flaky, RetryPolicy.<String>builder().maxAttempts(5)
        .maxTotalDelay(Duration.ZERO).build());
    drive();
    assertThat(flaky.calls).hasValue(1);
    assertThatThrownBy(op::getResult).isInstanceOfSatisfying(RetryExhaustedException.class,
        e -> assertThat(e.deadlineReached()).isTrue());
  }

  // ------------------------------------------------------------ cancellation

  @Test
  void cancelDuringADelay_removesTheDelay_andNoFurtherAttemptRuns() {
    AtomicInteger completes = new AtomicInteger();
    Flaky flaky = new Flaky(5);
    AsyncWorker<String> op = manager.retry(flaky, RetryPolicy.<String>builder().maxAttempts(5)
        .onComplete(completes::incrementAndGet).build());
    executor.runAll();
    assertThat(scheduler.pending()).hasSize(1);
    CompletableFuture<String> future = op.toCompletableFuture();
    assertThat(future.cancel(true)).isTrue();
    assertThat(op.state()).isEqualTo(WorkerState.CANCELLED);
    assertThat(scheduler.pending()).as("the pending delay was cancelled").isEmpty();
    drive();
    assertThat(flaky.calls).hasValue(1);
    assertThat(completes).hasValue(1);
  }

  @Test
  void cancelDuringAnAttempt_interruptsIt_andNoFurtherAttemptRuns() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    try (AsyncWorkerManager real = new AsyncWorkerManager(2)) {
      CompletableFuture<String> future = real.asyncRetry(() -> {
        calls.incrementAndGet();
        started.countDown();
        try {
          new CountDownLatch(1).await();
        } catch (InterruptedException e) {
          interrupted.countDown();
          throw e;
        }
        return "never";
      }, 5, Duration.ofMillis(1), BackoffStrategy.FIXED, Duration.ofSeconds(30), v -> { }, e -> { }, () -> { });
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      future.cancel(true);
      assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(real.waitForAll(Duration.ofSeconds(10))).isTrue();
      assertThat(calls).hasValue(1);
      assertThat(future).isCancelled();
    }
  }

  // ------------------------------------------------------------ bad input

  @Test
  void badInput_isRejectedNamingTheParameterAndValue() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts must be >= 1 but was 0");
    assertThatThrownBy(() -> RetryPolicy.builder().initialDelay(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("initialDelay must be >= 0 but was PT-0.001S");
    assertThatThrownBy(() -> RetryPolicy.builder().maxTotalDelay(Duration.ofSeconds(-1)))
        .hasMessage("maxTotalDelay must be >= 0 but was PT-1S");
    assertThatThrownBy(() -> RetryPolicy.builder().maxDelay(Duration.ZERO)).hasMessage("maxDelay must be > 0 but was PT0S");
    assertThatThrownBy(() -> RetryPolicy.builder().attemptTimeout(Duration.ZERO))
        .hasMessage("attemptTimeout must be > 0 but was PT0S");
    assertThatThrownBy(() -> RetryPolicy.builder().jitter(1.0)).hasMessage("jitter must be >= 0 and < 1 but was 1.0");
    assertThatThrownBy(() -> RetryPolicy.builder().jitter(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RetryPolicy.builder().initialDelay(Duration.ZERO).backoff(BackoffStrategy.LINEAR).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("initialDelay must be > 0 with LINEAR backoff but was PT0S (a zero delay only makes sense with FIXED)");
    assertThatThrownBy(() -> RetryPolicy.builder().initialDelay(Duration.ofSeconds(2)).maxDelay(Duration.ofSeconds(1))
        .build()).isInstanceOf(IllegalArgumentException.class).hasMessage("maxDelay must be >= initialDelay (PT2S) but was PT1S");
    assertThatThrownBy(() -> RetryPolicy.builder().backoff(null)).isInstanceOf(NullPointerException.class).hasMessage("backoff");
    assertThatThrownBy(() -> Async.asyncRetry(null, RetryPolicy.ofDefaults())).hasMessage("task");
    assertThatThrownBy(() -> Async.asyncRetry(() -> 1, null)).hasMessage("policy");
    assertThatThrownBy(() -> Async.asyncRetry(() -> 1, 0, Duration.ZERO, BackoffStrategy.FIXED, Duration.ZERO,
        v -> { }, e -> { }, () -> { })).hasMessage("maxAttempts must be >= 1 but was 0");
    assertThatThrownBy(() -> Async.asyncRetry(() -> 1, 3, Duration.ZERO, BackoffStrategy.EXPONENTIAL,
        Duration.ofSeconds(1), v -> { }, e -> { }, () -> { })).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Async.asyncRetry(() -> 1, 3, Duration.ofMillis(1), BackoffStrategy.FIXED,
        Duration.ofSeconds(1), null, e -> { }, () -> { })).isInstanceOf(NullPointerException.class)
        .hasMessage("onSuccess");
  }

  // ------------------------------------------------------------ no pool thread sleeps

  @Test
  void tenThousandConcurrentRetries_onTwoThreads_finishFarFasterThanSleepingWouldAllow() throws Exception {
    int ops = 10_000;
    RetryPolicy<Integer> policy = RetryPolicy.<Integer>builder().maxAttempts(3).backoff(BackoffStrategy.FIXED)
        .initialDelay(Duration.ofMillis(50)).build();
    java.util.concurrent.ThreadPoolExecutor pool = Defaults.newPool("proof", 2);
    java.util.concurrent.ScheduledThreadPoolExecutor timer = Defaults.newScheduler("proof-timer");
    AtomicInteger sleepingSamples = new AtomicInteger();
    AtomicInteger samples = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread sampler = new Thread(() -> {
      while (sampling.get()) {
        for (var e : Thread.getAllStackTraces().entrySet()) {
          if (e.getKey().getName().startsWith("proof-") && !e.getKey().getName().startsWith("proof-timer")) {
            samples.incrementAndGet();
            for (StackTraceElement frame : e.getValue()) {
              if (frame.getClassName().equals("java.lang.Thread") && frame.getMethodName().startsWith("sleep")) {
                sleepingSamples.incrementAndGet();
              }
            }
          }
        }
        Thread.onSpinWait();
      }
    });
    try (AsyncWorkerManager m = AsyncWorkerManager.builder().executor(pool).scheduler(timer).build()) {
      sampler.start();
      long start = System.nanoTime();
      List<AsyncWorker<Integer>> workers = new ArrayList<>(ops);
      for (int i = 0; i < ops; i++) {
        AtomicInteger calls = new AtomicInteger();
        workers.add(m.retry(() -> {
          if (calls.incrementAndGet() <= 2) {
            throw new IOException("transient");
          }
          return 1;
        }, policy));
      }
      assertThat(m.waitForAll(Duration.ofSeconds(60))).isTrue();
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      sampling.set(false);
      sampler.join(10_000);
      int sum = workers.stream().collect(Collectors.summingInt(AsyncWorker::getResult));
      assertThat(sum).isEqualTo(ops);
      assertThat(pool.getCompletedTaskCount()).as("one pool task per attempt").isEqualTo(3L * ops);
      assertThat(samples.get()).isPositive();
      assertThat(sleepingSamples).as("pool threads seen inside Thread.sleep").hasValue(0);
      // Sleeping on the 2 pool threads would take 10,000 x 2 x 50 ms / 2 = 500 s; the delays alone
      // are 100 ms. The bound is generous for a loaded 2-core machine.
      System.out.printf("10,000 retried operations (3 attempts, 2 x 50 ms delays) on 2 threads: %d ms%n", elapsedMs);
      assertThat(elapsedMs).isLessThan(20_000);
    } finally {
      sampling.set(false);
      pool.shutdownNow();
      timer.shutdownNow();
    }
  }
}
