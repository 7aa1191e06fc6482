package io.atom.async;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * How to retry an operation: attempts, backoff, deadline, which failures to retry, and the handlers
 * of {@code asyncRetry}. Run it with {@link Async#asyncRetry(java.util.concurrent.Callable, RetryPolicy)}
 * or {@link AsyncWorkerManager#retry(java.util.concurrent.Callable, RetryPolicy)}.
 *
 * <pre>{@code
 * RetryPolicy<Response> policy = RetryPolicy.<Response>builder()
 *     .maxAttempts(5)
 *     .initialDelay(Duration.ofMillis(200))
 *     .backoff(BackoffStrategy.EXPONENTIAL)       // 200 ms, 400 ms, 800 ms ... times [0.5, 1.5]
 *     .maxDelay(Duration.ofSeconds(5))
 *     .maxTotalDelay(Duration.ofSeconds(30))      // no attempt starts after 30 s
 *     .abortOn(IllegalArgumentException.class)
 *     .retryIfResult(response -> response.status() >= 500)
 *     .onError(e -> log.warn("attempt failed", e))
 *     .build();
 * }</pre>
 *
 * <p>Delays run on a scheduler thread, never on a pool thread, with millisecond resolution (the
 * resilience4j engine underneath schedules in milliseconds; a sub-millisecond delay rounds up to
 * 1 ms, a zero FIXED delay retries at once). An {@link Error} is never retried, nor is a
 * {@link RejectedExecutionException} (the pool is full or shut down).
 *
 * <p>Instances are immutable and thread-safe: build one and reuse it for every call. The builder is
 * not thread-safe.
 *
 * @param <T> the result type of the operations it retries
 */
public final class RetryPolicy<T> {
  private static final System.Logger LOG = System.getLogger(RetryPolicy.class.getName());

  final int maxAttempts;
  private final Duration initialDelay;
  private final BackoffStrategy backoff;
  private final @Nullable Duration maxDelay;
  private final double jitter;
  final long maxTotalNanos; // -1 for none
  final long attemptTimeoutNanos; // 0 for none
  private final List<Class<? extends Throwable>> retryOn;
  private final List<Class<? extends Throwable>> abortOn;
  private final Predicate<? super Throwable> retryIf;
  private final @Nullable Predicate<? super T> retryIfResult;
  private final Consumer<? super T> onSuccess;
  private final Consumer<? super Throwable> onError;
  private final Runnable onComplete;
  private final DoubleSupplier random;

  private final IntervalFunction interval;
  private final long maxDelayMillis;
  /** The resilience4j engine that runs the attempts and schedules the delays; one per policy. */
  final Retry engine;

  private RetryPolicy(Builder<T> b) {
    this.maxAttempts = b.maxAttempts;
    this.initialDelay = b.initialDelay;
    this.backoff = b.backoff;
    this.maxDelay = b.maxDelay;
    this.jitter = b.jitter >= 0 ? b.jitter : (b.backoff == BackoffStrategy.EXPONENTIAL ? 0.5 : 0.0);
    this.maxTotalNanos = b.maxTotalDelay == null ? -1L : Durations.saturatedNanos(b.maxTotalDelay);
    this.attemptTimeoutNanos = b.attemptTimeoutNanos;
    this.retryOn = List.copyOf(b.retryOn);
    this.abortOn = List.copyOf(b.abortOn);
    this.retryIf = b.retryIf;
    this.retryIfResult = b.retryIfResult;
    this.onSuccess = b.onSuccess;
    this.onError = b.onError;
    this.onComplete = b.onComplete;
    this.random = b.random;
    this.interval = intervalFunction(b.backoff, roundUpMillis(b.initialDelay));
    this.maxDelayMillis = b.maxDelay == null ? Long.MAX_VALUE : roundUpMillis(b.maxDelay);
    this.engine = Retry.of(b.name, RetryConfig.<T>custom()
        .maxAttempts(b.maxAttempts)
        // RetryRun decides whether and when to retry and hands the decision over in the failure it
        // reports (AttemptFailed): the engine counts the attempts and schedules the delays.
        .retryOnException(RetryRun::isRetryable)
        .intervalBiFunction((Integer attempt, Either<Throwable, T> outcome) -> RetryRun.delayOf(outcome))
        .build());
  }

  /** Maps our strategies onto resilience4j's interval functions; jitter and cap come after. */
  private static IntervalFunction intervalFunction(BackoffStrategy backoff, long initialMillis) {
    if (initialMillis == 0) {
      return attempt -> 0L; // FIXED only (checked in build()); resilience4j's functions need >= 1 ms
    }
    switch (backoff) {
      case FIXED:
        return IntervalFunction.of(initialMillis);
      case LINEAR: // closed form: resilience4j's iterated functions cost O(n) per delay
        return attempt -> saturatedMultiply(initialMillis, attempt);
      default:
        return attempt -> attempt > 63 ? Long.MAX_VALUE : saturatedMultiply(initialMillis, 1L << (attempt - 1));
    }
  }

  private static long saturatedMultiply(long a, long b) {
    long high = Math.multiplyHigh(a, b);
    long product = a * b;
    return (high != 0 || product < 0) ? Long.MAX_VALUE : product;
  }

  private static long roundUpMillis(Duration d) {
    if (d.getSeconds() >= Long.MAX_VALUE / 1000) {
      return Long.MAX_VALUE; // ~292 million years: never
    }
    long millis = d.toMillis();
    return d.minusMillis(millis).isZero() ? millis : millis + 1;
  }

  /**
   * Returns a builder. Defaults: 3 attempts, 100 ms initial delay, {@link BackoffStrategy#EXPONENTIAL}
   * with jitter 0.5, no maximum delay, no deadline, every {@link Exception} retried, no
   * per-attempt timeout, no handlers.
   *
   * @param <T> the result type
   * @return a new builder
   */
  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /**
   * Returns a policy with the {@linkplain #builder() defaults}.
   *
   * @param <T> the result type
   * @return the default policy
   */
  public static <T> RetryPolicy<T> ofDefaults() {
    return RetryPolicy.<T>builder().build();
  }

  /**
   * Returns the number of attempts, the first one included.
   *
   * @return at least 1
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * Returns the backoff strategy.
   *
   * @return the strategy
   */
  public BackoffStrategy backoff() {
    return backoff;
  }

  /**
   * Returns the delay before the second attempt, before jitter.
   *
   * @return the initial delay
   */
  public Duration initialDelay() {
    return initialDelay;
  }

  /**
   * Returns the jitter factor: each delay is multiplied by a uniform factor in
   * {@code [1 - jitter, 1 + jitter]}.
   *
   * @return the factor, 0 for none
   */
  public double jitter() {
    return jitter;
  }

  /**
   * Computes the delay after the {@code failedAttempts}-th failure, jitter and cap included.
   *
   * @param failedAttempts how many attempts have failed, at least 1
   * @return the delay in milliseconds
   * @throws IllegalArgumentException if {@code failedAttempts < 1}
   */
  public long delayMillis(int failedAttempts) {
    if (failedAttempts < 1) {
      throw new IllegalArgumentException("failedAttempts must be >= 1 but was " + failedAttempts);
    }
    long delay = interval.apply(failedAttempts);
    if (jitter > 0 && delay > 0) {
      double factor = 1 + jitter * (2 * random.getAsDouble() - 1);
      delay = Math.round(delay * factor);
    }
    return Math.min(delay, maxDelayMillis);
  }

  /**
   * Whether a failed attempt may be retried, by its exception alone (attempts and deadline aside). A
   * {@link CancellationException} thrown by the task itself is not retried either.
   */
  boolean isRetryable(Throwable failure) {
    if (failure instanceof Error || failure instanceof RejectedExecutionException
        || failure instanceof CancellationException) {
      return false;
    }
    for (Class<? extends Throwable> type : abortOn) {
      if (type.isInstance(failure)) {
        return false;
      }
    }
    if (!retryOn.isEmpty() && retryOn.stream().noneMatch(type -> type.isInstance(failure))) {
      return false;
    }
    try {
      return retryIf.test(failure);
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.WARNING, "retryIf predicate threw; the failure is not retried", e);
      return false;
    }
  }

  /** Whether a result must be retried (the seed's validate wired into retry). */
  boolean rejectsResult(@Nullable T result) {
    if (retryIfResult == null) {
      return false;
    }
    try {
      return retryIfResult.test(result);
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.WARNING, "retryIfResult predicate threw; the result is accepted", e);
      return false;
    }
  }

  void fireOnError(Throwable failure) {
    try {
      onError.accept(failure);
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.WARNING, "onError handler threw; ignored", e);
    }
  }

  Consumer<? super T> onSuccess() {
    return onSuccess;
  }

  Runnable onComplete() {
    return onComplete;
  }

  @Override
  public String toString() {
    return "RetryPolicy[maxAttempts=" + maxAttempts + ", initialDelay=" + initialDelay + ", backoff=" + backoff
        + ", maxDelay=" + maxDelay + ", jitter=" + jitter
        + ", maxTotalDelay=" + (maxTotalNanos < 0 ? "none" : Duration.ofNanos(maxTotalNanos))
        + ", attemptTimeout=" + (attemptTimeoutNanos == 0 ? "none" : Duration.ofNanos(attemptTimeoutNanos)) + "]";
  }

  /**
   * Builds a {@link RetryPolicy}. Not thread-safe; {@link #build()} copies what it needs, so a
   * builder may be changed and built again.
   *
   * @param <T> the result type
   */
  public static final class Builder<T> {
    private String name = "atom-async-retry";
    private int maxAttempts = 3;
    private Duration initialDelay = Duration.ofMillis(100);
    private BackoffStrategy backoff = BackoffStrategy.EXPONENTIAL;
    private @Nullable Duration maxDelay;
    private double jitter = -1; // strategy default
    private @Nullable Duration maxTotalDelay;
    private long attemptTimeoutNanos;
    private final List<Class<? extends Throwable>> retryOn = new ArrayList<>();
    private final List<Class<? extends Throwable>> abortOn = new ArrayList<>();
    private Predicate<? super Throwable> retryIf = e -> true;
    private @Nullable Predicate<? super T> retryIfResult;
    private Consumer<? super T> onSuccess = v -> { };
    private Consumer<? super Throwable> onError = e -> { };
    private Runnable onComplete = () -> { };
    private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

    private Builder() {}

    /**
     * Sets the name, used in log lines and metric tags.
     *
     * @param name a non-blank name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public Builder<T> name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank but was '" + name + "'");
      }
      this.name = name;
      return this;
    }

    /**
     * Sets how many attempts run at most, the first one included.
     *
     * @param maxAttempts at least 1 (1 means no retry)
     * @return this builder
     * @throws IllegalArgumentException if {@code maxAttempts < 1}
     */
    public Builder<T> maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1 but was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the delay before the second attempt, from which the others grow.
     *
     * @param initialDelay zero or more; zero only with {@link BackoffStrategy#FIXED}
     * @return this builder
     * @throws NullPointerException if {@code initialDelay} is null
     * @throws IllegalArgumentException if {@code initialDelay} is negative
     */
    public Builder<T> initialDelay(Duration initialDelay) {
      Durations.waitNanos(initialDelay, "initialDelay");
      this.initialDelay = initialDelay;
      return this;
    }

    /**
     * Sets how the delay grows.
     *
     * @param backoff the strategy
     * @return this builder
     * @throws NullPointerException if {@code backoff} is null
     */
    public Builder<T> backoff(BackoffStrategy backoff) {
      this.backoff = Objects.requireNonNull(backoff, "backoff");
      return this;
    }

    /**
     * Caps every delay, jitter included. None by default.
     *
     * @param maxDelay greater than zero and not below the initial delay (checked by {@link #build()})
     * @return this builder
     * @throws NullPointerException if {@code maxDelay} is null
     * @throws IllegalArgumentException if {@code maxDelay} is zero or negative
     */
    public Builder<T> maxDelay(Duration maxDelay) {
      Durations.positiveNanos(maxDelay, "maxDelay");
      this.maxDelay = maxDelay;
      return this;
    }

    /**
     * Multiplies each delay by a uniform factor in {@code [1 - factor, 1 + factor]}. The default is
     * 0.5 for {@link BackoffStrategy#EXPONENTIAL} and 0 (none) for the others.
     *
     * @param factor from 0 (no jitter) up to, not including, 1
     * @return this builder
     * @throws IllegalArgumentException if {@code factor} is outside {@code [0, 1)}
     */
    public Builder<T> jitter(double factor) {
      if (!(factor >= 0 && factor < 1)) {
        throw new IllegalArgumentException("jitter must be >= 0 and < 1 but was " + factor);
      }
      this.jitter = factor;
      return this;
    }

    /**
     * Turns jitter off, whatever the strategy.
     *
     * @return this builder
     */
    public Builder<T> noJitter() {
      this.jitter = 0;
      return this;
    }

    /**
     * Sets a deadline on the whole operation, counted from its start, attempts' running time
     * included: retrying stops as soon as the next delay would end past it, and the last failure is
     * reported then. A running attempt is not cut short by it (see {@link #attemptTimeout}). Zero
     * means one attempt. None by default.
     *
     * @param maxTotalDelay zero or more
     * @return this builder
     * @throws NullPointerException if {@code maxTotalDelay} is null
     * @throws IllegalArgumentException if {@code maxTotalDelay} is negative
     */
    public Builder<T> maxTotalDelay(Duration maxTotalDelay) {
      Durations.waitNanos(maxTotalDelay, "maxTotalDelay");
      this.maxTotalDelay = maxTotalDelay;
      return this;
    }

    /**
     * Gives each attempt a hard timeout: an attempt still running at it is interrupted and fails with
     * an {@link AsyncTimeoutException}, which is retried like any failure. None by default.
     *
     * @param attemptTimeout greater than zero
     * @return this builder
     * @throws NullPointerException if {@code attemptTimeout} is null
     * @throws IllegalArgumentException if {@code attemptTimeout} is zero or negative
     */
    public Builder<T> attemptTimeout(Duration attemptTimeout) {
      this.attemptTimeoutNanos = Durations.positiveNanos(attemptTimeout, "attemptTimeout");
      return this;
    }

    /**
     * Retries only failures of these types (and their subtypes). By default every {@link Exception}
     * is retried.
     *
     * @param types the exception types to retry
     * @return this builder
     * @throws NullPointerException if {@code types} or one of them is null
     */
    @SafeVarargs
    public final Builder<T> retryOn(Class<? extends Throwable>... types) {
      for (Class<? extends Throwable> type : Objects.requireNonNull(types, "types")) {
        retryOn.add(Objects.requireNonNull(type, "types[i]"));
      }
      return this;
    }

    /**
     * Never retries failures of these types: the operation fails at once with that exception.
     *
     * @param types the exception types not to retry
     * @return this builder
     * @throws NullPointerException if {@code types} or one of them is null
     */
    @SafeVarargs
    public final Builder<T> abortOn(Class<? extends Throwable>... types) {
      for (Class<? extends Throwable> type : Objects.requireNonNull(types, "types")) {
        abortOn.add(Objects.requireNonNull(type, "types[i]"));
      }
      return this;
    }

    /**
     * Retries a failure only if {@code predicate} accepts it (after {@link #retryOn} and
     * {@link #abortOn}). A predicate that throws counts as "do not retry" and is logged.
     *
     * @param predicate the test
     * @return this builder
     * @throws NullPointerException if {@code predicate} is null
     */
    public Builder<T> retryIf(Predicate<? super Throwable> predicate) {
      this.retryIf = Objects.requireNonNull(predicate, "predicate");
      return this;
    }

    /**
     * Retries while the result matches {@code predicate} (the seed's {@code validate}, negated, wired
     * into retry). When the attempts or the deadline run out with such a result, the operation fails
     * with a {@link RetryExhaustedException} whose cause names the result.
     *
     * @param predicate true for a result that must be retried
     * @return this builder
     * @throws NullPointerException if {@code predicate} is null
     */
    public Builder<T> retryIfResult(Predicate<? super T> predicate) {
      this.retryIfResult = Objects.requireNonNull(predicate, "predicate");
      return this;
    }

    /**
     * Runs once with the value when the operation succeeds. An exception it throws is logged.
     *
     * @param handler the success handler
     * @return this builder
     * @throws NullPointerException if {@code handler} is null
     */
    public Builder<T> onSuccess(Consumer<? super T> handler) {
      this.onSuccess = Objects.requireNonNull(handler, "onSuccess");
      return this;
    }

    /**
     * Runs once per failed attempt with that attempt's exception. An exception it throws is logged.
     *
     * @param handler the error handler
     * @return this builder
     * @throws NullPointerException if {@code handler} is null
     */
    public Builder<T> onError(Consumer<? super Throwable> handler) {
      this.onError = Objects.requireNonNull(handler, "onError");
      return this;
    }

    /**
     * Runs exactly once at the very end, after success, final failure or cancellation. An exception
     * it throws is logged.
     *
     * @param handler the completion handler
     * @return this builder
     * @throws NullPointerException if {@code handler} is null
     */
    public Builder<T> onComplete(Runnable handler) {
      this.onComplete = Objects.requireNonNull(handler, "onComplete");
      return this;
    }

    /** For tests: the source of jitter, uniform in [0, 1). */
    Builder<T> random(DoubleSupplier random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return a new immutable policy
     * @throws IllegalArgumentException if the initial delay is zero with a strategy other than
     *     {@link BackoffStrategy#FIXED}, or the maximum delay is below the initial delay
     */
    public RetryPolicy<T> build() {
      if (initialDelay.isZero() && backoff != BackoffStrategy.FIXED) {
        throw new IllegalArgumentException("initialDelay must be > 0 with " + backoff
            + " backoff but was PT0S (a zero delay only makes sense with FIXED)");
      }
      if (maxDelay != null && maxDelay.compareTo(initialDelay) < 0) {
        throw new IllegalArgumentException("maxDelay must be >= initialDelay (" + initialDelay
            + ") but was " + maxDelay);
      }
      return new RetryPolicy<>(this);
    }
  }

  static long millisToNanos(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }
}
